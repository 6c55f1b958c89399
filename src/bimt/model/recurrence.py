"""The input projection and the recurrence as one autograd node, with a hand-written backward,
for K independent networks at once (K = 1: one ``SpatialRNN``; K > 1: an ensemble).

    pre_{k,t} = W_in,k u_{k,t} + b_k + W_k h_{k,t−1}
    h_{k,t}   = (1 − α)·h_{k,t−1} + α·φ(pre_{k,t}),      h_{k,−1} = 0,   t = 0 … T−1

One implementation serves both the single network and the ensemble, so a member of an ensemble
runs the very operations the same network runs alone, on the same shapes (``bmm`` per batch
entry is the same BLAS call as ``mm`` on CPU; tests/ensemble checks the bits).

Why a custom Function: a plain autograd loop records ~6 nodes per step, and its backward forms
the weight gradients as T separate [N, B]×[B, N] products plus T accumulations. Here, on the
packed layout of ``bimt.model.packing`` (step t = rows offsets[t] … offsets[t] + r_t; without
padding simply the [T·B] rows):

- forward: all input drives in one [P, n_in + 1]×[n_in + 1, N] product per network (the bias
  rides along as an input that is always 1), written straight into the output buffer; then per
  step one in-place ``baddbmm_`` (h_{t−1} Wᵀ on step t's block, h_{t−1} being the first r_t rows
  of step t − 1's block) and one in-place φ;
- backward: one [P, N] buffer per network; per step (backwards) one fused in-place pass (ReLU:
  the threshold-backward kernel; otherwise a multiply by α·φ'(pre)) turns step t's block into
  ∂L/∂pre_t, and one ``baddbmm`` writes ∂L/∂h_{t−1} = ∂L/∂h_{t−1}|direct + ∂L/∂pre_t · W into
  step t − 1's block. Then every weight gradient is one product over all valid row-steps:
  dW = Σ_t dpre_tᵀ h_{t−1} ([N, P − r_0]×[P − r_0, N], the h_{t−1} rows gathered in one copy when
  there is padding) and [dW_in | db] = dpreᵀ [U | 1].

So padded row-steps cost nothing, in any product. ``recurrence`` and ``batched_recurrence``
take and return the padded time-major layout (h = 0 on padded row-steps; gradients arriving
there are ignored), packing on the way in and out; ``SpatialRNN`` packs itself so that its
read-out also runs on valid row-steps only.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from bimt.model.packing import Packing, check_lengths, length_groups, stack_groups

ACTIVATIONS = ("relu", "softplus", "tanh")


def _phi_(x: torch.Tensor, activation: str) -> None:
    """Apply φ in place."""
    if activation == "relu":
        x.clamp_(min=0)
    elif activation == "tanh":
        x.tanh_()
    else:
        x.copy_(torch.nn.functional.softplus(x))


def _dphi_from_phi(a: torch.Tensor, activation: str) -> torch.Tensor:
    """φ'(pre) written in terms of a = φ(pre), so the forward need not keep pre-activations.

    tanh: 1 − a²;  softplus: σ(pre) = 1 − e^{−a} (from e^a = 1 + e^pre). ReLU is handled by
    ``_relu_backward_``.
    """
    if activation == "relu":
        raise ValueError("relu's derivative is applied by _relu_backward_, not as a gain")
    if activation == "tanh":
        return 1 - a * a
    return -torch.expm1(-a)


def _relu_backward_(d: torch.Tensor, a: torch.Tensor) -> None:
    """d ← d·1[a > 0] in place, in one fused pass (the kernel autograd's ReLU backward uses)."""
    torch.ops.aten.threshold_backward.grad_input(d, a, 0, grad_input=d)


class PackedRecurrence(torch.autograd.Function):
    """u [K, P, n_in], w_in [K, N, n_in], b [K, N], w [K, N, N], packing -> h [K, P, N]."""

    @staticmethod
    def forward(ctx, u, w_in, b, w, packing: Packing, alpha: float, activation: str):  # type: ignore[override]
        k, rows, _ = u.shape
        u_aug = torch.cat([u, u.new_ones(k, rows, 1)], 2)
        w_aug = torch.cat([w_in, b.unsqueeze(2)], 2)
        act = torch.bmm(u_aug, w_aug.transpose(1, 2))  # φ(pre), built in place on the drive
        leaky = alpha != 1.0
        h = torch.empty_like(act) if leaky else act
        wt = w.transpose(1, 2)
        off, counts = packing.offsets, packing.counts
        for t, r in enumerate(counts):
            if r == 0:  # counts never increase: nothing runs from here on
                break
            cur = slice(off[t], off[t] + r)
            a = act[:, cur]
            if t > 0:  # h_{−1} = 0: no recurrent product at t = 0
                prev = slice(off[t - 1], off[t - 1] + r)
                a.baddbmm_(h[:, prev], wt)
            _phi_(a, activation)
            if leaky:
                if t == 0:
                    torch.mul(a, alpha, out=h[:, cur])
                else:
                    torch.lerp(h[:, prev], a, alpha, out=h[:, cur])
        ctx.alpha, ctx.activation, ctx.packing = alpha, activation, packing
        ctx.save_for_backward(u_aug, w_in, w, h)
        ctx.act = act if leaky else None  # with a leak, φ(pre) is an intermediate, not h
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h):  # type: ignore[override]
        u_aug, w_in, w, h = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha, activation, packing = ctx.alpha, ctx.activation, ctx.packing
        relu = activation == "relu"
        if not relu:  # α·φ'(pre) for all row-steps in one op
            gain = _dphi_from_phi(act, activation).mul_(alpha)
        off = packing.offsets
        counts = [r for r in packing.counts if r > 0]
        d = torch.empty_like(h)  # step t's block: ∂L/∂h_t, then ∂L/∂pre_t in place
        if counts:
            last = slice(off[len(counts) - 1], off[len(counts)])
            d[:, last].copy_(grad_h[:, last])
        for t in range(len(counts) - 1, -1, -1):
            # d[:, cur] = ∂L/∂h_t is complete here
            cur = slice(off[t], off[t] + counts[t])
            if t > 0:
                # step t − 1's block starts as ∂L/∂h_{t−1}|direct: its rows that end at t − 1
                # are copied, the rest is written by the leak's add or the product below
                prev = slice(off[t - 1], off[t - 1] + counts[t])
                ended = slice(prev.stop, off[t])
                if ended.stop > ended.start:
                    d[:, ended].copy_(grad_h[:, ended])
                if alpha != 1.0:  # the leak passes (1 − α)·∂L/∂h_t back to h_{t−1}
                    torch.add(grad_h[:, prev], d[:, cur], alpha=1 - alpha, out=d[:, prev])
            if relu:
                _relu_backward_(d[:, cur], act[:, cur])
                if alpha != 1.0:
                    d[:, cur].mul_(alpha)
            else:
                d[:, cur].mul_(gain[:, cur])
            if t > 0:  # ∂L/∂h_{t−1} += ∂L/∂pre_t · W
                if alpha != 1.0:
                    d[:, prev].baddbmm_(d[:, cur], w)
                else:
                    torch.baddbmm(grad_h[:, prev], d[:, cur], w, out=d[:, prev])
        need_u, need_w_in, need_b, need_w = ctx.needs_input_grad[:4]
        n_in = w_in.shape[2]
        grad_u = torch.bmm(d, w_in) if need_u else None
        grad_w_in = grad_b = None
        if need_w_in or need_b:
            g_aug = torch.bmm(d.transpose(1, 2), u_aug)  # [K, N, n_in + 1]: dW_in | db
            grad_w_in, grad_b = g_aug[:, :, :n_in], g_aug[:, :, n_in]
        grad_w = None
        if need_w:
            if len(counts) > 1:
                before = packing.previous_rows(h.device)
                prev_h = h[:, before] if isinstance(before, slice) else h.index_select(1, before)
                grad_w = torch.bmm(d[:, off[1]:].transpose(1, 2), prev_h)
            else:
                grad_w = torch.zeros_like(w)
        return grad_u, grad_w_in, grad_b, grad_w, None, None, None


