"""Per-task accuracy of a network on the analysis test trials, under both metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from bimt.analysis.trials import TrialSet, model_device

METRICS = ("primary", "strict")


def task_accuracy(
    model: torch.nn.Module,
    suite: Any,
    tasks: Sequence[str] | None = None,
    *,
    trials: TrialSet | None = None,
) -> dict[str, dict[str, float]]:
    """{"primary": {task: accuracy}, "strict": {task: accuracy}} on the test trials.

    "primary" is `suite.accuracy` (argmax at the last valid step), "strict" is
    `suite.strict_accuracy` (no early response, right label at every decision step).
    """
    if trials is None:
        trials = TrialSet(suite, tasks, device=model_device(model))
    out: dict[str, dict[str, float]] = {m: {} for m in METRICS}
    for task, batch, logits, _ in trials.forward(model):
        out["primary"][task] = float(suite.accuracy(logits, batch)[task])
        out["strict"][task] = float(suite.strict_accuracy(logits, batch)[task])
    return out
