"""The analysis test set: every task's fixed, noise-free test trials, run in few passes.

A ReLU RNN step costs the same for 50 rows as for 2,000, and the recurrence is sequential in
time, so running all tasks' test trials side by side (padded to the longest task) costs about
one task's worth of sequential steps instead of twenty. Padding sits after a trial's end and
the network is causal, so it never changes a trial's valid steps.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Rows per forward pass: bounds the [T, rows, N] hidden states held at once (about 200 MB for
# 32 steps × 4096 rows × 400 neurons in float32; all of cog20 (2,912 test trials) in one pass).
DEFAULT_MAX_ROWS = 4096


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def resolve_tasks(suite: Any, tasks: Sequence[str] | None) -> list[str]:
    """The suite's task names, or the given subset checked against them (order kept)."""
    names = list(suite.task_names)
    if tasks is None:
        return names
    tasks = [tasks] if isinstance(tasks, str) else list(tasks)
    unknown = [t for t in tasks if t not in names]
    if unknown or not tasks:
        raise ValueError(f"unknown or no tasks {unknown}; expected a non-empty subset of {names}")
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must not repeat, got {tasks}")
    return tasks


@dataclass(frozen=True)
class _Pass:
    inputs: torch.Tensor  # [T, rows, n_in] on the model's device
    segments: tuple[tuple[str, int, int], ...]  # (task, first row, end row)


class TrialSet:
    """Per-task test batches (on one device) grouped into padded forward passes.

    Build once, then run any number of models (e.g. lesioned copies) through `forward`.
    """

    def __init__(
        self,
        suite: Any,
        tasks: Sequence[str] | None = None,
        device: str | torch.device = "cpu",
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        if max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {max_rows}")
        self.tasks = resolve_tasks(suite, tasks)
        # Canonical form ("cuda" -> "cuda:0") so that it compares equal to a parameter's device.
        self.device = torch.empty(0, device=device).device
        self.batches = {t: suite.test_trials(t).to(self.device) for t in self.tasks}
        self._passes = self._group(max_rows)

    def _group(self, max_rows: int) -> list[_Pass]:
        groups: list[list[str]] = [[]]
        rows = 0
        for t in self.tasks:
            b = self.batches[t].batch_size
            if groups[-1] and rows + b > max_rows:
                groups.append([])
                rows = 0
            groups[-1].append(t)
            rows += b
        passes = []
        for group in groups:
            steps = max(self.batches[t].n_steps for t in group)
            parts, segments, start = [], [], 0
            for t in group:
                x = self.batches[t].inputs
                parts.append(torch.nn.functional.pad(x, (0, 0, 0, 0, 0, steps - x.shape[0])))
                segments.append((t, start, start + x.shape[1]))
                start += x.shape[1]
            passes.append(_Pass(torch.cat(parts, dim=1), tuple(segments)))
        return passes

    @torch.no_grad()
    def forward(
        self, model: torch.nn.Module, return_hidden: bool = False
    ) -> Iterator[tuple[str, Any, torch.Tensor, torch.Tensor | None]]:
        """Yield (task, batch, logits [T, B, n_out], hidden [T, B, N] or None) task by task.

        Each task's tensors are trimmed back to its own batch's T and rows.
        """
        if model_device(model) != self.device:
            raise ValueError(
                f"the test trials live on {self.device} but the model on {model_device(model)}; "
                "build TrialSet with the model's device"
            )
        was_training = model.training
        model.eval()
        try:
            for p in self._passes:
                out = model(p.inputs, return_hidden=return_hidden)
                logits, hidden = out if return_hidden else (out, None)
                for t, lo, hi in p.segments:
                    steps = self.batches[t].n_steps
                    h = None if hidden is None else hidden[:steps, lo:hi]
                    yield t, self.batches[t], logits[:steps, lo:hi], h
        finally:
            model.train(was_training)


def stimulus_window(batch: Any) -> torch.Tensor:
    """bool [T, B]: valid steps from stimulus onset (end of `fixation`) to the trial's end.

    A task without a `fixation` period is taken from t = 0.
    """
    steps, rows = batch.n_steps, batch.batch_size
    fix = batch.periods.get("fixation")
    onset = np.zeros(rows, dtype=np.int64) if fix is None else np.asarray(fix)[:, 1]
    t = np.arange(steps)[:, None]
    window = (t >= onset[None, :]) & (t < np.asarray(batch.length)[None, :])
    return torch.as_tensor(window, device=batch.mask.device) & batch.mask.bool()
