"""Running sweeps for real: local workers, skip, resume, failures, SLURM submission."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from safetensors.numpy import load_file

from bimt.sweep import SlurmOptions, count_states, expand_sweep, run_sweep, sweep_status
from bimt.sweep.execute import parse_minutes, run_lock
from bimt.sweep.spec import load_sweep

from .conftest import DIVERGING, REPO, tiny_sweep


def _by_id(outcomes: list[dict[str, Any]]) -> dict[str, str]:
    return {o["run_id"]: o["outcome"] for o in outcomes}


def test_grid_runs_to_completion_and_the_failure_is_recorded(grid_sweep: dict) -> None:
    sweep, sweep_dir = grid_sweep["sweep"], grid_sweep["dir"]
    ids = [r.run_id for r in sweep.runs]
    bad = ids[-1]
    assert len(ids) == 5 and sweep.runs[-1].config["lam"] == 1e300
    # 2 workers were each given the whole list: every run was still done exactly once
    assert sorted(o["run_id"] for o in grid_sweep["first"]) == sorted(ids)
    first = _by_id(grid_sweep["first"])
    assert first == {**dict.fromkeys(ids[:4], "trained"), bad: "failed"}
    for run in sweep.runs[:4]:
        run_dir = sweep_dir / "runs" / run.run_id
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["steps"] == run.config["steps"]
        assert json.loads((run_dir / "config.json").read_text()) == run.config
        assert (run_dir / "analysis.json").is_file()
        assert not (run_dir / "error.json").exists()
    error = json.loads((sweep_dir / "runs" / bad / "error.json").read_text())
    assert error["stage"] == "train" and error["type"] == "TrainingDiverged"
    assert "diverged at step 1" in error["message"] and "Traceback" in error["traceback"]
    assert not (sweep_dir / "runs" / bad / "summary.json").exists()


def test_second_invocation_runs_nothing_new(grid_sweep: dict) -> None:
    ids = [r.run_id for r in grid_sweep["sweep"].runs]
    second = _by_id(grid_sweep["second"])
    # finished runs are skipped; the failed one is tried again (and fails again)
    assert second == {**dict.fromkeys(ids[:4], "skipped"), ids[-1]: "failed"}
    before, after = grid_sweep["mtimes_before"], grid_sweep["mtimes_after"]
    finished = {k: v for k, v in before.items() if not k.startswith(ids[-1])}
    assert finished and all(after[k] == v for k, v in finished.items())


def test_status_counts_and_failure_line(grid_sweep: dict) -> None:
    statuses = sweep_status(grid_sweep["dir"])
    assert count_states(statuses) == {"done": 4, "running": 0, "failed": 1,
                                      "interrupted": 0, "pending": 0}
    failed = [s for s in statuses if s.state == "failed"]
    assert failed[0].error.startswith("[train] TrainingDiverged: training diverged at step 1")


def test_status_sees_running_and_pending_runs(tmp_path: Path) -> None:
    sweep = expand_sweep(tiny_sweep(grid={"seed": [0, 1]}))
    from bimt.sweep.execute import make_tasks, write_manifest

    write_manifest(sweep, tmp_path)
    task = make_tasks(sweep, tmp_path)[0]
    with run_lock(Path(task.run_dir)) as mine:
        assert mine
        states = [s.state for s in sweep_status(tmp_path)]
        # a second worker on the same run backs off instead of training it twice
        with run_lock(Path(task.run_dir)) as other:
            assert not other
    assert states == ["running", "pending"]
    assert [s.state for s in sweep_status(tmp_path)] == ["pending", "pending"]


def test_interrupted_run_resumes_to_the_uninterrupted_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bimt.training.trainer as trainer

    data = tiny_sweep(include=[{"method": "bimt", "seed": 3}], analysis={"enabled": False})
    data.pop("grid")
    sweep = expand_sweep(data)
    (rid,) = [r.run_id for r in sweep.runs]
    reference = run_sweep(sweep, tmp_path / "ref", executor="debug")
    assert _by_id(reference) == {rid: "trained"}

    real_save = trainer.save_checkpoint

    def save_then_die(*args: Any, **kwargs: Any) -> None:
        real_save(*args, **kwargs)
        raise RuntimeError(f"injected stop after the checkpoint of step {kwargs['step']}")

    monkeypatch.setattr(trainer, "save_checkpoint", save_then_die)
    broken = run_sweep(sweep, tmp_path / "cut", executor="debug")
    monkeypatch.undo()
    run_dir = tmp_path / "cut" / "runs" / rid
    assert _by_id(broken) == {rid: "failed"}
    assert "injected stop after the checkpoint of step 10" in broken[0]["error"]
    assert not (run_dir / "summary.json").exists()
    assert (run_dir / "checkpoint").is_dir()

    (run_dir / "error.json").unlink()  # as a SIGKILL would leave it: checkpoint, no record
    assert [s.state for s in sweep_status(tmp_path / "cut")] == ["interrupted"]

    resumed = run_sweep(sweep, tmp_path / "cut", executor="debug")
    assert _by_id(resumed) == {rid: "resumed"}
    want = load_file(tmp_path / "ref" / "runs" / rid / "model.safetensors")
    got = load_file(run_dir / "model.safetensors")
    assert want.keys() == got.keys()
    for key in want:
        assert (want[key] == got[key]).all(), key


def test_run_dir_with_another_config_is_refused_not_overwritten(tmp_path: Path) -> None:
    data = tiny_sweep(include=[{"seed": 2}], analysis={"enabled": False})
    data.pop("grid")
    sweep = expand_sweep(data)
    (run,) = sweep.runs
    run_dir = tmp_path / "runs" / run.run_id
    run_dir.mkdir(parents=True)
    (run_dir / "config.json").write_text(json.dumps({**run.config, "lr": 0.5}))
    (outcome,) = run_sweep(sweep, tmp_path, executor="debug")
    assert outcome["outcome"] == "failed" and "different config (fields ['lr'])" in outcome["error"]
    assert json.loads((run_dir / "config.json").read_text())["lr"] == 0.5


def test_manifest_accumulates_runs(tmp_path: Path) -> None:
    from bimt.sweep.execute import read_manifest, write_manifest

    a = expand_sweep(tiny_sweep(grid={"seed": [0, 1]}))
    b = expand_sweep(tiny_sweep(grid={"seed": [1, 2]}))
    write_manifest(a, tmp_path)
    write_manifest(b, tmp_path)
    ids = [r["run_id"] for r in read_manifest(tmp_path)["runs"]]
    assert ids == [a.runs[0].run_id, a.runs[1].run_id, b.runs[1].run_id]
    assert b.runs[0].run_id == a.runs[1].run_id


# ------------------------------------------------------------------ executors


@pytest.mark.parametrize(
    ("text", "minutes"),
    [(90, 90), ("90", 90), ("1:30:00", 90), ("30:30", 31), ("2-00:00:00", 2880), ("1-2", 1560)],
)
def test_time_limits(text: Any, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["soon", "1:2:3:4", "0", -5, "1-2:3:4:5"])
def test_bad_time_limits(text: Any) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_minutes(text)


def test_bad_executor_and_workers(tmp_path: Path) -> None:
    sweep = expand_sweep(tiny_sweep(grid={"seed": [0]}))
    with pytest.raises(ValueError, match="accepted: local, slurm, debug"):
        run_sweep(sweep, tmp_path, executor="kubernetes")
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        run_sweep(sweep, tmp_path, workers=0)


def test_slurm_without_slurm_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    sweep = expand_sweep(tiny_sweep(grid={"seed": [0]}))
    with pytest.raises(ValueError, match="use --executor local"):
        run_sweep(sweep, tmp_path / "s", executor="slurm", wait=False)


def test_slurm_submission_is_one_array_task_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With stand-in `srun`/`sbatch` on PATH, the sweep submits the array submitit writes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "sbatch").write_text(
        f'#!/bin/sh\ncp "$1" {tmp_path}/submitted.sh\necho "Submitted batch job 4242"\n'
    )
    for exe in bin_dir.iterdir():
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    sweep = load_sweep(REPO / "sweeps" / "smoke.toml")
    options = SlurmOptions(partition="gpu", time="1:30:00", mem="8G", cpus_per_task=4,
                           gpus_per_task=1, array_parallelism=3)
    submission = run_sweep(sweep, tmp_path / "s", executor="slurm", slurm=options, wait=False,
                            ensemble=False)
    assert submission.job_ids == [f"4242_{i}" for i in range(len(sweep))]
    script = (tmp_path / "submitted.sh").read_text()
    for line in (f"--array=0-{len(sweep) - 1}%3", "--partition=gpu", "--time=90", "--mem=8G",
                 "--cpus-per-task=4", "--gpus-per-task=1"):
        assert f"#SBATCH {line}\n" in script
    # each array task holds exactly one run (an ensemble of one with ensemble=False), with
    # torch threads = cpus per task
    queues = [job.submission().args for job in submission.jobs]
    assert [q[0][0][0].run_id for q in queues] == [r.run_id for r in sweep.runs]
    assert {len(q[0]) for q in queues} == {1} and {len(q[0][0]) for q in queues} == {1}
    assert submission.jobs[0].submission().function.threads == 4


def test_diverging_config_is_valid_so_it_fails_at_run_time() -> None:
    # guard for the fixture: the failing run must get past validation
    assert expand_sweep(tiny_sweep(include=[DIVERGING])).runs[-1].config["lam"] == 1e300
