"""Verdict rules of bimt.report.claims on hand-made measurements with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bimt.report import claims as C
from bimt.report.claims import FAILS, HOLDS, NOT_MEASURED, PARTLY, RunResult


def test_combine_over_seeds() -> None:
    assert C.combine([HOLDS, HOLDS, HOLDS]) == HOLDS
    assert C.combine([FAILS, FAILS]) == FAILS
    assert C.combine([HOLDS, FAILS]) == PARTLY
    assert C.combine([PARTLY]) == PARTLY
    with pytest.raises(ValueError, match="at least one"):
        C.combine([])
    with pytest.raises(ValueError, match="unknown verdict"):
        C.combine(["maybe"])


def test_count_verdict() -> None:
    assert C.count_verdict(4, 4) == HOLDS
    assert C.count_verdict(0, 4) == FAILS
    assert C.count_verdict(3, 4) == PARTLY
    with pytest.raises(ValueError):
        C.count_verdict(5, 4)


def _acc(n_solved: int, n_tasks: int = 20, hi: float = 0.95, lo: float = 0.3) -> dict:
    return {f"t{i}": (hi if i < n_solved else lo) for i in range(n_tasks)}


def test_solves_rule() -> None:
    assert C.solves_verdict(_acc(20), 100) == HOLDS
    assert C.solves_verdict(_acc(18), 50) == HOLDS  # 90% solved, range inclusive
    assert C.solves_verdict(_acc(17), 100) == PARTLY  # 85% < 90%
    assert C.solves_verdict(_acc(20), 400) == PARTLY  # solved but not sparse
    assert C.solves_verdict(_acc(9), 400) == FAILS  # 45% solved and 400 active
    assert C.solves_verdict(_acc(10), 400) == PARTLY  # exactly half solved
    # a task at exactly the threshold counts as solved
    assert C.solved_share({"a": C.TASK_SOLVED_ACCURACY, "b": 0.0}) == 0.5


def test_share_rule() -> None:
    assert C.share_verdict(_acc(42, 82)) == HOLDS  # 51% > half
    assert C.share_verdict(_acc(41, 82)) == PARTLY  # exactly half is not "most"
    assert C.share_verdict(_acc(20, 82)) == FAILS  # 24% < a quarter


def _profile(values: dict[float, float]) -> tuple[list, list, list]:
    d = sorted(values)
    return d, [values[x] for x in d], [10] * len(d)


LATTICE = [round(0.05 * k, 2) for k in range(1, 39)]  # 20x20 grid: 0.05 ... 1.9


def test_locality_decay_and_second_peak_at_0_6() -> None:
    # exp decay plus a bump centred on 0.6: both parts of claim 2
    w = {d: math.exp(-d / 0.05) + 0.01 * math.exp(-((d - 0.6) / 0.06) ** 2) + 1e-4
         for d in LATTICE}
    m = C.locality_measure(*_profile(w))
    assert m.decays and m.ratio > 100
    assert m.peak_distance == pytest.approx(0.6)
    assert m.peak_prominence > C.PEAK_RATIO
    assert m.verdict == HOLDS


def test_locality_pure_decay_has_no_peak() -> None:
    w = {d: math.exp(-d / 0.1) for d in LATTICE}
    m = C.locality_measure(*_profile(w))
    assert m.decays and m.peak_distance is None
    assert m.verdict == PARTLY


def test_locality_flat_profile_fails() -> None:
    m = C.locality_measure(*_profile({d: 0.02 for d in LATTICE}))
    assert m.ratio == pytest.approx(1.0)
    assert not m.decays and m.peak_distance is None
    assert m.verdict == FAILS


def test_locality_peak_outside_window_does_not_count() -> None:
    # the bump sits at 1.2: the rising edge inside 0.45-0.75 is no local maximum
    w = {d: math.exp(-d / 0.05) + 0.01 * math.exp(-((d - 1.2) / 0.1) ** 2) + 1e-4
         for d in LATTICE}
    assert C.locality_measure(*_profile(w)).peak_distance is None


def test_locality_near_bins_weighted_by_pair_count_and_empty_bins_ignored() -> None:
    d = [0.0, 0.05, 0.1, 0.5, 0.8]
    w = [9.0, 1.0, 4.0, 1.0, None]  # distance 0 (autapses) and the empty bin are ignored
    count = [400, 1, 3, 10, 0]
    m = C.locality_measure(d, w, count)
    assert m.near == pytest.approx((1.0 * 1 + 4.0 * 3) / 4)
    assert m.far == pytest.approx(1.0)


def test_dominated_area_exact_values() -> None:
    box = (0.0, 1.0, 0.0, 1.0)
    assert C.dominated_area([0.0], [0.0], box) == pytest.approx(1.0)
    assert C.dominated_area([0.5], [0.5], box) == pytest.approx(0.25)
    # two staircase points: 0.75·0.5 + 0.5·0.75 − 0.5·0.5 = 0.5
    assert C.dominated_area([0.25, 0.5], [0.5, 0.25], box) == pytest.approx(0.5)
    # a dominated extra point changes nothing; order does not matter
    assert C.dominated_area([0.6, 0.5, 0.25], [0.6, 0.25, 0.5], box) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="box"):
        C.dominated_area([0.5], [0.5], (1.0, 0.0, 0.0, 1.0))


def test_dominated_area_matches_brute_force_raster() -> None:
    rng = np.random.default_rng(3)
    x, e = rng.random(7), rng.random(7)
    box = (0.0, 1.0, 0.0, 1.0)
    g = (np.arange(400) + 0.5) / 400
    gx, ge = np.meshgrid(g, g, indexing="ij")
    covered = np.zeros_like(gx, dtype=bool)
    for xi, ei in zip(x, e, strict=True):
        covered |= (gx >= xi) & (ge >= ei)
    assert C.dominated_area(x, e, box) == pytest.approx(covered.mean(), abs=5e-3)


def _run(method: str, lam: float, seed: int, error: float, active: int, wiring: float,
         p: tuple[float, float] = (0.5, 0.5), tasks: dict | None = None) -> RunResult:
    analysis = {
        "tasks": list(tasks or {"go": 1 - error}),
        "accuracy": {"error": error, "mean_primary": 1 - error,
                     "primary": tasks or {"go": 1 - error}, "strict": tasks or {"go": 0.0}},
        "sparsity": {"active_neurons": active, "wiring_length": wiring},
        "clusters": {"n_clusters": 4},
        "anatomy": {"positions": {
            k: {"observed": 1.0, "mean": 2.0, "std": 0.1, "p_value": pv,
                "shuffled": [2.0] * 9999}
            for k, pv in zip(C.ANATOMY_METRICS, p, strict=True)}},
    }
    return RunResult(f"{method}-{lam}-{seed}", method, lam, seed, "done", {}, analysis)


def _sweep_runs(bimt_shift: float) -> list[RunResult]:
    """BIMT points better (shift < 0) or worse (> 0) than L1's, and one dense none run."""
    runs = []
    for i, lam in enumerate([1e-5, 1e-4, 1e-3]):
        base_err, base_active, base_wiring = 0.1 + 0.1 * i, 300 - 100 * i, 10 ** (4 - i)
        runs.append(_run("l1", lam, 0, base_err, base_active, base_wiring))
        runs.append(_run("bimt", lam, 0, base_err + bimt_shift,
                         int(base_active * (1 + 2 * bimt_shift)),
                         base_wiring * (1 + 5 * bimt_shift)))
    runs.append(_run("none", 0.0, 0, 0.15, 400, 1e5))
    return runs


