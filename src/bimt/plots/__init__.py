"""Figures of the paper, one module per figure family.

Every figure function takes plain arrays (numpy or torch), an optional `ax` (or `axes`), and
returns the matplotlib Figure; none calls pyplot, so nothing leaks and any backend works.
`bimt.plots.figures` adds the adapters from run directories and writes every figure a run
supports; `bimt.plots.movie` renders the growth movie from a run's snapshots.
"""

from bimt.plots.clusters import cluster_map, cluster_maps
from bimt.plots.lesions import lesion_matrix
from bimt.plots.locality import strength_vs_distance, weight_matrix
from bimt.plots.network import draw_network, draw_recurrent_arcs
from bimt.plots.pareto import pareto_pair, pareto_plot
from bimt.plots.performance import task_accuracy_bars, training_curves
from bimt.plots.shuffles import shuffle_grid, shuffle_histogram
from bimt.plots.variance import sorted_variance, task_variance_heatmap

__all__ = [
    "cluster_map",
    "cluster_maps",
    "draw_network",
    "draw_recurrent_arcs",
    "lesion_matrix",
    "pareto_pair",
    "pareto_plot",
    "shuffle_grid",
    "shuffle_histogram",
    "sorted_variance",
    "strength_vs_distance",
    "task_accuracy_bars",
    "task_variance_heatmap",
    "training_curves",
    "weight_matrix",
]
