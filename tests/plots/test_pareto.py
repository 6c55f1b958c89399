from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.pareto import pareto_pair, pareto_plot
from bimt.plots.style import METHOD_COLORS


def test_staircase_runs_through_the_front_in_x_order(tmp_path, write_png):
    x = np.array([100.0, 50.0, 200.0, 120.0])
    e = np.array([0.2, 0.4, 0.1, 0.3])  # (120, 0.3) is dominated by (100, 0.2)
    fig = pareto_plot({"bimt": (x, e), "l1": (x + 10, e + 0.05)})
    ax = fig.axes[0]
    stair = ax.lines[0]
    np.testing.assert_allclose(stair.get_xdata(), [50, 100, 200])
    np.testing.assert_allclose(stair.get_ydata(), [0.4, 0.2, 0.1])
    assert stair.get_drawstyle() == "steps-post"
    assert stair.get_color() == METHOD_COLORS["bimt"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["BIMT (4)", "L1 (4)"]
    write_png(fig, tmp_path / "pareto.png")


def test_pair_and_errors(tmp_path, write_png):
    pts = {"none": ([400, 390], [0.3, 0.35]), "bimt": ([80, 120], [0.2, 0.1])}
    fig = pareto_pair(pts, pts)
    assert [a.get_xlabel() for a in fig.axes] == ["active neurons", "wiring length"]
    # bimt is drawn first whatever the dict order, so colours and legend stay consistent.
    assert fig.axes[0].lines[0].get_color() == METHOD_COLORS["bimt"]
    write_png(fig, tmp_path / "pair.png")
    with pytest.raises(ValueError, match="differ in length"):
        pareto_plot({"bimt": ([1, 2], [0.1])})
    with pytest.raises(ValueError, match="at least one method"):
        pareto_plot({})