def test_pareto_front_that_dominates_holds() -> None:
    c = C.claim_pareto("3", "t", "p", "exp", _sweep_runs(-0.08),
                       [("better", "l1"), ("better", "none")])
    assert c.verdict == HOLDS
    assert "4 of 4" in dict(c.measured)["checks passed"]


def test_pareto_front_that_is_dominated_does_not_hold() -> None:
    c = C.claim_pareto("3", "t", "p", "exp", _sweep_runs(+0.08), [("better", "l1")])
    assert c.verdict == FAILS


def test_pareto_similar_fronts() -> None:
    c = C.claim_pareto("5c", "t", "p", "exp", _sweep_runs(0.0), [("similar", "l1")])
    assert c.verdict == HOLDS  # identical fronts are similar ...
    c = C.claim_pareto("3", "t", "p", "exp", _sweep_runs(0.0), [("better", "l1")])
    assert c.verdict == FAILS  # ... but not better


def test_pareto_without_a_method_is_not_measured() -> None:
    runs = [r for r in _sweep_runs(-0.08) if r.method != "none"]
    c = C.claim_pareto("3", "t", "p", "exp", runs, [("better", "none")])
    assert c.verdict == NOT_MEASURED


def test_anatomy_rule() -> None:
    sig, null = {"isolated_fraction": 1e-4, "cluster_size": 1e-4}, \
        {"isolated_fraction": 0.5, "cluster_size": 0.5}
    assert C.anatomy_verdict({"bimt": sig, "l1": null, "none": null}) == HOLDS
    assert C.anatomy_verdict({"bimt": null, "l1": null, "none": null}) == FAILS  # p = 0.5
    assert C.anatomy_verdict({"bimt": sig, "l1": sig, "none": null}) == PARTLY
    one = {"isolated_fraction": 1e-4, "cluster_size": 0.5}
    assert C.anatomy_verdict({"bimt": one, "l1": null, "none": null}) == PARTLY
    assert C.anatomy_verdict({"bimt": sig, "l1": sig}, baselines=False) == HOLDS
    # the threshold is strict: p = ALPHA is not "below"
    edge = {"isolated_fraction": C.ALPHA, "cluster_size": C.ALPHA}
    assert C.anatomy_verdict({"bimt": edge, "l1": null, "none": null}) == FAILS


