"""Per-trial correctness and per-task accuracy on hand-built logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bimt.tasks import correct


def one_hot_logits(labels: np.ndarray, n_out: int = 17) -> np.ndarray:
    """Logits whose argmax is `labels` [T, B]."""
    out = np.zeros((*labels.shape, n_out), dtype=np.float32)
    np.put_along_axis(out, labels[..., None], 5.0, axis=-1)
    return out


@pytest.fixture(scope="module")
def batch(modcog):
    return modcog.sample(400, 3)


def test_perfect_logits_score_one(modcog, batch):
    logits = torch.from_numpy(one_hot_logits(batch.labels.numpy()))
    acc, strict = modcog.accuracy(logits, batch), modcog.strict_accuracy(logits, batch)
    present = {modcog.task_names[i] for i in np.unique(batch.task.numpy())}
    assert set(acc) == present == set(strict)
    assert all(v == 1.0 for v in acc.values()) and all(v == 1.0 for v in strict.values())


def test_tasks_absent_from_the_batch_are_absent_from_the_scores(modcog):
    some = modcog.task_names[:5]
    batch = modcog.sample(50, seed=3, tasks=some)
    logits = torch.from_numpy(one_hot_logits(batch.labels.numpy()))
    assert set(modcog.accuracy(logits, batch)) == set(some) == set(
        modcog.strict_accuracy(logits, batch)
    )


def test_fixation_break_fails_strict_only(modcog, batch):
    labels = batch.labels.numpy().copy()
    labels[0, :] = 3  # respond at step 0, during fixation
    primary, strict = correct(one_hot_logits(labels), batch)
    assert primary.all() and not strict.any()


def test_wrong_last_step_fails_both(modcog, batch):
    labels = batch.labels.numpy().copy()
    rows = np.arange(batch.batch_size)
    last = batch.length - 1
    labels[last, rows] = (labels[last, rows] + 1) % 17
    primary, strict = correct(one_hot_logits(labels), batch)
    assert not primary.any() and not strict.any()


def test_wrong_early_decision_step_fails_strict_only(modcog, batch):
    labels = batch.labels.numpy().copy()
    rows = np.arange(batch.batch_size)
    first = batch.periods["decision"][:, 0]
    long_enough = batch.periods["decision"][:, 1] - first >= 2
    changed = long_enough & (labels[first, rows] != 0)  # go trials answer late
    labels[first[changed], rows[changed]] = 0
    primary, strict = correct(one_hot_logits(labels), batch)
    assert primary.all()
    assert changed.any() and np.array_equal(strict, ~changed)


def test_always_fixate_scores_the_no_go_rate(cog20):
    b = cog20.sample(800, 4, tasks=["dms", "dnmc", "go"])
    logits = np.zeros((b.n_steps, b.batch_size, 17), dtype=np.float32)
    logits[..., 0] = 1.0
    primary, strict = correct(logits, b)
    no_go = b.params["target"] < 0
    assert np.array_equal(primary, no_go) and np.array_equal(strict, no_go)
    acc = cog20.accuracy(logits, b)
    task = b.task.numpy()
    for name in ("dms", "dnmc", "go"):
        rows = task == cog20.task_index(name)
        assert acc[name] == pytest.approx(no_go[rows].mean())
    assert acc["go"] == 0.0


def test_padding_is_ignored(cog20):
    b = cog20.sample(64, 5)
    labels = b.labels.numpy().copy()
    labels[~b.mask.numpy()] = 7  # anything on padding
    primary, strict = correct(one_hot_logits(labels), b)
    assert primary.all() and strict.all()


def test_logits_shape_is_checked(cog20):
    b = cog20.sample(4, 6)
    with pytest.raises(ValueError, match=r"logits must have shape \[T, B, n_outputs\]"):
        cog20.accuracy(torch.zeros(b.n_steps + 1, 4, 17), b)
