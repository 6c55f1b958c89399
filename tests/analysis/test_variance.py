"""Task variance of hand-wired networks whose hidden activity is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from bimt.analysis.trials import TrialSet
from bimt.analysis.variance import active_neurons, task_variance

from .fakes import FakeSuite, copy_net, make_batch


def two_task_suite() -> FakeSuite:
    # Task "a": 2 aligned trials of 5 steps, stimulus from t = 2. Channel 0 differs before
    # onset (must be ignored) and then by 2, 4, 6: variances 1, 4, 9 -> mean 14/3. Channel 1
    # is the same in both trials -> 0. Channel 2 differs by 2 after onset -> 1.
    a = np.zeros((5, 2, 3))
    a[:, 0, 0], a[:, 1, 0] = [1, 9, 0, 0, 0], [7, 3, 2, 4, 6]
    a[:, :, 1] = 0.5
    a[:, 0, 2], a[:, 1, 2] = [0, 0, 1, 1, 1], [0, 0, 3, 3, 3]
    # Task "b": 3 trials, the last one shorter (padding holds junk that must be ignored),
    # stimulus from t = 1. Channel 0 at t = 1, 2, 3: {1,3,2} var 2/3, {2,2,2} var 0, {3,1} var 1
    # -> mean 5/9. Channel 2 is negative: ReLU silences it -> 0.
    b = np.zeros((4, 3, 3))
    b[:, 0, 0], b[:, 1, 0], b[:, 2, 0] = [5, 1, 2, 3], [0, 3, 2, 1], [9, 2, 2, 100]
    b[:, :, 2] = -np.arange(12).reshape(4, 3)
    return FakeSuite(
        {"a": make_batch(a, 0, fixation_end=2), "b": make_batch(b, 1, 1, length=[4, 4, 3])}
    )


EXPECTED = np.array([[14 / 3, 5 / 9], [0.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("max_rows", [1, 2048])  # one pass per task / both tasks in one pass
def test_copy_network_gives_the_hand_computed_variance(max_rows):
    suite = two_task_suite()
    trials = TrialSet(suite, max_rows=max_rows)
    tv = task_variance(copy_net(3), suite, trials=trials)
    np.testing.assert_allclose(tv, EXPECTED, rtol=1e-6, atol=1e-6)
    assert tv.dtype == np.float64


def test_task_subset_selects_columns():
    suite = two_task_suite()
    np.testing.assert_allclose(
        task_variance(copy_net(3), suite, tasks=["b"]), EXPECTED[:, 1:], atol=1e-6
    )
    with pytest.raises(ValueError, match="expected a non-empty subset"):
        task_variance(copy_net(3), suite, tasks=["zzz"])


def test_active_neurons_threshold():
    np.testing.assert_array_equal(active_neurons(EXPECTED), [True, False, True])
    np.testing.assert_array_equal(active_neurons(EXPECTED, threshold=1.5), [True, False, False])
    with pytest.raises(ValueError, match="threshold"):
        active_neurons(EXPECTED, threshold=-1)
    with pytest.raises(ValueError, match="n_tasks"):
        active_neurons(np.ones(3))


def test_model_mode_is_restored():
    model = copy_net(3).train()
    task_variance(model, two_task_suite())
    assert model.training


@pytest.mark.parametrize("max_rows", [1, 4096])
def test_real_suite_matches_a_direct_per_task_computation(max_rows):
    from bimt.model import Grid2D, SpatialRNN
    from bimt.tasks import make_suite

    suite = make_suite("cog20")
    tasks = ["dlygo", "dm1", "dms"]  # different lengths and onsets: padding must not leak
    model = SpatialRNN(suite.n_inputs, suite.n_outputs, Grid2D(4, 4), seed=3)
    trials = TrialSet(suite, tasks, max_rows=max_rows)
    tv = task_variance(model, suite, trials=trials)
    for j, task in enumerate(tasks):
        batch = suite.test_trials(task)
        _, hidden = model(batch.inputs, return_hidden=True)
        h = hidden.detach().double().numpy()
        onset = int(batch.periods["fixation"][0, 1])
        assert np.all(batch.periods["fixation"][:, 1] == onset)
        np.testing.assert_allclose(tv[:, j], h[onset:].var(axis=1).mean(axis=0), rtol=1e-12)
    assert tv.max() > 1e-3  # not a trivially silent network
