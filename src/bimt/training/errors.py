"""Errors raised by the training package."""

from __future__ import annotations


class ConfigError(ValueError):
    """An invalid TrainConfig value; the message names the field, the value and what is accepted."""


class TrainingDiverged(RuntimeError):
    """The loss or the weights became NaN/inf; the last good checkpoint is left untouched."""


class RunError(ValueError):
    """A run directory that cannot be used as asked (not a run, unfinished, other config...)."""
