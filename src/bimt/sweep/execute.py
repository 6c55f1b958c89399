"""Run a sweep through submitit: locally with N worker processes, on SLURM, or in-process.

One code path for every executor. The runs are turned into picklable `RunTask`s and handed to
`SweepWorker` jobs with `executor.map_array`; only how they are grouped and the executor's
parameters differ:

- `local`: submitit's `LocalExecutor` starts every submitted job at once and cannot bound how
  many run together, so the sweep submits exactly `workers` jobs. Each gets the whole task list
  and takes runs from it as a shared queue: a run is claimed by creating a file with `O_EXCL`
  in this invocation's claim folder, so each run is done once and fast workers take more runs.
- `slurm`: one array task per ensemble (per run with `ensemble=False`); `--array-parallelism`
  bounds how many run at once.

By default (`ensemble=True`) compatible runs are packed (`bimt.ensemble.pack_configs`, at most
`max_k` each) and each pack is trained as one `train_ensemble` (`run_ensemble_task`); a queue
item is such a pack, a list of runs.
- `debug`: submitit's `DebugExecutor`, in this process, one job at a time (tests, pdb).

Each run (`run_task`):
1. takes an exclusive `flock` on `runs/.<run_id>.lock` while it works on the run (a second
   sweep invocation on the same directory skips a run that is being worked on; the lock dies
   with its process, so a killed worker never leaves a stale lock; `bimt sweep status` uses it
   to tell running from interrupted runs);
2. refuses a run directory whose `config.json` differs from the run in a result field (see
   `spec.NON_RESULT_FIELDS`), and otherwise keeps the stored config (a started run keeps its
   device and checkpoint settings); skips training when `summary.json` is there, resumes when a
   checkpoint is there (`train(..., resume=True)`), and otherwise trains from scratch;
3. analyses the finished run (`analyze_run`, whose own cache makes a repeat call cheap);
4. on any exception writes `RUN_DIR/error.json` (stage, type, message, traceback, host, time)
   and goes on with the next run; each new attempt first removes an old `error.json`.

The worker sets torch's intra-op threads, and the BLAS/OpenMP pools (threadpoolctl, for
scikit-learn's k-means in the analysis), to `threads` (local: usable cores // workers; SLURM:
`cpus_per_task`) so that parallel workers do not oversubscribe the cores.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import submitit

from bimt.sweep.spec import Sweep, json_safe, result_dict

EXECUTORS = ("local", "slurm", "debug")
MANIFEST = "sweep.json"
RUNS_SUBDIR = "runs"
ERROR_FILE = "error.json"
_DEFAULT_TIME_MIN = 7 * 24 * 60  # local jobs: submitit's default (2 min) would kill real runs


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to do one run (picklable; paths absolute)."""

    run_id: str
    run_dir: str
    config: dict[str, Any]
    analysis: dict[str, Any]
    device: str | None = None


@dataclass(frozen=True)
class SlurmOptions:
    """SLURM resources per array task (one run each). `None` leaves SLURM's default."""

    partition: str | None = None
    time: str | int | None = None
    mem: str | None = None
    cpus_per_task: int = 1
    gpus_per_task: int | None = None
    array_parallelism: int = 64
    additional: dict[str, Any] = field(default_factory=dict)


