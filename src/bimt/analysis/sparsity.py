"""Sparsity of a trained network: active neurons, active connections, wiring length.

Connection counts and wiring length come from `bimt.model` (the same functions the trainer
logs), so the analysis and the training summary cannot disagree. Pareto fronts over many
networks live in `bimt.analysis.pareto` and are re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from bimt.analysis.pareto import error_from_accuracy, pareto_front, pareto_fronts
from bimt.analysis.variance import ACTIVE_THRESHOLD, active_neurons
from bimt.model import active_connections, wiring_length

CONNECTION_THRESHOLD = 1e-2  # |w| above this is an active connection (the paper's)

__all__ = [
    "CONNECTION_THRESHOLD",
    "error_from_accuracy",
    "pareto_front",
    "pareto_fronts",
    "sparsity_summary",
]


def sparsity_summary(
    model: torch.nn.Module,
    tv: np.ndarray,
    *,
    active_threshold: float = ACTIVE_THRESHOLD,
    connection_threshold: float = CONNECTION_THRESHOLD,
) -> dict[str, Any]:
    """The sparsity measures of one network (JSON-able).

    active_neurons: neurons with summed task variance > active_threshold (tv [N, n_tasks]);
    active_connections: |w| > connection_threshold over W_in, W and W_out;
    active_recurrent_connections: the same over W only (what wiring length measures);
    wiring_length: Σ D_ab over active recurrent connections (unweighted by |w|).
    """
    return {
        "active_neurons": int(active_neurons(tv, active_threshold).sum()),
        "active_connections": active_connections(model, connection_threshold, which="all"),
        "active_recurrent_connections": active_connections(
            model, connection_threshold, which="recurrent"
        ),
        "wiring_length": wiring_length(model, connection_threshold),
    }
