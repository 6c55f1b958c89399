"""Connection strength against distance (Fig. 1f): how local the recurrent wiring is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Distances on a lattice are integer multiples of 1/scale; rounding to this many decimals
# merges the float noise of (|Δr| + |Δc|) / scale into one value per lattice distance.
_DECIMALS = 9


@dataclass(frozen=True)
class LocalityProfile:
    """Mean |W_ab| per distance bin, and the raw pairs.

    bin_centers, bin_edges [n_bins], [n_bins + 1]; mean_abs_w [n_bins] (NaN in an empty bin);
    count [n_bins] pairs per bin; distance, abs_w [P]: every (a, b) pair used, row-major.
    """

    bin_centers: np.ndarray
    bin_edges: np.ndarray
    mean_abs_w: np.ndarray
    count: np.ndarray
    distance: np.ndarray
    abs_w: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """The binned profile, JSON-able (NaN as None); the raw pairs are left out."""
        return {
            "bin_centers": self.bin_centers.tolist(),
            "bin_edges": self.bin_edges.tolist(),
            "mean_abs_w": [None if np.isnan(v) else float(v) for v in self.mean_abs_w],
            "count": self.count.tolist(),
        }


def strength_vs_distance(
    model: torch.nn.Module, bins: str | int | Any = "lattice", include_self: bool = False
) -> LocalityProfile:
    """Mean |W_ab| of the recurrent matrix binned by the distance D_ab between slots a and b.

    Args:
        bins: "lattice" (default): one bin per distinct distance. On the paper's 20×20 grid
            that is 0, 0.05, …, 1.9 (steps of 1/n_h), fine enough to see whether strong
            connections have a second peak near 0.6 and not so fine that bins are empty.
            An int: that many equal-width bins over [0, max D]. An array: bin edges (the last
            bin is closed; pairs outside the edges are dropped).
        include_self: keep the autapses (distance 0). Off by default: they have no length
            and are not wiring between neurons.
    """
    with torch.no_grad():
        w = model.w_rec.detach().abs().to("cpu", torch.float64).numpy()
        d = model.distance.detach().to("cpu", torch.float64).numpy()
    keep = np.ones_like(w, dtype=bool)
    if not include_self:
        np.fill_diagonal(keep, False)
    dist, absw = d[keep], w[keep]
    if dist.size == 0:
        raise ValueError("no connection pairs to bin (a 1-neuron network without autapses)")

    if isinstance(bins, str):
        if bins != "lattice":
            raise ValueError(
                f"bins must be 'lattice', an int >= 1 or an array of edges, got {bins!r}"
            )
        centers, index = np.unique(np.round(dist, _DECIMALS), return_inverse=True)
        mids = (centers[1:] + centers[:-1]) / 2
        half = (centers[1] - centers[0]) / 2 if centers.size > 1 else 0.5
        edges = np.concatenate([[centers[0] - half], mids, [centers[-1] + half]])
    else:
        if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
            if bins < 1:
                raise ValueError(f"bins must be >= 1, got {bins}")
            edges = np.linspace(0.0, float(dist.max()) or 1.0, int(bins) + 1)
        else:
            edges = np.asarray(bins, dtype=np.float64)
            if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
                raise ValueError("bin edges must be a 1-D increasing array of >= 2 values")
        inside = (dist >= edges[0]) & (dist <= edges[-1])
        dist, absw = dist[inside], absw[inside]
        index = np.clip(np.searchsorted(edges, dist, side="right") - 1, 0, edges.size - 2)
        centers = (edges[1:] + edges[:-1]) / 2

    n_bins = centers.size
    count = np.bincount(index, minlength=n_bins)
    total = np.bincount(index, weights=absw, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return LocalityProfile(centers, edges, mean, count, dist, absw)
