"""Anatomical modularity against shuffled baselines (Fig. 2b, 5b, 6e/f)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.plots.style import method_color, method_label, new_axes, new_axes_grid

METRIC_LABELS = {
    "isolated_fraction": "fraction of isolated neurons",
    "cluster_size": "average cluster size",
}


def shuffle_histogram(
    shuffled: np.ndarray,
    observed: float,
    ax: Axes | None = None,
    *,
    p_value: float | None = None,
    color: str = "0.5",
    xlabel: str | None = None,
    title: str | None = None,
    bins: int = 40,
) -> Figure:
    """Histogram of a metric over shuffled networks with the trained network's value marked.

    Args:
        shuffled: [n_shuffles] the metric of each shuffled network; observed: the network's.
        p_value: written in the panel when given (one-sided, "shuffle <= observed").
    """
    s = np.asarray(shuffled, dtype=float).reshape(-1)
    s = s[np.isfinite(s)]
    if s.size == 0:
        raise ValueError("shuffled must hold at least one finite value")
    if not np.isfinite(observed):
        raise ValueError(f"observed must be finite, got {observed}")
    fig, ax = new_axes(ax, (3.2, 2.6))
    lo, hi = min(s.min(), observed), max(s.max(), observed)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5 * max(abs(hi), 1e-3)
    ax.hist(s, bins=bins, range=(lo - pad, hi + pad), color="0.75", edgecolor="0.55", lw=0.3)
    ax.axvline(observed, color=color, lw=2)
    text = f"z = {(observed - s.mean()) / s.std():.1f}" if s.std() > 0 else ""
    if p_value is not None:
        text = f"p = {p_value:.2g}" + (f"\n{text}" if text else "")
    if text:
        ax.text(0.97, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
    ax.set_yticks([])
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig


def _get(result: Mapping[str, Any], *names: str) -> Any:
    for n in names:
        if n in result:
            return result[n]
    raise KeyError(f"shuffle result lacks {' / '.join(names)}; has {sorted(result)}")


def shuffle_grid(
    results: Mapping[str, Mapping[str, Mapping[str, Any]]],
    axes: Sequence[Axes] | None = None,
    *,
    metrics: Sequence[str] = ("isolated_fraction", "cluster_size"),
    methods: Sequence[str] | None = None,
) -> Figure:
    """Rows: metrics; columns: methods (Fig. 2b: a 2×3 grid).

    Args:
        results: {method: {metric: {"observed": float, "shuffled": [n], "p_value": float}}}.
        methods: column order (default: the insertion order of `results`; Fig. 5b puts
            none, l1, bimt).
    """
    methods = list(results) if methods is None else list(methods)
    if not methods:
        raise ValueError("shuffle_grid needs at least one method")
    missing = [m for m in methods if m not in results]
    if missing:
        raise ValueError(f"methods {missing} have no results; available: {sorted(results)}")
    fig, grid = new_axes_grid(axes, len(metrics), len(methods),
                              figsize=(2.9 * len(methods), 2.4 * len(metrics)))
    for j, method in enumerate(methods):
        for i, metric in enumerate(metrics):
            if metric not in results[method]:
                raise ValueError(f"results[{method!r}] lacks metric {metric!r}; "
                                 f"has {sorted(results[method])}")
            r = results[method][metric]
            shuffle_histogram(
                _get(r, "shuffled", "samples", "distribution"), float(_get(r, "observed")),
                ax=grid[i, j], p_value=r.get("p_value"), color=method_color(method),
                xlabel=METRIC_LABELS.get(metric, metric),
                title=method_label(method) if i == 0 else None,
            )
    return fig
