"""Task-variance figures: the clustered heat map (Fig. 1b, 3d, 6b) and sparsity (Fig. 1e, 3g)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.plots.style import cluster_cmap, new_axes, task_label_size

ACTIVE_THRESHOLD = 1e-3


def cluster_order(labels: np.ndarray) -> np.ndarray:
    """Unit order that groups units by cluster label (stable: ties keep their input order)."""
    return np.argsort(np.asarray(labels), kind="stable")


def task_variance_heatmap(
    normalized: np.ndarray,
    labels: np.ndarray,
    task_names: Sequence[str],
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Normalised task variance, tasks × important neurons sorted by cluster (Fig. 1b).

    Args:
        normalized: [n_units, n_tasks] task variance of the important neurons, each row
            divided by its maximum (so values lie in [0, 1]).
        labels: [n_units] cluster label (0..k-1) of each unit.
        task_names: n_tasks names, the heat map's rows.
    A coloured bar under the units marks clusters 1..k (Kelly colours, as the grid plots).
    """
    tv = np.asarray(normalized, dtype=float)
    labels = np.asarray(labels)
    if tv.ndim != 2:
        raise ValueError(f"normalized must be [n_units, n_tasks], got shape {tv.shape}")
    if labels.shape != (tv.shape[0],):
        raise ValueError(f"labels must be [n_units] = [{tv.shape[0]}], got {labels.shape}")
    if len(task_names) != tv.shape[1]:
        raise ValueError(f"task_names has {len(task_names)} names for {tv.shape[1]} task columns")
    if labels.size and labels.min() < 0:
        raise ValueError("labels must be cluster indices >= 0 (important neurons only)")
    n_units, n_tasks = tv.shape
    fig, ax = new_axes(ax, (max(4.0, min(12.0, 2.0 + 0.03 * n_units)), 1.5 + 0.14 * n_tasks))
    order = cluster_order(labels)
    im = ax.imshow(tv[order].T, aspect="auto", cmap="hot", vmin=0.0, vmax=1.0,
                   interpolation="nearest")
    ax.set_yticks(np.arange(n_tasks), list(task_names), fontsize=task_label_size(n_tasks))
    ax.set_xticks([])
    k = int(labels.max()) + 1 if labels.size else 1
    # A strip of constant height (about 0.15 in) whatever the number of tasks; not sharing x
    # with the heat map, so the strip's cluster ticks do not land on the heat map.
    h = 0.15 / fig.get_figheight()
    bar = ax.inset_axes((0.0, -1.6 * h, 1.0, h))
    bar.imshow(labels[order][None, :], aspect="auto", cmap=cluster_cmap(k), vmin=-0.5,
               vmax=k - 0.5, interpolation="nearest")
    bar.set_xlim(ax.get_xlim())
    bar.set_yticks([])
    bounds = np.flatnonzero(np.diff(labels[order])) + 0.5
    centres = (np.concatenate([[-0.5], bounds]) + np.concatenate([bounds, [n_units - 0.5]])) / 2
    bar.set_xticks(centres, [str(i + 1) for i in range(len(centres))],
                   fontsize=task_label_size(len(centres) * 3))
    bar.tick_params(length=0)
    bar.set_xlabel("neurons, sorted by cluster")
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
    cb.set_label("normalised task variance")
    if title:
        ax.set_title(title)
    return fig


def sorted_variance(
    total_variance: np.ndarray,
    ax: Axes | None = None,
    *,
    threshold: float = ACTIVE_THRESHOLD,
    title: str | None = None,
) -> Figure:
    """Sum of task variances per neuron, sorted descending, on a log axis (Fig. 1e).

    Args:
        total_variance: [N] sum over tasks of each neuron's task variance (>= 0).
        threshold: the "important neuron" line (1e-3 in the paper); the count above it is
            written in the legend.
    Zeros cannot sit on a log axis: they are drawn at the floor of the axis (a decade under
    the smallest positive value, or threshold/1e3) so dead neurons stay visible as a flat tail.
    """
    v = np.asarray(total_variance, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"total_variance must be a non-empty [N] vector, got shape {v.shape}")
    if np.any(v < 0) or not np.all(np.isfinite(v)):
        raise ValueError("total_variance must be finite and >= 0 (it is a sum of variances)")
    fig, ax = new_axes(ax, (4.0, 3.2))
    s = np.sort(v)[::-1]
    positive = s[s > 0]
    floor = min(positive.min() / 10 if positive.size else threshold / 1e3, threshold / 10)
    n_active = int((v > threshold).sum())
    ax.plot(np.arange(1, s.size + 1), np.maximum(s, floor), color="black", lw=1.2)
    ax.axhline(threshold, color="tab:red", ls="--", lw=1,
               label=f"threshold {threshold:g}: {n_active} active")
    if n_active:
        ax.axvline(n_active + 0.5, color="tab:red", lw=0.6, alpha=0.5)
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor / 2)
    ax.set_xlabel("neuron rank")
    ax.set_ylabel("sum of task variances")
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return fig
