"""bimt's task suites against neurogym 2.3.1's `yang19` envs (tasks-spec §2 and §6).

Conditional exactness: each neurogym trial's parameters and period durations are read from the
env and fed to `TaskSuite.render`; the rendered trial must equal neurogym's, step for step.
Noise: which inputs carry noise, in which periods, and how much. Profile "paper": the
documented pre-2.1 differences (fixation extent, noise channels) on top of the same trials.
Statistics: `sample` against neurogym's measured supports and frequencies, with fixed seeds so
that every p-value is a fixed number.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from neurogym.envs.collections import get_collection
from scipy import stats

from bimt import make_suite

try:  # tests/tasks as a package, or (pytest's default) as a rootdir on sys.path
    from . import neurogym_trials as ng
except ImportError:
    import neurogym_trials as ng

N_TRIALS = 200
N_CORE = ng.N_OBS  # 33 inputs before the rule one-hot
DT = 100
P_MIN = 1e-3  # a seeded test fails only when the data are this unlikely under the spec


def _seed(task: str, salt: str = "") -> int:
    """A fixed seed per task (and purpose), independent of test order."""
    return zlib.crc32(f"{task}/{salt}".encode())


@pytest.fixture(scope="module")
def suite_23():
    return make_suite("cog20", profile="neurogym-2.3")


@pytest.fixture(scope="module")
def suite_paper():
    return make_suite("cog20", profile="paper")


def render_params(trials: ng.NeurogymTrials) -> dict[str, np.ndarray]:
    """neurogym's trial parameters in the schema of `TaskSuite.render`.

    DM ties: `tie_winner` says which stimulus neurogym's coin flip chose. Outside ties it is set
    to the stimulus that did NOT win, so a renderer that consulted it there would fail.
    """
    p = dict(trials.params)
    if ng.family(trials.task) in ("dm", "dlydm"):
        first_won = p["target"] == p["i_theta1"]
        p["tie_winner"] = np.where(p["tie"] == first_won, 1, 2)
    return p


def _render(suite, trials: ng.NeurogymTrials, noise_seed: int | None = None):
    batch = suite.render(
        trials.task, trials.durations, render_params(trials), noise_seed=noise_seed
    )
    return batch, batch.inputs.numpy(), batch.labels.numpy()


def _first_difference(what: str, got: np.ndarray, want: np.ndarray, trials) -> str:
    """A failure message naming the first differing entry and the trial it belongs to."""
    bad = np.argwhere(got != want)
    if got.shape != want.shape:
        return f"{what}: shape {got.shape} (bimt) vs {want.shape} (neurogym)"
    t, b, *channel = bad[0]
    where = f"step {t}, trial {b}" + (f", input {channel[0]}" if channel else "")
    params = {k: v[b].item() for k, v in trials.params.items()}
    durations = {k: int(v[b]) for k, v in trials.durations.items()}
    return (
        f"{trials.task} {what}: {len(bad)} entries differ; first at {where}: bimt "
        f"{got[tuple(bad[0])]!r}, neurogym {want[tuple(bad[0])]!r}; trial {params}, "
        f"durations {durations}"
    )


def _assert_same(what: str, got: np.ndarray, want: np.ndarray, trials) -> None:
    if got.shape != want.shape or np.any(got != want):
        pytest.fail(_first_difference(what, got, want, trials))


def test_suite_layout_is_neurogyms(suite_23, suite_paper):
    # get_collection("yang19") is neurogym's task order, which fixes the rule one-hot order.
    names = [
        env_id.removeprefix("yang19.").removesuffix("-v0") for env_id in get_collection("yang19")
    ]
    assert names == list(ng.TASKS)
    for suite in (suite_23, suite_paper):
        assert suite.task_names == names
        assert (suite.n_inputs, suite.n_outputs, suite.dt, suite.dim_ring) == (53, 17, DT, 16)


def _assert_conditions_covered(trials: ng.NeurogymTrials) -> None:
    """The seeded trials reach every condition a comparison should see."""
    p, fam = trials.params, ng.family(trials.task)
    if fam == "reach":
        assert len(set(zip(p["ground_truth"], p["modality"], strict=True))) == 32
    elif fam == "match":
        assert len(set(zip(p["match"], p["modality"], strict=True))) == 4
        assert len(set(p["i_sample"])) == 16
    else:
        assert len(set(p["i_theta1"])) == 16
        assert len(set((p["i_theta2"] - p["i_theta1"]) % 16)) == 15
        n_values = 8 if fam == "dm" else 3
        for ring in (1, 2):
            values = p[f"coh1_mod{ring}"]
            if not np.isnan(values).all():
                assert len(set(np.round(values, 9))) == n_values
        if trials.task.startswith("multi"):
            assert p["tie"].any()
        # Every duration the spec allows (§2.2, §2.3): fixation U(200, 500) floored to dt.
        assert set(trials.durations["fixation"]) == {200, 300, 400}
        if trials.task == "dm1":
            assert set(trials.durations["stimulus"]) == {200, 400, 600}


@pytest.mark.parametrize("task", ng.TASKS)
def test_render_equals_neurogym_trials(suite_23, task):
    trials = ng.collect(task, N_TRIALS, _seed(task))
    _assert_conditions_covered(trials)
    batch, inputs, labels = _render(suite_23, trials)
    n_steps = int(trials.length.max())

    _assert_same("trial length", batch.length, trials.length, trials)
    assert inputs.shape == (n_steps, N_TRIALS, 53)
    valid = np.arange(n_steps)[:, None] < trials.length[None, :]
    _assert_same("mask", batch.mask.numpy(), valid, trials)
    # neurogym's 33 inputs, bit for bit (padding: zero on both sides).
    _assert_same("inputs", inputs[:, :, :N_CORE], trials.ob, trials)
    _assert_same("labels", labels, trials.gt, trials)
    # The rule inputs ScheduleEnvs would append: the task's one-hot on every valid step.
    rule = np.zeros((n_steps, N_TRIALS, 20), dtype=np.float32)
    rule[:, :, ng.TASKS.index(task)] = valid
    _assert_same("rule inputs", inputs[:, :, N_CORE:], rule, trials)
    assert np.all(batch.task.numpy() == ng.TASKS.index(task))
    for period, bounds in trials.bounds.items():
        _assert_same(f"period {period!r}", batch.periods[period], bounds, trials)


def _noise_table(noisy: np.ndarray, clean: np.ndarray, trials) -> dict:
    """Which inputs carry noise in which period: (modality, period) -> [33] bool.

    An input counts as noisy in a period when most of its entries there differ from the
    noise-free trial; a per-entry test would trip on the rare draw smaller than a float32 ulp.
    """
    modality = trials.params.get("modality", np.zeros(len(trials.length), dtype=np.int64))
    differs = noisy[:, :, :N_CORE] != clean[:, :, :N_CORE]
    table = {}
    for m in np.unique(modality):
        for period, bounds in trials.bounds.items():
            rows = np.flatnonzero((modality == m) & (bounds[:, 1] > bounds[:, 0]))
            if not len(rows):
                continue
            cells = [differs[s:e, b] for b in rows for s, e in [bounds[b]]]
            table[(int(m), period)] = np.concatenate(cells).mean(axis=0) > 0.5
    return table


def _noise(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    diff = (noisy[:, :, :N_CORE] - clean[:, :, :N_CORE]).ravel()
    return diff[diff != 0]


@pytest.mark.parametrize("task", ng.TASKS)
def test_noise_channels_and_level_equal_neurogyms(suite_23, task):
    seed = _seed(task, "noise")
    clean = ng.collect(task, N_TRIALS, seed)
    noisy = ng.collect(task, N_TRIALS, seed, sigma=1.0)
    for key, value in clean.params.items():  # same trials, up to the noise
        np.testing.assert_array_equal(noisy.params[key], value)
    _, bimt_clean, _ = _render(suite_23, clean)
    _, bimt_noisy, _ = _render(suite_23, clean, noise_seed=seed)

    want = _noise_table(noisy.ob, clean.ob, clean)
    got = _noise_table(bimt_noisy, bimt_clean, clean)
    assert got.keys() == want.keys()
    for key, channels in want.items():
        assert np.array_equal(got[key], channels), (
            f"{task} (modality, period) {key}: noisy inputs bimt "
            f"{np.flatnonzero(got[key]).tolist()}, neurogym {np.flatnonzero(channels).tolist()}"
        )
    if ng.family(task) == "reach":  # no noise at all, whatever the seed
        np.testing.assert_array_equal(bimt_noisy, bimt_clean)
    else:
        # std sigma/sqrt(dt) = 0.1 per step; with > 10^4 draws the sample std is within 3%.
        assert np.std(_noise(noisy.ob, clean.ob)) == pytest.approx(0.1, rel=0.03)
        assert np.std(_noise(bimt_noisy, bimt_clean)) == pytest.approx(0.1, rel=0.03)


@pytest.mark.parametrize("task", ng.TASKS)
def test_paper_profile_differs_from_2_3_only_as_documented(suite_paper, task):
    """tasks-spec §1.10: before 2.1 the DM, delayed-DM and match families kept the fixation
    input on until `decision`, and the DM families put noise on all 33 inputs (the match
    family on its ring only). The Reach family did not change."""
    seed = _seed(task, "paper")
    trials = ng.collect(task, N_TRIALS, seed)
    _, inputs, labels = _render(suite_paper, trials)
    want = trials.ob.copy()
    if ng.family(task) != "reach":
        t = np.arange(want.shape[0])[:, None]
        want[:, :, 0] = t < trials.bounds["decision"][:, 0][None, :]
    _assert_same("paper-profile inputs", inputs[:, :, :N_CORE], want, trials)
    _assert_same("paper-profile labels", labels, trials.gt, trials)

    _, noisy, _ = _render(suite_paper, trials, noise_seed=seed)
    table = _noise_table(noisy, inputs, trials)
    reference = _noise_table(ng.collect(task, N_TRIALS, seed, sigma=1.0).ob, trials.ob, trials)
    for key, channels in reference.items():
        expected = channels.copy()
        if ng.family(task) in ("dm", "dlydm"):
            expected[0] = channels[1:].any()  # fixation noisy wherever the rings are
        assert np.array_equal(table[key], expected), (
            f"{task} paper profile (modality, period) {key}: noisy inputs "
            f"{np.flatnonzero(table[key]).tolist()}, expected {np.flatnonzero(expected).tolist()}"
        )


# ---------------------------------------------------------------- statistics of `sample`
N_MIX = 4000  # rows of the 20-task mix: 200 per task on average
N_TASK = 1000  # trials of one task, on each side


def test_sample_mixes_tasks_uniformly_with_fair_modality(suite_23):
    batch = suite_23.sample(N_MIX, seed=_seed("mix"))
    task = batch.task.numpy()
    counts = np.bincount(task, minlength=20)
    assert stats.chisquare(counts).pvalue > P_MIN, counts.tolist()
    modality = batch.params["modality"]
    one_ring = np.isin(task, [ng.TASKS.index(t) for t in ng.REACH + ng.MATCH])
    assert set(modality[one_ring]) == {0, 1}
    assert stats.binomtest(int(modality[one_ring].sum()), int(one_ring.sum())).pvalue > P_MIN


def _dm_support(params: dict) -> dict:
    """Supports of the DM-family parameters: the location separations (i2 - i1) mod 16 and, per
    ring, the (stimulus 1, stimulus 2) strength pairs (None for a ring without stimuli)."""
    out = {"separation": set(((params["i_theta2"] - params["i_theta1"]) % 16).tolist())}
    for ring in (1, 2):
        s1, s2 = params[f"coh1_mod{ring}"], params[f"coh2_mod{ring}"]
        out[f"ring{ring}"] = (
            None if np.isnan(s1).all() else set(zip(np.round(s1, 9), np.round(s2, 9), strict=True))
        )
    return out


def _evidence(params: dict, task: str) -> tuple[np.ndarray, np.ndarray]:
    (show1, show2), (w1, w2) = ng.DM_RINGS[task]
    e1 = np.zeros(len(params["i_theta1"]))
    e2 = np.zeros_like(e1)
    for ring, show, w in ((1, show1, w1), (2, show2, w2)):
        if show:
            e1 += w * params[f"coh1_mod{ring}"]
            e2 += w * params[f"coh2_mod{ring}"]
    return e1, e2


@pytest.mark.parametrize("task", ng.DM + ng.DLYDM)
def test_sample_dm_family_matches_neurogyms_measured_sets(suite_23, task):
    ours = suite_23.sample(N_TASK, seed=_seed(task, "sample"), tasks=[task])
    theirs = ng.collect(task, N_TASK, _seed(task, "measure"))
    p = ours.params
    assert _dm_support(p) == _dm_support(theirs.params)
    assert _dm_support(p)["separation"] == set(range(1, 16))
    assert set(ours.length) == set(theirs.length)
    # Uniform over locations, separations and the strength conditions.
    assert stats.chisquare(np.bincount(p["i_theta1"], minlength=16)).pvalue > P_MIN
    separation = (p["i_theta2"] - p["i_theta1"]) % 16
    assert stats.chisquare(np.bincount(separation, minlength=16)[1:]).pvalue > P_MIN
    for ring in (1, 2):
        if not np.isnan(p[f"coh1_mod{ring}"]).all():
            _, counts = np.unique(np.round(p[f"coh1_mod{ring}"], 9), return_counts=True)
            assert stats.chisquare(counts).pvalue > P_MIN
    # The target is the stimulus with more weighted evidence; exact ties (multi tasks only:
    # 1/8 in multidm, 1/6 in multidlydm) go to either stimulus with probability 1/2.
    e1, e2 = _evidence(p, task)
    tie = np.abs(e1 - e2) < ng.TIE_TOLERANCE
    target = p["target"]
    first_wins, second_wins = e1 - e2 > ng.TIE_TOLERANCE, e2 - e1 > ng.TIE_TOLERANCE
    np.testing.assert_array_equal(target[first_wins], p["i_theta1"][first_wins])
    np.testing.assert_array_equal(target[second_wins], p["i_theta2"][second_wins])
    tie_rate = {"multidm": 1 / 8, "multidlydm": 1 / 6}.get(task, 0.0)
    if tie_rate == 0:
        assert not tie.any()
    else:
        assert stats.binomtest(int(tie.sum()), len(tie), tie_rate).pvalue > P_MIN
        first = int((target[tie] == p["i_theta1"][tie]).sum())
        assert stats.binomtest(first, int(tie.sum())).pvalue > P_MIN
    decision = ours.labels.numpy()[ours.periods["decision"][:, 0], np.arange(N_TASK)]
    np.testing.assert_array_equal(decision, 1 + target)


@pytest.mark.parametrize("task", ng.MATCH)
def test_sample_match_family_matches_neurogyms_measured_sets(suite_23, task):
    ours = suite_23.sample(N_TASK, seed=_seed(task, "sample"), tasks=[task])
    theirs = ng.collect(task, N_TASK, _seed(task, "measure"))

    def support(p):
        # What the rules fix (tasks-spec §2.4): dms/dnms the test location, dmc/dnmc only the
        # half of the ring it lies in (index 8 counts as category 0 for a sample, 1 for a test).
        test = p["i_test"] // 8 if task in ("dmc", "dnmc") else p["i_test"]
        return set(zip(p["i_sample"], p["match"], test, strict=True))

    p = ours.params
    assert support(p) == support(theirs.params)
    assert set(ours.length) == set(theirs.length)
    assert stats.binomtest(int(p["match"].sum()), N_TASK).pvalue > P_MIN
    assert stats.binomtest(int(p["modality"].sum()), N_TASK).pvalue > P_MIN
    assert stats.chisquare(np.bincount(p["i_sample"], minlength=16)).pvalue > P_MIN
    go = (p["match"] == 1) == (task in ("dms", "dmc"))
    labels = ours.labels.numpy()
    decision = labels[ours.periods["decision"][:, 0], np.arange(N_TASK)]
    np.testing.assert_array_equal(decision, np.where(go, 1 + p["i_test"], 0))
    assert not labels[:, ~go].any()  # no-go trials fixate throughout


@pytest.mark.parametrize("task", ng.REACH)
def test_sample_reach_family_matches_neurogyms_measured_sets(suite_23, task):
    ours = suite_23.sample(N_TASK, seed=_seed(task, "sample"), tasks=[task])
    theirs = ng.collect(task, N_TASK, _seed(task, "measure"))
    p, q = ours.params, theirs.params

    def support(params):
        return set(zip(params["ground_truth"], params["modality"], strict=True))

    assert support(p) == support(q) == {(k, m) for k in range(16) for m in (0, 1)}
    assert set(ours.length) == set(theirs.length)
    assert stats.chisquare(np.bincount(p["ground_truth"], minlength=16)).pvalue > P_MIN
    assert stats.binomtest(int(p["modality"].sum()), N_TASK).pvalue > P_MIN


def test_sample_dm1_stimulus_durations_follow_the_profile(suite_23, suite_paper):
    """dm1's stimulus lasts 200, 400 or 600 ms in neurogym >= 2.1 and 500 ms before."""
    for suite, support in ((suite_23, {200, 400, 600}), (suite_paper, {500})):
        batch = suite.sample(300, seed=_seed("dm1", "stimulus"), tasks=["dm1"])
        steps = np.diff(batch.periods["stimulus"], axis=1)[:, 0]
        assert set((steps * DT).tolist()) == support
