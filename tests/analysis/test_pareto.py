"""Pareto fronts on point sets whose fronts are known."""

from __future__ import annotations

import numpy as np
import pytest

from bimt.analysis.pareto import error_from_accuracy, pareto_front, pareto_fronts


def test_known_front_with_ties():
    #        0     1     2     3     4     5     6     7
    x = [1.0, 2.0, 3.0, 2.0, 4.0, 1.0, 3.0, 2.0]
    e = [0.9, 0.5, 0.2, 0.6, 0.2, 0.9, 0.1, 0.5]
    # 0 and 5 are duplicates (both kept); 3 loses to 1 (same x, more error); 4 loses to 2 and
    # 6 (more x, same or more error); 2 loses to 6 (same x, more error); 7 duplicates 1.
    np.testing.assert_array_equal(
        pareto_front(x, e), [True, True, False, False, False, True, True, True]
    )


def test_front_against_brute_force():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, size=60).astype(float)
    e = rng.integers(0, 6, size=60) / 10
    expected = [
        not any(x[q] <= x[p] and e[q] <= e[p] and (x[q] < x[p] or e[q] < e[p]) for q in range(60))
        for p in range(60)
    ]
    np.testing.assert_array_equal(pareto_front(x, e), expected)


def test_fronts_per_method_are_sorted_staircases():
    x = [10, 20, 30, 15, 25, 5]
    e = [0.5, 0.3, 0.1, 0.2, 0.4, 0.9]
    method = ["bimt", "bimt", "bimt", "l1", "l1", "l1"]
    fronts = pareto_fronts(x, e, method)
    np.testing.assert_array_equal(fronts["bimt"], [0, 1, 2])
    # l1 point 4 is dominated by point 3 only within l1.
    np.testing.assert_array_equal(fronts["l1"], [5, 3])


def test_bad_input():
    with pytest.raises(ValueError, match="equal length"):
        pareto_front([1, 2], [1])
    with pytest.raises(ValueError, match="finite"):
        pareto_front([1, np.nan], [1, 2])
    with pytest.raises(ValueError, match="one name per point"):
        pareto_fronts([1, 2], [1, 2], ["a"])


def test_error_from_accuracy():
    assert error_from_accuracy({"go": 1.0, "anti": 0.5}) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="empty"):
        error_from_accuracy({})
