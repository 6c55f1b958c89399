"""Per-task performance (Fig. 1d, 3f, 6c) and training curves (from metrics.jsonl)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bimt.plots.style import new_axes, new_axes_grid, task_label_size


def _per_task(values: Mapping[str, float] | Sequence[float], names: Sequence[str], what: str
              ) -> np.ndarray:
    if isinstance(values, Mapping):
        missing = [t for t in names if t not in values]
        if missing:
            raise ValueError(f"{what} lacks tasks {missing[:5]}{'...' if len(missing) > 5 else ''}")
        out = np.array([values[t] for t in names], dtype=float)
    else:
        out = np.asarray(values, dtype=float)
        if out.shape != (len(names),):
            raise ValueError(f"{what} must have one value per task ({len(names)}), got {out.shape}")
    if np.any((out < 0) | (out > 1)):
        raise ValueError(f"{what} must be accuracies in [0, 1]")
    return out


def task_accuracy_bars(
    task_names: Sequence[str],
    primary: Mapping[str, float] | Sequence[float],
    strict: Mapping[str, float] | Sequence[float] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Accuracy per task as bars: the primary metric, and the strict one beside it if given.

    Args:
        task_names: the tasks, in suite order (bars left to right).
        primary, strict: accuracy in [0, 1] per task, as {task: acc} or a sequence in order.
    With many tasks (Mod-Cog: 82) the figure widens and the labels shrink and stand vertical.
    """
    names = list(task_names)
    if not names:
        raise ValueError("task_accuracy_bars needs at least one task")
    acc = _per_task(primary, names, "primary")
    acc2 = None if strict is None else _per_task(strict, names, "strict")
    n = len(names)
    fig, ax = new_axes(ax, (max(4.5, 0.16 * n + 1.5), 3.0))
    x = np.arange(n)
    width = 0.8 if acc2 is None else 0.42
    offset = 0.0 if acc2 is None else width / 2
    ax.bar(x - offset, acc, width, color="#1F5FA8",
           label=f"primary (mean {acc.mean():.2f})")
    if acc2 is not None:
        ax.bar(x + offset, acc2, width, color="#9CB8DA",
               label=f"strict (mean {acc2.mean():.2f})")
    ax.set_xticks(x, names, rotation=90, fontsize=task_label_size(n))
    ax.set_xlim(-0.7, n - 0.3)
    # Headroom above 1 keeps the legend clear of the bars and of the title.
    ax.set_ylim(0, 1.18)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("accuracy")
    ax.legend(frameon=False, fontsize=7, loc="upper right", ncol=2, borderaxespad=0.2)
    if title:
        ax.set_title(title)
    return fig


def training_curves(
    steps: Sequence[int],
    mean_accuracy: Sequence[float],
    loss: Sequence[float] | None = None,
    axes: Sequence[Axes] | None = None,
    *,
    strict_accuracy: Sequence[float] | None = None,
    loss_label: str = "loss",
    title: str | None = None,
) -> Figure:
    """Mean accuracy (left) and loss on a log axis (right) against training step.

    Args:
        steps: [E] the evaluation steps; mean_accuracy: [E] in [0, 1]; loss: [E] (> 0) or None
            (then the right panel is left empty); strict_accuracy: optional second accuracy.
    """
    s = np.asarray(steps, dtype=float)
    acc = np.asarray(mean_accuracy, dtype=float)
    if s.ndim != 1 or acc.shape != s.shape or s.size == 0:
        raise ValueError(f"steps and mean_accuracy must be equal-length non-empty vectors, "
                         f"got {s.shape} and {acc.shape}")
    fig, grid = new_axes_grid(axes, 1, 2, figsize=(7.5, 2.8))
    ax_a, ax_l = grid[0]
    ax_a.plot(s, acc, color="#1F5FA8", label="primary")
    if strict_accuracy is not None:
        ax_a.plot(s, np.asarray(strict_accuracy, dtype=float), color="#9CB8DA", label="strict")
        ax_a.legend(frameon=False, fontsize=8)
    ax_a.set_ylim(0, 1)
    ax_a.set_xlabel("step")
    ax_a.set_ylabel("mean accuracy")
    if loss is not None:
        lv = np.asarray(loss, dtype=float)
        if lv.shape != s.shape:
            raise ValueError(f"loss must match steps in length, got {lv.shape} vs {s.shape}")
        ax_l.plot(s, lv, color="black")
        if np.all(lv > 0):
            ax_l.set_yscale("log")
        ax_l.set_xlabel("step")
        ax_l.set_ylabel(loss_label)
    else:
        ax_l.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig
