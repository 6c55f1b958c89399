"""Trial-length distributions at dt = 100 (tasks-spec §2.5, §3.1–3.4)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bimt import make_suite

N = 3000
THIRDS = {9: 1 / 3, 10: 1 / 3, 11: 1 / 3}
DLY_THIRDS = {24: 1 / 3, 25: 1 / 3, 26: 1 / 3}
# neurogym yang19 (2020–2025, "paper" profile): step pmfs from the spec's period table.
PAPER = {
    "go": {15: 1.0}, "rtgo": {10: 1.0}, "dlygo": {20: 1.0},
    "anti": {15: 1.0}, "rtanti": {10: 1.0}, "dlyanti": {20: 1.0},
    "dm1": THIRDS, "dm2": THIRDS, "ctxdm1": THIRDS, "ctxdm2": THIRDS, "multidm": THIRDS,
    "dlydm1": DLY_THIRDS, "dlydm2": DLY_THIRDS, "ctxdlydm1": DLY_THIRDS,
    "ctxdlydm2": DLY_THIRDS, "multidlydm": DLY_THIRDS,
    "dms": {32: 1.0}, "dnms": {32: 1.0}, "dmc": {32: 1.0}, "dnmc": {32: 1.0},
}  # fmt: skip
# neurogym 2.3: dm1 = fixation {2,3,4} + stimulus {2,4,6} + decision 2 steps.
DM1_23 = {6: 1 / 9, 7: 1 / 9, 8: 2 / 9, 9: 1 / 9, 10: 2 / 9, 11: 1 / 9, 12: 1 / 9}
TWELFTHS = lambda lo: {lo + i: 1 / 12 for i in range(12)}  # noqa: E731
# Mod-Cog (§3.1–3.4): its base go/anti have a 500 ms delay, dlyDM delay 500, seq decision 1000.
MODCOG = {
    "go": {20: 1.0}, "anti": {20: 1.0}, "rtgo": {10: 1.0}, "dlyanti": {20: 1.0},
    "dm1": THIRDS, "multidm": THIRDS,
    "dlydm1": {19: 1 / 3, 20: 1 / 3, 21: 1 / 3}, "multidlydm": {19: 1 / 3, 20: 1 / 3, 21: 1 / 3},
    "dlygointr": TWELFTHS(15), "dlyantiintl": TWELFTHS(15),
    "ctxdlydm2intl": {19: 1 / 3, 20: 1 / 3, 21: 1 / 3},
    "dmsintr": TWELFTHS(22), "dnmcintl": TWELFTHS(22),
    "goseqr": {25: 1.0}, "dlyantiseql": {25: 1.0}, "rtgoseqr": {10: 1.0}, "rtantiseql": {10: 1.0},
    "dm2seqr": {17: 1 / 3, 18: 1 / 3, 19: 1 / 3},
    "ctxdlydm1seql": {27: 1 / 3, 28: 1 / 3, 29: 1 / 3},
    "dlygointseq": TWELFTHS(20), "multidlydmintseq": {27: 1 / 3, 28: 1 / 3, 29: 1 / 3},
    "dmcintseq": TWELFTHS(23),
}  # fmt: skip


def assert_pmf(lengths: np.ndarray, pmf: dict[int, float]) -> None:
    values, counts = np.unique(lengths, return_counts=True)
    assert set(values.tolist()) == set(pmf), f"support {values} != {sorted(pmf)}"
    for v, c in zip(values, counts, strict=True):
        p = pmf[int(v)]
        tol = 5 * np.sqrt(p * (1 - p) / len(lengths)) + 1e-12
        assert abs(c / len(lengths) - p) <= tol, f"P({v}) = {c / len(lengths)}, expected {p}"


@pytest.mark.parametrize("task", list(PAPER))
def test_paper_profile_length_pmf(cog20, task):
    assert_pmf(cog20.sample(N, 11, tasks=[task]).length, PAPER[task])


def test_neurogym23_dm1_length_pmf(cog20_23):
    assert_pmf(cog20_23.sample(N, 12, tasks=["dm1"]).length, DM1_23)
    # Only dm1 changed in 2.3; dm2 keeps its 500 ms stimulus.
    assert_pmf(cog20_23.sample(N, 13, tasks=["dm2"]).length, THIRDS)


@pytest.mark.parametrize("task", list(MODCOG))
def test_modcog_length_pmf(modcog, task):
    assert_pmf(modcog.sample(N, 14, tasks=[task]).length, MODCOG[task])


def test_modcog_match_delays_are_two_per_task_tied_to_modality(modcog):
    for task in ("dms", "dnmc", "dmsseqr", "dnmcseql"):
        b = modcog.sample(2000, 15, tasks=[task])
        decision = 10 if "seq" in task else 9
        delay_steps = b.length - (3 + 5 + 5 + decision)
        mod = b.params["modality"]
        per_mod = [np.unique(delay_steps[mod == m]) for m in (0, 1)]
        # one fixed delay per modality, drawn from U(200, 1200) floored: 2..11 steps
        assert [len(v) for v in per_mod] == [1, 1]
        assert all(2 <= v[0] <= 11 for v in per_mod)
        assert np.array_equal(b.params["delay"], delay_steps * 100)
        assert np.array_equal(b.periods["delay"][:, 1] - b.periods["delay"][:, 0], delay_steps)


def test_modcog_match_delays_follow_the_suite_seed():
    def delays(seed):
        s = make_suite("modcog", modcog_seed=seed)
        out = []
        for task in ("dms", "dnms", "dmc", "dnmc"):
            b = s.test_trials(task)
            pairs = zip(b.params["modality"], b.params["delay"], strict=True)
            out.append(tuple(sorted(set(pairs))))
        return out

    assert delays(3) == delays(3)
    assert delays(3) != delays(4)
    # a task's delays do not depend on which other tasks the suite holds
    alone = make_suite(["dms", "goseqr"], modcog_seed=3).test_trials("dms")
    assert set(zip(alone.params["modality"], alone.params["delay"], strict=True)) == set(
        delays(3)[0]
    )


@pytest.mark.parametrize(("spec", "longest"), [("cog20", 32), ("modcog", 34), ("modcog-all", 34)])
def test_max_steps(spec, longest):
    assert make_suite(spec).max_steps == longest


def test_periods_tile_each_trial(cog20, modcog):
    for suite in (cog20, modcog):
        b = suite.sample(500, 16)
        for i in np.unique(b.task.numpy()):
            rows = b.task.numpy() == i
            names = suite.defs[i].periods
            assert names[0] == "fixation" and names[-1] == "decision"
            assert np.all(b.periods["fixation"][rows, 0] == 0)
            for a, c in itertools.pairwise(names):
                assert np.array_equal(b.periods[a][rows, 1], b.periods[c][rows, 0])
            assert np.array_equal(b.periods["decision"][rows, 1], b.length[rows])
            for other in set(b.periods) - set(names):  # absent periods are empty
                se = b.periods[other][rows]
                assert np.all(se[:, 0] == se[:, 1])


def test_other_dt_scales_steps():
    s = make_suite("cog20", dt=20)
    b = s.sample(400, 17, tasks=["go", "dlydm1"])
    go = b.length[b.task.numpy() == 0]
    assert set(go.tolist()) == {75}  # 1500 ms / 20
    dly = b.length[b.task.numpy() == 11]
    # fixation U(200, 500) floored to 20 ms: 10..24 steps, then 2200 ms = 110 steps more
    assert set(dly.tolist()) <= set(range(10 + 110, 25 + 110)) and len(set(dly.tolist())) > 10
    assert s.max_steps == 160
