"""The training loop: ``train(config, out_dir)``.

Per optimizer step ``s`` (0-based): the batch ``suite.sample(batch_size, derive(seed, "data",
s))``; loss = masked cross-entropy + λ(s)·connection_cost(A); one Adam step; then, when
``(s + 1) % swap_every == 0``, a relocation that permutes Adam's moments with the neurons. After
the step come, in this order, evaluation, snapshot and checkpoint, each on its own interval and
all at the end. Nothing depends on wall-clock time or on global RNG state that a checkpoint does
not restore, so a resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from bimt.model import connection_cost, relocate
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
    torch_threads,
    trim_metrics,
)
from bimt.training.builders import build_model, build_suite, task_list
from bimt.training.checkpoint import load_checkpoint, save_checkpoint
from bimt.training.config import TrainConfig
from bimt.training.errors import TrainingDiverged
from bimt.training.evaluation import make_eval_set, masked_cross_entropy
from bimt.training.progress import TrainProgress
from bimt.training.rundir import (
    CHECKPOINT_DIR,
    MODEL_FILE,
    SUMMARY_FILE,
    Run,
    load_run,
    prepare_run_dir,
)
from bimt.training.schedule import lam_at
from bimt.training.seeds import derive
from bimt.training.snapshots import SNAPSHOT_DIR, write_snapshot

__all__ = ["NonFinite", "StepResult", "train", "train_step"]


@dataclass(frozen=True)
class StepResult:
    loss: float  # total: ce + lam * cost
    ce: float
    cost: float  # connection cost; 0.0 when lam == 0 (not computed)


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Any,
    *,
    lam: float,
    A: float,
    fix_weight: float = 1.0,
    grad_clip: float | None = None,
) -> StepResult:
    """One optimizer step on ``batch``; raises NonFinite before stepping on a NaN/inf loss."""
    optimizer.zero_grad(set_to_none=True)
    # lengths: padded steps are skipped (they carry no loss and cannot affect valid steps);
    # a batch-like object without ``length`` runs every step
    logits = model(batch.inputs, lengths=getattr(batch, "length", None))
    ce = masked_cross_entropy(logits, batch.labels, batch.mask, fix_weight)
    if lam > 0.0:
        cost = connection_cost(model, A)
        loss = ce + lam * cost
    else:
        cost, loss = torch.zeros(()), ce
    if not torch.isfinite(loss):
        quantity = "the cross-entropy" if not torch.isfinite(ce) else "the connection cost"
        raise NonFinite(quantity, float(loss.detach()))
    loss.backward()
    if grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    for name, p in model.named_parameters():
        if not torch.isfinite(p).all():
            raise NonFinite(f"weight {name}", float("nan"))
    return StepResult(loss=float(loss.detach()), ce=float(ce.detach()), cost=float(cost.detach()))


def train(
    config: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    threads: int | None = 1,
) -> Run:
    """Train ``config`` into run directory ``out_dir``; returns the finished Run.

    ``resume=True`` continues from the directory's checkpoint. A directory that already holds
    this config, finished, is reported and returned as it is. ``threads``: torch intra-op
    threads while training (restored afterwards); 1, the default, is the fastest for these
    small matrices on a shared CPU and keeps CPU results independent of the machine's core
    count; None keeps torch's setting. Raises RunError for a directory holding another run,
    ConfigError for a config the suite cannot use, TrainingDiverged on a NaN/inf loss or
    weight.
    """
    with torch_threads(threads):
        return _train(config, Path(out_dir), resume=resume, progress=progress)


def _train(config: TrainConfig, out: Path, *, resume: bool, progress: bool) -> Run:
    state = prepare_run_dir(out, config, resume=resume)
    if state == "finished":
        if progress:
            print(f"{out} is already finished ({config.steps} steps); nothing to do",
                  file=sys.stderr)
        return load_run(out)

    suite = build_suite(config)  # before touching the directory: a bad suite writes nothing
    device = torch.device(config.device)
    model = build_model(config, suite).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    ckpt_dir = out / CHECKPOINT_DIR

    counters = fresh_counters()
    start = 0
    if state == "resume":
        # Temp files of writes a crash interrupted; the files they were to replace are intact.
        for folder in (out, ckpt_dir, out / SNAPSHOT_DIR):
            for tmp in folder.glob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
        info = load_checkpoint(ckpt_dir, model, optimizer)
        start, counters = int(info["step"]), info["counters"]
        trim_metrics(out, start)  # evaluations after the checkpoint are redone
    else:
        start_files(out, config, model)

    tasks = task_list(config, suite)
    eval_set = make_eval_set(suite, config.eval_trials, config.seed, tasks)
    session_start = time.perf_counter()
    elapsed_at_start = counters["elapsed_s"]

    def elapsed() -> float:
        return elapsed_at_start + time.perf_counter() - session_start

    def log_eval(done: int) -> dict[str, Any]:
        return log_metrics(out, config, model, suite, eval_set, counters, done, elapsed())

    last_row: dict[str, Any] | None = None
    if start == 0:
        if config.eval_every > 0:
            last_row = log_eval(0)
        if config.snapshot_every > 0:
            write_snapshot(out, 0, model)

    bar = TrainProgress(config.steps, start, enabled=progress, label=out.name)
    last_ckpt = start
    try:
        for s in range(start, config.steps):
            batch = suite.sample(config.batch_size, seed=derive(config.seed, "data", s),
                                 tasks=None if config.tasks is None else tasks)
            t0 = time.perf_counter()
            lam = lam_at(s, config.steps, config.lam, config.schedule)
            try:
                res = train_step(model, optimizer, batch.to(device), lam=lam, A=config.A,
                                 fix_weight=config.fix_weight, grad_clip=config.grad_clip)
            except NonFinite as exc:
                raise TrainingDiverged(diverged_message(exc, s + 1, config, out, last_ckpt)
                                       ) from None
            done = s + 1
            if config.swap_every > 0 and done % config.swap_every == 0:
                counters["swaps"] += int(relocate(model, optimizer, top_k=config.top_k,
                                                  permute_optimizer=config.permute_optimizer))
            count_step(counters, res.loss, res.ce, time.perf_counter() - t0)

            if due(done, config.eval_every, config.steps):
                last_row = log_eval(done)
            if config.snapshot_every > 0 and due(done, config.snapshot_every, config.steps):
                write_snapshot(out, done, model)
            if due(done, config.checkpoint_every, config.steps):
                counters["elapsed_s"] = elapsed()
                save_checkpoint(ckpt_dir, step=done, model=model, optimizer=optimizer,
                                counters=counters)
                last_ckpt = done
            bar.update(done, res.loss, None if last_row is None else last_row["mean_accuracy"])
    finally:
        bar.close()

    if last_row is None:  # resumed from the final checkpoint: the final row is on disk
        last_row = final_row(out, config.steps) or log_eval(config.steps)
    write_safetensors_atomic(out / MODEL_FILE, model.state_dict())
    # last: its presence marks "finished"
    write_json_atomic(out / SUMMARY_FILE, summary(config, last_row, counters, elapsed()))
    return load_run(out)
