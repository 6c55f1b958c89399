"""A tiny hand-made task suite and hand-wired networks with known behaviour."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from bimt.model import Grid1D, Grid2D, SpatialRNN
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


def three_task_suite() -> FakeSuite:
    """Task j varies input channel j across 4 trials (values 0..3) after onset t = 1."""
    batches = {}
    for j, name in enumerate(("go", "anti", "dm1")):
        x = np.zeros((3, 4, 3))
        x[1:, :, j] = np.arange(4)
        y = np.zeros((3, 4), dtype=np.int64)
        batches[name] = make_batch(x, j, fixation_end=1, labels=y)
    return FakeSuite(batches)


def row_net() -> SpatialRNN:
    """3×3 grid; grid row j copies input channel j (gains 1, 2, 3): row j serves task j."""
    model = SpatialRNN(3, 2, Grid2D(3, 3))
    with torch.no_grad():
        model.w_rec.zero_()
        model.b_rec.zero_()
        model.w_in.zero_()
        for j in range(3):
            for c in range(3):
                model.w_in[3 * j + c, j] = 1.0 + c
        model.w_out.zero_()
        model.b_out.copy_(torch.tensor([1.0, 0.0]))  # always "fixate": every label is 0
    return model


class FakeRun:
    def __init__(self, path: Path, model: SpatialRNN, tasks: tuple[str, ...] | None = None):
        self.path, self._model, self._suite = path, model, three_task_suite()
        self.config = SimpleNamespace(tasks=tasks)

    def model(self, device="cpu"):
        return self._model.to(device)

    def suite(self):
        return self._suite
