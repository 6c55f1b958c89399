from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.shuffles import shuffle_grid, shuffle_histogram


def _result(obs, rng):
    return {"observed": obs, "shuffled": rng.normal(0.5, 0.1, 2000), "p_value": 1 / 2001}


def test_grid_has_metrics_as_rows_and_methods_as_columns(tmp_path, write_png):
    rng = np.random.default_rng(0)
    results = {m: {"isolated_fraction": _result(o, rng), "cluster_size": _result(o + 0.1, rng)}
               for m, o in (("none", 0.5), ("l1", 0.45), ("bimt", 0.1))}
    fig = shuffle_grid(results, methods=["bimt", "l1", "none"])
    assert len(fig.axes) == 6
    top = fig.axes[:3]
    assert [a.get_title() for a in top] == ["BIMT", "L1", "no reg."]
    # The network's own value is the vertical line; the p-value is written in the panel.
    assert fig.axes[0].lines[0].get_xdata()[0] == pytest.approx(0.1)
    assert fig.axes[3].lines[0].get_xdata()[0] == pytest.approx(0.2)
    assert "p = 0.0005" in fig.axes[0].texts[0].get_text()
    assert fig.axes[3].get_xlabel() == "average cluster size"
    write_png(fig, tmp_path / "grid.png")


def test_histogram_counts_every_shuffle(tmp_path, write_png):
    s = np.array([0.1, 0.2, 0.2, 0.3, 0.9])
    fig = shuffle_histogram(s, 0.05, bins=5)
    counts = [p.get_height() for p in fig.axes[0].patches]
    assert sum(counts) == 5
    # z = (observed - mean) / std of the shuffles, written in the panel.
    z = (0.05 - s.mean()) / s.std()
    assert f"z = {z:.1f}" in fig.axes[0].texts[0].get_text()
    write_png(fig, tmp_path / "h.png")


def test_grid_refuses_missing_method_or_metric():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="no results"):
        shuffle_grid({"bimt": {}}, methods=["l1"])
    with pytest.raises(ValueError, match="lacks metric"):
        shuffle_grid({"bimt": {"isolated_fraction": _result(0.1, rng)}})
