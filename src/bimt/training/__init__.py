"""Training: TrainConfig, the resumable trainer, checkpoints, run directories."""

from bimt.training.config import TrainConfig
from bimt.training.errors import ConfigError, RunError, TrainingDiverged
from bimt.training.rundir import Run, load_run
from bimt.training.schedule import lam_at
from bimt.training.snapshots import list_snapshots, read_snapshot
from bimt.training.trainer import train

__all__ = [
    "ConfigError",
    "Run",
    "RunError",
    "TrainConfig",
    "TrainingDiverged",
    "lam_at",
    "list_snapshots",
    "load_run",
    "read_snapshot",
    "train",
]
