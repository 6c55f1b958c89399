"""K spatial RNNs stored as one stack: parameters [K, …], members as views into it.

Each member stays a real ``SpatialRNN`` whose parameters alias one slice of the stacked
tensors (``member.w_rec.data`` is ``stack["w_rec"][k]``). Everything the single trainer does to
one network — Adam, clipping, relocation, checkpoints, evaluation, snapshots — therefore runs
unchanged on a member and writes through to the stack, while the training forward and backward
run once, batched, on the stacked tensors. ``restack`` rebuilds the stack for another set of
members (one diverged, one joined after a resume) and points the members' ``.data`` at it,
keeping the Parameter objects, so optimizers stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from bimt.model import SpatialRNN
from bimt.model.packing import check_lengths, length_groups, stack_groups
from bimt.model.recurrence import packed_recurrence

PARAMS = ("w_in", "w_rec", "b_rec", "w_out", "b_out")


def _signature(m: SpatialRNN) -> tuple:
    return (m.n_in, m.n_out, m.n_hidden, m.activation, m.alpha, m.w_rec.dtype, m.w_rec.device)


class StackedRNN:
    """The stacked parameters of some of ``members`` and the batched forward over them.

    Args:
        members: SpatialRNNs with equal sizes, activation, leak, dtype and device.

    ``stack[name]`` is a leaf tensor [K_active, …] (requires grad) for name in ``PARAMS``;
    ``active`` lists, in stack order, the indices of the members it holds.
    """

    def __init__(self, members: Sequence[SpatialRNN]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member network")
        sig = _signature(members[0])
        for i, m in enumerate(members):
            if not isinstance(m, SpatialRNN):
                raise TypeError(f"member {i} is a {type(m).__name__}, expected a SpatialRNN")
            if _signature(m) != sig:
                raise ValueError(
                    f"member {i} differs from member 0 in (n_in, n_out, N, activation, alpha, "
                    f"dtype, device): {_signature(m)} vs {sig}"
                )
        self.members = list(members)
        self.activation, self.alpha = members[0].activation, members[0].alpha
        self.stack: dict[str, torch.Tensor] = {}
        self.active: list[int] = []
        self.restack(range(len(members)))

    def restack(self, indices: Sequence[int]) -> None:
        """Stack the current weights of members ``indices`` (in that order) and alias them."""
        indices = list(indices)
        if not indices:
            self.stack, self.active = {}, []
            return
        with torch.no_grad():
            for name in PARAMS:
                data = torch.stack([getattr(self.members[i], name).data for i in indices])
                self.stack[name] = data.requires_grad_()
                for j, i in enumerate(indices):
                    getattr(self.members[i], name).data = data.detach()[j]
        self.active = indices

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """inputs [K, T, B, n_in] -> logits [K, T, B, n_out] of the active members.

        ``lengths`` [K, B]: valid steps per row, as in ``SpatialRNN.forward`` (padded steps are
        skipped; there the hidden state is 0 and the logits are ``b_out``)."""
        s = self.stack
        k, steps, batch, _ = inputs.shape
        if k != len(self.active):
            raise ValueError(f"inputs hold {k} members but the stack holds {len(self.active)}")
        lengths = check_lengths(lengths, (k, batch), steps, inputs.device)
        # Members with equal sorted lengths share one packed call; each other member runs in
        # its own, so every member's products have the shapes SpatialRNN.forward gives it.
        names = ("w_in", "b_rec", "w_rec", "b_out", "w_out")
        groups, outs = [], []
        for g, pk, (u, *params) in length_groups(lengths, (inputs, *(s[n] for n in names)),
                                                 steps, batch):
            p = dict(zip(names, params, strict=True))
            hidden = packed_recurrence(pk.pack(u), p["w_in"], p["b_rec"], p["w_rec"], pk,
                                       self.alpha, self.activation)
            logits = torch.baddbmm(p["b_out"].unsqueeze(1), hidden, p["w_out"].transpose(1, 2))
            groups.append(g)
            outs.append(pk.unpack(logits, fill=p["b_out"]))
        return stack_groups(outs, groups)

    def connection_cost(self, factor: torch.Tensor) -> torch.Tensor:
        """[K] eq. 2 per active member; ``factor`` [K, N, N] is 1 + A_k·D (ones for A = 0)."""
        s = self.stack
        l1 = (s["w_in"].abs().sum((1, 2)) + s["w_out"].abs().sum((1, 2))
              + s["b_rec"].abs().sum(1) + s["b_out"].abs().sum(1))
        return l1 + (s["w_rec"].abs() * factor).sum((1, 2))

    def hand_out_grads(self) -> None:
        """Point every active member's ``.grad`` at its slice of the stacked gradients."""
        for name in PARAMS:
            grad = self.stack[name].grad
            for j, i in enumerate(self.active):
                getattr(self.members[i], name).grad = None if grad is None else grad[j]

    def clear_grads(self) -> None:
        for t in self.stack.values():
            t.grad = None

    @torch.no_grad()
    def first_nonfinite(self) -> list[str | None]:
        """Per active member, the first parameter (in ``named_parameters`` order) that holds a
        NaN/inf, or None."""
        order = [n for n, _ in self.members[self.active[0]].named_parameters()] if self.active \
            else []
        bad = {n: (~torch.isfinite(self.stack[n]).flatten(1).all(1)).tolist() for n in order}
        return [next((n for n in order if bad[n][j]), None) for j in range(len(self.active))]


def cost_factor(distance: torch.Tensor, A: float) -> torch.Tensor:
    """1 + A·D, the per-weight multiplier of |W| in eq. 2, computed as ``connection_cost``
    computes it (ones when A = 0, where it takes |W| alone)."""
    if A == 0:
        return torch.ones_like(distance)
    return 1 + A * distance
