"""Labels and decision logic (tasks-spec §1.3, §1.6, §2.1–2.4)."""

from __future__ import annotations

import numpy as np
import pytest
from task_helpers import in_periods


def _decision_label(b) -> np.ndarray:
    """[B] the label at each row's first decision step."""
    t = b.periods["decision"][:, 0]
    return b.labels.numpy()[t, np.arange(b.batch_size)]


def test_labels_only_in_decision_and_constant_there(cog20):
    b = cog20.sample(2000, 1)
    labels = b.labels.numpy()
    dec = in_periods(b, ["decision"])
    assert np.all(labels[~dec] == 0)
    first = _decision_label(b)
    assert np.array_equal(labels, np.where(dec, first[None, :], 0))
    go = b.params["target"] >= 0
    assert np.array_equal(first[go], 1 + b.params["target"][go])
    assert np.all(first[~go] == 0)
    assert labels.dtype == np.int64 and labels.max() <= 16


def test_reach_target_is_ground_truth(cog20):
    b = cog20.sample(1000, 2, tasks=["go", "rtanti", "dlyanti"])
    assert np.array_equal(b.params["target"], b.params["ground_truth"])
    anti = np.isin(b.task.numpy(), [cog20.task_index("rtanti"), cog20.task_index("dlyanti")])
    shift = np.where(anti, np.pi, 0.0)
    want = np.mod(2 * np.pi * b.params["ground_truth"] / 16 + shift, 2 * np.pi)
    assert np.allclose(b.params["stim_theta"], want)
    values, counts = np.unique(b.params["ground_truth"], return_counts=True)
    assert np.array_equal(values, np.arange(16)) and counts.min() > 30


@pytest.mark.parametrize(
    ("task", "weights"),
    [("dm1", (1, 0)), ("dm2", (0, 1)), ("ctxdm1", (1, 0)), ("ctxdm2", (0, 1)),
     ("multidm", (1, 1)), ("dlydm1", (1, 0)), ("ctxdlydm2", (0, 1)), ("multidlydm", (1, 1))],
)  # fmt: skip
def test_dm_target_is_the_stronger_weighted_stimulus(cog20, task, weights):
    b = cog20.sample(2000, 3, tasks=[task])
    p = b.params
    e1 = sum(w * np.nan_to_num(p[f"coh1_mod{r}"]) for r, w in zip((1, 2), weights, strict=True))
    e2 = sum(w * np.nan_to_num(p[f"coh2_mod{r}"]) for r, w in zip((1, 2), weights, strict=True))
    clear = np.abs(e1 - e2) > 1e-9
    want = np.where(e1 > e2, p["i_theta1"], p["i_theta2"])
    assert np.array_equal(p["target"][clear], want[clear])
    assert np.array_equal(_decision_label(b), 1 + p["target"])


@pytest.mark.parametrize(("task", "rate"), [("multidm", 1 / 8), ("multidlydm", 1 / 6)])
def test_tie_rates_and_coin_flip(cog20, task, rate):
    n = 6000
    b = cog20.sample(n, 4, tasks=[task])
    p = b.params
    e1 = p["coh1_mod1"] + p["coh1_mod2"]
    e2 = p["coh2_mod1"] + p["coh2_mod2"]
    tie = np.abs(e1 - e2) < 1e-9
    assert tie.mean() == pytest.approx(rate, abs=5 * np.sqrt(rate * (1 - rate) / n))
    first = p["target"][tie] == p["i_theta1"][tie]
    assert set(p["target"][tie] == p["i_theta2"][tie]) | set(first) == {True, False}
    assert first.mean() == pytest.approx(0.5, abs=5 * np.sqrt(0.25 / tie.sum()))
    assert np.array_equal(first, p["tie_winner"][tie] == 1)


@pytest.mark.parametrize(("task", "ring"), [("ctxdm1", 1), ("ctxdlydm2", 2), ("dlydm1", 1)])
def test_single_evidence_tasks_never_tie(cog20, task, ring):
    coh = cog20.sample(2000, 5, tasks=[task]).params[f"coh_mod{ring}"]
    assert np.all(np.abs(coh) >= 0.08 - 1e-12)


@pytest.mark.parametrize("task", ["dms", "dnms"])
def test_match_to_sample_logic(cog20, task):
    b = cog20.sample(2000, 6, tasks=[task])
    p = b.params
    match = p["match"] == 1
    assert np.array_equal(p["i_test"][match], p["i_sample"][match])
    assert np.array_equal(p["i_test"][~match], (p["i_sample"][~match] + 8) % 16)
    go = match if task == "dms" else ~match
    assert np.array_equal(p["target"], np.where(go, p["i_test"], -1))
    assert np.all(b.labels.numpy()[:, ~go] == 0)  # no-go: every label is fixate
    assert match.mean() == pytest.approx(0.5, abs=0.06)


@pytest.mark.parametrize("task", ["dmc", "dnmc"])
def test_match_to_category_logic_with_index_8_quirk(cog20, task):
    b = cog20.sample(4000, 7, tasks=[task])
    p = b.params
    sample_cat = p["i_sample"] > 8  # index 8 is category 0 as a sample ...
    test_cat = p["i_test"] >= 8  # ... and category 1 as a test
    match = p["match"] == 1
    assert np.array_equal(sample_cat == test_cat, match)
    go = match if task == "dmc" else ~match
    assert np.array_equal(p["target"], np.where(go, p["i_test"], -1))
    # tests are uniform within the required half
    for cat, idx in ((False, range(8)), (True, range(8, 16))):
        values = p["i_test"][test_cat == cat]
        assert set(values.tolist()) == set(idx)
    eight = p["i_sample"] == 8
    assert np.all(p["i_test"][eight & match] < 8)
    assert np.all(p["i_test"][eight & ~match] >= 8)


def test_modality_is_a_fair_coin(cog20):
    b = cog20.sample(6000, 8, tasks=["go", "dms", "dnmc"])
    m = b.params["modality"]
    assert set(m.tolist()) == {0, 1}
    assert m.mean() == pytest.approx(0.5, abs=5 * np.sqrt(0.25 / len(m)))
    d = cog20.sample(200, 9, tasks=["dm1", "dm2", "multidm"])
    want = {0: 0, 1: 1, 2: -1}
    for i, task in enumerate(["dm1", "dm2", "multidm"]):
        rows = d.task.numpy() == cog20.task_index(task)
        assert np.all(d.params["modality"][rows] == want[i])