def usable_cores() -> int:
    """Cores this process may run on (affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parse_minutes(value: str | int | None) -> int | None:
    """A time limit as minutes: an int, "MM", "HH:MM:SS", "MM:SS" or "D-HH[:MM[:SS]]"."""
    if value is None or isinstance(value, int):
        if isinstance(value, int) and value <= 0:
            raise ValueError(f"--time must be positive, got {value}")
        return value
    text = value.strip()
    try:
        days = 0
        if "-" in text:
            d, text = text.split("-", 1)
            days = int(d)
        parts = [int(p) for p in text.split(":")]
        if "-" in value:  # D-HH, D-HH:MM, D-HH:MM:SS
            if len(parts) > 3:
                raise ValueError
            h, m, s = [*parts, 0, 0][:3]
        elif len(parts) == 1:
            h, m, s = 0, parts[0], 0
        elif len(parts) == 2:
            h, m, s = 0, parts[0], parts[1]
        elif len(parts) == 3:
            h, m, s = parts
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"--time {value!r} is not a time limit; accepted: minutes (e.g. 90), MM:SS, "
            "HH:MM:SS or D-HH:MM:SS"
        ) from None
    minutes = days * 24 * 60 + h * 60 + m + (1 if s else 0)
    if minutes <= 0:
        raise ValueError(f"--time must be positive, got {value!r}")
    return minutes


def make_executor(
    kind: str, folder: str | Path, *, workers: int = 1, slurm: SlurmOptions | None = None
) -> submitit.Executor:
    """A configured submitit executor of `kind` ("local", "slurm" or "debug")."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; accepted: {', '.join(EXECUTORS)}")
    slurm = slurm or SlurmOptions()
    try:
        executor = submitit.AutoExecutor(folder=folder, cluster=kind)
    except RuntimeError as e:  # submitit: no srun on PATH
        raise ValueError(
            f"executor {kind!r} is not available here ({e}); run on a SLURM login node, or "
            "use --executor local"
        ) from None
    params: dict[str, Any] = {"name": "bimt-sweep"}
    if kind == "slurm":
        minutes = parse_minutes(slurm.time)
        if minutes is not None:
            params["timeout_min"] = minutes
        params["cpus_per_task"] = slurm.cpus_per_task
        params["slurm_array_parallelism"] = slurm.array_parallelism
        if slurm.partition:
            params["slurm_partition"] = slurm.partition
        if slurm.mem:
            params["slurm_mem"] = slurm.mem
        if slurm.gpus_per_task:
            params["slurm_gpus_per_task"] = slurm.gpus_per_task
        if slurm.additional:
            params["slurm_additional_parameters"] = dict(slurm.additional)
    elif kind == "local":
        params["timeout_min"] = parse_minutes(slurm.time) or _DEFAULT_TIME_MIN
    executor.update_parameters(**params)
    return executor


def run_dir_of(sweep_dir: str | Path, run_id: str) -> Path:
    """Where run `run_id` of the sweep in `sweep_dir` lives."""
    return Path(sweep_dir) / RUNS_SUBDIR / run_id


def write_manifest(sweep: Sweep, sweep_dir: str | Path) -> Path:
    """Create the sweep folder and merge this sweep's runs into its `sweep.json`.

    The manifest is the union, keyed by run id, of every run ever submitted to the folder (so
    extending a grid keeps the runs already made), in first-submitted order.
    """
    sweep_dir = Path(sweep_dir)
    (sweep_dir / RUNS_SUBDIR).mkdir(parents=True, exist_ok=True)
    path = sweep_dir / MANIFEST
    old = read_manifest(sweep_dir) if path.exists() else {"runs": []}
    runs = {r["run_id"]: r for r in old.get("runs", [])}
    for run in sweep.runs:
        runs.setdefault(
            run.run_id,
            {
                "run_id": run.run_id,
                "dir": f"{RUNS_SUBDIR}/{run.run_id}",
                "overrides": json_safe(run.overrides),
                "config": run.config,
            },
        )
    from bimt.sweep.spec import NON_RESULT_FIELDS

    manifest = {
        "format": 1,
        "name": sweep.name,
        "analysis": sweep.analysis,
        "non_result_fields": list(NON_RESULT_FIELDS),
        "source": sweep.source,
        "runs": list(runs.values()),
    }
    _atomic_write_json(path, manifest)
    return path


def read_manifest(sweep_dir: str | Path) -> dict[str, Any]:
    """The parsed `sweep.json` of a sweep folder (clear error when it is not one)."""
    path = Path(sweep_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"{str(sweep_dir)!r} is not a sweep directory (no {MANIFEST}); "
            "create one with `bimt sweep run SWEEP.toml --dir DIR`"
        )
    return json.loads(path.read_text())


def make_tasks(sweep: Sweep, sweep_dir: str | Path, device: str | None = None) -> list[RunTask]:
    """The picklable tasks of a sweep's runs, with absolute run directories."""
    root = Path(sweep_dir).resolve()
    return [
        RunTask(
            run_id=r.run_id,
            run_dir=str(run_dir_of(root, r.run_id)),
            config=r.config,
            analysis=dict(sweep.analysis),
            device=device,
        )
        for r in sweep.runs
    ]


