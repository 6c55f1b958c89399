"""FunctionalClusters recovers planted clusters and follows its documented rules."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from bimt.analysis.clusters import FunctionalClusters, normalize_task_variance


def blobs(preferred=(3, 0, 1), per_cluster=(12, 7, 9), n_tasks=5, seed=0):
    """Units whose variance is high on one task and low elsewhere, one blob per task."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for pref, n in zip(preferred, per_cluster, strict=True):
        tv = rng.uniform(0.0, 0.05, size=(n, n_tasks))
        tv[:, pref] = rng.uniform(0.9, 1.0, size=n)
        # Multiplying a unit by a constant must not matter under "max" normalisation.
        rows.append(tv * rng.uniform(0.01, 10.0, size=(n, 1)))
        truth += [pref] * n
    return np.vstack(rows), np.asarray(truth)


def test_recovers_blobs_with_labels_in_preferred_task_order():
    tv, truth = blobs()
    fc = FunctionalClusters(k_range=range(2, 8)).fit(tv)
    assert fc.n_clusters_ == 3
    # Relabelling: clusters sorted by preferred task 0, 1, 3 become labels 0, 1, 2.
    np.testing.assert_array_equal(fc.preferred_task_, [0, 1, 3])
    np.testing.assert_array_equal(fc.labels_, np.searchsorted([0, 1, 3], truth))
    assert max(fc.silhouette_scores_, key=fc.silhouette_scores_.get) == 3
    assert set(fc.silhouette_scores_) == set(range(2, 8))
    np.testing.assert_array_equal(np.diff(fc.labels_[fc.order_]) >= 0, True)
    np.testing.assert_allclose(fc.normalized_.max(axis=1), 1.0)
    assert fc.cluster_centers_.shape == (3, 5)


def test_same_seed_same_answer_and_sklearn_clone():
    tv, _ = blobs(seed=4)
    a = FunctionalClusters(k_range=range(2, 6)).fit(tv)
    b = clone(a).fit(tv)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.silhouette_scores_ == b.silhouette_scores_
    np.testing.assert_array_equal(a.fit_predict(tv), a.labels_)


def test_small_inputs_skip_large_k():
    tv, _ = blobs(per_cluster=(2, 1, 2))  # 5 units: only k = 2, 3, 4 are possible
    fc = FunctionalClusters().fit(tv)
    assert set(fc.silhouette_scores_) == {2, 3, 4}
    assert fc.n_clusters_ == 3


def test_identical_units_limit_k():
    tv = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])  # 2 distinct profiles
    fc = FunctionalClusters().fit(tv)
    assert set(fc.silhouette_scores_) == {2}
    np.testing.assert_array_equal(fc.labels_, [0, 0, 1, 1])


def test_too_few_units_raise():
    with pytest.raises(ValueError, match="at least 3 units"):
        FunctionalClusters().fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="distinct"):
        FunctionalClusters().fit(np.ones((5, 4)))


def test_bad_arguments_raise():
    tv, _ = blobs()
    with pytest.raises(ValueError, match="normalize"):
        FunctionalClusters(normalize="l2").fit(tv)
    with pytest.raises(ValueError, match="k_range"):
        FunctionalClusters(k_range=[1, 2]).fit(tv)
    with pytest.raises(ValueError, match=r"\[n_units, n_tasks\]"):
        FunctionalClusters().fit(np.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        FunctionalClusters().fit(np.full((4, 2), np.nan))


def test_normalizations():
    tv = np.array([[1.0, 3.0], [2.0, 2.0]])
    np.testing.assert_allclose(normalize_task_variance(tv, "max"), [[1 / 3, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(normalize_task_variance(tv, "sum"), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_array_equal(normalize_task_variance(tv, "none"), tv)
    with pytest.raises(ValueError, match="active units"):
        normalize_task_variance(np.array([[0.0, 0.0], [1.0, 2.0]]), "max")
