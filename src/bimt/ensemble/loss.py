"""Per-member masked cross-entropy of an ensemble's logits, in one vectorised pass."""

from __future__ import annotations

import torch

from bimt.training.evaluation import FIXATION_CLASS


def member_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, fix_weight: float = 1.0
) -> torch.Tensor:
    """[K] mean cross-entropy over each member's valid steps.

    logits [K, T, B, C], labels [K, T, B] int64, mask [K, T, B] bool. Equals, member by member,
    ``masked_cross_entropy`` of the single trainer (weighted mean with ``fix_weight`` on class
    0). Padded steps are cut out with ``where`` (not multiplied by 0), so a non-finite logit at a
    padded step can reach neither the loss nor the gradient of the valid ones.
    """
    valid = mask.bool()
    safe = torch.where(valid.unsqueeze(-1), logits, torch.zeros((), dtype=logits.dtype,
                                                                device=logits.device))
    nll = -torch.log_softmax(safe, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    if fix_weight == 1.0:
        weight = valid.to(logits.dtype)
    else:
        cls = torch.ones(logits.shape[-1], dtype=logits.dtype, device=logits.device)
        cls[FIXATION_CLASS] = fix_weight
        weight = torch.where(valid, cls[labels], 0.0)
    total = torch.where(valid, nll * weight, 0.0).sum((1, 2))
    return total / weight.sum((1, 2))
