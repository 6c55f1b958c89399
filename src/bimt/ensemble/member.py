"""One member of an ensemble: its run directory, model, optimizer, counters and bookkeeping.

Everything here mirrors ``bimt.training.trainer`` for one network, with the same bookkeeping
(``bimt.training.bookkeeping``), so that a member's directory is indistinguishable from a run
trained alone: the same files in the same formats, written at the same steps (config.json,
model.json, metrics.jsonl, snapshots/, checkpoint/, model.safetensors, summary.json last).
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from bimt.model import SpatialRNN, relocate
from bimt.training import Run, TrainConfig, TrainingDiverged, load_run
from bimt.training.atomic import write_json_atomic, write_safetensors_atomic
from bimt.training.bookkeeping import (
    NonFinite,
    count_step,
    diverged_message,
    due,
    final_row,
    fresh_counters,
    log_metrics,
    start_files,
    summary,
    trim_metrics,
)
from bimt.training.builders import build_model, task_list
from bimt.training.checkpoint import load_checkpoint, save_checkpoint
from bimt.training.evaluation import make_eval_set
from bimt.training.rundir import CHECKPOINT_DIR, MODEL_FILE, SUMMARY_FILE, prepare_run_dir
from bimt.training.schedule import lam_at
from bimt.training.snapshots import write_snapshot

# The failure record a sweep writes for a run (bimt.sweep.execute.write_error), same keys.
ERROR_FILE = "error.json"


@dataclass
class Member:
    """State of one network of the ensemble. ``status``: "finished", "training", "diverged"."""

    index: int
    config: TrainConfig
    out: Path
    status: str
    model: SpatialRNN | None = None
    optimizer: torch.optim.Optimizer | None = None
    start: int = 0
    counters: dict[str, Any] = field(default_factory=fresh_counters)
    tasks: list[str] = field(default_factory=list)
    eval_set: dict[str, Any] = field(default_factory=dict)
    last_row: dict[str, Any] | None = None
    last_ckpt: int = 0
    factor: torch.Tensor | None = None  # 1 + A·D, for the batched connection cost
    error: str | None = None
    elapsed0: float = 0.0  # wall time of earlier sessions (counters["elapsed_s"] at the start)

    @property
    def sample_tasks(self) -> list[str] | None:
        return None if self.config.tasks is None else self.tasks

    def lam(self, step: int) -> float:
        return lam_at(step, self.config.steps, self.config.lam, self.config.schedule)


def open_member(index: int, config: TrainConfig, out: Path, suite: Any, *,
                resume: bool) -> Member:
    """Check/prepare the run directory and build (or restore) the member's network."""
    if resume and (not out.exists() or not any(out.iterdir())):
        resume = False  # a member not started yet starts now (the sweep's rule, per member)
    state = prepare_run_dir(out, config, resume=resume)
    if state == "finished":
        return Member(index, config, out, "finished")
    device = torch.device(config.device)
    model = build_model(config, suite).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    m = Member(index, config, out, "training", model=model, optimizer=optimizer)
    (out / ERROR_FILE).unlink(missing_ok=True)  # a new attempt: the old failure record goes
    if state == "resume":
        info = load_checkpoint(out / CHECKPOINT_DIR, model, optimizer, restore_rng=False)
        m.start, m.counters = int(info["step"]), info["counters"]
        m.last_ckpt = m.start
        m.elapsed0 = float(m.counters["elapsed_s"])
        trim_metrics(out, m.start)
    else:
        start_files(out, config, model)
    m.tasks = task_list(config, suite)
    m.eval_set = make_eval_set(suite, config.eval_trials, config.seed, m.tasks)
    from bimt.ensemble.stacked import cost_factor

    m.factor = cost_factor(model.distance, float(config.A))
    return m


def log_eval(m: Member, suite: Any, done: int, elapsed: float) -> dict[str, Any]:
    """Evaluate the member and append its metrics line (the single trainer's row)."""
    m.last_row = log_metrics(m.out, m.config, m.model, suite, m.eval_set, m.counters, done,
                             elapsed)
    return m.last_row


def begin(m: Member, suite: Any, elapsed: float) -> None:
    """Step-0 evaluation and snapshot of a new run."""
    if m.start != 0:
        return
    if m.config.eval_every > 0:
        log_eval(m, suite, 0, elapsed)
    if m.config.snapshot_every > 0:
        write_snapshot(m.out, 0, m.model)


def after_step(m: Member, suite: Any, done: int, loss: float, ce: float, shared_time: float,
               elapsed_fn: Any) -> None:
    """Relocation, counters, evaluation, snapshot and checkpoint after optimizer step ``done``."""
    cfg = m.config
    t0 = time.perf_counter()
    if cfg.swap_every > 0 and done % cfg.swap_every == 0:
        m.counters["swaps"] += int(relocate(m.model, m.optimizer, top_k=cfg.top_k,
                                            permute_optimizer=cfg.permute_optimizer))
    count_step(m.counters, loss, ce, shared_time + time.perf_counter() - t0)
    if due(done, cfg.eval_every, cfg.steps):
        log_eval(m, suite, done, elapsed_fn())
    if cfg.snapshot_every > 0 and due(done, cfg.snapshot_every, cfg.steps):
        write_snapshot(m.out, done, m.model)
    if due(done, cfg.checkpoint_every, cfg.steps):
        m.counters["elapsed_s"] = elapsed_fn()
        save_checkpoint(m.out / CHECKPOINT_DIR, step=done, model=m.model,
                        optimizer=m.optimizer, counters=m.counters)
        m.last_ckpt = done


def diverge(m: Member, quantity: str, value: float, step: int) -> None:
    """Stop the member: the single trainer's TrainingDiverged message, recorded in error.json.

    The directory is left as the single trainer leaves it (last good checkpoint intact); the
    record has the keys of the sweep's failure record, so ``bimt sweep status`` reads it.
    """
    message = diverged_message(NonFinite(quantity, value), step, m.config, m.out, m.last_ckpt)
    try:  # raised and caught so that the record carries a real traceback, like the sweep's
        raise TrainingDiverged(message)
    except TrainingDiverged as raised:
        exc, trace = raised, "".join(traceback.format_exception(raised))
    record = {
        "run_id": m.out.name,
        "stage": "train",
        "type": type(exc).__name__,
        "message": message,
        "traceback": trace,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_json_atomic(m.out / ERROR_FILE, record)
    m.status, m.error = "diverged", message


def finish(m: Member, suite: Any, elapsed: float) -> Run:
    """Final metrics line if needed, final weights, then summary.json (the commit point)."""
    cfg = m.config
    if m.last_row is None:  # resumed from the final checkpoint: the final row is on disk
        m.last_row = final_row(m.out, cfg.steps) or log_eval(m, suite, cfg.steps, elapsed)
    write_safetensors_atomic(m.out / MODEL_FILE, m.model.state_dict())
    write_json_atomic(m.out / SUMMARY_FILE, summary(cfg, m.last_row, m.counters, elapsed))
    m.status = "finished"
    return load_run(m.out)
