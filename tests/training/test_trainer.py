"""The training loop: run directory, resume (injected exception, SIGKILL), divergence, swaps."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from tiny_configs import tiny

import bimt.training.trainer as trainer
from bimt.training import (
    RunError,
    TrainingDiverged,
    list_snapshots,
    load_run,
    read_snapshot,
    train,
)
from bimt.training.checkpoint import checkpoint_info

TIMING = {"wall_time_s", "train_time_s", "steps_per_second"}


def _same_weights(a, b) -> bool:
    sa, sb = a.model().state_dict(), b.model().state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _untimed(rows):
    return [{k: v for k, v in r.items() if k not in ("elapsed_s", "train_time_s")} for r in rows]


def _fail_at(call: int, exc: BaseException):
    """A train_step that raises ``exc`` on its ``call``-th call (1-based)."""
    real, count = trainer.train_step, [0]

    def step(*args, **kwargs):
        count[0] += 1
        if count[0] == call:
            raise exc
        return real(*args, **kwargs)

    return step


def test_run_directory_layout(reference_run):
    run, cfg = reference_run, tiny()
    assert run.finished and run.config == cfg
    names = {p.name for p in run.path.iterdir()}
    assert names == {"config.json", "model.safetensors", "model.json", "checkpoint",
                     "metrics.jsonl", "summary.json", "snapshots"}
    assert json.loads((run.path / "config.json").read_text()) == json.loads(cfg.to_json())
    rows = run.metrics()
    assert [r["step"] for r in rows] == [0, 20, 40, 60]
    assert rows[0]["train_loss"] is None and rows[1]["train_loss"] > 0
    for r in rows:
        assert set(r["accuracy"]) == set(r["strict_accuracy"]) == {"go", "rtgo", "anti"}
        mean = sum(r["accuracy"].values()) / 3
        assert r["mean_accuracy"] == pytest.approx(mean)
        assert all(r["strict_accuracy"][t] <= r["accuracy"][t] + 1e-12 for t in r["accuracy"])
        assert r["lam"] == cfg.lam and r["active_recurrent"] <= 16 * 16
    s = run.summary
    assert s["config_hash"] == cfg.config_hash() and s["steps"] == 60
    assert s["mean_accuracy"] == rows[-1]["mean_accuracy"] and s["swaps"] == rows[-1]["swaps"]
    assert checkpoint_info(run.path / "checkpoint")["step"] == 60
    model = run.model()
    snaps = run.snapshots()
    assert [step for step, _ in snaps] == [0, 20, 40, 60]
    assert snaps == list_snapshots(run.path)
    last = read_snapshot(snaps[-1][1])
    assert last["step"] == 60 and last["w_rec"].dtype == torch.float16
    assert torch.equal(last["slot_to_neuron"], model.slot_to_neuron)
    assert torch.equal(last["w_rec"], model.w_rec.detach().half())
    first = read_snapshot(snaps[0][1])
    assert torch.equal(first["slot_to_neuron"], torch.arange(16))


def test_resume_after_injected_exception_is_bit_identical(reference_run, tmp_path,
                                                          monkeypatch):
    out = tmp_path / "run"
    monkeypatch.setattr(trainer, "train_step", _fail_at(31, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        train(tiny(), out, progress=False)
    monkeypatch.undo()
    with pytest.raises(RunError, match=r"unfinished run \(checkpoint at step 20 of 60\).*--resume"):
        load_run(out)
    partial = load_run(out, allow_unfinished=True)
    assert partial.step == 20 and partial.summary == {} and partial.model().n_hidden == 16
    with pytest.raises(RunError, match="in progress; use --resume"):
        train(tiny(), out, progress=False)

    run = train(tiny(), out, resume=True, progress=False)
    assert _same_weights(run, reference_run)
    assert _untimed(run.metrics()) == _untimed(reference_run.metrics())
    assert {k: v for k, v in run.summary.items() if k not in TIMING} == {
        k: v for k, v in reference_run.summary.items() if k not in TIMING}


CHILD = textwrap.dedent("""
    import os, signal, sys
    import bimt.training.atomic as atomic
    import bimt.training.trainer as trainer
    from bimt.training import TrainConfig, train

    where, out = sys.argv[1], sys.argv[2]
    cfg = TrainConfig.from_json(sys.argv[3])
    real_step, real_replace, calls = trainer.train_step, os.replace, [0, 0]

    def step(*a, **k):  # SIGKILL in the middle of step 45
        calls[0] += 1
        if where == "step" and calls[0] == 45:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_step(*a, **k)

    def replace(src, dst):  # SIGKILL between the temp write and the rename of checkpoint 2
        if str(dst).endswith("state.safetensors"):
            calls[1] += 1
            if where == "rename" and calls[1] == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)

    trainer.train_step = step
    atomic.os.replace = replace
    train(cfg, out, progress=False)
