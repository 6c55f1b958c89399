"""Mod-Cog: suites, base-task quirks, int and seq shifts, the label-bug option (§3)."""

from __future__ import annotations

import numpy as np
import pytest
from task_helpers import clean_inputs, ring_bump

from bimt import make_suite

BASE = [
    "go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti", "dm1", "dm2", "ctxdm1", "ctxdm2",
    "multidm", "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm", "dms", "dnms",
    "dmc", "dnmc",
]
# The Mod-Cog README's env list, in its order.
INT = [
    "dlygointr", "dlygointl", "dlyantiintr", "dlyantiintl", "dlydm1intr", "dlydm1intl",
    "dlydm2intr", "dlydm2intl", "ctxdlydm1intr", "ctxdlydm1intl", "ctxdlydm2intr",
    "ctxdlydm2intl", "multidlydmintr", "multidlydmintl", "dmsintr", "dmsintl", "dnmsintr",
    "dnmsintl", "dmcintr", "dmcintl", "dnmcintr", "dnmcintl",
]
README = BASE + INT + [f"{b}seqr" for b in BASE] + [f"{b}seql" for b in BASE]
INTSEQ = [
    "dlygointseq", "dlyantiintseq", "dlydm1intseq", "dlydm2intseq", "ctxdlydm1intseq",
    "ctxdlydm2intseq", "multidlydmintseq", "dmsintseq", "dnmsintseq", "dmcintseq",
    "dnmcintseq",
]


def test_suites_and_dims():
    s82, s93 = make_suite("modcog"), make_suite("modcog-all")
    assert s82.task_names == README and len(README) == 82
    assert s93.task_names == README + INTSEQ
    assert (s82.n_inputs, s82.n_outputs) == (115, 17)
    assert (s93.n_inputs, s93.n_outputs) == (126, 17)


def test_base_tasks_in_modcog_are_modcogs_versions(cog20, modcog):
    # go: neurogym has no delay (15 steps); Mod-Cog's go has a 500 ms delay (20 steps)
    assert set(cog20.sample(50, 1, tasks=["go"]).length.tolist()) == {15}
    assert set(modcog.sample(50, 1, tasks=["go"]).length.tolist()) == {20}
    # a list holding an extension name uses Mod-Cog classes for its base names too
    assert make_suite(["go", "goseqr"]).steps_range("go") == (20, 20)
    assert make_suite(["go", "dm1"]).steps_range("go") == (15, 15)
    assert make_suite(["go", "goseqr"], base_tasks="neurogym").steps_range("go") == (15, 15)


def test_reach_int_rotates_the_stimulus(modcog):
    for task, integ, anti in (("dlygointr", 1, 0), ("dlyantiintl", -1, 1), ("dlygointseq", 1, 0)):
        b = modcog.sample(1200, 2, tasks=[task])
        p = b.params
        delay = p["delay"]
        assert set(delay.tolist()) == set(range(0, 1200, 100))
        loc = 2 * np.pi * p["ground_truth"] / 16 + integ * 0.01 * delay + anti * np.pi
        assert np.allclose(np.mod(p["stim_theta"] - loc + np.pi, 2 * np.pi) - np.pi, 0, atol=1e-9)
        x = b.inputs.numpy()
        t = b.periods["stimulus"][:, 0]
        rows = np.arange(b.batch_size)
        ring = x[t, rows, 1:33].reshape(-1, 2, 16)[rows, p["modality"]]
        want = ring_bump(np.arange(16)[None, :], np.mod(loc, 2 * np.pi)[:, None])
        assert np.allclose(ring, want, atol=1e-6)
        # the label stays at the unshifted k
        dec = b.labels.numpy()[b.periods["decision"][:, 0], rows]
        assert np.array_equal(dec, 1 + p["ground_truth"])


