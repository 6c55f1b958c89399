"""Turn a TrainConfig into the objects a run uses: the task suite and the untrained model."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bimt.training.errors import ConfigError
from bimt.training.seeds import derive

if TYPE_CHECKING:
    from bimt.model import SpatialRNN
    from bimt.tasks import TaskSuite
    from bimt.training.config import TrainConfig


def build_suite(config: TrainConfig) -> TaskSuite:
    """``make_suite`` with the config's suite, profile, dt and ring size."""
    from bimt.tasks import make_suite

    try:
        suite = make_suite(config.suite, profile=config.profile, dt=config.dt,
                           dim_ring=config.dim_ring)
    except (ValueError, TypeError) as exc:
        # e.g. a dt the task timings cannot use: still a config problem, raised before work.
        raise ConfigError(f"suite {config.suite!r} (profile {config.profile!r}, dt "
                          f"{config.dt}, dim_ring {config.dim_ring}) cannot be built: {exc}"
                          ) from None
    unknown = [t for t in config.tasks or () if t not in suite.task_names]
    if unknown:
        raise ConfigError(f"tasks: {', '.join(map(repr, unknown))} not in suite "
                          f"{config.suite!r}; accepted: {', '.join(suite.task_names)}")
    return suite


def task_list(config: TrainConfig, suite: TaskSuite) -> list[str]:
    """The tasks a run trains and evaluates on, in suite order."""
    chosen = set(config.tasks or suite.task_names)
    return [t for t in suite.task_names if t in chosen]


def build_model(config: TrainConfig, suite: TaskSuite) -> SpatialRNN:
    """The freshly initialised SpatialRNN (weights seeded by ``derive(seed, "model")``)."""
    from bimt.model import Grid1D, Grid2D, SpatialRNN

    if config.geometry == "2d":
        side = math.isqrt(config.n_hidden)
        geom = Grid2D(side, side)
    else:
        geom = Grid1D(config.n_hidden)
    return SpatialRNN(suite.n_inputs, suite.n_outputs, geom, activation=config.activation,
                      alpha=config.alpha, seed=derive(config.seed, "model"))
