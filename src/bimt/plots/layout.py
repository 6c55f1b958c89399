"""Where things sit in a drawing: hidden slots on a grid or line, input and output rows.

Figures accept a geometry as the model's `Grid2D`/`Grid1D` (anything with a `shape`
attribute) or as a plain shape: `(rows, cols)`, `(n,)` or `n`. Slot a of a 2D grid sits in
row a // cols, column a % cols (row-major, as the model numbers its slots).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def grid_shape(geometry: Any) -> tuple[int, ...]:
    """The grid shape `(rows, cols)` or `(n,)` of a geometry object, tuple or int."""
    shape = getattr(geometry, "shape", geometry)
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(
            "geometry must be a Grid1D/Grid2D, a shape tuple (rows, cols) or (n,), or an int; "
            f"got {type(geometry).__name__}"
        ) from None
    if len(shape) not in (1, 2) or min(shape) < 1:
        raise ValueError(
            f"geometry shape must be (n,) or (rows, cols) with sizes >= 1, got {shape}"
        )
    return shape


def n_slots(geometry: Any) -> int:
    """Number of hidden slots of a geometry."""
    return int(np.prod(grid_shape(geometry)))


def slot_rowcol(geometry: Any) -> np.ndarray:
    """Integer (row, col) of every slot: [N, 2]; a 1D line is one row."""
    shape = grid_shape(geometry)
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    idx = np.arange(rows * cols)
    return np.stack([idx // cols, idx % cols], axis=1)


def check_labels(labels_by_slot: np.ndarray, geometry: Any) -> np.ndarray:
    """Validate a per-slot label vector [N] (int, -1 = no cluster) against a geometry."""
    labels = np.asarray(labels_by_slot)
    n = n_slots(geometry)
    if labels.shape != (n,):
        raise ValueError(f"labels_by_slot must have shape ({n},) for geometry "
                         f"{grid_shape(geometry)}, got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels_by_slot must be integers (-1 = no cluster), got {labels.dtype}")
    if labels.size and labels.min() < -1:
        raise ValueError("labels_by_slot must be >= -1 (-1 marks an unimportant slot)")
    return labels.astype(np.int64)