def test_dlydm_int_moves_the_target_by_5(modcog):
    for task, integ in (("dlydm1intr", 1), ("multidlydmintl", -1), ("ctxdlydm2intseq", 1)):
        b = modcog.sample(800, 3, tasks=[task])
        p = b.params
        assert np.all(p["delay"] == 500)
        w = (0, 1) if "ctxdlydm2" in task else (1, 1) if "multi" in task else (1, 0)
        e1 = w[0] * np.nan_to_num(p["coh1_mod1"]) + w[1] * np.nan_to_num(p["coh1_mod2"])
        e2 = w[0] * np.nan_to_num(p["coh2_mod1"]) + w[1] * np.nan_to_num(p["coh2_mod2"])
        stronger = np.where(e1 > e2, p["i_theta1"], p["i_theta2"])
        clear = np.abs(e1 - e2) > 1e-9
        assert np.array_equal(p["target"][clear], ((stronger + 5 * integ) % 16)[clear])
        assert np.all(p["target_shift"] == 5 * integ)


def test_match_int_moves_the_response_one_index_per_100ms(modcog):
    for task, integ in (("dmsintr", 1), ("dnmcintl", -1), ("dmcintseq", 1)):
        b = modcog.sample(1500, 4, tasks=[task])
        p = b.params
        assert set(p["delay"].tolist()) == set(range(0, 1200, 100))
        go = p["target"] >= 0
        want = (p["i_test"] + integ * p["delay"] // 100) % 16
        assert np.array_equal(p["target"][go], want[go])
        assert np.all(b.labels.numpy()[:, ~go] == 0)
        # stimuli are unchanged by int
        x = clean_inputs(modcog, b)
        rows = np.arange(b.batch_size)
        t = b.periods["test"][:, 0]
        ring = x[t, rows, 1:33].reshape(-1, 2, 16)[rows, p["modality"]]
        assert np.array_equal(ring.argmax(axis=1), p["i_test"])


@pytest.mark.parametrize("bug", [False, True])
def test_seq_labels_move_one_index_per_step(modcog, modcog_bug, bug):
    suite = modcog_bug if bug else modcog
    for task, seq in (("goseqr", 1), ("rtantiseql", -1), ("dm1seqr", 1), ("dnmsseql", -1),
                      ("dlydm2intseq", 1)):  # fmt: skip
        b = suite.sample(600, 5, tasks=[task])
        labels = b.labels.numpy()
        dec = b.periods["decision"]
        n_dec = 5 if task.startswith("rt") else 10
        assert np.all(dec[:, 1] - dec[:, 0] == n_dec)
        go = b.params["target"] >= 0
        for t in range(n_dec):
            k = b.params["target"] + seq * t
            want = (1 + k) % 16 if bug else 1 + k % 16
            got = labels[dec[:, 0] + t, np.arange(b.batch_size)]
            assert np.array_equal(got[go], want[go])
            assert np.all(got[~go] == 0)


def test_label_bug_option(modcog, modcog_bug):
    # goseqr with target 14 moves 15, 0, 1, ... with the bug (spec example), 15, 16, 1 without
    for suite, want in ((modcog_bug, [15, 0, 1, 2]), (modcog, [15, 16, 1, 2])):
        b = suite.sample(400, 6, tasks=["goseqr"])
        row = np.flatnonzero(b.params["target"] == 14)[0]
        t0 = b.periods["decision"][row, 0]
        assert b.labels.numpy()[t0 : t0 + 4, row].tolist() == want
    # with the bug, target 15 is labelled fixate and action 16 never appears
    b = modcog_bug.sample(3000, 7)
    labels = b.labels.numpy()
    assert labels.max() <= 15
    plain = b.task.numpy() < 42  # the 20 base tasks and the int tasks: no seq
    t0 = b.periods["decision"][:, 0]
    first = labels[t0, np.arange(b.batch_size)]
    fifteen = plain & (b.params["target"] == 15)
    assert fifteen.any() and np.all(first[fifteen] == 0)
    assert make_suite("modcog").sample(3000, 7).labels.numpy().max() == 16
