"""Observations: bumps, fixation input per profile, noise by channel and period, rule inputs
(tasks-spec §1.2–1.5, §2, §3.1)."""

from __future__ import annotations

import numpy as np
import pytest
from task_helpers import clean_inputs, in_periods, ring_bump

REACH = ("go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti")
DM = ("dm1", "dm2", "ctxdm1", "ctxdm2", "multidm")
DLYDM = ("dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm")
MATCH = ("dms", "dnms", "dmc", "dnmc")
STIM_PERIODS = ("stimulus", "stim1", "stim2", "sample", "test")


def test_bump_values_on_the_grid(cog20):
    b = cog20.test_trials("go")
    t = b.periods["stimulus"][:, 0]
    rows = np.arange(b.batch_size)
    k, m = b.params["ground_truth"], b.params["modality"]
    ring = b.inputs.numpy()[t, rows, 1:33].reshape(-1, 2, 16)
    for offset, value in enumerate((0.8, 0.485, 0.108, 0.0089)):
        for sign in (1, -1):
            got = ring[rows, m, (k + sign * offset) % 16]
            assert got == pytest.approx(value, abs=5e-4)
            assert np.allclose(got, np.float32(0.8 * np.exp(-0.5 * offset**2)), rtol=1e-6)
    assert np.all(ring[rows, 1 - m] == 0)  # the other ring is silent


@pytest.mark.parametrize("task", REACH)
def test_reach_bump_location_and_timing(cog20, task):
    b = cog20.test_trials(task)
    x = b.inputs.numpy()
    k, m = b.params["ground_truth"], b.params["modality"]
    loc = 2 * np.pi * k / 16 + (np.pi if "anti" in task else 0.0)
    want = ring_bump(np.arange(16)[None, :], loc[:, None])  # [B, 16]
    shown = in_periods(b, ["decision"] if task.startswith("rt") else ["stimulus"])
    for row in range(b.batch_size):
        ring = x[: b.length[row], row, 1 + 16 * m[row] : 17 + 16 * m[row]]
        on = shown[: b.length[row], row]
        assert np.allclose(ring[on], want[row], atol=1e-7)
        assert np.all(ring[~on] == 0)  # the bump leaves at the go cue (also with no delay)


def test_dm_ring_inputs_are_the_two_weighted_bumps(cog20):
    for task in DM + DLYDM:
        b = cog20.sample(300, 1, tasks=[task])
        x = clean_inputs(cog20, b)
        p = b.params
        units = np.arange(16)[None, :]
        for ring in (1, 2):
            c1, c2 = p[f"coh1_mod{ring}"], p[f"coh2_mod{ring}"]
            b1 = ring_bump(units, 2 * np.pi * p["i_theta1"][:, None] / 16, c1[:, None])
            b2 = ring_bump(units, 2 * np.pi * p["i_theta2"][:, None] / 16, c2[:, None])
            shown = np.isfinite(c1)
            if task in DM:
                s1 = s2 = b.periods["stimulus"][:, 0]
                want1, want2 = b1 + b2, b1 + b2
            else:
                s1, s2 = b.periods["stim1"][:, 0], b.periods["stim2"][:, 0]
                want1, want2 = b1, b2
            rows = np.arange(b.batch_size)
            got1 = x[s1, rows, 1 + 16 * (ring - 1) : 17 + 16 * (ring - 1)]
            got2 = x[s2, rows, 1 + 16 * (ring - 1) : 17 + 16 * (ring - 1)]
            assert np.allclose(got1[shown], want1[shown], atol=1e-6)
            assert np.allclose(got2[shown], want2[shown], atol=1e-6)
            assert np.all(got1[~shown] == 0) and np.all(got2[~shown] == 0)
        # dm1/dm2 and their delayed versions show stimuli on one ring only
        expected = {"1": (True, False), "2": (False, True)}.get(task[-1], (True, True))
        if not task.startswith(("ctx", "multi")):
            assert (np.isfinite(p["coh1_mod1"]).all(), np.isfinite(p["coh1_mod2"]).all()) == (
                expected
            )


def test_dm_strength_sets(cog20):
    b = cog20.sample(4000, 2, tasks=["multidm"])
    got = set(np.round(np.concatenate([b.params["coh1_mod1"], b.params["coh2_mod2"]]), 9))
    assert got == {0.18, 0.34, 0.42, 0.46, 0.54, 0.58, 0.66, 0.82}
    assert np.allclose(b.params["coh1_mod1"] + b.params["coh2_mod1"], 1.0)
    d = cog20.sample(4000, 3, tasks=["multidlydm"])
    strengths = np.round(d.params["coh1_mod2"], 9), np.round(d.params["coh2_mod2"], 9)
    pairs = set(zip(*strengths, strict=True))
    assert pairs == {(a, c) for a in (0.3, 0.6, 1.0) for c in (0.3, 0.6, 1.0) if a != c}
    offsets = (d.params["i_theta2"] - d.params["i_theta1"]) % 16
    assert set(offsets.tolist()) == set(range(1, 16))


