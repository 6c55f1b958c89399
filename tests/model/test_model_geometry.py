"""Geometry: hand-checked distances and neighbourhoods, round trips, bad arguments."""

import json

import numpy as np
import pytest

from bimt.model import Grid1D, Grid2D, geometry_from_dict


def test_grid2d_slots_are_row_major():
    g = Grid2D(2, 3)
    assert g.n == 6 and g.shape == (2, 3)
    np.testing.assert_array_equal(g.coords, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])


def test_grid2d_distance_hand_checked():
    d = Grid2D(2, 3).distance()  # scale = max(2, 3) = 3
    assert d.shape == (6, 6)
    assert d[0, 1] == pytest.approx(1 / 3)
    assert d[0, 3] == pytest.approx(1 / 3)
    assert d[0, 5] == pytest.approx((1 + 2) / 3)
    assert d[2, 3] == pytest.approx((1 + 2) / 3)
    np.testing.assert_array_equal(np.diag(d), 0)
    np.testing.assert_array_equal(d, d.T)


def test_square_grid_neighbours_are_one_over_side_apart():
    d = Grid2D(20, 20).distance()
    assert d[0, 1] == pytest.approx(1 / 20)
    assert d[0, 20] == pytest.approx(1 / 20)
    assert d.max() == pytest.approx(38 / 20)


def test_custom_scale():
    assert Grid2D(2, 2, scale=4).distance()[0, 3] == pytest.approx(2 / 4)
    assert Grid1D(10, scale=2.0).distance()[0, 9] == pytest.approx(9 / 2)


def test_grid1d_distance_and_neighbours():
    g = Grid1D(5)
    assert g.n == 5 and g.shape == (5,) and g.coords.shape == (5, 1)
    d = g.distance()
    assert d[0, 4] == pytest.approx(4 / 5)
    assert d[3, 1] == pytest.approx(2 / 5)
    np.testing.assert_array_equal(g.neighbours, [[-1, 1], [0, 2], [1, 3], [2, 4], [3, -1]])


def test_grid2d_neighbours_counts_and_members():
    g = Grid2D(3, 4)
    nb = g.neighbours
    assert nb.shape == (12, 8) and nb.dtype == np.int64
    valid = (nb >= 0).sum(1).reshape(3, 4)
    np.testing.assert_array_equal(valid, [[3, 5, 5, 3], [5, 8, 8, 5], [3, 5, 5, 3]])
    assert set(nb[0][nb[0] >= 0]) == {1, 4, 5}
    assert set(nb[1][nb[1] >= 0]) == {0, 2, 4, 5, 6}
    assert set(nb[5][nb[5] >= 0]) == {0, 1, 2, 4, 6, 8, 9, 10}
    # every neighbour is exactly one king move away, and the relation is symmetric
    rc = g.coords
    for a in range(g.n):
        for b in nb[a][nb[a] >= 0]:
            assert np.abs(rc[a] - rc[b]).max() == 1
            assert a in nb[b]


def test_single_slot_grids():
    assert (Grid2D(1, 1).neighbours == -1).all()
    assert (Grid1D(1).neighbours == -1).all()


@pytest.mark.parametrize("geom", [Grid2D(4, 5), Grid2D(3, 3, scale=9.0), Grid1D(13)])
def test_dict_round_trip_through_json(geom):
    d = json.loads(json.dumps(geom.to_dict()))
    back = geometry_from_dict(d)
    assert back == geom
    np.testing.assert_array_equal(back.distance(), geom.distance())


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: Grid2D(0, 3), ValueError, "rows"),
        (lambda: Grid2D(3, -1), ValueError, "cols"),
        (lambda: Grid2D(2.5, 3), TypeError, "rows"),
        (lambda: Grid1D(0), ValueError, "n must be"),
        (lambda: Grid1D(True), TypeError, "n must be"),
        (lambda: Grid2D(2, 2, scale=0), ValueError, "scale"),
        (lambda: Grid1D(4, scale=float("nan")), ValueError, "scale"),
        (lambda: Grid1D(4, scale="1"), TypeError, "scale"),
        (lambda: geometry_from_dict({"kind": "torus", "n": 3}), ValueError, "grid1d"),
        (lambda: geometry_from_dict({"kind": "grid1d", "n": 3, "x": 1}), ValueError, "x"),
        (lambda: geometry_from_dict([1]), TypeError, "dict"),
    ],
)
def test_bad_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
