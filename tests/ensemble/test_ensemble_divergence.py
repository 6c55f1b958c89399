"""A member whose loss or weights turn NaN/inf stops alone; the others finish unchanged."""

from __future__ import annotations

import json

import pytest
import torch
from ensemble_helpers import same_weights, tiny

from bimt.ensemble import train_ensemble
from bimt.training import TrainingDiverged, load_run, train
from bimt.training.checkpoint import load_model_state

# lr 1e30: the first Adam step moves every weight by ~1e30 (finite in float32); the next
# forward overflows, so the cross-entropy is NaN at step 2, after the step-1 checkpoint.
HUGE_LR = dict(seed=7, lr=1e30, checkpoint_every=1)
# lam 1e300 is inf in float32: the connection-cost term is inf at the very first step.
HUGE_LAM = dict(seed=5, method="l1", lam=1e300)


@pytest.fixture(scope="module")
def diverging(tmp_path_factory):
    root = tmp_path_factory.mktemp("div")
    configs = [tiny(seed=0, steps=40), tiny(**HUGE_LR, steps=40), tiny(seed=1, steps=40),
               tiny(**HUGE_LAM, steps=40)]
    runs = train_ensemble(configs, [root / f"m{i}" for i in range(4)], progress=False)
    return configs, runs, root


def _single_message(config, out):
    with pytest.raises(TrainingDiverged) as info:
        train(config, out, progress=False)
    return str(info.value)


@pytest.mark.parametrize("which", [1, 3])
def test_diverged_member_gets_the_single_trainers_message(diverging, tmp_path, which):
    configs, runs, _ = diverging
    run = runs[which]
    assert not run.finished and run.summary == {}
    record = json.loads((run.path / "error.json").read_text())
    assert record["type"] == "TrainingDiverged" and record["stage"] == "train"
    alone = tmp_path / "alone"
    expected = _single_message(configs[which], alone).replace(str(alone), str(run.path))
    assert record["message"] == expected
    words = ("step 2", "cross-entropy is nan") if which == 1 else ("step 1", "connection cost")
    for w in words:
        assert w in record["message"], record["message"]


def test_last_good_checkpoint_is_intact(diverging, tmp_path):
    configs, runs, _ = diverging
    run = runs[1]
    assert run.step == 1  # the step-1 checkpoint, written before the failing step 2
    alone = tmp_path / "alone"
    _single_message(configs[1], alone)
    got, want = load_model_state(run.path / "checkpoint"), load_model_state(alone / "checkpoint")
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert all(torch.isfinite(v).all() for v in got.values() if v.is_floating_point())
    assert not (runs[3].path / "checkpoint").exists()  # diverged before any checkpoint


def test_other_members_finish_as_if_alone(diverging, tmp_path):
    configs, runs, _ = diverging
    for i in (0, 2):
        assert runs[i].finished and not (runs[i].path / "error.json").exists()
        alone = train(configs[i], tmp_path / f"alone{i}", progress=False)
        assert same_weights(runs[i], alone)


def test_diverged_member_can_be_retried_alone(diverging):
    _, runs, _ = diverging
    # The directory is a normal unfinished run: the single trainer takes it up (and, being
    # deterministic, diverges again at the same step).
    with pytest.raises(TrainingDiverged, match="step 2"):
        train(runs[1].config, runs[1].path, resume=True, progress=False)
    assert load_run(runs[1].path, allow_unfinished=True).step == 1