@dataclass
class Submission:
    """Jobs of one `run_sweep` call; `wait()` collects their per-run outcomes."""

    sweep_dir: Path
    executor: str
    jobs: list[Any]
    tasks: list[RunTask]

    @property
    def job_ids(self) -> list[str]:
        return [str(j.job_id) for j in self.jobs]

    def done(self) -> bool:
        return all(j.done() for j in self.jobs)

    def wait(self) -> list[dict[str, Any]]:
        """Block until every job ends; one outcome dict per run a job reached.

        A job that died (e.g. its worker was killed) adds one outcome with `outcome="worker
        died"` and its error instead of raising: the runs it held are left to a re-run.
        """
        outcomes: list[dict[str, Any]] = []
        for job in self.jobs:
            try:
                outcomes.extend(job.result())
            except (submitit.core.utils.UncompletedJobError, OSError) as e:
                outcomes.append(
                    {"run_id": None, "outcome": "worker died", "job_id": str(job.job_id),
                     "error": str(e).strip().splitlines()[0] if str(e).strip() else repr(e)}
                )
        return outcomes

    def cancel(self) -> None:
        for job in self.jobs:
            with contextlib.suppress(Exception):
                job.cancel(check=False)


def run_sweep(
    sweep: Sweep,
    sweep_dir: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    slurm: SlurmOptions | None = None,
    device: str | None = None,
    threads: int | None = None,
    wait: bool = True,
    ensemble: bool = True,
    max_k: int = 8,
) -> list[dict[str, Any]] | Submission:
    """Run (or continue) every run of `sweep` in `sweep_dir`.

    Args:
        sweep: the expanded sweep (`load_sweep`).
        sweep_dir: the sweep folder; runs go to `sweep_dir/runs/<run_id>/`.
        executor: "local" (default), "slurm" or "debug".
        workers: local worker processes (parallel runs); ignored by slurm and debug.
        slurm: SLURM resources (`SlurmOptions`); `time` also caps local jobs.
        device: if given, overrides the config's `device` at run time (not part of run ids),
            e.g. "cuda" on a cluster for a sweep file written on a laptop.
        threads: torch threads per worker; default usable cores // workers (local),
            `cpus_per_task` (slurm).
        wait: block until every job ends and return the outcomes (one dict per run:
            `run_id`, `outcome` in trained/resumed/skipped/failed/busy, `seconds`, `error`);
            otherwise return the `Submission` at once.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; accepted: {', '.join(EXECUTORS)}")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    slurm = slurm or SlurmOptions()
    sweep_dir = Path(sweep_dir)
    write_manifest(sweep, sweep_dir)
    tasks = make_tasks(sweep, sweep_dir, device)
    units = pack_tasks(tasks, max_k) if ensemble else [[t] for t in tasks]
    token = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder = sweep_dir.resolve() / ".submitit" / token
    ex = make_executor(executor, folder / "%j", workers=workers, slurm=slurm)

    if executor == "slurm":
        n_threads = threads or slurm.cpus_per_task
        queues = [[u] for u in units]  # one array task per ensemble
        claim_dir = None  # one ensemble per array task: nothing is shared
    elif executor == "local":
        n_jobs = min(workers, len(units))
        n_threads = threads or max(1, usable_cores() // max(n_jobs, 1))
        queues = [units] * n_jobs
        claim_dir = str(folder / "claims")
    else:
        n_threads = threads or max(1, usable_cores())
        queues = [units] if units else []
        claim_dir = None
    worker = SweepWorker(claim_dir=claim_dir, threads=n_threads)
    jobs = ex.map_array(worker, queues, list(range(len(queues)))) if queues else []
    submission = Submission(sweep_dir=sweep_dir, executor=executor, jobs=jobs, tasks=tasks)
    if not wait:
        return submission
    try:
        return submission.wait()
    except KeyboardInterrupt:
        submission.cancel()
        raise


class SweepWorker(submitit.helpers.Checkpointable):
    """A submitit job: do the runs of `tasks` in order (claiming each first when shared).

    Checkpointable, so a job that SLURM preempts or times out is requeued with the same
    arguments; it then resumes its run from the trainer's checkpoint and skips finished runs.
    """

    def __init__(self, claim_dir: str | None, threads: int) -> None:
        self.claim_dir = claim_dir
        self.threads = threads

    def __call__(self, units: Sequence[list[RunTask]], worker_index: int = 0
                 ) -> list[dict[str, Any]]:
        import torch
        from threadpoolctl import threadpool_limits

        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            # BLAS and OpenMP pools too: the analysis' k-means would otherwise start one
            # thread per core in every worker.
            with threadpool_limits(limits=self.threads):
                outcomes = []
                for unit in units:
                    if self.claim_dir is not None and not _claim(
                        Path(self.claim_dir), unit[0].run_id, worker_index
                    ):
                        continue
                    if len(unit) == 1:
                        outcomes.append(run_task(unit[0]))
                    else:
                        outcomes.extend(run_ensemble_task(unit))
                return outcomes
        finally:
            torch.set_num_threads(previous)


def _claim(claim_dir: Path, run_id: str, worker_index: int) -> bool:
    """Claim a run for this worker; True if it is ours (new claim, or ours from a requeue)."""
    claim_dir.mkdir(parents=True, exist_ok=True)
    path = claim_dir / run_id
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return path.read_text().strip() == str(worker_index)
    with os.fdopen(fd, "w") as f:
        f.write(str(worker_index))
    return True


def lock_path(run_dir: Path) -> Path:
    """The run's lock file: next to the run directory, since the trainer wants the directory
    itself empty or a run."""
    run_dir = Path(run_dir)
    return run_dir.parent / f".{run_dir.name}.lock"


@contextlib.contextmanager
def run_lock(run_dir: Path) -> Iterator[bool]:
    """Hold the run's lock exclusively; yields False (holding nothing) if another has it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_path(run_dir), "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def is_locked(run_dir: Path) -> bool:
    """True while some process holds the run's lock (i.e. works on the run)."""
    path = lock_path(run_dir)
    if not path.exists():
        return False
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def has_checkpoint(run_dir: Path) -> bool:
    ckpt = Path(run_dir) / "checkpoint"
    return ckpt.is_dir() and any(ckpt.iterdir())


