"""The vectorised shuffle baseline against a per-shuffle loop and against exact expectations."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from bimt.analysis.anatomy import shuffle_test
from bimt.model.geometry import Grid1D, Grid2D


def brute_metrics(labels: np.ndarray, rows: int, cols: int) -> tuple[float, float]:
    """Both metrics by explicit loops over neurons, from grid coordinates only."""
    grid = labels.reshape(rows, cols)
    important = [(r, c) for r in range(rows) for c in range(cols) if grid[r, c] >= 0]
    isolated = 0
    for r, c in important:
        same = False
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                if (dr, dc) != (0, 0) and 0 <= rr < rows and 0 <= cc < cols:
                    same |= bool(grid[rr, cc] == grid[r, c])
        isolated += not same
    sizes = []
    for lab in sorted({int(grid[r, c]) for r, c in important}):
        members = np.array([(r, c) for r, c in important if grid[r, c] == lab], dtype=float)
        sizes.append(np.var(members[:, 0]) + np.var(members[:, 1]))
    return isolated / len(important), float(np.mean(sizes))


def brute_shuffles(labels, rows, cols, n, mode, seed):
    """One shuffle at a time, following the documented protocol (argsort of uniform keys)."""
    rng = np.random.default_rng(seed)
    slots = np.flatnonzero(labels >= 0)
    neuron_labels = labels[slots]
    out = []
    for _ in range(n):
        if mode == "positions":
            where = slots[np.argsort(rng.random(slots.size), kind="stable")]
        else:
            where = np.argsort(rng.random(labels.size), kind="stable")[: slots.size]
        layout = np.full(labels.size, -1)
        layout[where] = neuron_labels
        out.append(brute_metrics(layout, rows, cols))
    return np.array(out)


@pytest.fixture
def layout_5x5():
    rng = np.random.default_rng(7)
    labels = np.full(25, -1)
    labels[rng.choice(25, size=12, replace=False)] = rng.integers(0, 3, size=12)
    return labels


@pytest.mark.parametrize("mode", ["positions", "scatter"])
def test_vectorised_equals_loop(layout_5x5, mode):
    res = shuffle_test(layout_5x5, Grid2D(5, 5), n_shuffles=300, mode=mode, seed=3)
    brute = brute_shuffles(layout_5x5, 5, 5, 300, mode, seed=3)
    np.testing.assert_array_equal(res["isolated_fraction"].shuffled, brute[:, 0])
    np.testing.assert_allclose(res["cluster_size"].shuffled, brute[:, 1], rtol=1e-12, atol=1e-12)
    observed = brute_metrics(layout_5x5, 5, 5)
    assert res["isolated_fraction"].observed == observed[0]
    assert res["cluster_size"].observed == pytest.approx(observed[1], abs=1e-12)


def test_p_value_and_z_follow_their_definitions(layout_5x5):
    res = shuffle_test(layout_5x5, Grid2D(5, 5), n_shuffles=500, seed=0)
    for r in res.values():
        below = np.count_nonzero(r.shuffled <= r.observed + 1e-12)
        assert r.p_value == (1 + below) / 501
        assert r.z == pytest.approx((r.observed - r.shuffled.mean()) / r.shuffled.std())


def test_chunking_and_seed(layout_5x5):
    a = shuffle_test(layout_5x5, Grid2D(5, 5), n_shuffles=257, seed=5, chunk_size=10)
    b = shuffle_test(layout_5x5, Grid2D(5, 5), n_shuffles=257, seed=5)
    c = shuffle_test(layout_5x5, Grid2D(5, 5), n_shuffles=257, seed=6)
    for name in a:
        np.testing.assert_allclose(a[name].shuffled, b[name].shuffled, rtol=1e-13, atol=1e-13)
    assert not np.array_equal(a["cluster_size"].shuffled, c["cluster_size"].shuffled)


def test_constant_baseline_gives_p_one_and_undefined_z():
    # One cluster: every permutation of its labels is the same layout.
    res = shuffle_test(np.zeros(9, dtype=np.int64), Grid2D(3, 3), n_shuffles=50)
    for r in res.values():
        assert np.all(r.shuffled == r.observed)
        assert r.p_value == 1.0
        assert np.isnan(r.z)
        assert r.to_dict()["z"] is None


def test_compact_blocks_are_significant_in_both_modes():
    labels = np.full((10, 10), -1)
    labels[2:5, 2:5], labels[2:5, 5:8], labels[5:8, 2:5], labels[5:8, 5:8] = 0, 1, 2, 3
    for mode in ("positions", "scatter"):
        res = shuffle_test(labels.ravel(), Grid2D(10, 10), n_shuffles=999, mode=mode)
        size, iso = res["cluster_size"], res["isolated_fraction"]
        assert size.observed < size.shuffled.min()
        assert size.p_value == pytest.approx(1 / 1000)
        assert size.z < -3
        # Random layouts of 36 neurons in 4 labels rarely leave none isolated, but they can.
        assert iso.observed == 0.0
        assert iso.p_value < 0.05


# --- the mean of the "positions" baseline against exact expectations -------------------------

ROWS, COLS = 3, 3
SMALL = np.array([0, -1, 0, 1, 0, -1, 1, 2, -1])  # 6 important slots, clusters of 3, 2, 1


def enumerate_all_permutations(labels, rows, cols):
    slots = np.flatnonzero(labels >= 0)
    values = []
    for perm in itertools.permutations(labels[slots]):
        layout = labels.copy()
        layout[slots] = perm
        values.append(brute_metrics(layout, rows, cols))
    return np.array(values)


def closed_form_cluster_size(labels, geometry):
    """E[pop. variance of a size-n sample without replacement] = (n−1)/n · m/(m−1) · σ²."""
    slots = np.flatnonzero(labels >= 0)
    m = slots.size
    sigma2 = geometry.coords[slots].var(axis=0).sum()
    sizes = np.bincount(labels[slots])
    return float(np.mean((sizes - 1) / sizes * m / (m - 1) * sigma2))


def closed_form_isolated(labels, geometry):
    """P(isolated) for a neuron of cluster size n at a slot with d important neighbours:
    none of the d neighbours is one of its n−1 mates among the other m−1 neurons."""
    slots = np.flatnonzero(labels >= 0)
    m = slots.size
    important = labels >= 0
    nb = geometry.neighbours[slots]
    d = np.where(nb >= 0, important[nb], False).sum(axis=1)  # important neighbours per slot
    sizes = np.bincount(labels[slots])[labels[slots]]  # cluster size of each neuron
    prob = [[comb(m - n, k) / comb(m - 1, k) for k in d] for n in sizes]
    return float(np.mean(prob))


def test_closed_forms_match_exhaustive_enumeration():
    exact = enumerate_all_permutations(SMALL, ROWS, COLS).mean(axis=0)
    geom = Grid2D(ROWS, COLS)
    assert exact[0] == pytest.approx(closed_form_isolated(SMALL, geom), abs=1e-12)
    assert exact[1] == pytest.approx(closed_form_cluster_size(SMALL, geom), abs=1e-12)


def test_positions_baseline_mean_is_the_exact_expectation():
    every = enumerate_all_permutations(SMALL, ROWS, COLS)
    n = 20_000
    res = shuffle_test(SMALL, Grid2D(ROWS, COLS), n_shuffles=n, seed=11)
    for j, name in enumerate(("isolated_fraction", "cluster_size")):
        standard_error = every[:, j].std() / np.sqrt(n)
        assert abs(res[name].mean - every[:, j].mean()) < 4 * standard_error


def test_line_closed_form_mean():
    labels = np.array([-1, 0, 0, 1, -1, 1, 1, 0, -1, 2, 2, -1])
    geom = Grid1D(12)
    res = shuffle_test(labels, geom, n_shuffles=40_000, seed=2)
    expected = closed_form_cluster_size(labels, geom)
    spread = res["cluster_size"].std / np.sqrt(40_000)
    assert abs(res["cluster_size"].mean - expected) < 4 * spread
    expected_iso = closed_form_isolated(labels, geom)
    spread_iso = res["isolated_fraction"].std / np.sqrt(40_000)
    assert abs(res["isolated_fraction"].mean - expected_iso) < 4 * spread_iso
