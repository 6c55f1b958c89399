"""Per-trial correctness and per-task accuracy (DECISIONS.md, "accuracy")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from bimt.tasks.batch import Batch


def _predictions(logits: torch.Tensor | np.ndarray, batch: Batch) -> np.ndarray:
    shape = tuple(logits.shape)
    want = (batch.n_steps, batch.batch_size)
    if len(shape) != 3 or shape[:2] != want:
        raise ValueError(
            f"logits must have shape [T, B, n_outputs] with (T, B) = {want} as in the batch; "
            f"got {shape}"
        )
    if isinstance(logits, torch.Tensor):
        return logits.detach().argmax(dim=-1).cpu().numpy()
    return np.asarray(logits).argmax(axis=-1)


def correct(logits: torch.Tensor | np.ndarray, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """Per-row correctness under both metrics.

    Args:
        logits: [T, B, n_outputs] network outputs (torch or numpy) for `batch`.
        batch: the batch they answer.

    Returns:
        (primary [B] bool, strict [B] bool). primary: the argmax at the row's last valid step
        equals the label there (neurogym's convention; a no-go trial needs class 0).
        strict: the argmax equals the label at every valid step — no response before
        `decision` (labels are 0 there) and the right, possibly moving, label throughout it.
    """
    pred = _predictions(logits, batch)
    labels = batch.labels.detach().cpu().numpy()
    mask = batch.mask.detach().cpu().numpy()
    rows = np.arange(batch.batch_size)
    last = batch.length - 1
    primary = pred[last, rows] == labels[last, rows]
    strict = np.all((pred == labels) | ~mask, axis=0)
    return primary, strict


def per_task_mean(values: np.ndarray, task: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Mean of `values` [B] over the rows of each task present; absent tasks are left out."""
    counts = np.bincount(task, minlength=len(names))
    sums = np.bincount(task, weights=values.astype(np.float64), minlength=len(names))
    return {names[i]: float(sums[i] / counts[i]) for i in np.flatnonzero(counts)}
