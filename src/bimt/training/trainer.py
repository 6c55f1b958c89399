"""The training loop: ``train(config, out_dir)``.

Per optimizer step ``s`` (0-based): the batch ``suite.sample(batch_size, derive(seed, "data",
s))``; loss = masked cross-entropy + λ(s)·connection_cost(A); one Adam step; then, when
``(s + 1) % swap_every == 0``, a relocation that permutes Adam's moments with the neurons. After
the step come, in this order, evaluation, snapshot and checkpoint, each on its own interval and
all at the end. Nothing depends on wall-clock time or on global RNG state that a checkpoint does
not restore, so a resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from bimt.training.atomic import (
    append_line,
    write_json_atomic,
    write_safetensors_atomic,
    write_text_atomic,
)
from bimt.training.builders import build_model, build_suite, task_list
from bimt.training.checkpoint import load_checkpoint, save_checkpoint
from bimt.training.config import TrainConfig
from bimt.training.errors import TrainingDiverged
from bimt.training.evaluation import evaluate, make_eval_set, masked_cross_entropy, network_stats
from bimt.training.progress import TrainProgress
from bimt.training.rundir import (
    CHECKPOINT_DIR,
    CONFIG_FILE,
    METRICS_FILE,
    MODEL_FILE,
    MODEL_SPEC_FILE,
    SUMMARY_FILE,
    Run,
    load_run,
    prepare_run_dir,
    read_metrics,
)
from bimt.training.schedule import lam_at
from bimt.training.seeds import derive
from bimt.training.snapshots import SNAPSHOT_DIR, write_snapshot


class NonFinite(ArithmeticError):
    """Raised by ``train_step``; the loop turns it into TrainingDiverged with context."""

    def __init__(self, quantity: str, value: float) -> None:
        super().__init__(f"{quantity} is {value}")
        self.quantity, self.value = quantity, value


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
    from bimt.model import connection_cost

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


def _fresh_counters() -> dict[str, Any]:
    return {"swaps": 0, "elapsed_s": 0.0, "train_time_s": 0.0,
            "window_loss": 0.0, "window_ce": 0.0, "window_steps": 0}


def _due(done: int, every: int, steps: int) -> bool:
    return done == steps or (every > 0 and done % every == 0)


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
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(config, Path(out_dir), resume=resume, progress=progress)
    finally:
        torch.set_num_threads(previous)


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

    counters = _fresh_counters()
    start = 0
    if state == "resume":
        # Temp files of writes a crash interrupted; the files they were to replace are intact.
        for folder in (out, ckpt_dir, out / SNAPSHOT_DIR):
            for tmp in folder.glob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
        info = load_checkpoint(ckpt_dir, model, optimizer)
        start, counters = int(info["step"]), info["counters"]
        # Evaluations after the checkpoint are redone; keep the file free of duplicates.
        kept = [r for r in read_metrics(out) if r["step"] <= start]
        write_text_atomic(out / METRICS_FILE, "".join(json.dumps(r) + "\n" for r in kept))
    else:
        out.mkdir(parents=True, exist_ok=True)
        for stale in (METRICS_FILE, SUMMARY_FILE, MODEL_FILE):
            (out / stale).unlink(missing_ok=True)
        shutil.rmtree(out / SNAPSHOT_DIR, ignore_errors=True)
        write_json_atomic(out / CONFIG_FILE, config.to_dict())
        write_json_atomic(out / MODEL_SPEC_FILE, model.spec())

    tasks = task_list(config, suite)
    eval_set = make_eval_set(suite, config.eval_trials, config.seed, tasks)
    session_start = time.perf_counter()
    elapsed_at_start = counters["elapsed_s"]

    def elapsed() -> float:
        return elapsed_at_start + time.perf_counter() - session_start

    def log_eval(done: int) -> dict[str, Any]:
        row: dict[str, Any] = {
            "step": done,
            "lam": lam_at(max(done - 1, 0), config.steps, config.lam, config.schedule),
            "train_loss": _window_mean(counters, "window_loss"),
            "train_ce": _window_mean(counters, "window_ce"),
        }
        row.update(evaluate(model, suite, eval_set, fix_weight=config.fix_weight))
        row.update(network_stats(model, config.A))
        row["swaps"] = counters["swaps"]
        row["train_time_s"] = counters["train_time_s"]
        row["elapsed_s"] = elapsed()
        counters.update(window_loss=0.0, window_ce=0.0, window_steps=0)
        append_line(out / METRICS_FILE, json.dumps(row))
        return row

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
                raise TrainingDiverged(_diverged_message(exc, s + 1, config, out, last_ckpt)
                                       ) from None
            done = s + 1
            if config.swap_every > 0 and done % config.swap_every == 0:
                from bimt.model import relocate

                counters["swaps"] += int(relocate(model, optimizer, top_k=config.top_k,
                                                  permute_optimizer=config.permute_optimizer))
            counters["train_time_s"] += time.perf_counter() - t0
            counters["window_loss"] += res.loss
            counters["window_ce"] += res.ce
            counters["window_steps"] += 1

            if _due(done, config.eval_every, config.steps):
                last_row = log_eval(done)
            if config.snapshot_every > 0 and _due(done, config.snapshot_every, config.steps):
                write_snapshot(out, done, model)
            if _due(done, config.checkpoint_every, config.steps):
                counters["elapsed_s"] = elapsed()
                save_checkpoint(ckpt_dir, step=done, model=model, optimizer=optimizer,
                                counters=counters)
                last_ckpt = done
            bar.update(done, res.loss, None if last_row is None else last_row["mean_accuracy"])
    finally:
        bar.close()

    if last_row is None:  # resumed from the final checkpoint: the final row is on disk
        rows = read_metrics(out)
        last_row = rows[-1] if rows and rows[-1]["step"] == config.steps else log_eval(
            config.steps)
    write_safetensors_atomic(out / MODEL_FILE, model.state_dict())
    summary = _summary(config, last_row, counters, elapsed())
    write_json_atomic(out / SUMMARY_FILE, summary)  # last: its presence marks "finished"
    return load_run(out)


def _window_mean(counters: dict[str, Any], key: str) -> float | None:
    n = counters["window_steps"]
    return counters[key] / n if n else None


def _summary(config: TrainConfig, row: dict[str, Any], counters: dict[str, Any],
             wall: float) -> dict[str, Any]:
    keys = ("mean_accuracy", "mean_strict_accuracy", "accuracy", "strict_accuracy", "eval_loss",
            "cost", "wiring_length", "active_connections", "active_recurrent", "swaps")
    train_time = counters["train_time_s"]
    return {
        "steps": config.steps,
        **{k: row[k] for k in keys},
        "wall_time_s": wall,
        "train_time_s": train_time,
        "steps_per_second": config.steps / train_time if train_time > 0 else None,
        "config_hash": config.config_hash(),
    }


def _diverged_message(exc: NonFinite, step: int, config: TrainConfig, out: Path,
                      last_ckpt: int) -> str:
    kept = (f"the last good checkpoint (step {last_ckpt}) in {out / CHECKPOINT_DIR} is kept"
            if last_ckpt > 0 else "no checkpoint had been written yet")
    return (f"training diverged at step {step}: {exc.quantity} is {exc.value}; {kept}. "
            f"Hint: lower lr (now {config.lr:g}) or lam (now {config.lam:g}), or set grad_clip.")
