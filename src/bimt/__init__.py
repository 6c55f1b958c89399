"""bimt: grow brain-like recurrent networks with brain-inspired modular training (BIMT).

The public API, in the order data flows: tasks -> model -> training -> analysis -> plots
-> sweep -> report.
"""

from bimt.analysis import (
    FunctionalClusters,
    active_neurons,
    analyze_run,
    cluster_lesions,
    pareto_front,
    shuffle_test,
    task_variance,
)
from bimt.ensemble import pack_configs, train_ensemble
from bimt.model import (
    Grid1D,
    Grid2D,
    SpatialRNN,
    active_connections,
    connection_cost,
    geometry_from_dict,
    importance,
    relocate,
    swap_delta,
    swap_slots,
    wiring_length,
)
from bimt.report import reproduce
from bimt.sweep import load_sweep, run_sweep, sweep_status
from bimt.tasks import Batch, TaskSuite, make_suite
from bimt.training import Run, TrainConfig, load_run, train

__all__ = [
    "Batch",
    "FunctionalClusters",
    "Grid1D",
    "Grid2D",
    "Run",
    "SpatialRNN",
    "TaskSuite",
    "TrainConfig",
    "active_connections",
    "active_neurons",
    "analyze_run",
    "cluster_lesions",
    "connection_cost",
    "geometry_from_dict",
    "importance",
    "load_run",
    "load_sweep",
    "make_suite",
    "pack_configs",
    "pareto_front",
    "relocate",
    "reproduce",
    "run_sweep",
    "shuffle_test",
    "swap_delta",
    "swap_slots",
    "sweep_status",
    "task_variance",
    "train",
    "train_ensemble",
    "wiring_length",
]

__version__ = "0.1.0"