""")


@pytest.mark.parametrize("where", ["step", "rename"])
def test_resume_after_sigkill_is_bit_identical(reference_run, tmp_path, where):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", CHILD, where, str(out), tiny().to_json()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    info = checkpoint_info(out / "checkpoint")
    assert info["step"] == (40 if where == "step" else 20)
    leftovers = list((out / "checkpoint").glob(".*.tmp-*"))
    assert len(leftovers) == (where == "rename")
    run = train(tiny(), out, resume=True, progress=False)
    assert not list((out / "checkpoint").glob(".*.tmp-*"))
    assert _same_weights(run, reference_run)
    assert _untimed(run.metrics()) == _untimed(reference_run.metrics())


def test_nan_loss_stops_training_and_keeps_last_checkpoint(reference_run, tmp_path,
                                                           monkeypatch):
    out = tmp_path / "run"
    real, calls, saved = trainer.train_step, [0], {}

    def poisoned(model, optimizer, batch, **kw):
        calls[0] += 1
        if calls[0] == 30:
            saved["bytes"] = (out / "checkpoint" / "state.safetensors").read_bytes()
        if calls[0] == 35:
            batch = type(batch)(**{**batch.__dict__, "inputs": batch.inputs * float("nan")})
        return real(model, optimizer, batch, **kw)

    monkeypatch.setattr(trainer, "train_step", poisoned)
    with pytest.raises(TrainingDiverged) as info:
        train(tiny(), out, progress=False)
    msg = str(info.value)
    for words in ("step 35", "cross-entropy is nan", "checkpoint (step 20)", "lower lr"):
        assert words in msg, msg
    assert (out / "checkpoint" / "state.safetensors").read_bytes() == saved["bytes"]
    monkeypatch.undo()
    run = train(tiny(), out, resume=True, progress=False)
    assert _same_weights(run, reference_run)


def test_nan_weights_are_caught_by_the_step():
    from bimt.model import Grid1D, SpatialRNN

    model = SpatialRNN(3, 2, Grid1D(4), seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=float("inf"))
    batch = type("B", (), {"inputs": torch.ones(2, 1, 3), "labels": torch.ones(2, 1).long(),
                           "mask": torch.ones(2, 1, dtype=torch.bool)})()
    with pytest.raises(trainer.NonFinite) as info:
        trainer.train_step(model, opt, batch, lam=0.0, A=0.0)
    assert info.value.quantity.startswith("weight ")


@pytest.mark.parametrize("method", ["l1", "none"])
def test_no_swaps_without_distance_term(tmp_path, monkeypatch, method):
    def forbidden(*a, **k):
        raise AssertionError("relocate called")

    monkeypatch.setattr("bimt.model.relocate", forbidden)
    cfg = tiny(method=method, lam=None if method == "none" else 1e-4, steps=20,
               snapshot_every=0)
    run = train(cfg, tmp_path / "run", progress=False)
    assert cfg.swap_every == 0 and run.summary["swaps"] == 0
    assert torch.equal(run.model().slot_to_neuron, torch.arange(16))
    assert not (run.path / "snapshots").exists()


def test_bimt_run_swaps(reference_run):
    swaps = [r["swaps"] for r in reference_run.metrics()]
    assert swaps[0] == 0 and swaps == sorted(swaps) and swaps[-1] > 0
    perm = reference_run.model().slot_to_neuron
    assert sorted(perm.tolist()) == list(range(16)) and not torch.equal(perm, torch.arange(16))


def test_same_seed_same_summary(reference_run, tmp_path):
    again = train(tiny(), tmp_path / "a", progress=False)
    other = train(tiny(seed=1), tmp_path / "b", progress=False)

    def strip(s):
        return {k: v for k, v in s.items() if k not in TIMING | {"config_hash"}}

    assert strip(again.summary) == strip(reference_run.summary)
    assert strip(other.summary) != strip(reference_run.summary)
    assert _same_weights(again, reference_run) and not _same_weights(other, reference_run)


def test_directory_guards(reference_run, tmp_path):
    with pytest.raises(RunError, match=r"different config \(seed: 0 -> 1\).*--resume"):
        train(tiny(seed=1), reference_run.path, progress=False)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match="not empty and is not a bimt run"):
        train(tiny(), stranger, progress=False)
    with pytest.raises(RunError, match="cannot resume"):
        train(tiny(), tmp_path / "nothing", resume=True, progress=False)
    with pytest.raises(RunError, match="not a bimt run directory"):
        load_run(stranger)
    before = (reference_run.path / "summary.json").read_text()
    for resume in (True, False):  # a finished run of the same config is left as it is
        again = train(tiny(), reference_run.path, resume=resume, progress=False)
        assert again.finished and (reference_run.path / "summary.json").read_text() == before


def test_unknown_task_is_a_config_error_before_any_write(tmp_path):
    from bimt.training import ConfigError

    with pytest.raises(ConfigError, match=r"tasks: 'gogo' not in suite 'cog20'.*dlygo"):
        train(tiny(tasks=("go", "gogo")), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()



def test_train_step_skips_padding_with_the_batch_lengths():
    """The step hands ``batch.length`` to the model, and the update equals (to float rounding)
    the one of the same batch run over every step."""
    import copy
    from types import SimpleNamespace

    import bimt
    from bimt.model import Grid1D, SpatialRNN

    suite = bimt.make_suite("cog20")
    batch = suite.sample(16, seed=3, tasks=["go", "dlygo", "dm1"])
    assert int(batch.length.min()) < batch.inputs.shape[0]  # the batch has padding
    updated = []
    for b in (batch, SimpleNamespace(inputs=batch.inputs, labels=batch.labels, mask=batch.mask)):
        model = SpatialRNN(suite.n_inputs, suite.n_outputs, Grid1D(16), seed=0)
        seen = []
        model.register_forward_pre_hook(lambda m, a, kw, seen=seen: seen.append(kw["lengths"]),
                                        with_kwargs=True)
        opt = torch.optim.SGD(model.parameters(), lr=1.0)  # update = the gradient itself
        trainer.train_step(model, opt, b, lam=1e-4, A=1.0)
        updated.append(copy.deepcopy(model.state_dict()))
        assert (seen[0] is batch.length) == (b is batch)
    for k in updated[0]:
        torch.testing.assert_close(updated[0][k], updated[1][k], rtol=1e-5, atol=1e-6)
