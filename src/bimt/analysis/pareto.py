"""Pareto fronts of (sparsity, error) points: which trained networks are not dominated.

Both coordinates are minimised. A point is dominated when another point is no worse in both
coordinates and strictly better in at least one. Consequences for ties: exact duplicates do
not dominate each other, so every copy of a front point is on the front; of two points with
the same x, only the one with the smaller error can be on the front (and vice versa).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _as_points(x: Any, error: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    error = np.asarray(error, dtype=np.float64)
    if x.ndim != 1 or x.shape != error.shape:
        raise ValueError(
            f"x and error must be 1-D arrays of equal length, got shapes {x.shape}, {error.shape}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(error))):
        raise ValueError("x and error must be finite (drop diverged runs before the front)")
    return x, error


def pareto_front(x: Any, error: Any) -> np.ndarray:
    """Mask of the non-dominated points (minimising both x and error): bool [n].

    O(n²) memory in one broadcast, which suits the hundreds of runs of a sweep.
    """
    x, error = _as_points(x, error)
    no_worse = (x[:, None] <= x[None, :]) & (error[:, None] <= error[None, :])  # [q, p]
    better = (x[:, None] < x[None, :]) | (error[:, None] < error[None, :])
    return ~np.any(no_worse & better, axis=0)


def pareto_fronts(x: Any, error: Any, method: Sequence[str]) -> dict[str, np.ndarray]:
    """Per method, the indices (into the input) of its front points sorted by x.

    A point competes only with points of its own method. Sorted by increasing x (then error),
    the indices trace the staircase of the front from sparse-and-bad to dense-and-good.
    """
    x, error = _as_points(x, error)
    method = np.asarray(method)
    if method.shape != x.shape:
        raise ValueError(f"method must give one name per point ({x.size}), got {method.shape}")
    out: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(method.tolist()):
        idx = np.flatnonzero(method == name)
        front = idx[pareto_front(x[idx], error[idx])]
        out[str(name)] = front[np.lexsort((error[front], x[front]))]
    return out


def error_from_accuracy(accuracy: dict[str, float]) -> float:
    """Pareto error of a network: 1 − mean over tasks of the per-task accuracy."""
    if not accuracy:
        raise ValueError("accuracy is empty: need one accuracy per task")
    return 1.0 - float(np.mean(list(accuracy.values())))