def test_match_bumps_share_the_ring(cog20):
    b = cog20.test_trials("dmc")
    x = b.inputs.numpy()
    rows = np.arange(b.batch_size)
    m = b.params["modality"]
    for period, key in (("sample", "i_sample"), ("test", "i_test")):
        t = b.periods[period][:, 0]
        ring = x[t, rows, 1:33].reshape(-1, 2, 16)
        want = ring_bump(np.arange(16)[None, :], 2 * np.pi * b.params[key][:, None] / 16)
        assert np.allclose(ring[rows, m], want, atol=1e-7)
        assert np.all(ring[rows, 1 - m] == 0)
    delay = in_periods(b, ["delay"])
    assert np.all(x[delay][:, 1:33] == 0)


@pytest.mark.parametrize(
    ("profile", "family", "expected"),
    [
        ("paper", REACH, "until_decision"),
        ("paper", DM + DLYDM + MATCH, "until_decision"),
        ("neurogym-2.3", REACH, "until_decision"),
        ("neurogym-2.3", DM + DLYDM + MATCH, "fixation_only"),
    ],
)
def test_fixation_input_extent(cog20, cog20_23, profile, family, expected):
    suite = cog20 if profile == "paper" else cog20_23
    b = suite.sample(600, 4, tasks=list(family))
    fix = clean_inputs(suite, b)[:, :, 0]
    t = np.arange(b.n_steps)[:, None]
    if expected == "until_decision":
        end = b.periods["decision"][:, 0]
    else:
        end = b.periods["fixation"][:, 1]
    assert np.array_equal(fix, (t < end[None, :]).astype(np.float32))


def test_modcog_follows_pre_2_1_fixation_and_noise(modcog):
    b = modcog.sample(600, 5, tasks=["dlydm1", "dmsseqr", "dm2seql", "go"])
    fix = clean_inputs(modcog, b)[:, :, 0]
    t = np.arange(b.n_steps)[:, None]
    assert np.array_equal(fix, (t < b.periods["decision"][:, 0][None, :]).astype(np.float32))


def _noise(suite, tasks, seed, n=1500):
    b = suite.sample(n, seed, tasks=tasks)
    return b, b.inputs.numpy() - clean_inputs(suite, b)


@pytest.mark.parametrize(("profile", "fixation_noise"), [("paper", True), ("neurogym-2.3", False)])
def test_dm_noise_channels_and_periods(cog20, cog20_23, profile, fixation_noise):
    suite = cog20 if profile == "paper" else cog20_23
    b, z = _noise(suite, list(DM + DLYDM), 6)
    stim = in_periods(b, STIM_PERIODS)
    # both rings carry noise of std 0.1 in stimulus periods, even a ring without stimuli
    for ring in (slice(1, 17), slice(17, 33)):
        assert z[stim][:, ring].std() == pytest.approx(0.1, rel=0.02)
        assert z[stim][:, ring].mean() == pytest.approx(0.0, abs=3e-3)
    if fixation_noise:
        assert z[stim][:, 0].std() == pytest.approx(0.1, rel=0.05)
    else:
        assert np.all(z[:, :, 0] == 0)
    assert np.all(z[~stim] == 0)  # fixation, delay, decision and padding are noise-free
    assert np.all(z[:, :, 33:] == 0)  # rule inputs are noiseless


def test_match_noise_on_the_used_ring_only(cog20):
    b, z = _noise(cog20, list(MATCH), 7)
    stim = in_periods(b, ("sample", "test"))
    m = b.params["modality"]
    rings = z[:, :, 1:33].reshape(b.n_steps, b.batch_size, 2, 16)
    rows = np.arange(b.batch_size)
    used = rings[:, rows, m]  # [T, B, 16]
    unused = rings[:, rows, 1 - m]
    assert used[stim].std() == pytest.approx(0.1, rel=0.02)
    assert np.all(unused == 0)
    assert np.all(used[~stim] == 0)
    assert np.all(z[:, :, 0] == 0) and np.all(z[:, :, 33:] == 0)


def test_reach_has_no_noise(cog20):
    _, z = _noise(cog20, list(REACH), 8, n=300)
    assert np.all(z == 0)


def test_noise_std_scales_with_dt():
    from bimt import make_suite

    s = make_suite(["dm2"], dt=25)
    b, z = _noise(s, ["dm2"], 9, n=400)
    stim = in_periods(b, ["stimulus"])
    assert z[stim][:, 17:33].std() == pytest.approx(1 / np.sqrt(25), rel=0.02)


def test_rule_one_hot_on_every_valid_step_and_padding_zero(modcog):
    b = modcog.sample(300, 10)
    x = b.inputs.numpy()
    mask = b.mask.numpy()
    rule = x[:, :, 1 + 32 :]
    want = np.zeros_like(rule)
    rows = np.arange(b.batch_size)
    want[:, rows, b.task.numpy()] = 1.0
    assert np.array_equal(rule, want * mask[:, :, None])
    assert np.all(x[~mask] == 0)
    assert x.dtype == np.float32


def test_dm_decision_period_inputs_are_zero(cog20):
    b = cog20.sample(500, 11, tasks=list(DM + DLYDM + MATCH))
    dec = in_periods(b, ["decision"])
    x = b.inputs.numpy()
    assert np.all(x[dec][:, :33] == 0)
