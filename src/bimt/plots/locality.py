"""Locality: connection strength against distance (Fig. 1f, 3h) and w_rec as a matrix (Fig. 3c)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bimt.plots.style import new_axes

# A scatter of all 160,000 pairs is slow to draw and unreadable; a fixed-seed subsample of
# this many points shows the cloud just as well.
MAX_SCATTER_POINTS = 20_000


def strength_vs_distance(
    bin_centers: np.ndarray,
    mean_abs_w: np.ndarray,
    ax: Axes | None = None,
    *,
    distances: np.ndarray | None = None,
    abs_w: np.ndarray | None = None,
    title: str | None = None,
) -> Figure:
    """Mean |w_rec| per distance bin on a log axis, over a light scatter of all pairs (Fig. 1f).

    Args:
        bin_centers: [n_bins] distance of each bin's centre; mean_abs_w: [n_bins] mean |w| in
            it (NaN for an empty bin: not drawn).
        distances, abs_w: optional [P] raw (distance, |w|) pairs for the scatter; pairs with
            |w| = 0 cannot sit on the log axis and are left out of it.
    """
    x = np.asarray(bin_centers, dtype=float)
    y = np.asarray(mean_abs_w, dtype=float)
    if x.ndim != 1 or y.shape != x.shape or x.size == 0:
        raise ValueError(f"bin_centers and mean_abs_w must be equal-length non-empty vectors, "
                         f"got {x.shape} and {y.shape}")
    fig, ax = new_axes(ax, (4.0, 3.2))
    if distances is not None or abs_w is not None:
        if distances is None or abs_w is None:
            raise ValueError("pass both distances and abs_w for the scatter, or neither")
        d = np.asarray(distances, dtype=float).reshape(-1)
        a = np.abs(np.asarray(abs_w, dtype=float).reshape(-1))
        if d.shape != a.shape:
            raise ValueError(f"distances and abs_w must have the same size, got {d.size}, {a.size}")
        keep = np.flatnonzero(a > 0)
        if keep.size > MAX_SCATTER_POINTS:
            keep = np.random.default_rng(0).choice(keep, MAX_SCATTER_POINTS, replace=False)
        ax.scatter(d[keep], a[keep], s=2, color="0.6", alpha=0.25, linewidths=0,
                   rasterized=True, label="pairs")
    ok = np.isfinite(y) & (y > 0)
    ax.plot(x[ok], y[ok], "o-", color="black", ms=3, lw=1.2, label="mean |w| per bin")
    ax.set_yscale("log")
    ax.set_xlabel("distance")
    ax.set_ylabel("|w_rec|")
    handles, _ = ax.get_legend_handles_labels()
    if distances is not None:  # the scatter's own 2-pt, faint marker would not show
        handles[0] = Line2D([], [], ls="", marker="o", ms=4, color="0.6", label="pairs")
    ax.legend(handles=handles, frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def weight_matrix(
    w_rec: Any,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    vmax: float | None = None,
) -> Figure:
    """The recurrent matrix as a heat map (Fig. 3c): rows = target slot, columns = source slot.

    A diverging map centred at 0 with blue positive and red negative, as in the network
    drawing; the range is ±max|w| unless `vmax` is given.
    """
    w = np.asarray(w_rec.detach().cpu().numpy() if hasattr(w_rec, "detach") else w_rec,
                   dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"w_rec must be a square [N, N] matrix, got {w.shape}")
    fig, ax = new_axes(ax, (4.2, 3.6))
    top = float(vmax) if vmax is not None else float(np.abs(w).max(initial=0.0)) or 1.0
    im = ax.imshow(w, cmap="RdBu", vmin=-top, vmax=top, interpolation="nearest")
    ax.set_xlabel("from slot")
    ax.set_ylabel("to slot")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02, label="w_rec")
    if title:
        ax.set_title(title)
    return fig
