"""Figure of one trial: inputs as an image over time, labels, periods marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bimt.tasks.batch import Batch
    from bimt.tasks.suite import TaskSuite


def plot_trial(suite: TaskSuite, batch: Batch, row: int = 0) -> Figure:
    """Inputs [T, n_in] as an image (time on x), the label per step below, period bounds."""
    import matplotlib.pyplot as plt

    n = int(batch.length[row])
    x = batch.inputs[:n, row].cpu().numpy().T
    y = batch.labels[:n, row].cpu().numpy()
    task = suite.task_names[int(batch.task[row])]
    fig, (ax_in, ax_out) = plt.subplots(
        2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [4, 1]}
    )
    im = ax_in.imshow(x, aspect="auto", interpolation="nearest", cmap="viridis",
                      extent=(-0.5, n - 0.5, x.shape[0] - 0.5, -0.5))  # fmt: skip
    fig.colorbar(im, ax=[ax_in, ax_out], fraction=0.03)  # both axes shrink alike
    r = suite.dim_ring
    for y0, lab in ((0, "fix"), (1 + r // 2, "ring 1"), (1 + r + r // 2, "ring 2"),
                    (1 + 2 * r + len(suite.task_names) // 2, "rule")):  # fmt: skip
        ax_in.text(-0.6, y0, lab, ha="right", va="center", fontsize=8)
    ax_in.set_yticks([])
    ax_out.step(np.arange(n), y, where="mid", color="k")
    ax_out.set_ylim(-0.5, suite.n_outputs - 0.5)
    ax_out.set_ylabel("label")
    ax_out.set_xlabel(f"step (dt = {suite.dt} ms)")
    for name, se in batch.periods.items():
        start, end = (int(v) for v in se[row])
        if end > start:
            for ax in (ax_in, ax_out):
                ax.axvline(start - 0.5, color="w" if ax is ax_in else "0.6", lw=0.8)
            ax_out.text((start + end - 1) / 2, suite.n_outputs - 1, name, ha="center",
                        va="top", fontsize=8)  # fmt: skip
    ax_in.set_title(f"{task} (target {int(batch.params['target'][row])})")
    return fig
