"""Cluster lesions: silence one functional cluster at a time and measure each task's loss.

Silencing, as in Yang et al. (2019, `network.lesion_units`): the lesioned neurons' outgoing
weights are set to zero, i.e. their columns of the recurrent matrix W (what they send to other
hidden neurons, including themselves) and of the read-out W_out. The neurons still receive
input and still fire, but nothing downstream can see them, so their contribution to the
network's function is removed exactly while every other neuron keeps its own input. Zeroing
incoming weights instead would leave the bias driving the neuron, and would not silence it.
The lesion is made on a copy: the caller's model is untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from bimt.analysis.accuracy import METRICS, task_accuracy
from bimt.analysis.trials import TrialSet, model_device


def lesion(model: torch.nn.Module, neurons: Any) -> torch.nn.Module:
    """A copy of `model` with the outgoing weights (W[:, neurons], W_out[:, neurons]) zeroed.

    `neurons`: hidden (slot) indices, int array or bool mask [N].
    """
    n = model.w_rec.shape[0]
    idx = np.asarray(neurons)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"a bool neuron mask must have shape ({n},), got {idx.shape}")
        idx = np.flatnonzero(idx)
    idx = idx.astype(np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"neuron indices must lie in [0, {n}), got {idx.min()}..{idx.max()}")
    out = copy.deepcopy(model)
    cols = torch.as_tensor(idx, device=model_device(out))
    with torch.no_grad():
        out.w_rec[:, cols] = 0
        out.w_out[:, cols] = 0
    return out


@dataclass(frozen=True)
class LesionResult:
    """Accuracy of the intact network and its drop under each cluster's lesion.

    tasks: task names (columns); clusters: cluster labels (rows).
    intact: {"primary"|"strict": float [n_tasks]}.
    lesioned: {"primary"|"strict": float [n_clusters, n_tasks]} accuracy with the row's
        cluster silenced; drop = intact - lesioned (positive = the task needs the cluster).
    """

    tasks: list[str]
    clusters: list[int]
    intact: dict[str, np.ndarray]
    lesioned: dict[str, np.ndarray]

    @property
    def drop(self) -> dict[str, np.ndarray]:
        return {m: self.intact[m][None, :] - self.lesioned[m] for m in METRICS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "clusters": self.clusters,
            "intact": {m: self.intact[m].tolist() for m in METRICS},
            "lesioned": {m: self.lesioned[m].tolist() for m in METRICS},
            "drop": {m: v.tolist() for m, v in self.drop.items()},
        }


def cluster_lesions(
    model: torch.nn.Module,
    suite: Any,
    labels_by_slot: Any,
    tasks: Sequence[str] | None = None,
    *,
    trials: TrialSet | None = None,
    intact: dict[str, dict[str, float]] | None = None,
) -> LesionResult:
    """Lesion each cluster of `labels_by_slot` (int [N], -1 = no cluster) in turn.

    `intact`: the model's own `task_accuracy` on the same trials, if already computed.
    Returns a LesionResult with one row per cluster label, in increasing label order.
    """
    labels = np.asarray(labels_by_slot)
    n = model.w_rec.shape[0]
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels_by_slot must be an int array of shape ({n},), -1 = no cluster")
    if trials is None:
        trials = TrialSet(suite, tasks, device=model_device(model))
    clusters = sorted(int(c) for c in np.unique(labels[labels >= 0]))

    def as_arrays(acc: dict[str, dict[str, float]]) -> dict[str, np.ndarray]:
        return {m: np.array([acc[m][t] for t in trials.tasks]) for m in METRICS}

    whole = as_arrays(task_accuracy(model, suite, trials=trials) if intact is None else intact)
    rows = [
        as_arrays(task_accuracy(lesion(model, labels == c), suite, trials=trials)) for c in clusters
    ]
    empty = np.zeros((0, len(trials.tasks)))
    lesioned = {m: np.stack([r[m] for r in rows]) if rows else empty for m in METRICS}
    return LesionResult(list(trials.tasks), clusters, whole, lesioned)
