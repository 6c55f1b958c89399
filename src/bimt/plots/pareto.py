"""Error against sparsity, per method, with Pareto staircases (Fig. 1g/h, 4a, 6d)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.analysis.pareto import pareto_front
from bimt.plots.style import method_color, method_label, new_axes, new_axes_grid, sort_methods


def _check_points(points: Mapping[str, tuple[Sequence[float], Sequence[float]]]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if not points:
        raise ValueError("pareto_plot needs at least one method: {method: (x, error)}")
    out = {}
    for method, pair in points.items():
        if len(pair) != 2:
            raise ValueError(f"points[{method!r}] must be (x, error), got {len(pair)} arrays")
        x, e = (np.asarray(v, dtype=float).reshape(-1) for v in pair)
        if x.shape != e.shape:
            raise ValueError(f"points[{method!r}]: x and error differ in length "
                             f"({x.size} vs {e.size})")
        out[method] = (x, e)
    return out


def pareto_plot(
    points: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    ax: Axes | None = None,
    *,
    xlabel: str = "active neurons",
    ylabel: str = "error (1 − mean accuracy)",
    logx: bool = False,
    title: str | None = None,
) -> Figure:
    """One point per trained network and each method's Pareto front as a staircase.

    Args:
        points: {method: (x [n], error [n])}, e.g. {"bimt": (active_neurons, error), ...};
            methods bimt, l1, none keep the same colours in every figure. Non-finite points
            (diverged runs) are left out. The front is `bimt.analysis.pareto.pareto_front`.
        logx: log x axis (useful for wiring length, which spans decades across λ).
    """
    pts = _check_points(points)
    fig, ax = new_axes(ax, (4.0, 3.2))
    for method in sort_methods(list(pts)):
        x, e = pts[method]
        color = method_color(method)
        ok = np.isfinite(x) & np.isfinite(e)
        x, e = x[ok], e[ok]
        ax.scatter(x, e, s=18, color=color, alpha=0.45, linewidths=0)
        if x.size:
            m = pareto_front(x, e)
            order = np.lexsort((e[m], x[m]))
            fx, fe = x[m][order], e[m][order]
            ax.step(fx, fe, where="post", color=color, lw=1.6,
                    label=f"{method_label(method)} ({x.size})")
            ax.scatter(fx, fe, s=22, color=color, edgecolors="black", linewidths=0.5, zorder=3)
        else:
            ax.plot([], [], color=color, label=f"{method_label(method)} (0)")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def pareto_pair(
    active_points: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    wiring_points: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Fig. 1g and 1h side by side: error against active neurons, and against wiring length."""
    fig, grid = new_axes_grid(axes, 1, 2, figsize=(8.0, 3.2))
    pareto_plot(active_points, ax=grid[0, 0], xlabel="active neurons")
    pareto_plot(wiring_points, ax=grid[0, 1], xlabel="wiring length")
    return fig
