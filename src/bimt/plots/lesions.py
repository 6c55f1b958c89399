"""Cluster lesions: accuracy drop of every task when one functional cluster is silenced."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.plots.style import cluster_cmap, new_axes, task_label_size


def lesion_matrix(
    drop: np.ndarray,
    task_names: Sequence[str],
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Heat map of accuracy drops, clusters (rows) × tasks (columns).

    Args:
        drop: [n_clusters, n_tasks] intact accuracy minus lesioned accuracy (positive = the
            task needs the cluster). A diverging map centred at 0: red = the lesion hurts.
    A strip right of the rows carries the cluster colours of the other figures.
    """
    d = np.asarray(drop, dtype=float)
    if d.ndim != 2 or d.size == 0:
        raise ValueError(f"drop must be a non-empty [n_clusters, n_tasks] matrix, got {d.shape}")
    if len(task_names) != d.shape[1]:
        raise ValueError(f"task_names has {len(task_names)} names for {d.shape[1]} task columns")
    k, n_tasks = d.shape
    fig, ax = new_axes(ax, (max(4.5, 0.17 * n_tasks + 2.0), 1.4 + 0.25 * k))
    top = max(float(np.nanmax(np.abs(d))), 1e-6)
    im = ax.imshow(d, cmap="RdBu_r", vmin=-top, vmax=top, aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(n_tasks), list(task_names), rotation=90,
                  fontsize=task_label_size(n_tasks))
    ax.set_yticks(np.arange(k), [str(i + 1) for i in range(k)], fontsize=7)
    ax.set_ylabel("lesioned cluster")
    bar = ax.inset_axes((1.005, 0.0, 0.015, 1.0), sharey=ax)
    bar.imshow(np.arange(k)[:, None], aspect="auto", cmap=cluster_cmap(k), vmin=-0.5,
               vmax=k - 0.5, interpolation="nearest")
    bar.set_axis_off()
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.03, label="accuracy drop")
    if title:
        ax.set_title(title)
    return fig
