"""Tiny configs and comparisons for the ensemble tests (16 neurons on a line, 60 steps)."""

from __future__ import annotations

from pathlib import Path

import torch
from tiny_configs import tiny

from bimt.training import Run, TrainConfig

TIMED = ("train_time_s", "elapsed_s", "wall_time_s", "steps_per_second")


def mixed_configs() -> list[TrainConfig]:
    """Members that differ in seed, method, λ, A, schedule, lr and swap settings; two share a
    seed (and so their batches)."""
    return [
        tiny(seed=0),
        tiny(seed=1, method="l1"),
        tiny(seed=0, lam=3e-4, A=2.0, lr=1e-2, schedule="three-phase", top_k=4),
        tiny(seed=2, method="none", lam=None, grad_clip=0.5),
    ]


def state(run: Run) -> dict[str, torch.Tensor]:
    return run.model().state_dict()


def same_weights(a: Run, b: Run) -> bool:
    sa, sb = state(a), state(b)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMED} for r in rows]


def files(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def same_metrics(rows_a: list[dict], rows_b: list[dict], rel: float = 1e-6) -> bool:
    """Equal metrics lines, timings aside; the training-loss means (sums over the window in
    another order when one side trained alone) to ``rel``."""
    rows_a, rows_b = untimed(rows_a), untimed(rows_b)
    if len(rows_a) != len(rows_b):
        return False
    for a, b in zip(rows_a, rows_b, strict=True):
        for key in ("train_loss", "train_ce"):
            x, y = a.pop(key), b.pop(key)
            if (x is None) != (y is None) or (x is not None and abs(x - y) > rel * abs(y)):
                return False
        if a != b:
            return False
    return True
