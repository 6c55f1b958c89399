"""The bookkeeping every trainer shares (``train`` and ``bimt.ensemble.train_ensemble``).

What a run directory holds must not depend on which trainer wrote it, so both use these:
the counters a checkpoint carries, when an interval falls due, the metrics line of an
evaluation, the summary, the divergence message, the files a new run starts with, and the
torch thread setting around a training call.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from bimt.training.atomic import append_line, write_json_atomic, write_text_atomic
from bimt.training.config import TrainConfig
from bimt.training.evaluation import evaluate, network_stats
from bimt.training.rundir import (
    CHECKPOINT_DIR,
    CONFIG_FILE,
    METRICS_FILE,
    MODEL_FILE,
    MODEL_SPEC_FILE,
    SUMMARY_FILE,
    read_metrics,
)
from bimt.training.schedule import lam_at
from bimt.training.snapshots import SNAPSHOT_DIR

SUMMARY_KEYS = ("mean_accuracy", "mean_strict_accuracy", "accuracy", "strict_accuracy",
                "eval_loss", "cost", "wiring_length", "active_connections", "active_recurrent",
                "swaps")


class NonFinite(ArithmeticError):
    """A NaN/inf loss or weight in a training step; trainers turn it into TrainingDiverged."""

    def __init__(self, quantity: str, value: float) -> None:
        super().__init__(f"{quantity} is {value}")
        self.quantity, self.value = quantity, value


def fresh_counters() -> dict[str, Any]:
    """The counters a checkpoint carries, at the start of a run."""
    return {"swaps": 0, "elapsed_s": 0.0, "train_time_s": 0.0,
            "window_loss": 0.0, "window_ce": 0.0, "window_steps": 0}


def count_step(counters: dict[str, Any], loss: float, ce: float, seconds: float) -> None:
    """Add one optimizer step (its losses and the time it took) to ``counters``."""
    counters["train_time_s"] += seconds
    counters["window_loss"] += loss
    counters["window_ce"] += ce
    counters["window_steps"] += 1


def due(done: int, every: int, steps: int) -> bool:
    """Whether an interval of ``every`` steps (0 = never) falls due after step ``done``; the
    last step always is."""
    return done == steps or (every > 0 and done % every == 0)


def window_mean(counters: dict[str, Any], key: str) -> float | None:
    """Mean of ``counters[key]`` over the steps since the last metrics line (None: none)."""
    n = counters["window_steps"]
    return counters[key] / n if n else None


def log_metrics(out: Path, config: TrainConfig, model: torch.nn.Module, suite: Any,
                eval_set: dict[str, Any], counters: dict[str, Any], done: int,
                elapsed: float) -> dict[str, Any]:
    """Evaluate, append the metrics line for step ``done`` to ``out``, reset the window."""
    row: dict[str, Any] = {
        "step": done,
        "lam": lam_at(max(done - 1, 0), config.steps, config.lam, config.schedule),
        "train_loss": window_mean(counters, "window_loss"),
        "train_ce": window_mean(counters, "window_ce"),
    }
    row.update(evaluate(model, suite, eval_set, fix_weight=config.fix_weight))
    row.update(network_stats(model, config.A))
    row["swaps"] = counters["swaps"]
    row["train_time_s"] = counters["train_time_s"]
    row["elapsed_s"] = elapsed
    counters.update(window_loss=0.0, window_ce=0.0, window_steps=0)
    append_line(out / METRICS_FILE, json.dumps(row))
    return row


def summary(config: TrainConfig, row: dict[str, Any], counters: dict[str, Any],
            wall: float) -> dict[str, Any]:
    """summary.json from the last metrics line and the counters."""
    train_time = counters["train_time_s"]
    return {
        "steps": config.steps,
        **{k: row[k] for k in SUMMARY_KEYS},
        "wall_time_s": wall,
        "train_time_s": train_time,
        "steps_per_second": config.steps / train_time if train_time > 0 else None,
        "config_hash": config.config_hash(),
    }


def diverged_message(exc: NonFinite, step: int, config: TrainConfig, out: Path,
                     last_ckpt: int) -> str:
    """The TrainingDiverged message: what went non-finite, where, what is kept, what to try."""
    kept = (f"the last good checkpoint (step {last_ckpt}) in {out / CHECKPOINT_DIR} is kept"
            if last_ckpt > 0 else "no checkpoint had been written yet")
    return (f"training diverged at step {step}: {exc.quantity} is {exc.value}; {kept}. "
            f"Hint: lower lr (now {config.lr:g}) or lam (now {config.lam:g}), or set grad_clip.")


def start_files(out: Path, config: TrainConfig, model: Any) -> None:
    """A new run: clear what an earlier attempt left, write config.json and model.json."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in (METRICS_FILE, SUMMARY_FILE, MODEL_FILE):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / SNAPSHOT_DIR, ignore_errors=True)
    write_json_atomic(out / CONFIG_FILE, config.to_dict())
    write_json_atomic(out / MODEL_SPEC_FILE, model.spec())


def trim_metrics(out: Path, step: int) -> None:
    """A resumed run redoes the evaluations after its checkpoint: drop their lines."""
    kept = [r for r in read_metrics(out) if r["step"] <= step]
    write_text_atomic(out / METRICS_FILE, "".join(json.dumps(r) + "\n" for r in kept))


def final_row(out: Path, steps: int) -> dict[str, Any] | None:
    """The metrics line of the final step, if already on disk (resumed from the end)."""
    rows = read_metrics(out)
    return rows[-1] if rows and rows[-1]["step"] == steps else None


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the body with ``threads`` torch intra-op threads (None: leave as is), then restore."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
