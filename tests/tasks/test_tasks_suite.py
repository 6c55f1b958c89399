"""TaskSuite: dims, spec round trip, reproducibility, test trials, render round trip, errors."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from task_helpers import in_periods

import bimt
import bimt.tasks
from bimt import make_suite

STIM_PERIODS = ("stimulus", "stim1", "stim2", "sample", "test")


@pytest.mark.parametrize(
    ("kwargs", "dims"),
    [
        ({"spec": "cog20"}, (53, 17)),
        ({"spec": "cog20", "dim_ring": 8}, (37, 9)),
        ({"spec": "modcog"}, (115, 17)),
        ({"spec": "modcog-all"}, (126, 17)),
        ({"spec": ["fdgo", "dmsnogo", "dlydm1intr"]}, (36, 17)),
    ],
)
def test_dims(kwargs, dims):
    s = make_suite(**kwargs)
    assert (s.n_inputs, s.n_outputs) == dims
    b = s.sample(8, 0)
    assert b.inputs.shape[2] == dims[0]


def test_batch_layout(cog20):
    b = cog20.sample(64, 3)
    assert dataclasses.is_dataclass(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.length = None
    t_max = int(b.length.max())
    assert b.inputs.shape == (t_max, 64, 53) and b.inputs.dtype == torch.float32
    assert b.labels.shape == (t_max, 64) and b.labels.dtype == torch.int64
    assert b.mask.dtype == torch.bool and b.task.dtype == torch.int64
    assert np.array_equal(b.mask.numpy(), np.arange(t_max)[:, None] < b.length[None, :])
    assert all(v.shape == (64, 2) for v in b.periods.values())
    assert all(v.shape == (64,) for v in b.params.values())
    moved = b.to("cpu")
    assert torch.equal(moved.inputs, b.inputs) and moved.params is b.params


def test_yang_aliases_name_the_same_tasks():
    s = make_suite(["fdgo", "contextdelaydm1", "dmcnogo", "MultiDelayDM"])
    assert s.task_names == ["go", "ctxdlydm1", "dnmc", "multidlydm"]
    assert bimt.tasks.resolve_name("reactanti") == "rtanti"


def test_spec_round_trip_through_json(cog20, modcog):
    for suite in (cog20, modcog, make_suite(["go", "dmsseqr"], modcog_seed=5, dt=50)):
        spec = json.loads(json.dumps(suite.spec()))
        again = make_suite(**spec)
        assert again.task_names == suite.task_names
        assert again.spec() == suite.spec()
        a, b = suite.sample(32, 9), again.sample(32, 9)
        assert torch.equal(a.inputs, b.inputs) and torch.equal(a.labels, b.labels)


def test_same_seed_same_batch_different_seed_different(modcog):
    a, b, c = modcog.sample(64, 1), modcog.sample(64, 1), modcog.sample(64, 2)
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.labels, b.labels)
    assert all(np.array_equal(a.params[k], b.params[k], equal_nan=True) for k in a.params)
    assert not torch.equal(a.task, c.task)


def test_task_mix_is_uniform_and_tasks_restricts_it(cog20):
    n = 8000
    counts = np.bincount(cog20.sample(n, 4).task.numpy(), minlength=20)
    assert np.all(np.abs(counts / n - 0.05) < 5 * np.sqrt(0.05 * 0.95 / n))
    sub = cog20.sample(3000, 5, tasks=["dnmc", "rtgo"]).task.numpy()
    assert set(sub.tolist()) == {19, 1}
    assert abs((sub == 1).mean() - 0.5) < 0.05


def test_test_trials_are_fixed_noise_free_and_cover_conditions(cog20, modcog):
    expected_rows = {"go": 32, "dm1": 128, "multidm": 256, "dlydm2": 96, "ctxdlydm1": 288,
                     "dms": 64, "dmc": 256}  # fmt: skip
    for task, n in expected_rows.items():
        b = cog20.test_trials(task)
        assert b.batch_size == n
        assert b is cog20.test_trials(task)  # cached
        for se in b.periods.values():  # one timing for every trial
            assert np.all(se == se[0])
        r = cog20.render(task, *cog20.trial_spec(b, task))
        assert torch.equal(r.inputs, b.inputs)  # no noise
    p = cog20.test_trials("go").params
    assert len(set(zip(p["ground_truth"], p["modality"], strict=True))) == 32
    dm = cog20.test_trials("dm1")
    assert np.all(dm.periods["fixation"][:, 1] == 3)  # U(200, 500) -> {2, 3, 4} steps: middle
    assert set(np.round(dm.params["coh_mod1"], 9)) == {s * c for s in (-1, 1)
                                                       for c in (0.08, 0.16, 0.32, 0.64)}
    ms = cog20.test_trials("dms").params
    assert len(set(zip(ms["i_sample"], ms["match"], ms["modality"], strict=True))) == 64
    # Mod-Cog: every test set stays at a few hundred trials; match keeps its modality's delay
    for task in modcog.task_names:
        assert modcog.test_trials(task).batch_size <= 300
    mc = modcog.test_trials("dnms")
    for m in (0, 1):
        assert len(set(mc.params["delay"][mc.params["modality"] == m].tolist())) == 1


def _noise_free_entries(batch) -> np.ndarray:
    """[T, B, n_in] bool: entries the spec keeps noise-free (outside stimulus periods, rule)."""
    stim = in_periods(batch, STIM_PERIODS)
    keep = np.ones(tuple(batch.inputs.shape), dtype=bool)
    keep[:, :, :33] = ~stim[:, :, None]
    return keep


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 96), which=st.sampled_from([0, 1, 2]))
def test_render_round_trip(seed, n, which):
    suite = _ROUND_TRIP_SUITES[which]
    b = suite.sample(n, seed)
    keep = _noise_free_entries(b)
    task = b.task.numpy()
    for i in np.unique(task):
        name = suite.task_names[i]
        rows = np.flatnonzero(task == i)
        sub = b.rows(rows)
        r = suite.render(name, *suite.trial_spec(b, name))
        assert torch.equal(r.labels, sub.labels) and torch.equal(r.mask, sub.mask)
        assert np.array_equal(r.length, sub.length)
        for k in b.periods:
            assert np.array_equal(r.periods[k], sub.periods[k])
        for k in b.params:
            assert np.array_equal(r.params[k], sub.params[k], equal_nan=True), k
        k_rows = keep[: sub.n_steps, rows]
        assert np.array_equal(r.inputs.numpy()[k_rows], sub.inputs.numpy()[k_rows])
        # with noise, the difference is confined to the stimulus periods
        diff = r.inputs.numpy() - sub.inputs.numpy()
        assert np.all(diff[k_rows] == 0)


_ROUND_TRIP_SUITES = [
    make_suite("cog20"),
    make_suite("cog20", profile="neurogym-2.3"),
    make_suite("modcog-all", modcog_label_bug=True, modcog_seed=2),
]


def test_render_noise_seed(cog20):
    b = cog20.test_trials("dlydm1")
    durations, params = cog20.trial_spec(b, "dlydm1")
    a1 = cog20.render("dlydm1", durations, params, noise_seed=3)
    a2 = cog20.render("dlydm1", durations, params, noise_seed=3)
    a3 = cog20.render("dlydm1", durations, params, noise_seed=4)
    assert torch.equal(a1.inputs, a2.inputs) and not torch.equal(a1.inputs, a3.inputs)
    assert not torch.equal(a1.inputs, b.inputs)
    assert torch.equal(a1.labels, b.labels)


def test_render_from_hand_written_params(cog20):
    b = cog20.render(
        "ctxdm2",
        {"fixation": [300], "stimulus": [500], "decision": [200]},
        {"i_theta1": [2], "i_theta2": [9], "coh1_mod1": [0.82], "coh2_mod1": [0.18],
         "coh1_mod2": [0.46], "coh2_mod2": [0.54]},
    )  # fmt: skip
    assert b.params["target"][0] == 9  # ctxdm2 attends ring 2, where stimulus 2 is stronger
    assert b.labels[:, 0].tolist() == [0] * 8 + [10, 10]


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spec": "cog21"}, "unknown suite 'cog21' (close matches: cog20)"),
        ({"spec": ["go", "dlgo"]}, "unknown task name 'dlgo' (close matches: dlygo"),
        ({"spec": ["goint"]}, "Valid names"),
        ({"spec": ["rtgointr"]}, "unknown task name 'rtgointr'"),
        ({"spec": ["go", "fdgo"]}, "more than once"),
        ({"spec": []}, "at least one task"),
        ({"dt": 30}, "dt=30 ms does not divide the 500 ms of period 'fixation' in task 'go'"),
        ({"dt": 30}, "dts that work for this suite: 1, 2, 4, 5, 10, 20, 25, 50, 100"),
        ({"dt": 0}, "dt must be a positive integer"),
        ({"dim_ring": 1}, "dim_ring must be an integer >= 2"),
        ({"dim_ring": 7}, "dim_ring must be even for the match tasks"),
        ({"profile": "2023"}, "unknown profile '2023'; accepted: paper, neurogym-2.3"),
        ({"colour": 1}, "unknown option(s) ['colour']; accepted options: base_tasks"),
        ({"spec": "modcog", "profile": "neurogym-2.3"}, "applies to neurogym tasks only"),
        ({"modcog_label_bug": True}, "needs Mod-Cog tasks"),
        ({"modcog_label_bug": "yes"}, "modcog_label_bug must be True or False"),
        ({"modcog_seed": -1}, "modcog_seed must be a non-negative integer"),
        ({"base_tasks": "yang"}, "base_tasks must be 'neurogym' or 'modcog'"),
        ({"spec": "cog20", "base_tasks": "modcog"}, "contradicts suite 'cog20'"),
    ],
)
def test_make_suite_errors(kwargs, message):
    with pytest.raises(ValueError) as err:
        make_suite(**kwargs)
    assert message in str(err.value)


def test_dt_error_lists_dts_that_work_for_a_list():
    with pytest.raises(ValueError, match="dts that work for this suite: 1, 2, 4, 5, 10, 20, 25"):
        make_suite(["dm1"], dt=40)  # 200 and 500 ms: gcd 100
    assert make_suite(["dm1"], dt=50).max_steps == 23  # (450 + 500 + 200) ms / 50


def test_sample_errors(cog20):
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        cog20.sample(0, 1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        cog20.sample(2.5, 1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        cog20.sample(4, None)
    with pytest.raises(ValueError, match="not in this suite"):
        cog20.sample(4, 1, tasks=["goseqr"])
    with pytest.raises(ValueError, match="non-empty list"):
        cog20.sample(4, 1, tasks="go")
    with pytest.raises(ValueError, match="close matches: dnms"):
        cog20.test_trials("dnsm")


@pytest.mark.parametrize(
    ("task", "durations", "params", "message"),
    [
        ("go", {"fixation": [500], "decision": [500]}, {"ground_truth": [1], "modality": [0]},
         "must give exactly its periods ['fixation', 'stimulus', 'delay', 'decision']"),
        ("rtgo", {"fixation": [450], "decision": [500]}, {"ground_truth": [1], "modality": [0]},
         "non-negative multiples of dt=100"),
        ("rtgo", {"fixation": [500], "decision": [0]}, {"ground_truth": [1], "modality": [0]},
         "at least dt=100"),
        ("rtgo", {"fixation": [500], "decision": [500]}, {"ground_truth": [1]},
         "miss ['modality']; required: ['ground_truth', 'modality']"),
        ("rtgo", {"fixation": [500], "decision": [500]}, {"ground_truth": [16], "modality": [0]},
         "ground_truth must be a ring index in 0..15"),
        ("rtgo", {"fixation": [500], "decision": [500]}, {"ground_truth": [1.5], "modality": [0]},
         "must hold integers"),
        ("dms", {"fixation": [300], "sample": [500], "delay": [1000], "test": [500],
                 "decision": [900]}, {"i_sample": [3], "i_test": [4], "match": [1],
                 "modality": [1]}, "i_test contradicts match"),
        ("dm1", {"fixation": [300], "stimulus": [500], "decision": [200]},
         {"i_theta1": [3], "i_theta2": [3], "coh1_mod1": [0.5], "coh2_mod1": [0.5]},
         "i_theta1 and i_theta2 must differ"),
        ("dm1", {"fixation": [300], "stimulus": [500], "decision": [200]},
         {"i_theta1": [3], "i_theta2": [4], "coh1_mod1": [0.5], "coh2_mod1": [np.nan]},
         "coh2_mod1 must be finite"),
        ("goseqr", {"fixation": [300]}, {}, "not in this suite"),
    ],
)  # fmt: skip
def test_render_errors(cog20, task, durations, params, message):
    with pytest.raises(ValueError) as err:
        cog20.render(task, durations, params)
    assert message in str(err.value)


def test_render_docstring_documents_the_schema():
    doc = bimt.TaskSuite.render.__doc__
    for key in ("ground_truth", "i_theta1", "coh1_mod2", "tie_winner", "i_sample", "match",
                "target", "target_shift", "stim_theta"):  # fmt: skip
        assert key in doc
