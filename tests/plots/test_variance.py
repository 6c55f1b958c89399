from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.variance import cluster_order, sorted_variance, task_variance_heatmap


def test_heatmap_shows_tasks_by_units_sorted_by_cluster(tmp_path, write_png):
    rng = np.random.default_rng(0)
    tv = rng.random((9, 4))
    labels = np.array([2, 0, 1, 0, 2, 1, 1, 0, 2])
    fig = task_variance_heatmap(tv, labels, ["a", "b", "c", "d"])
    ax = fig.axes[0]
    shown = np.asarray(ax.images[0].get_array())
    # Columns are units grouped by cluster (stable within a cluster), rows are tasks.
    expected_units = [1, 3, 7, 2, 5, 6, 0, 4, 8]
    np.testing.assert_array_equal(shown, tv[expected_units].T)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert ax.images[0].get_cmap().name == "hot"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c", "d"]
    # The cluster bar under the units shows the sorted labels.
    (bar,) = ax.child_axes
    np.testing.assert_array_equal(np.asarray(bar.images[0].get_array())[0], np.sort(labels))
    write_png(fig, tmp_path / "heat.png")


def test_cluster_order_is_stable():
    np.testing.assert_array_equal(cluster_order(np.array([1, 0, 1, 0])), [1, 3, 0, 2])


def test_heatmap_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match="task_names has 2 names for 3"):
        task_variance_heatmap(np.zeros((4, 3)), np.zeros(4, int), ["a", "b"])
    with pytest.raises(ValueError, match="labels must be"):
        task_variance_heatmap(np.zeros((4, 3)), np.zeros(5, int), ["a", "b", "c"])


def test_sorted_variance_sorts_descending_and_counts_active(tmp_path, write_png):
    v = np.array([1e-5, 0.5, 0.0, 2e-3, 1e-3, 0.02])
    fig = sorted_variance(v, threshold=1e-3)
    ax = fig.axes[0]
    y = ax.lines[0].get_ydata()
    # Descending; the zero is drawn at the floor, a decade below the smallest positive value.
    np.testing.assert_allclose(y, [0.5, 0.02, 2e-3, 1e-3, 1e-5, 1e-6])
    assert ax.get_yscale() == "log"
    # Strictly above the threshold: 0.5, 0.02, 2e-3 (1e-3 itself is not above it).
    assert "3 active" in ax.get_legend().get_texts()[0].get_text()
    assert any(np.allclose(line.get_ydata(), 1e-3) for line in ax.lines[1:])
    write_png(fig, tmp_path / "sorted.png")


def test_sorted_variance_refuses_negative_values():
    with pytest.raises(ValueError, match=">= 0"):
        sorted_variance(np.array([0.1, -0.2]))
