"""Atomic writes and the checkpoint format (model + Adam state + RNG, one commit point)."""

from __future__ import annotations

import os

import pytest
import torch

from bimt.model import Grid1D, SpatialRNN, swap_slots
from bimt.training import atomic
from bimt.training.checkpoint import (
    STATE_FILE,
    checkpoint_info,
    load_checkpoint,
    save_checkpoint,
)


def _model_and_adam(seed: int = 0, steps: int = 3):
    model = SpatialRNN(5, 3, Grid1D(6), seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        opt.zero_grad()
        x = torch.randn(4, 2, 5, generator=gen)
        model(x).square().sum().backward()
        opt.step()
    return model, opt


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "f.bin"
    atomic.write_bytes_atomic(path, b"old")
    atomic.write_bytes_atomic(path, b"new contents")
    assert path.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_failed_rename_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    atomic.write_bytes_atomic(path, b"old")

    def broken_replace(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        atomic.write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_checkpoint_round_trip_restores_everything(tmp_path):
    model, opt = _model_and_adam()
    swap_slots(model, 0, 4, opt, True)  # a non-identity slot map must survive too
    torch.manual_seed(123)
    save_checkpoint(tmp_path, step=3, model=model, optimizer=opt, counters={"swaps": 1})
    rng_after_save = torch.rand(3)

    fresh, fresh_opt = _model_and_adam(seed=9, steps=1)
    torch.manual_seed(999)
    info = load_checkpoint(tmp_path, fresh, fresh_opt)
    assert info["step"] == 3 and info["counters"] == {"swaps": 1}
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items(),
                              strict=True):
        assert torch.equal(a, b), k
    for p, q in zip(model.parameters(), fresh.parameters(), strict=True):
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(opt.state[p][key], fresh_opt.state[q][key]), key
    assert torch.equal(torch.rand(3), rng_after_save)  # global RNG restored


def test_restored_adam_continues_identically(tmp_path):
    a, opt_a = _model_and_adam()
    save_checkpoint(tmp_path, step=3, model=a, optimizer=opt_a, counters={})
    b, opt_b = _model_and_adam(seed=5, steps=0)
    load_checkpoint(tmp_path, b, opt_b)
    x = torch.randn(4, 2, 5, generator=torch.Generator().manual_seed(7))
    for m, o in ((a, opt_a), (b, opt_b)):
        o.zero_grad()
        m(x).square().sum().backward()
        o.step()
    assert torch.equal(a.w_rec, b.w_rec) and torch.equal(a.w_in, b.w_in)


def test_interrupted_checkpoint_write_keeps_previous_one(tmp_path, monkeypatch):
    model, opt = _model_and_adam()
    save_checkpoint(tmp_path, step=10, model=model, optimizer=opt, counters={"n": 10})
    before = model.w_rec.detach().clone()
    with torch.no_grad():
        model.w_rec.add_(1.0)
    real_replace = os.replace

    def fail_on_state(src, dst):
        if str(dst).endswith(STATE_FILE):
            raise OSError("killed between temp write and rename")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", fail_on_state)
    with pytest.raises(OSError, match="killed"):
        save_checkpoint(tmp_path, step=20, model=model, optimizer=opt, counters={"n": 20})
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["state.json", STATE_FILE]  # no temp file left
    fresh, fresh_opt = _model_and_adam(seed=3, steps=0)
    info = load_checkpoint(tmp_path, fresh, fresh_opt)
    assert info["step"] == 10 and info["counters"] == {"n": 10}
    assert torch.equal(fresh.w_rec, before)


def test_safetensors_is_the_source_of_truth(tmp_path):
    # A crash after the safetensors rename but before state.json: the loader must not care.
    model, opt = _model_and_adam()
    save_checkpoint(tmp_path, step=4, model=model, optimizer=opt, counters={})
    (tmp_path / "state.json").write_text('{"step": 999}')
    assert checkpoint_info(tmp_path)["step"] == 4


def test_missing_checkpoint_is_reported(tmp_path):
    model, opt = _model_and_adam(steps=0)
    assert checkpoint_info(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path, model, opt)
