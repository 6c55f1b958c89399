"""Task variance (Yang et al. 2019, bimt-spec §4.1): how much each neuron's activity depends on
the stimulus condition within each task.

For a task: run its test trials (fixed timing, noise-free, so trials align in time), take the
hidden rates h[t, trial, n], compute the variance across trials at each step (population
variance, as numpy's default), and average it over the steps from stimulus onset (end of the
`fixation` period) to the trial's end. If trials of a task were not aligned, each step uses
the trials valid at that step (inside their own window), which for aligned trials is exactly
the plain definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from bimt.analysis.trials import TrialSet, model_device, stimulus_window

ACTIVE_THRESHOLD = 1e-3  # sum of task variances above which a neuron is active (the paper's)


def _masked_time_averaged_variance(hidden: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """hidden [T, B, N], window [T, B] bool -> [N] float64: mean over steps of the variance
    across the trials inside the window (steps with no trial inside are skipped)."""
    used = window.any(dim=1)  # [T]
    if bool(torch.all(window[used])):
        # Aligned trials (the test sets): a plain variance over the rows of the used steps.
        h = hidden[used].to(torch.float64)
        return h.var(dim=1, correction=0).mean(dim=0)
    w = window.to(torch.float64)
    count = w.sum(dim=1)
    h = hidden.to(torch.float64)[used]
    w, count = w[used], count[used]
    mean = torch.einsum("tb,tbn->tn", w, h) / count[:, None]
    # Two passes (mean, then squared deviations): exact for data with a large mean.
    var = torch.einsum("tb,tbn->tn", w, (h - mean[:, None, :]) ** 2) / count[:, None]
    return var.mean(dim=0)


def task_variance(
    model: torch.nn.Module,
    suite: Any,
    tasks: Sequence[str] | None = None,
    *,
    trials: TrialSet | None = None,
) -> np.ndarray:
    """Task variance of every hidden neuron: float64 [N, n_tasks], columns in `tasks` order.

    Args:
        model: a SpatialRNN (anything whose forward takes `return_hidden=True`); it is run in
            eval mode on its own device.
        suite: a TaskSuite (`task_names`, `test_trials(task)`).
        tasks: a subset of `suite.task_names` (default: all, in suite order).
        trials: prebuilt `TrialSet` on the model's device, to reuse across calls.
    """
    if trials is None:
        trials = TrialSet(suite, tasks, device=model_device(model))
    elif tasks is not None and list(tasks) != trials.tasks:
        raise ValueError("pass either tasks or trials built for those tasks, not both")
    columns = []
    for _, batch, _, hidden in trials.forward(model, return_hidden=True):
        columns.append(_masked_time_averaged_variance(hidden, stimulus_window(batch)))
    return torch.stack(columns, dim=1).cpu().numpy()


def active_neurons(tv: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> np.ndarray:
    """bool [N]: neurons whose task variance summed over tasks exceeds `threshold`."""
    tv = np.asarray(tv, dtype=np.float64)
    if tv.ndim != 2:
        raise ValueError(f"tv must be [N, n_tasks], got shape {tv.shape}")
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold}")
    return tv.sum(axis=1) > threshold
