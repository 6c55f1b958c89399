"""A plain autograd loop over time computing exactly what ``SpatialRNN.forward`` computes.

Slow by design: it is the oracle the tests check the custom backward against and the
baseline the benchmark measures the fast path against. Not for training.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bimt.model.rnn import SpatialRNN

_PHI = {"relu": torch.relu, "softplus": F.softplus, "tanh": torch.tanh}


def reference_forward(
    model: SpatialRNN, inputs: torch.Tensor, return_hidden: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """inputs [T, B, n_in] -> logits [T, B, n_out] (and hidden [T, B, N]), step by step."""
    phi = _PHI[model.activation]
    alpha = model.alpha
    h = inputs.new_zeros(inputs.shape[1], model.n_hidden)
    hs = []
    for u in inputs:
        new = phi(u @ model.w_in.T + h @ model.w_rec.T + model.b_rec)
        h = new if alpha == 1.0 else (1 - alpha) * h + alpha * new
        hs.append(h)
    hidden = torch.stack(hs)
    logits = hidden @ model.w_out.T + model.b_out
    return (logits, hidden) if return_hidden else logits
