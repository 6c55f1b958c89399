"""Sweeps pack compatible runs into ensembles: same results as run by run, one job each."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
import torch

from bimt.sweep import SlurmOptions, expand_sweep, run_sweep, sweep_status
from bimt.training import load_run

REPO = Path(__file__).resolve().parents[2]


def _sweep(include_diverging: bool = True):
    data = tomllib.loads((REPO / "sweeps" / "smoke.toml").read_text())
    data.pop("include", None)
    data["grid"] = {"method": ["bimt", "l1"], "seed": [0, 1]}
    if include_diverging:
        data["include"] = [{"method": "l1", "lam": 1e300, "seed": 5}]
    return expand_sweep(data)


def test_ensembled_sweep_equals_run_by_run(tmp_path):
    sweep = _sweep()
    out = run_sweep(sweep, tmp_path / "ens", executor="debug", max_k=8)
    ref = run_sweep(sweep, tmp_path / "one", executor="debug", ensemble=False)
    assert sorted((o["run_id"], o["outcome"]) for o in out) == \
        sorted((o["run_id"], o["outcome"]) for o in ref)
    bad = next(o for o in out if o["outcome"] == "failed")
    assert "TrainingDiverged" in bad["error"] and "step 1" in bad["error"]
    record = json.loads((tmp_path / "ens" / "runs" / bad["run_id"] / "error.json").read_text())
    assert record["type"] == "TrainingDiverged" and "Traceback" in record["traceback"]
    for o in ref:
        if o["outcome"] == "trained":
            a = load_run(tmp_path / "ens" / "runs" / o["run_id"]).model().state_dict()
            b = load_run(tmp_path / "one" / "runs" / o["run_id"]).model().state_dict()
            assert all(torch.equal(a[k], b[k]) for k in a)
            assert (tmp_path / "ens" / "runs" / o["run_id"] / "analysis.json").is_file()
    states = {s.run_id: s.state for s in sweep_status(tmp_path / "ens")}
    assert states[bad["run_id"]] == "failed" and list(states.values()).count("done") == 4
    again = run_sweep(sweep, tmp_path / "ens", executor="debug")
    assert sorted(o["outcome"] for o in again) == ["failed"] + ["skipped"] * 4


def test_slurm_gets_one_array_task_per_ensemble(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "sbatch").write_text('#!/bin/sh\necho "Submitted batch job 77"\n')
    for exe in bin_dir.iterdir():
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    sweep = _sweep(include_diverging=False)  # 4 compatible runs
    sub = run_sweep(sweep, tmp_path / "s", executor="slurm", slurm=SlurmOptions(), wait=False,
                    max_k=2)
    queues = [job.submission().args[0] for job in sub.jobs]
    assert len(queues) == 2 and [len(q[0]) for q in queues] == [2, 2]
    assert sorted(t.run_id for q in queues for t in q[0]) == sorted(r.run_id for r in sweep.runs)


def test_max_k_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="max_k"):
        run_sweep(_sweep(False), tmp_path / "s", executor="debug", max_k=0)