def packed_recurrence(u: torch.Tensor, w_in: torch.Tensor, b: torch.Tensor, w: torch.Tensor,
                      packing: Packing, alpha: float, activation: str) -> torch.Tensor:
    """Hidden states h [K, P, N] of K RNNs for packed inputs u [K, P, n_in] (``packing``)."""
    return PackedRecurrence.apply(u, w_in, b, w, packing, alpha, activation)


def batched_recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
    lengths: torch.Tensor | np.ndarray | None = None,
) -> torch.Tensor:
    """Hidden states h [K, T, B, N] of K RNNs for inputs u [K, T, B, n_in].

    w_in [K, N, n_in], b [K, N], w [K, N, N]; ``alpha`` and ``activation`` are shared.
    ``lengths`` [K, B] (ints in [0, T]): valid steps per row; steps at or beyond a row's length
    are skipped, their h is 0 and gradients arriving there are ignored. Networks with equal
    sorted lengths share one batched call; the others run in calls of their own, so that every
    network's products have the shapes they have alone.
    """
    if u.dim() != 4 or w.dim() != 3 or w_in.dim() != 3 or b.dim() != 2:
        raise ValueError(
            "expected u [K, T, B, n_in], w_in [K, N, n_in], b [K, N], w [K, N, N]; got "
            f"{tuple(u.shape)}, {tuple(w_in.shape)}, {tuple(b.shape)}, {tuple(w.shape)}"
        )
    k, steps, batch, _ = u.shape
    if not (w_in.shape[0] == b.shape[0] == w.shape[0] == k) or steps < 1:
        raise ValueError(
            f"every tensor needs the same model axis K and T >= 1; got u {tuple(u.shape)}, "
            f"w_in {tuple(w_in.shape)}, b {tuple(b.shape)}, w {tuple(w.shape)}"
        )
    lengths = check_lengths(lengths, (k, batch), steps, u.device)
    groups, outs = [], []
    for g, pk, (ug, *params) in length_groups(lengths, (u, w_in, b, w), steps, batch):
        groups.append(g)
        outs.append(pk.unpack(packed_recurrence(pk.pack(ug), *params, pk, alpha, activation)))
    return stack_groups(outs, groups)


def recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
    lengths: torch.Tensor | np.ndarray | None = None,
) -> torch.Tensor:
    """Hidden states [T, B, N] of one RNN for inputs u [T, B, n_in]: ``batched_recurrence``
    with K = 1. w_in [N, n_in], b [N], w [N, N], lengths [B] or None."""
    if u.dim() != 3:
        raise ValueError(f"expected u [T, B, n_in], got {tuple(u.shape)}")
    lengths = check_lengths(lengths, (u.shape[1],), u.shape[0], u.device)
    if lengths is not None:
        lengths = lengths.unsqueeze(0)
    h = batched_recurrence(u.unsqueeze(0), w_in.unsqueeze(0), b.unsqueeze(0), w.unsqueeze(0),
                           alpha, activation, lengths)
    return h.squeeze(0)
