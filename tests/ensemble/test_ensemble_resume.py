"""An interrupted ensemble resumed from its members' checkpoints equals the uninterrupted one."""

from __future__ import annotations

import pytest
from ensemble_helpers import same_metrics, same_weights, tiny, untimed

import bimt.ensemble.trainer as ens_trainer
from bimt.ensemble import train_ensemble
from bimt.training import load_run, train

# Different checkpoint intervals: interrupted after step 45, member 0 restarts from step 40
# and member 1 from step 25, so member 1 trains alone in the stack until step 40.
CONFIGS = [tiny(seed=0, checkpoint_every=20), tiny(seed=1, method="l1", checkpoint_every=25),
           tiny(seed=0, lam=2e-4, checkpoint_every=20)]


class Interrupt(Exception):
    pass


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    return train_ensemble(CONFIGS, [root / f"m{i}" for i in range(3)], progress=False)


def _interrupted(root, monkeypatch, at=45):
    real = ens_trainer.after_step

    def after_step(m, suite, done, *args):
        if done == at:
            raise Interrupt(f"killed after step {at}")
        return real(m, suite, done, *args)

    monkeypatch.setattr(ens_trainer, "after_step", after_step)
    outs = [root / f"m{i}" for i in range(3)]
    with pytest.raises(Interrupt):
        train_ensemble(CONFIGS, outs, progress=False)
    monkeypatch.undo()
    return outs


def test_resumed_ensemble_equals_uninterrupted(uninterrupted, tmp_path, monkeypatch):
    outs = _interrupted(tmp_path, monkeypatch)
    steps = [load_run(o, allow_unfinished=True).step for o in outs]
    assert steps == [40, 25, 40]
    resumed = train_ensemble(CONFIGS, outs, resume=True, progress=False)
    for got, want in zip(resumed, uninterrupted, strict=True):
        assert got.finished
        assert same_weights(got, want)
        assert untimed(got.metrics()) == untimed(want.metrics())
        assert got.summary["swaps"] == want.summary["swaps"]


def test_single_trainer_resumes_a_member(uninterrupted, tmp_path, monkeypatch):
    outs = _interrupted(tmp_path, monkeypatch)
    run = train(CONFIGS[1], outs[1], resume=True, progress=False)  # `bimt train --resume`
    assert same_weights(run, uninterrupted[1])
    assert same_metrics(run.metrics(), uninterrupted[1].metrics())
    assert not same_metrics(run.metrics()[:-1], uninterrupted[1].metrics())


def test_resume_skips_finished_members(uninterrupted, tmp_path):
    outs = [tmp_path / f"m{i}" for i in range(3)]
    train(CONFIGS[0], outs[0], progress=False)
    before = (outs[0] / "summary.json").read_bytes()
    runs = train_ensemble(CONFIGS, outs, resume=True, progress=False)
    assert (outs[0] / "summary.json").read_bytes() == before
    assert all(same_weights(g, w) for g, w in zip(runs, uninterrupted, strict=True))


def test_without_resume_a_started_member_is_refused(tmp_path, monkeypatch):
    from bimt.training import RunError

    outs = _interrupted(tmp_path, monkeypatch)
    with pytest.raises(RunError, match="--resume"):
        train_ensemble(CONFIGS, outs, progress=False)
