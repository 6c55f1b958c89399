"""Shared look of every figure: palettes, method colours, and small helpers.

Cluster colours are Kelly's 22 colours of maximum contrast, skipping the first (near-white)
one, as Yang et al. do for their task-variance clusters. Kelly gives 21 usable colours; more
clusters than that cycle through the list (the analysis picks k ≤ 29, so this only happens
for very fragmented networks and is then visible as repeated colours).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure

# Kelly (1965), "Twenty-two colors of maximum contrast"; the first entry (white) is skipped.
KELLY_COLORS: tuple[str, ...] = (
    "#222222",  # black
    "#F3C300",  # yellow
    "#875692",  # purple
    "#F38400",  # orange
    "#A1CAF1",  # light blue
    "#BE0032",  # red
    "#C2B280",  # buff
    "#848482",  # grey
    "#008856",  # green
    "#E68FAC",  # purplish pink
    "#0067A5",  # blue
    "#F99379",  # yellowish pink
    "#604E97",  # violet
    "#F6A600",  # orange yellow
    "#B3446C",  # purplish red
    "#DCD300",  # greenish yellow
    "#882D17",  # reddish brown
    "#8DB600",  # yellow green
    "#654522",  # yellowish brown
    "#E25822",  # reddish orange
    "#2B3D26",  # olive green
)

# Slots that carry no cluster (unimportant neurons): lighter than Kelly's own grey.
UNIMPORTANT_COLOR = "#E4E4E4"

# One colour per training method, the same in every multi-run figure.
METHOD_COLORS: dict[str, str] = {"bimt": "#1F5FA8", "l1": "#E07B00", "none": "#6E6E6E"}
METHOD_LABELS: dict[str, str] = {"bimt": "BIMT", "l1": "L1", "none": "no reg."}
METHOD_ORDER: tuple[str, ...] = ("bimt", "l1", "none")

# Weight signs in network drawings (the paper: blue positive, red negative).
POSITIVE_COLOR = "blue"
NEGATIVE_COLOR = "red"


def cluster_color(label: int) -> str:
    """Colour of cluster `label` (0-based); -1 (no cluster) is the unimportant grey."""
    if label < 0:
        return UNIMPORTANT_COLOR
    return KELLY_COLORS[label % len(KELLY_COLORS)]


def cluster_rgba(labels: np.ndarray) -> np.ndarray:
    """RGBA colour per label: labels [...] int -> [..., 4] float."""
    labels = np.asarray(labels)
    table = np.array([to_rgba(c) for c in KELLY_COLORS])
    out = table[np.mod(labels, len(KELLY_COLORS))]
    out[labels < 0] = to_rgba(UNIMPORTANT_COLOR)
    return out


def cluster_cmap(n_clusters: int) -> ListedColormap:
    """A discrete colour map with one Kelly colour per cluster 0..n_clusters-1."""
    return ListedColormap([cluster_color(i) for i in range(max(n_clusters, 1))])


def method_color(method: str) -> str:
    """Colour of a method; unknown methods get a stable colour from matplotlib's cycle."""
    if method in METHOD_COLORS:
        return METHOD_COLORS[method]
    return f"C{3 + sum(map(ord, method)) % 7}"


def method_label(method: str) -> str:
    """Display name of a method ("bimt" -> "BIMT")."""
    return METHOD_LABELS.get(method, method)


def sort_methods(methods: Sequence[str]) -> list[str]:
    """Methods in the paper's order (bimt, l1, none), others after, alphabetically."""
    known = [m for m in METHOD_ORDER if m in methods]
    return known + sorted(m for m in methods if m not in METHOD_ORDER)


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return (figure, axes): the figure of `ax`, or a fresh figure made without pyplot.

    Figures are built with the object-oriented API so nothing registers in pyplot's global
    state: callers cannot leak figures, and no GUI backend is ever needed.
    """
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
        return ax.get_figure(root=True), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def new_axes_grid(
    axes: Sequence[Axes] | np.ndarray | None,
    nrows: int,
    ncols: int,
    figsize: tuple[float, float],
    **subplot_kw: object,
) -> tuple[Figure, np.ndarray]:
    """Return (figure, axes [nrows, ncols]) from given axes or a fresh pyplot-free figure."""
    if axes is not None:
        arr = np.asarray(axes, dtype=object).reshape(-1)
        if arr.size != nrows * ncols:
            raise ValueError(f"expected {nrows * ncols} axes ({nrows}x{ncols}), got {arr.size}")
        for a in arr:
            if not isinstance(a, Axes):
                raise TypeError(f"axes must hold matplotlib Axes, got {type(a).__name__}")
        return arr[0].get_figure(root=True), arr.reshape(nrows, ncols)
    fig = Figure(figsize=figsize, layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, grid


def task_label_size(n_tasks: int) -> float:
    """Font size for per-task tick labels that stays legible from 20 up to ~100 tasks."""
    return float(np.clip(9.0 - 0.045 * n_tasks, 4.5, 9.0))


def save_figure(
    fig: Figure, stem: Path, formats: Sequence[str] = ("png",), dpi: int = 150
) -> list[Path]:
    """Write `fig` as stem.<fmt> for each format; return the paths written."""
    paths = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        # "tight" on top of constrained layout: fixed-aspect images (the w_rec heat map)
        # with a colour bar can otherwise push an axis label past the figure edge.
        fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.05)
        paths.append(path)
    return paths
