from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from bimt.plots.clusters import cluster_map, cluster_maps
from bimt.plots.style import KELLY_COLORS, UNIMPORTANT_COLOR


def test_grid_cells_take_their_cluster_colour(tmp_path, write_png):
    labels = np.array([0, -1, 1, 2, 2, -1])  # a 2 x 3 grid, row-major slots
    fig = cluster_map(labels, (2, 3))
    rgba = np.asarray(fig.axes[0].images[0].get_array())
    assert rgba.shape == (2, 3, 4)
    np.testing.assert_allclose(rgba[0, 0], to_rgba(KELLY_COLORS[0]))
    np.testing.assert_allclose(rgba[0, 2], to_rgba(KELLY_COLORS[1]))
    np.testing.assert_allclose(rgba[1, 0], rgba[1, 1])
    np.testing.assert_allclose(rgba[0, 1], to_rgba(UNIMPORTANT_COLOR))
    assert "3 clusters, 4 important" in fig.axes[0].get_title()
    write_png(fig, tmp_path / "grid.png")


def test_kelly_palette_skips_white_and_is_distinct():
    assert to_rgba(KELLY_COLORS[0]) != to_rgba("#F2F3F4")
    assert len(set(KELLY_COLORS)) == len(KELLY_COLORS) == 21
    assert UNIMPORTANT_COLOR not in KELLY_COLORS


def test_side_by_side_methods_and_1d_strips(tmp_path, write_png):
    rng = np.random.default_rng(0)
    panels = [(m, rng.integers(-1, 4, 16), (4, 4)) for m in ("BIMT", "L1")]
    fig = cluster_maps(panels)
    assert [a.get_title().split(":")[0] for a in fig.axes] == ["BIMT", "L1"]
    write_png(fig, tmp_path / "two.png")
    fig = cluster_maps([("BIMT", rng.integers(-1, 4, 30), (30,))])
    assert np.asarray(fig.axes[0].images[0].get_array()).shape == (1, 30, 4)
    write_png(fig, tmp_path / "line.png")


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="shape"):
        cluster_map(np.zeros(5, int), (2, 3))
    with pytest.raises(TypeError, match="integers"):
        cluster_map(np.zeros(6), (2, 3))
    with pytest.raises(ValueError, match="at least one"):
        cluster_maps([])
