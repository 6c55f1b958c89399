from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.performance import task_accuracy_bars, training_curves


def test_bars_show_both_metrics_per_task(tmp_path, write_png):
    names = ["go", "anti", "dm1"]
    fig = task_accuracy_bars(names, {"go": 1.0, "anti": 0.5, "dm1": 0.25}, [0.9, 0.4, 0.0])
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [1.0, 0.5, 0.25, 0.9, 0.4, 0.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    write_png(fig, tmp_path / "acc.png")


def test_many_tasks_stay_legible(tmp_path, write_png):
    names = [f"ctxdlydm1seql{i}" for i in range(82)]
    fig = task_accuracy_bars(names, np.linspace(0, 1, 82))
    ax = fig.axes[0]
    label = ax.get_xticklabels()[0]
    assert label.get_rotation() == 90 and label.get_fontsize() < 6
    assert fig.get_figwidth() > 12  # the figure widens instead of cramming 82 bars
    write_png(fig, tmp_path / "acc82.png")


def test_bars_refuse_missing_tasks_and_bad_values():
    with pytest.raises(ValueError, match="lacks tasks"):
        task_accuracy_bars(["go", "anti"], {"go": 1.0})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        task_accuracy_bars(["go"], [1.5])


def test_training_curves(tmp_path, write_png):
    fig = training_curves([0, 100, 200], [0.1, 0.5, 0.9], [2.0, 1.0, 0.5],
                          strict_accuracy=[0.0, 0.3, 0.8])
    ax_acc, ax_loss = fig.axes
    np.testing.assert_allclose(ax_acc.lines[0].get_ydata(), [0.1, 0.5, 0.9])
    assert ax_loss.get_yscale() == "log"
    write_png(fig, tmp_path / "curves.png")
    with pytest.raises(ValueError, match="equal-length"):
        training_curves([0, 1], [0.5])
