"""Anatomy metrics on hand-built layouts with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bimt.analysis.anatomy import cluster_size, isolated_fraction, shuffle_test
from bimt.model.geometry import Grid1D, Grid2D


def grid_labels(rows: list[list[int]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.int64).ravel()


def test_checkerboard_2d_has_no_isolated_neuron():
    # Every cell shares its colour with its diagonal neighbours.
    labels = grid_labels([[(r + c) % 2 for c in range(4)] for r in range(4)])
    assert isolated_fraction(labels, Grid2D(4, 4)) == 0.0
    # Each colour has two members in every row and every column: Var({0,0,1,1,2,2,3,3}) = 1.25
    # per axis, so 2.5 per cluster and 2.5 on average.
    assert cluster_size(labels, Grid2D(4, 4)) == pytest.approx(2.5, abs=1e-12)


def test_alternating_line_isolates_every_neuron():
    labels = np.arange(16) % 2
    assert isolated_fraction(labels, Grid1D(16)) == 1.0
    # Indices 0,2,..,14 (and 1,..,15): 2·{0..7}, variance 4·(8² − 1)/12 = 21.
    assert cluster_size(labels, Grid1D(16)) == pytest.approx(21.0, abs=1e-12)


def test_two_by_two_blocks():
    labels = grid_labels([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    assert isolated_fraction(labels, Grid2D(4, 4)) == 0.0
    # Rows {0,0,1,1} and columns {0,1,0,1}: 0.25 + 0.25 per block.
    assert cluster_size(labels, Grid2D(4, 4)) == pytest.approx(0.5, abs=1e-12)


def test_one_cluster_filling_the_grid():
    labels = np.zeros(9, dtype=np.int64)
    assert isolated_fraction(labels, Grid2D(3, 3)) == 0.0
    # Var({0,0,0,1,1,1,2,2,2}) = 2/3 per axis.
    assert cluster_size(labels, Grid2D(3, 3)) == pytest.approx(4 / 3, abs=1e-12)


def test_single_neurons_at_edges_and_corners():
    # (0,0) and (1,1) share label 0 across a diagonal; (0,2) is a lone corner; (2,1) and (2,2)
    # touch but differ. Isolated: (0,2), (2,1), (2,2) -> 3 of 5 important neurons.
    labels = grid_labels([[0, -1, 1], [-1, 0, -1], [-1, 2, 3]])
    assert isolated_fraction(labels, Grid2D(3, 3)) == pytest.approx(3 / 5)
    # Cluster 0: rows {0,1}, cols {0,1}: 0.25 + 0.25; three singletons: 0. Mean over 4 = 0.125.
    assert cluster_size(labels, Grid2D(3, 3)) == pytest.approx(0.125, abs=1e-12)


def test_no_wrap_around():
    # With wrap-around the corners of one row (and the ends of the line) would be neighbours.
    labels = grid_labels([[0, -1, 0], [-1, -1, -1], [0, -1, -1]])
    assert isolated_fraction(labels, Grid2D(3, 3)) == 1.0
    assert isolated_fraction(np.array([4, -1, -1, -1, 4]), Grid1D(5)) == 1.0


def test_label_values_do_not_matter():
    rng = np.random.default_rng(1)
    labels = rng.integers(-1, 4, size=36)
    renamed = np.where(labels >= 0, 10 * (3 - labels) + 7, -1)
    geom = Grid2D(6, 6)
    assert isolated_fraction(renamed, geom) == isolated_fraction(labels, geom)
    assert cluster_size(renamed, geom) == pytest.approx(cluster_size(labels, geom), abs=1e-12)


@pytest.mark.parametrize(
    ("labels", "geometry", "error", "match"),
    [
        (np.zeros(8, dtype=np.int64), Grid2D(3, 3), ValueError, "shape"),
        (np.zeros(9), Grid2D(3, 3), ValueError, "int array"),
        (np.full(9, -1), Grid2D(3, 3), ValueError, "no important slot"),
        (np.full(9, -2), Grid2D(3, 3), ValueError, "-1 otherwise"),
        (np.zeros(9, dtype=np.int64), (3, 3), TypeError, "coords"),
    ],
)
def test_bad_layouts_are_rejected(labels, geometry, error, match):
    with pytest.raises(error, match=match):
        isolated_fraction(labels, geometry)


def test_shuffle_test_rejects_bad_arguments():
    labels = np.arange(9) % 3
    with pytest.raises(ValueError, match="mode"):
        shuffle_test(labels, Grid2D(3, 3), n_shuffles=5, mode="swap")
    with pytest.raises(ValueError, match="n_shuffles"):
        shuffle_test(labels, Grid2D(3, 3), n_shuffles=0)
    with pytest.raises(TypeError, match="n_shuffles"):
        shuffle_test(labels, Grid2D(3, 3), n_shuffles=2.5)
