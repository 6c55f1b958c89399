"""Tiny training configs shared by the training and ensemble tests (a few easy tasks, 16
neurons on a line)."""

from __future__ import annotations

from bimt.training import TrainConfig

TINY = dict(
    suite="cog20",
    tasks=("go", "rtgo", "anti"),
    geometry="1d",
    n_hidden=16,
    batch_size=16,
    steps=60,
    lr=3e-3,
    lam=1e-4,
    swap_every=10,
    top_k=8,
    eval_every=20,
    eval_trials=16,
    checkpoint_every=20,
    snapshot_every=20,
)


def tiny(**overrides) -> TrainConfig:
    """A config that trains in about a second."""
    return TrainConfig.from_dict({**TINY, **overrides})
