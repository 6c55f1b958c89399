"""Which training configs can share an ensemble, and packing a list of them into ensembles.

Members of an ensemble run one batched forward/backward per step, so they must agree on what
shapes the tensors and the step loop: the suite and its settings (inputs, outputs, trial
lengths), the geometry and size, the nonlinearity and leak (one batched recurrence), the batch
size, the number of steps, the evaluation schedule and set size, the loss's fixation weight and
the device. Everything else may differ per member: seed, method, λ, A, schedule, lr, swaps,
top-k, task subset, gradient clipping, checkpoint and snapshot intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bimt.training import TrainConfig

SHARED_FIELDS: tuple[str, ...] = (
    "suite", "profile", "dt", "dim_ring", "geometry", "n_hidden", "activation", "alpha",
    "batch_size", "steps", "eval_every", "eval_trials", "fix_weight", "device",
)


class EnsembleError(ValueError):
    """Configs or run directories that cannot be trained together as one ensemble."""


def ensemble_key(config: TrainConfig) -> tuple[Any, ...]:
    """The values of ``SHARED_FIELDS``: configs with equal keys can share an ensemble."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"expected a TrainConfig, got {type(config).__name__}")
    return tuple(getattr(config, f) for f in SHARED_FIELDS)


def check_compatible(configs: Sequence[TrainConfig]) -> None:
    """Raise EnsembleError naming the first field in which a config differs from configs[0]."""
    if not configs:
        raise EnsembleError("an ensemble needs at least one config, got none")
    ref = ensemble_key(configs[0])
    for i, cfg in enumerate(configs[1:], start=1):
        key = ensemble_key(cfg)
        for name, a, b in zip(SHARED_FIELDS, ref, key, strict=True):
            if a != b:
                raise EnsembleError(
                    f"config {i} differs from config 0 in {name!r} ({b!r} vs {a!r}); the "
                    f"members of an ensemble must share {', '.join(SHARED_FIELDS)}. Train "
                    f"them in separate ensembles (pack_configs groups them)"
                )


def pack_configs(configs: Sequence[TrainConfig], max_k: int = 8) -> list[list[int]]:
    """Group the indices of ``configs`` into ensembles of compatible configs, at most ``max_k``.

    Groups of equal ``ensemble_key`` are kept in order of first appearance, each split into
    ceil(n / max_k) ensembles of nearly equal size (sizes differ by at most one, larger first),
    members in input order. Every index appears exactly once.
    """
    if isinstance(max_k, bool) or not isinstance(max_k, int) or max_k < 1:
        raise ValueError(f"max_k must be an integer >= 1, got {max_k!r}")
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, cfg in enumerate(configs):
        groups.setdefault(ensemble_key(cfg), []).append(i)
    packs: list[list[int]] = []
    for members in groups.values():
        n_packs = math.ceil(len(members) / max_k)
        base, extra = divmod(len(members), n_packs)
        start = 0
        for p in range(n_packs):
            size = base + (1 if p < extra else 0)
            packs.append(members[start:start + size])
            start += size
    return packs
