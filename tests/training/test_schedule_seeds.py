"""λ schedules and derived seed streams."""

from __future__ import annotations

import pytest

from bimt.training import lam_at
from bimt.training.seeds import derive


def test_constant_schedule():
    assert {lam_at(s, 10, 2e-5) for s in range(10)} == {2e-5}


@pytest.mark.parametrize("steps", [3, 9, 10, 11, 3000])
def test_three_phase_boundaries_by_brute_force(steps):
    got = [lam_at(s, steps, 1.0, "three-phase") for s in range(steps)]
    # The middle third: the steps s with steps/3 <= s < 2*steps/3 (rounded down).
    want = [10.0 if steps // 3 <= s < 2 * steps // 3 else 1.0 for s in range(steps)]
    assert got == want
    if steps % 3 == 0:
        assert got.count(10.0) == steps // 3 and got[0] == got[-1] == 1.0


def test_three_phase_3000_documented_boundaries():
    assert lam_at(999, 3000, 1.0, "three-phase") == 1.0
    assert lam_at(1000, 3000, 1.0, "three-phase") == 10.0
    assert lam_at(1999, 3000, 1.0, "three-phase") == 10.0
    assert lam_at(2000, 3000, 1.0, "three-phase") == 1.0


def test_schedule_rejects_bad_input():
    with pytest.raises(ValueError, match=r"unknown schedule 'cosine'.*three-phase"):
        lam_at(0, 10, 1.0, "cosine")
    with pytest.raises(ValueError, match=r"step must be in \[0, 10\)"):
        lam_at(10, 10, 1.0)


def test_derived_seeds_are_deterministic_and_distinct():
    assert derive(3, "data", 5) == derive(3, "data", 5)
    seeds = {derive(0, "data", s) for s in range(1000)}
    seeds |= {derive(0, "eval", i) for i in range(20)} | {derive(0, "model")}
    seeds |= {derive(1, "data", s) for s in range(1000)}
    assert len(seeds) == 2021
    assert all(0 <= s < 2**63 for s in seeds)


def test_derive_rejects_unknown_stream_and_negative_seed():
    with pytest.raises(ValueError, match="unknown seed stream 'dta'"):
        derive(0, "dta")
    with pytest.raises(ValueError, match="non-negative"):
        derive(-1, "data", 0)
