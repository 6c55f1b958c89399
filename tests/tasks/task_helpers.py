"""Helpers for the task tests: noise-free re-rendering, period masks, a reference bump."""

from __future__ import annotations

import numpy as np


def clean_inputs(suite, batch) -> np.ndarray:
    """The batch's inputs re-rendered without noise from its own parameters, [T, B, n_in]."""
    out = np.zeros(tuple(batch.inputs.shape), dtype=np.float32)
    task = batch.task.numpy()
    for i in np.unique(task):
        name = suite.task_names[i]
        rows = np.flatnonzero(task == i)
        r = suite.render(name, *suite.trial_spec(batch, name))
        out[: r.n_steps, rows] = r.inputs.numpy()
    return out


def in_periods(batch, names) -> np.ndarray:
    """[T, B] bool: step t of row b lies in one of the named periods."""
    t = np.arange(batch.n_steps)[:, None]
    hit = np.zeros((batch.n_steps, batch.batch_size), dtype=bool)
    for name in names:
        if name in batch.periods:
            se = batch.periods[name]
            hit |= (t >= se[:, 0]) & (t < se[:, 1])
    return hit


def ring_bump(k: np.ndarray, loc: np.ndarray, strength=1.0) -> np.ndarray:
    """Reference bump 0.8·exp(-d²/2(π/8)²)·strength at units k for centres loc (radians),
    written from the spec (tasks-spec §1.4), broadcasting."""
    d = np.abs(2 * np.pi * np.asarray(k) / 16 - np.asarray(loc))
    d = np.minimum(d, 2 * np.pi - d)
    return 0.8 * np.exp(-0.5 * (d / (np.pi / 8)) ** 2) * strength
