"""A tiny hand-made task suite and hand-wired networks with known behaviour."""

from __future__ import annotations

import numpy as np
import torch

from bimt.model import Grid1D, SpatialRNN
from bimt.tasks.batch import Batch


def make_batch(inputs, task_index, fixation_end, length=None, labels=None):
    """inputs [T, B, n_in] (numpy); every row's fixation is [0, fixation_end)."""
    inputs = np.asarray(inputs, dtype=np.float32)
    steps, rows, _ = inputs.shape
    length = np.full(rows, steps) if length is None else np.asarray(length)
    mask = np.arange(steps)[:, None] < length[None, :]
    labels = np.zeros((steps, rows), dtype=np.int64) if labels is None else labels
    fix = np.stack([np.zeros(rows, dtype=np.int64), np.full(rows, fixation_end)], axis=1)
    return Batch(
        inputs=torch.from_numpy(inputs),
        labels=torch.as_tensor(labels, dtype=torch.int64),
        mask=torch.from_numpy(mask),
        task=torch.full((rows,), task_index, dtype=torch.int64),
        length=length.astype(np.int64),
        periods={"fixation": fix},
        params={},
    )


class FakeSuite:
    """`task_names`, `test_trials`, and both accuracies judged at the last valid step."""

    def __init__(self, batches: dict[str, Batch]):
        self.batches = batches
        self.task_names = list(batches)
        self.test_trials_calls = 0

    def test_trials(self, task: str) -> Batch:
        self.test_trials_calls += 1
        return self.batches[task]

    def accuracy(self, logits, batch):
        last = torch.as_tensor(batch.length, device=logits.device) - 1
        rows = torch.arange(batch.batch_size, device=logits.device)
        pred = logits[last, rows].argmax(-1)
        correct = (pred == batch.labels[last, rows]).double().mean()
        return {self.task_names[int(batch.task[0])]: float(correct)}

    strict_accuracy = accuracy


def copy_net(n: int, n_out: int = 3) -> SpatialRNN:
    """Hidden neuron i copies input i through the ReLU: h_t = relu(u_t) (no recurrence)."""
    model = SpatialRNN(n, n_out, Grid1D(n), alpha=1.0)
    with torch.no_grad():
        model.w_in.copy_(torch.eye(n))
        model.w_rec.zero_()
        model.b_rec.zero_()
    return model
