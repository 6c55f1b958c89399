"""Lesioning a cluster removes exactly the tasks that depend on it by construction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bimt.analysis.accuracy import task_accuracy
from bimt.analysis.lesions import cluster_lesions, lesion

from .fakes import FakeSuite, copy_net, make_batch


def wired_net():
    """Task a: input 0 -> neuron 0 -> class 1. Task b: input 1 -> neuron 1 -> (recurrent)
    neuron 2 -> class 2. Class 0 wins when nothing reaches the read-out."""
    model = copy_net(3)
    with torch.no_grad():
        model.w_in[2, 2] = 0.0
        model.w_rec[2, 1] = 1.0  # neuron 1's only output is recurrent
        model.w_out.zero_()
        model.w_out[1, 0] = 2.0
        model.w_out[2, 2] = 2.0
        model.b_out.copy_(torch.tensor([1.0, 0.0, 0.0]))
    return model


def suite():
    def task(channel, label, index):
        x = np.zeros((4, 2, 3))
        x[:, :, channel] = 1.0
        y = np.zeros((4, 2), dtype=np.int64)
        y[-1] = label
        return make_batch(x, index, fixation_end=1, labels=y)

    return FakeSuite({"a": task(0, 1, 0), "b": task(1, 2, 1)})


def test_each_cluster_is_needed_by_its_task_only():
    model = wired_net()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = cluster_lesions(model, suite(), np.array([0, 1, -1]))
    assert result.tasks == ["a", "b"] and result.clusters == [0, 1]
    for metric in ("primary", "strict"):
        np.testing.assert_array_equal(result.intact[metric], [1.0, 1.0])
        # Cluster 0 (neuron 0) feeds only the read-out of task a; cluster 1 (neuron 1) feeds
        # task b only through the recurrent matrix.
        np.testing.assert_array_equal(result.drop[metric], [[1.0, 0.0], [0.0, 1.0]])
    for k, v in model.state_dict().items():  # the caller's model is untouched
        assert torch.equal(v, before[k])
    as_json = result.to_dict()
    assert as_json["drop"]["primary"] == [[1.0, 0.0], [0.0, 1.0]]


def test_lesion_zeroes_outgoing_weights_only():
    model = wired_net()
    cut = lesion(model, [1])
    assert torch.all(cut.w_rec[:, 1] == 0) and torch.all(cut.w_out[:, 1] == 0)
    assert torch.equal(cut.w_in, model.w_in)  # incoming weights stay
    assert torch.equal(cut.w_rec[1], model.w_rec[1])
    mask = np.array([False, True, False])
    assert torch.equal(lesion(model, mask).w_rec, cut.w_rec)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        lesion(model, [3])
    with pytest.raises(ValueError, match="shape"):
        lesion(model, np.array([True, False]))


def test_task_accuracy_both_metrics():
    acc = task_accuracy(wired_net(), suite())
    assert acc == {"primary": {"a": 1.0, "b": 1.0}, "strict": {"a": 1.0, "b": 1.0}}
    silenced = lesion(wired_net(), [0, 1, 2])
    assert task_accuracy(silenced, suite())["primary"] == {"a": 0.0, "b": 0.0}


def test_given_intact_accuracy_is_used_as_the_baseline():
    given = {"primary": {"a": 0.5, "b": 1.0}, "strict": {"a": 0.5, "b": 1.0}}
    result = cluster_lesions(wired_net(), suite(), np.array([0, 1, -1]), intact=given)
    np.testing.assert_array_equal(result.intact["primary"], [0.5, 1.0])
    np.testing.assert_array_equal(result.drop["primary"], [[0.5, 0.0], [-0.5, 1.0]])
