"""Shared fixtures: a fake run directory whose task variance computations are counted."""

from __future__ import annotations

import pytest

import bimt.analysis.analyze as analyze_mod

from .fakes import FakeRun, row_net


@pytest.fixture
def fake_run(tmp_path, monkeypatch):
    run = FakeRun(tmp_path / "runA", row_net())
    run.path.mkdir()
    monkeypatch.setattr(analyze_mod, "load_run", lambda path: run)
    calls = {"tv": 0}
    real = analyze_mod.task_variance

    def counting(*args, **kwargs):
        calls["tv"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(analyze_mod, "task_variance", counting)
    return run, calls
