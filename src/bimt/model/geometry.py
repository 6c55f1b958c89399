"""Where the hidden neurons sit: a 2D grid (the paper's 20×20 sheet) or a 1D line.

A geometry is a small, immutable description (numpy only, no torch) shared by the model (its
distance buffer), the analysis (neighbourhoods, positions) and the plots.

Slots are numbered row-major: the slot in grid row r, column c has index a = r·cols + c.

Distances are L1 in grid units divided by ``scale``. The default scale is the longest side of
the grid (n_h for the paper's square n_h × n_h sheet, N for a line), so neighbouring slots are
1/n_h apart and the sheet spans [0, 1) along its longer side, which matches the paper's
coordinates (i/n_h, j/n_h) and DECISIONS.md ("divided by n_h", not n_h²). For a rectangle we
divide by max(rows, cols) rather than by each side separately so that the metric stays
isotropic: one step costs the same along rows and columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# King moves in a fixed order; neighbours[a, k] is the slot in direction k (or -1).
_KING_MOVES = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int >= 1, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def _check_scale(value: Any, default: float) -> float:
    if value is None:
        return float(default)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"scale must be a positive number or None, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"scale must be a finite number > 0 (None: the default), got {value}")
    return value


def _l1_distance(coords: np.ndarray, scale: float) -> np.ndarray:
    diff = np.abs(coords[:, None, :] - coords[None, :, :]).sum(axis=-1)
    return diff / scale


@dataclass(frozen=True)
class Grid2D:
    """A rows × cols sheet of hidden neurons.

    Attributes:
        rows, cols: grid size (both >= 1).
        scale: distance divisor; None means max(rows, cols).
        n: number of slots, rows·cols.
        shape: (rows, cols).
        coords: float64 [N, 2], (row, col) of each slot in grid units.
        neighbours: int64 [N, 8], the king-move neighbours of each slot in the fixed direction
            order (-1,-1), (-1,0), (-1,1), (0,-1), (0,1), (1,-1), (1,0), (1,1); -1 where the move
            leaves the grid (no wrap-around). Corners have 3 valid entries, edges 5, inside 8.
    """

    rows: int
    cols: int
    scale: float | None = None

    def __post_init__(self) -> None:
        rows = _check_count("rows", self.rows)
        cols = _check_count("cols", self.cols)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "cols", cols)
        object.__setattr__(self, "scale", _check_scale(self.scale, max(rows, cols)))

    @property
    def n(self) -> int:
        return self.rows * self.cols

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def coords(self) -> np.ndarray:
        r, c = np.divmod(np.arange(self.n), self.cols)
        return np.stack([r, c], axis=1).astype(np.float64)

    def distance(self) -> np.ndarray:
        """float64 [N, N]: (|Δrow| + |Δcol|) / scale; symmetric with a zero diagonal."""
        return _l1_distance(self.coords, self.scale)

    @property
    def neighbours(self) -> np.ndarray:
        r, c = np.divmod(np.arange(self.n), self.cols)
        out = np.full((self.n, len(_KING_MOVES)), -1, dtype=np.int64)
        for k, (dr, dc) in enumerate(_KING_MOVES):
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < self.rows) & (cc >= 0) & (cc < self.cols)
            out[ok, k] = rr[ok] * self.cols + cc[ok]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "grid2d", "rows": self.rows, "cols": self.cols, "scale": self.scale}


@dataclass(frozen=True)
class Grid1D:
    """A line of n hidden neurons (the paper's Appendix A).

    Attributes:
        n: number of slots (>= 1).
        scale: distance divisor; None means n, so D_ab = |a − b| / n.
        shape: (n,).
        coords: float64 [N, 1], the slot index.
        neighbours: int64 [N, 2], (left, right) neighbour, -1 at the ends (no wrap-around).
    """

    n: int
    scale: float | None = None

    def __post_init__(self) -> None:
        n = _check_count("n", self.n)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "scale", _check_scale(self.scale, n))

    @property
    def shape(self) -> tuple[int]:
        return (self.n,)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def coords(self) -> np.ndarray:
        return np.arange(self.n, dtype=np.float64)[:, None]

    def distance(self) -> np.ndarray:
        """float64 [N, N]: |a − b| / scale."""
        return _l1_distance(self.coords, self.scale)

    @property
    def neighbours(self) -> np.ndarray:
        a = np.arange(self.n, dtype=np.int64)
        left = np.where(a > 0, a - 1, -1)
        right = np.where(a < self.n - 1, a + 1, -1)
        return np.stack([left, right], axis=1)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "grid1d", "n": self.n, "scale": self.scale}


Geometry = Grid2D | Grid1D

_KINDS = {"grid2d": (Grid2D, ("rows", "cols", "scale")), "grid1d": (Grid1D, ("n", "scale"))}


def geometry_from_dict(d: dict[str, Any]) -> Geometry:
    """Rebuild a geometry from ``Grid2D.to_dict()`` / ``Grid1D.to_dict()``."""
    if not isinstance(d, dict):
        raise TypeError(f"geometry_from_dict expects a dict, got {type(d).__name__}")
    kind = d.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"unknown geometry kind {kind!r}; expected one of {sorted(_KINDS)}")
    cls, keys = _KINDS[kind]
    extra = set(d) - {"kind", *keys}
    if extra:
        raise ValueError(f"unexpected keys {sorted(extra)} for geometry {kind!r}; allowed {keys}")
    return cls(**{k: d[k] for k in keys if k in d})