def test_claim_anatomy_per_seed_and_combined() -> None:
    heads = {
        "bimt": [_run("bimt", 1e-5, 0, 0.1, 100, 10, p=(1e-4, 1e-4)),
                 _run("bimt", 1e-5, 1, 0.1, 100, 10, p=(0.4, 0.6))],
        "l1": [_run("l1", 1e-5, s, 0.1, 100, 10) for s in (0, 1)],
        "none": [_run("none", 0.0, s, 0.1, 100, 10) for s in (0, 1)],
    }
    c = C.claim_anatomy("4", "t", "p", "exp", heads, baselines=True,
                        metric_names={"isolated_fraction": "iso", "cluster_size": "size"})
    assert c.seeds == [0, 1]
    assert c.verdict == PARTLY  # seed 0 holds, seed 1 does not
    assert "0.0001/0.4" in c.summary


def test_claim_solves_reports_spread_over_seeds() -> None:
    tasks_a = {f"t{i}": 0.9 for i in range(20)}
    tasks_b = {f"t{i}": 0.7 for i in range(20)}
    runs = [_run("bimt", 1e-5, 0, 0.1, 100, 10, tasks=tasks_a),
            _run("bimt", 1e-5, 1, 0.3, 300, 10, tasks=tasks_b)]
    c = C.claim_solves("1", "t", "p", "exp", runs, 400)
    assert c.verdict == PARTLY  # seed 0 holds, seed 1 fails (0 solved, 300 active)
    measured = dict(c.measured)
    assert measured["active neurons"].startswith("200 ± 141")  # mean ± sample sd
    assert measured["verdict per seed"] == "s0: holds, s1: does not hold"
    task_rows = c.tables[0][2]
    assert task_rows[0][0] == "t0" and task_rows[0][1].startswith("0.8 ± 0.141")


def test_every_claim_is_not_measured_without_runs() -> None:
    from bimt.report.plan import build_plan

    out = C.evaluate_claims(build_plan("tiny"), {})
    assert [c.key for c in out] == ["1", "2", "3", "4", "5a", "5b", "5c", "5d", "5e"]
    assert all(c.verdict == NOT_MEASURED for c in out)