def run_task(task: RunTask) -> dict[str, Any]:
    """Do one run: skip, resume or train it, then analyse it; never raises for a run's error."""
    run_dir = Path(task.run_dir)
    start = time.perf_counter()
    outcome: dict[str, Any] = {"run_id": task.run_id, "outcome": "skipped", "error": None}
    with run_lock(run_dir) as mine:
        if not mine:
            outcome["outcome"] = "busy"
            return outcome
        # The trainer refuses a non-empty directory that is not a run, so a record of an
        # earlier failure must go before the new attempt starts.
        (run_dir / ERROR_FILE).unlink(missing_ok=True)
        stage = "train"
        try:
            config = _config_to_use(task, run_dir)
            if not (run_dir / "summary.json").exists():
                resume = has_checkpoint(run_dir)
                _train(config, run_dir, resume=resume)
                outcome["outcome"] = "resumed" if resume else "trained"
            if task.analysis.get("enabled", True):
                stage = "analyze"
                kwargs = {k: v for k, v in task.analysis.items() if k != "enabled"}
                _analyze(run_dir, **kwargs)
        except Exception as e:
            outcome["outcome"] = "failed"
            outcome["error"] = f"{type(e).__name__}: {e}"
            write_error(run_dir, task.run_id, stage, e)
    outcome["seconds"] = time.perf_counter() - start
    return outcome


def pack_tasks(tasks: list[RunTask], max_k: int) -> list[list[RunTask]]:
    """Group runs into ensembles of compatible configs (`bimt.ensemble.pack_configs`)."""
    from bimt.ensemble import pack_configs
    from bimt.training import TrainConfig

    configs = [TrainConfig.from_dict({**t.config, **({"device": t.device} if t.device else {})})
               for t in tasks]
    return [[tasks[i] for i in group] for group in pack_configs(configs, max_k=max_k)]


