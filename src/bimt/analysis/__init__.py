"""Analyses of a trained network: task variance, functional clusters, sparsity, anatomy
(with shuffle baselines), locality, lesions, and `analyze_run`, which writes them all."""

from bimt.analysis.accuracy import task_accuracy
from bimt.analysis.analyze import analyze_model, analyze_run, default_settings, weights_hash
from bimt.analysis.anatomy import ShuffleResult, cluster_size, isolated_fraction, shuffle_test
from bimt.analysis.clusters import FunctionalClusters, normalize_task_variance
from bimt.analysis.lesions import LesionResult, cluster_lesions, lesion
from bimt.analysis.locality import LocalityProfile, strength_vs_distance
from bimt.analysis.pareto import error_from_accuracy, pareto_front, pareto_fronts
from bimt.analysis.sparsity import sparsity_summary
from bimt.analysis.trials import TrialSet
from bimt.analysis.variance import active_neurons, task_variance

__all__ = [
    "FunctionalClusters",
    "LesionResult",
    "LocalityProfile",
    "ShuffleResult",
    "TrialSet",
    "active_neurons",
    "analyze_model",
    "analyze_run",
    "cluster_lesions",
    "cluster_size",
    "default_settings",
    "error_from_accuracy",
    "isolated_fraction",
    "lesion",
    "normalize_task_variance",
    "pareto_front",
    "pareto_fronts",
    "shuffle_test",
    "sparsity_summary",
    "strength_vs_distance",
    "task_accuracy",
    "task_variance",
    "weights_hash",
]
