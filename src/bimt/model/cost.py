"""Connection cost (eq. 2) and the sparsity measures built on the same weights.

    ℓ_cc = ‖W_in‖₁ + ‖W‖₁ + ‖W_out‖₁ + |b_rec|₁ + |b_out|₁ + A·Σ_ab D_ab |W_ab|

Sums, not means (bimt-spec §1.3, Q23). Only the recurrent matrix carries the distance term;
input and output neurons have no coordinates in the loss (DECISIONS.md).
"""

from __future__ import annotations

import math

import torch

from bimt.model.rnn import SpatialRNN

_WHICH = ("all", "recurrent")


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise TypeError(f"threshold must be a number >= 0, got {threshold!r}")
    if not math.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold}")
    return float(threshold)


def connection_cost(model: SpatialRNN, A: float) -> torch.Tensor:
    """Eq. 2 as a differentiable scalar tensor (d|x|/dx = sign(x), 0 at x = 0).

    ``A`` >= 0 weights the distance term; A = 0 is plain L1 over every weight and bias.
    """
    if isinstance(A, bool) or not isinstance(A, int | float) or not math.isfinite(A) or A < 0:
        raise ValueError(f"A must be a finite number >= 0, got {A!r}")
    l1 = (
        model.w_in.abs().sum()
        + model.w_out.abs().sum()
        + model.b_rec.abs().sum()
        + model.b_out.abs().sum()
    )
    if A == 0:
        return l1 + model.w_rec.abs().sum()
    # One pass over W: |W_ab|·(1 + A·D_ab).
    return l1 + (model.w_rec.abs() * (1 + A * model.distance)).sum()


def wiring_cost(model: SpatialRNN) -> torch.Tensor:
    """Σ_ab D_ab |W_ab|: the distance part of eq. 2 without A (what swaps minimise); no grad."""
    with torch.no_grad():
        return (model.w_rec.abs() * model.distance).sum()


def wiring_length(model: SpatialRNN, threshold: float = 1e-2) -> float:
    """Total length Σ D_ab of the active recurrent connections, |W_ab| > threshold.

    Unweighted by magnitude (DECISIONS.md, Q18).
    """
    threshold = _check_threshold(threshold)
    with torch.no_grad():
        active = model.w_rec.abs() > threshold
        return float(model.distance[active].sum())


def active_connections(model: SpatialRNN, threshold: float = 1e-2, which: str = "all") -> int:
    """Number of weights with |w| > threshold.

    ``which="all"`` (default) counts the three weight matrices W_in, W and W_out, every synapse
    of the network (biases are not connections); ``which="recurrent"`` counts W only, the
    connections that wiring length measures.
    """
    threshold = _check_threshold(threshold)
    if which not in _WHICH:
        raise ValueError(f"unknown which={which!r}; expected one of {_WHICH}")
    mats = [model.w_rec] if which == "recurrent" else [model.w_in, model.w_rec, model.w_out]
    with torch.no_grad():
        return int(sum(int((m.abs() > threshold).sum()) for m in mats))