def run_ensemble_task(unit: list[RunTask]) -> list[dict[str, Any]]:
    """Do several runs as one ensemble: each locked, checked, skipped/resumed like `run_task`,
    the unfinished ones trained together, then each analysed; never raises for a run's error."""
    from bimt.ensemble import train_ensemble
    from bimt.training import TrainConfig

    start = time.perf_counter()
    outcomes = {t.run_id: {"run_id": t.run_id, "outcome": "skipped", "error": None}
                for t in unit}
    with contextlib.ExitStack() as stack:
        todo: list[tuple[RunTask, dict[str, Any]]] = []
        for task in unit:
            run_dir = Path(task.run_dir)
            if not stack.enter_context(run_lock(run_dir)):
                outcomes[task.run_id]["outcome"] = "busy"
                continue
            (run_dir / ERROR_FILE).unlink(missing_ok=True)
            try:
                todo.append((task, _config_to_use(task, run_dir)))
            except Exception as e:
                _failed(outcomes[task.run_id], task, "train", e)
        train = [(t, c) for t, c in todo if not (Path(t.run_dir) / "summary.json").exists()]
        resumed = {t.run_id for t, _ in train if has_checkpoint(Path(t.run_dir))}
        if train:
            try:
                train_ensemble([TrainConfig.from_dict(c) for _, c in train],
                               [Path(t.run_dir) for t, _ in train], resume=True,
                               progress=False, threads=None)
            except Exception as e:
                for t, _ in train:
                    _failed(outcomes[t.run_id], t, "train", e)
        for task, _ in todo:
            out, run_dir = outcomes[task.run_id], Path(task.run_dir)
            if out["outcome"] == "failed":
                continue
            if not (run_dir / "summary.json").exists():  # diverged: the ensemble wrote error.json
                record = json.loads((run_dir / ERROR_FILE).read_text())
                out["outcome"], out["error"] = "failed", f"{record['type']}: {record['message']}"
                continue
            if any(t.run_id == task.run_id for t, _ in train):
                out["outcome"] = "resumed" if task.run_id in resumed else "trained"
            if task.analysis.get("enabled", True):
                try:
                    _analyze(run_dir, **{k: v for k, v in task.analysis.items() if k != "enabled"})
                except Exception as e:
                    _failed(out, task, "analyze", e)
    seconds = time.perf_counter() - start
    for out in outcomes.values():
        out["seconds"] = seconds
    return list(outcomes.values())


def _failed(outcome: dict[str, Any], task: RunTask, stage: str, exc: BaseException) -> None:
    outcome["outcome"], outcome["error"] = "failed", f"{type(exc).__name__}: {exc}"
    write_error(Path(task.run_dir), task.run_id, stage, exc)


class ConfigMismatchError(RuntimeError):
    """A run directory holds a different config than the run id promises."""


def _config_to_use(task: RunTask, run_dir: Path) -> dict[str, Any]:
    """The task's config, or the one already in the run directory if it has the same result
    fields (a started run keeps its own device and checkpoint settings)."""
    config = dict(task.config)
    if task.device is not None:
        config["device"] = task.device
    path = run_dir / "config.json"
    if not path.exists():
        return config
    stored = json.loads(path.read_text())
    want, have = result_dict(config), result_dict(stored)
    if want != have:
        diff = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
        raise ConfigMismatchError(
            f"{run_dir} holds a run with a different config (fields {diff}); "
            "move that directory away or use another --dir"
        )
    return stored


def _train(config: dict[str, Any], run_dir: Path, *, resume: bool) -> None:
    from bimt.training import TrainConfig, train

    train(TrainConfig.from_dict(config), run_dir, resume=resume, progress=False)


def _analyze(run_dir: Path, **kwargs: Any) -> None:
    from bimt.analysis import analyze_run

    analyze_run(run_dir, **kwargs)


def write_error(run_dir: Path, run_id: str, stage: str, exc: BaseException) -> None:
    """Record a failed attempt in `run_dir/error.json`."""
    record = {
        "run_id": run_id,
        "stage": stage,
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _atomic_write_json(run_dir / ERROR_FILE, record)


def _atomic_write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
