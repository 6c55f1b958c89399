"""Evaluation on a fixed held-out set, and the network statistics logged with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from bimt.training.seeds import derive

if TYPE_CHECKING:
    from bimt.tasks import Batch, TaskSuite

FIXATION_CLASS = 0
ACTIVE_THRESHOLD = 1e-2  # |w| above this is an active connection (DECISIONS.md)


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, fix_weight: float = 1.0
) -> torch.Tensor:
    """Mean cross-entropy over the valid steps.

    logits [T, B, C], labels [T, B] int64, mask [T, B] bool. With ``fix_weight != 1`` the
    fixation class (0) is weighted and the mean is the weighted mean
    ``sum(w_label * nll) / sum(w_label)`` (torch's convention for class weights).
    """
    valid = mask.bool()
    weight = None
    if fix_weight != 1.0:
        weight = torch.ones(logits.shape[-1], dtype=logits.dtype, device=logits.device)
        weight[FIXATION_CLASS] = fix_weight
    return F.cross_entropy(logits[valid], labels[valid], weight=weight)


def make_eval_set(
    suite: TaskSuite, n_trials: int, seed: int, tasks: list[str] | None = None
) -> dict[str, Batch]:
    """Per task (default: all of the suite), ``n_trials`` trials from the "eval" seed stream.

    Task ``name`` uses ``derive(seed, "eval", suite.task_names.index(name))``: disjoint from
    the training stream ("data"), independent of which other tasks are chosen, and the same at
    every evaluation and after a resume.
    """
    names = suite.task_names if tasks is None else tasks
    return {
        name: suite.sample(n_trials, seed=derive(seed, "eval", suite.task_names.index(name)),
                           tasks=[name])
        for name in names
    }


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    suite: TaskSuite,
    eval_set: dict[str, Batch],
    *,
    fix_weight: float = 1.0,
) -> dict[str, Any]:
    """Per-task accuracy (primary and strict), their means and the mean held-out loss."""
    device = next(model.parameters()).device
    acc: dict[str, float] = {}
    strict: dict[str, float] = {}
    losses = []
    for name, batch in eval_set.items():
        batch = batch.to(device)
        logits = model(batch.inputs)
        acc[name] = float(suite.accuracy(logits, batch)[name])
        strict[name] = float(suite.strict_accuracy(logits, batch)[name])
        losses.append(float(masked_cross_entropy(logits, batch.labels, batch.mask, fix_weight)))
    n = len(eval_set)
    return {
        "eval_loss": sum(losses) / n,
        "mean_accuracy": sum(acc.values()) / n,
        "mean_strict_accuracy": sum(strict.values()) / n,
        "accuracy": acc,
        "strict_accuracy": strict,
    }


@torch.no_grad()
def network_stats(model: torch.nn.Module, A: float) -> dict[str, float | int]:
    """Connection cost (eq. 2 with this A), wiring length and active connections.

    ``active_connections`` counts |w| > 1e-2 over W_in, W and W_out; ``active_recurrent`` over
    W only (the connections whose lengths make up ``wiring_length``).
    """
    from bimt.model import active_connections, connection_cost, wiring_length

    return {
        "cost": float(connection_cost(model, A)),
        "wiring_length": float(wiring_length(model, threshold=ACTIVE_THRESHOLD)),
        "active_connections": active_connections(model, ACTIVE_THRESHOLD, which="all"),
        "active_recurrent": active_connections(model, ACTIVE_THRESHOLD, which="recurrent"),
    }
