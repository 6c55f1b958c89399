"""Anatomical modularity: are functional clusters also spatial clusters?

Two metrics on a layout of cluster labels over the grid slots (bimt-spec §5.4), both "smaller
is more modular":

- isolated fraction: among important neurons, the share with no neighbour of the same label
  (8 neighbours on a 2D grid, 2 on a 1D line, no wrap-around; unimportant slots never match);
- cluster size: per cluster, the population variance of its members' coordinates summed over
  axes (2D: Var(row) + Var(col); 1D: variance of indices), averaged over clusters unweighted.

`shuffle_test` compares the observed values with random re-arrangements of the important
neurons. Every shuffle is computed at once on arrays (no Python loop over shuffles), in
chunks that bound memory; the result does not depend on the chunk size.

A layout is `labels_by_slot`: int array [N], the cluster label of the neuron in each slot, -1
where the slot holds an unimportant neuron. Any non-negative labels work (not necessarily
0..k-1). A geometry is anything with `coords` [N, d] (grid units) and `neighbours` [N, K]
(int, -1 padded), i.e. `bimt.model.Grid2D` / `Grid1D`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

ShuffleMode = Literal["positions", "scatter"]
SHUFFLE_MODES: tuple[str, ...] = ("positions", "scatter")
METRICS: tuple[str, ...] = ("isolated_fraction", "cluster_size")

# Working-set bound for one chunk of shuffles (elements of the [chunk, m, K] neighbour arrays).
_CHUNK_ELEMENTS = 1 << 21


@dataclass(frozen=True)
class _Layout:
    """A validated layout: where the important neurons sit and what their labels are."""

    coords: np.ndarray  # [N, d] float64
    neighbours: np.ndarray  # [N, K] int64, padding -1 replaced by N (a sentinel slot)
    slots: np.ndarray  # [m] int64, the important slots in increasing order
    labels: np.ndarray  # [m] int64 in 0..k-1 (labels of `slots`, compacted)
    n_clusters: int


def _layout(labels_by_slot: Any, geometry: Any) -> _Layout:
    coords = np.asarray(getattr(geometry, "coords", None), dtype=np.float64)
    neighbours = np.asarray(getattr(geometry, "neighbours", None))
    if coords.ndim != 2 or neighbours.ndim != 2 or len(coords) != len(neighbours):
        raise TypeError(
            "geometry must have `coords` [N, d] and `neighbours` [N, K] (a bimt Grid1D/Grid2D), "
            f"got {type(geometry).__name__}"
        )
    n = len(coords)
    labels = np.asarray(labels_by_slot)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels_by_slot must be an int array of shape ({n},) (one label per slot, -1 for "
            f"unimportant slots); got dtype {labels.dtype} shape {labels.shape}"
        )
    if labels.size and labels.min() < -1:
        raise ValueError("labels_by_slot must be >= 0 for important slots and -1 otherwise")
    slots = np.flatnonzero(labels >= 0)
    if slots.size == 0:
        raise ValueError("labels_by_slot has no important slot (all -1): nothing to measure")
    _, compact = np.unique(labels[slots], return_inverse=True)
    nb = neighbours.astype(np.int64)
    nb = np.where(nb < 0, n, nb)
    return _Layout(coords, nb, slots, compact.astype(np.int64), int(compact.max()) + 1)


def _isolated(lay: _Layout, pos: np.ndarray) -> np.ndarray:
    """Isolated fraction for each row of `pos` [S, m] (slot of important neuron i): [S]."""
    s, m = pos.shape
    width = len(lay.coords) + 1
    # Row r of `grid` is layout r; column N stands for "outside the grid". It and unimportant
    # slots hold -1, which no label equals. Flat offsets keep the gathers one-dimensional.
    dtype = np.int16 if lay.n_clusters < np.iinfo(np.int16).max else np.int32
    grid = np.full(s * width, -1, dtype=dtype)
    offset = (np.arange(s) * width)[:, None]
    grid[(offset + pos).ravel()] = np.tile(lay.labels.astype(dtype), s)
    nb = lay.neighbours[pos]  # [S, m, K] neighbour slots
    nb += offset[:, :, None]
    nb_labels = grid.take(nb)
    matched = (nb_labels == lay.labels.astype(dtype)[None, :, None]).any(axis=2)
    return (m - matched.sum(axis=1)) / m


def _cluster_size(lay: _Layout, pos: np.ndarray) -> np.ndarray:
    """Mean over clusters of the summed per-axis population variance, per row of `pos`: [S]."""
    onehot = np.zeros((pos.shape[1], lay.n_clusters))
    onehot[np.arange(pos.shape[1]), lay.labels] = 1.0
    count = onehot.sum(axis=0)  # [k]
    var = np.zeros((pos.shape[0], lay.n_clusters))
    for axis in lay.coords.T:  # 1 or 2 axes
        # Per-cluster sums of the coordinate and its square as BLAS products [S, m] @ [m, k].
        x = axis.take(pos)
        mean = (x @ onehot) / count
        mean_sq = ((x * x) @ onehot) / count
        var += np.clip(mean_sq - mean * mean, 0.0, None)
    return var.mean(axis=1)


_KERNELS = {"isolated_fraction": _isolated, "cluster_size": _cluster_size}


def isolated_fraction(labels_by_slot: Any, geometry: Any) -> float:
    """Fraction of important neurons none of whose grid neighbours has the same label.

    Neighbours are the 8 surrounding slots on a 2D grid (5 on an edge, 3 in a corner) and the
    2 adjacent slots on a 1D line; there is no wrap-around.
    """
    lay = _layout(labels_by_slot, geometry)
    return float(_isolated(lay, lay.slots[None, :])[0])


def cluster_size(labels_by_slot: Any, geometry: Any) -> float:
    """Average spatial spread of the clusters, in squared grid units.

    Per cluster: population variance of its members' coordinates summed over axes (2D:
    Var(row) + Var(col), 1D: Var(index)); single-member clusters count 0. Then the unweighted
    mean over clusters.
    """
    lay = _layout(labels_by_slot, geometry)
    return float(_cluster_size(lay, lay.slots[None, :])[0])


@dataclass(frozen=True)
class ShuffleResult:
    """One metric against its shuffle baseline.

    `shuffled` [n_shuffles] holds the metric of every shuffle, in shuffle order. The p-value is
    one-sided towards "more modular than chance" (smaller): (1 + #{shuffled <= observed}) /
    (1 + n_shuffles), ties (to 1e-12 relative) counted as <=. `z` = (observed - mean) / std
    (population std of the shuffles); NaN when every shuffle gives the same value.
    """

    observed: float
    shuffled: np.ndarray
    p_value: float
    z: float

    @property
    def mean(self) -> float:
        return float(self.shuffled.mean())

    @property
    def std(self) -> float:
        return float(self.shuffled.std())

    def to_dict(self, include_shuffled: bool = True) -> dict[str, Any]:
        """JSON-able summary (NaN written as None)."""
        out: dict[str, Any] = {
            "observed": self.observed,
            "mean": self.mean,
            "std": self.std,
            "p_value": self.p_value,
            "z": None if np.isnan(self.z) else self.z,
        }
        if include_shuffled:
            out["shuffled"] = self.shuffled.tolist()
        return out


def shuffle_positions(
    n_important: int,
    n_slots: int,
    important_slots: np.ndarray,
    n_shuffles: int,
    mode: ShuffleMode,
    rng: np.random.Generator,
) -> np.ndarray:
    """Slots of the important neurons in `n_shuffles` random layouts: int64 [n_shuffles, m].

    "positions": a uniform permutation of `important_slots` (the labels are permuted among
    the occupied slots). "scatter": m distinct slots drawn uniformly from all `n_slots`, in
    uniformly random order. Both come from argsort of uniform random keys drawn from `rng`,
    row by row, so drawing in chunks gives the same layouts as drawing at once.
    """
    if mode == "positions":
        keys = rng.random((n_shuffles, n_important))
        return important_slots[np.argsort(keys, axis=1, kind="stable")]
    if mode == "scatter":
        keys = rng.random((n_shuffles, n_slots))
        if n_important == n_slots:
            return np.argsort(keys, axis=1, kind="stable")
        # = argsort(keys)[:, :m], without sorting the N - m slots that are not used.
        first = np.argpartition(keys, n_important - 1, axis=1)[:, :n_important]
        order = np.take_along_axis(keys, first, axis=1).argsort(axis=1, kind="stable")
        return np.take_along_axis(first, order, axis=1)
    raise ValueError(f"mode must be one of {SHUFFLE_MODES}, got {mode!r}")


def shuffle_test(
    labels_by_slot: Any,
    geometry: Any,
    n_shuffles: int = 10_000,
    mode: ShuffleMode = "positions",
    seed: int = 0,
    chunk_size: int | None = None,
) -> dict[str, ShuffleResult]:
    """Compare both anatomy metrics with random re-arrangements of the important neurons.

    Args:
        labels_by_slot: int [N], cluster label per slot, -1 for unimportant slots.
        geometry: a Grid2D / Grid1D (anything with `coords` and `neighbours`).
        n_shuffles: number of random layouts.
        mode: "positions" (reading A, default): permute the labels among the important slots;
            "scatter" (reading B): place the important neurons on random distinct slots.
        seed: seeds `numpy.random.default_rng`; one seed gives the same shuffles.
        chunk_size: shuffles per vectorised chunk (default: bounded by memory); it does not
            change the result.

    Returns:
        {"isolated_fraction": ShuffleResult, "cluster_size": ShuffleResult}.
    """
    if mode not in SHUFFLE_MODES:
        raise ValueError(f"mode must be one of {SHUFFLE_MODES}, got {mode!r}")
    if isinstance(n_shuffles, bool) or not isinstance(n_shuffles, int | np.integer):
        raise TypeError(f"n_shuffles must be an int >= 1, got {n_shuffles!r}")
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be >= 1, got {n_shuffles}")
    lay = _layout(labels_by_slot, geometry)
    m, n = lay.slots.size, len(lay.coords)
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // max(m * lay.neighbours.shape[1], n + 1))
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")

    rng = np.random.default_rng(seed)
    observed = {name: float(k(lay, lay.slots[None, :])[0]) for name, k in _KERNELS.items()}
    shuffled = {name: np.empty(n_shuffles) for name in _KERNELS}
    # The products are small ([chunk, m] @ [m, k]); BLAS threads only add start-up and, on a
    # busy machine, spin-waiting (measured 3x slower with 2 threads than with 1).
    with threadpool_limits(1, user_api="blas"):
        for start in range(0, n_shuffles, chunk_size):
            stop = min(start + chunk_size, n_shuffles)
            pos = shuffle_positions(m, n, lay.slots, stop - start, mode, rng)
            for name, kernel in _KERNELS.items():
                shuffled[name][start:stop] = kernel(lay, pos)
    return {name: _summarise(observed[name], shuffled[name]) for name in _KERNELS}


def _summarise(observed: float, shuffled: np.ndarray) -> ShuffleResult:
    # Ties count against significance: a shuffle equal to the observed value is "as small as";
    # the tolerance absorbs rounding differences between equal layouts summed in other orders.
    tol = 1e-12 * max(1.0, abs(observed))
    p = (1 + int(np.count_nonzero(shuffled <= observed + tol))) / (1 + shuffled.size)
    std = float(shuffled.std())
    z = (observed - float(shuffled.mean())) / std if std > 0 else float("nan")
    return ShuffleResult(observed=observed, shuffled=shuffled, p_value=p, z=z)
