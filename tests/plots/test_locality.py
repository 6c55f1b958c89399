from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.locality import MAX_SCATTER_POINTS, strength_vs_distance, weight_matrix


def test_strength_vs_distance_draws_bin_means_on_log_axis(tmp_path, write_png):
    centers = np.array([0.1, 0.3, 0.5, 0.7])
    means = np.array([1.0, 0.1, np.nan, 0.05])  # an empty bin is NaN and is not drawn
    rng = np.random.default_rng(0)
    d = rng.random(50_000)
    w = rng.random(50_000)
    w[:10] = 0.0
    fig = strength_vs_distance(centers, means, distances=d, abs_w=w)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.1, 0.3, 0.7])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.1, 0.05])
    assert ax.get_yscale() == "log"
    n_points = len(ax.collections[0].get_offsets())
    assert n_points == MAX_SCATTER_POINTS  # subsampled, zeros excluded
    write_png(fig, tmp_path / "loc.png")


def test_strength_vs_distance_needs_both_scatter_arrays():
    with pytest.raises(ValueError, match="both"):
        strength_vs_distance([0.1], [1.0], distances=[0.1])


def test_weight_matrix_is_centred_at_zero(tmp_path, write_png):
    w = np.array([[0.5, -2.0], [1.0, 0.0]])
    fig = weight_matrix(w)
    im = fig.axes[0].images[0]
    assert im.get_clim() == (-2.0, 2.0)
    # Blue for positive, red for negative, as in the network drawing.
    cmap = im.get_cmap()
    assert cmap(1.0)[2] > cmap(1.0)[0] and cmap(0.0)[0] > cmap(0.0)[2]
    np.testing.assert_array_equal(np.asarray(im.get_array()), w)
    write_png(fig, tmp_path / "w.png")
    with pytest.raises(ValueError, match="square"):
        weight_matrix(np.zeros((2, 3)))
