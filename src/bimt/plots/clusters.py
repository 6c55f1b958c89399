"""Functional clusters in space: the grid (Fig. 1c) and the line (Fig. 4b, c) by cluster colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.plots.layout import check_labels, grid_shape
from bimt.plots.style import cluster_rgba, new_axes, new_axes_grid


def cluster_map(
    labels_by_slot: np.ndarray,
    geometry: Any,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Each hidden slot coloured by its neuron's functional cluster; unimportant slots grey.

    Args:
        labels_by_slot: [N] int, cluster label of the neuron in each slot, -1 if unimportant.
        geometry: Grid2D/Grid1D or a shape; a 2D grid is drawn as rows × cols cells (row 0
            on top, as the slot numbering reads), a 1D line as one strip of N cells.
    """
    labels = check_labels(labels_by_slot, geometry)
    shape = grid_shape(geometry)
    is_1d = len(shape) == 1
    rows, cols = (1, shape[0]) if is_1d else shape
    fig, ax = new_axes(ax, (7.0, 1.0) if is_1d else (3.4, 3.4))
    ax.imshow(cluster_rgba(labels.reshape(rows, cols)), interpolation="nearest",
              aspect="auto" if is_1d else "equal")
    if not is_1d or cols <= 100:
        # Thin white cell borders, so neighbouring same-colour cells still read as cells.
        ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
        ax.grid(which="minor", color="white", lw=0.4)
        ax.tick_params(which="minor", length=0)
    ax.set_xticks([])
    ax.set_yticks([])
    if is_1d:
        ax.set_xlabel("hidden slot")
    n_clusters = len(np.unique(labels[labels >= 0]))
    ax.set_title(f"{title + ': ' if title else ''}{n_clusters} clusters, "
                 f"{int((labels >= 0).sum())} important", fontsize=9)
    return fig


def cluster_maps(
    panels: Sequence[tuple[str, np.ndarray, Any]],
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Several cluster maps side by side (e.g. BIMT vs L1, Fig. 1c / 4b, c).

    Args:
        panels: a list of (title, labels_by_slot [N], geometry). 2D grids go in one row;
            1D lines (long strips) are stacked in one column.
    """
    if not panels:
        raise ValueError("cluster_maps needs at least one (title, labels_by_slot, geometry) panel")
    all_1d = all(len(grid_shape(g)) == 1 for _, _, g in panels)
    n = len(panels)
    shape = (n, 1) if all_1d else (1, n)
    figsize = (7.0, 1.1 * n) if all_1d else (3.3 * n, 3.6)
    fig, grid = new_axes_grid(axes, *shape, figsize=figsize)
    for ax, (title, labels, geometry) in zip(grid.reshape(-1), panels, strict=True):
        cluster_map(labels, geometry, ax=ax, title=title)
    return fig
