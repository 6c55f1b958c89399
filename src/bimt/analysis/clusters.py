"""Functional clusters of neurons from their task-variance profiles (Yang et al. 2019, §4.4).

Each active neuron is a point in task space (its task-variance vector, normalised). K-means
is fitted for every k in a range; the k with the largest silhouette score wins. Clusters are
then relabelled by their preferred task so that labels read in task order.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

NORMALIZATIONS = ("max", "sum", "none")


def normalize_task_variance(tv: np.ndarray, normalize: str = "max") -> np.ndarray:
    """Scale each unit's task-variance vector: float64 [n_units, n_tasks].

    "max": divide by the unit's maximum over tasks (peaks at 1; Yang's default); "sum": by its
    total; "none": unchanged. A unit whose max/sum is not positive cannot be scaled: error.
    """
    tv = np.asarray(tv, dtype=np.float64)
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
    if normalize == "none":
        return tv.copy()
    scale = tv.max(axis=1) if normalize == "max" else tv.sum(axis=1)
    bad = np.flatnonzero(~(scale > 0))
    if bad.size:
        raise ValueError(
            f"{bad.size} unit(s) (e.g. row {bad[0]}) have no positive task variance, so "
            f"normalize={normalize!r} is undefined; pass only active units (active_neurons)"
        )
    return tv / scale[:, None]


class FunctionalClusters(ClusterMixin, BaseEstimator):
    """K-means on normalised task variances, k chosen by the silhouette score.

    Parameters:
        k_range: candidate numbers of clusters (default 2..29).
        n_init: k-means restarts per k.
        random_state: seed of every k-means fit.
        normalize: "max" (default), "sum" or "none" (see `normalize_task_variance`).

    Rules for small inputs: a k is tried only if 2 <= k < n_units (the silhouette score needs
    at least one cluster with two members) and k <= the number of distinct normalised
    vectors; a fit that still finds fewer than k distinct clusters is skipped. With fewer than
    3 units, or no k left to try, `fit` raises ValueError: a clustering of 1-2 units, or of
    identical units, says nothing and the caller should report "no clusters" instead.
    Among equal best silhouette scores the smallest k wins.

    Attributes after `fit(X)` with X [n_units, n_tasks]:
        labels_: int [n_units], cluster of each unit, 0..k-1 ordered by preferred task.
        n_clusters_: the chosen k.
        silhouette_scores_: {k: score} for every k tried.
        preferred_task_: int [k], the task (column of X) on which each cluster's summed
            normalised variance peaks; non-decreasing in the label. Clusters preferring the same
            task are ordered by their k-means label.
        normalized_: float64 [n_units, n_tasks], the normalised X.
        order_: int [n_units], unit indices sorted by label (stable: by unit index within a
            cluster), for heat maps.
        cluster_centers_: float64 [k, n_tasks], k-means centres in the new label order.
        inertia_: k-means inertia of the chosen fit.
    """

    def __init__(
        self,
        k_range: Iterable[int] = range(2, 30),
        n_init: int = 20,
        random_state: int | None = 0,
        normalize: str = "max",
    ) -> None:
        self.k_range = k_range
        self.n_init = n_init
        self.random_state = random_state
        self.normalize = normalize

    def fit(self, X: Any, y: Any = None) -> FunctionalClusters:
        """Fit on the task variance of active units, X [n_units, n_tasks]; returns self."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] < 1:
            raise ValueError(f"X must be [n_units, n_tasks], got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite task variances")
        ks = sorted({int(k) for k in self.k_range})
        if not ks or ks[0] < 2:
            raise ValueError(f"k_range must hold integers >= 2, got {list(self.k_range)}")
        n_units = X.shape[0]
        if n_units < 3:
            raise ValueError(
                f"need at least 3 units to choose k by silhouette, got {n_units}; "
                "lower the activity threshold or report no clusters"
            )
        normed = normalize_task_variance(X, self.normalize)
        n_distinct = len(np.unique(normed, axis=0))

        scores: dict[int, float] = {}
        fits: dict[int, KMeans] = {}
        for k in ks:
            if k >= n_units or k > n_distinct:
                continue
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
            # One thread: the data are tiny (hundreds of units), and OpenMP workers on a busy
            # machine made the 560 fits ~30x slower (spin-waiting) than one thread.
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                labels = km.fit_predict(normed)
            if len(np.unique(labels)) < k:
                continue
            scores[k] = float(silhouette_score(normed, labels))
            fits[k] = km
        if not scores:
            raise ValueError(
                f"no k in {ks} can be fitted to {n_units} units with {n_distinct} distinct "
                "task-variance profiles (need 2 <= k < n_units and k <= distinct profiles)"
            )
        best = max(scores, key=lambda k: (scores[k], -k))
        km = fits[best]

        raw = km.labels_
        per_task = np.stack([normed[raw == c].sum(axis=0) for c in range(best)])  # [k, n_tasks]
        preferred = per_task.argmax(axis=1)
        new_of_old = np.empty(best, dtype=np.int64)
        old_order = np.lexsort((np.arange(best), preferred))  # by preferred task, then old label
        new_of_old[old_order] = np.arange(best)

        self.labels_ = new_of_old[raw]
        self.n_clusters_ = best
        self.silhouette_scores_ = scores
        self.preferred_task_ = preferred[old_order]
        self.normalized_ = normed
        self.order_ = np.argsort(self.labels_, kind="stable")
        self.cluster_centers_ = km.cluster_centers_[old_order]
        self.inertia_ = float(km.inertia_)
        return self
