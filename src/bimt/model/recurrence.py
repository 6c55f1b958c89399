"""The input projection and the recurrence as one autograd node, with a hand-written backward.

    pre_t = W_in u_t + b + W h_{t−1}
    h_t   = (1 − α)·h_{t−1} + α·φ(pre_t),      h_{−1} = 0,   t = 0 … T−1

Why a custom Function: a plain autograd loop records ~6 nodes per step, and its backward
forms the weight gradients as T separate [N, B]×[B, N] products plus T accumulations into the
gradient. Here:

- forward: all input drives in one [T·B, n_in]×[n_in, N] product written straight into the
  output buffer, then per step one in-place ``addmm_`` (h_{t−1} Wᵀ added onto the drive) and
  one in-place φ;
- backward: one preallocated [T, B, N] buffer; per step (backwards) one fused in-place pass
  (ReLU: the threshold-backward kernel; otherwise a multiply by α·φ'(pre_t)) turns slot t
  from ∂L/∂h_t into ∂L/∂pre_t, and one ``addmm`` writes ∂L/∂h_{t−1} = ∂L/∂h_{t−1}|_direct +
  ∂L/∂pre_t · W into slot t − 1. Then every weight gradient is one big product over all
  steps: dW = Σ_t dpre_tᵀ h_{t−1} ([N, T·B]×[T·B, N]) and [dW_in | db] = dpreᵀ [U | 1].

No per-step allocations, no copies, and everything stays on the tensors' device.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

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

    tanh: 1 − a²;  softplus: σ(pre) = 1 − e^{−a} (from e^a = 1 + e^pre). (ReLU is handled by
    ``_relu_backward_``.)
    """
    if activation == "tanh":
        return 1 - a * a
    return -torch.expm1(-a)


def _relu_backward_(d: torch.Tensor, a: torch.Tensor) -> None:
    """d ← d·1[a > 0] in place, in one fused pass (the kernel autograd's ReLU backward uses)."""
    torch.ops.aten.threshold_backward.grad_input(d, a, 0, grad_input=d)


class Recurrence(torch.autograd.Function):
    """u [T, B, n_in], w_in [N, n_in], b [N], w [N, N] -> h [T, B, N]."""

    @staticmethod
    def forward(ctx, u, w_in, b, w, alpha: float, activation: str):  # type: ignore[override]
        steps, batch, n_in = u.shape
        n = w.shape[0]
        # The bias rides along as an input that is always 1: the drive is one plain product
        # (no broadcast copy), and the backward gets dW_in and db from one product too.
        u_aug = torch.cat([u.reshape(steps * batch, n_in), u.new_ones(steps * batch, 1)], 1)
        w_aug = torch.cat([w_in, b[:, None]], 1)
        act = torch.mm(u_aug, w_aug.t()).view(steps, batch, n)  # φ(pre_t), built in place
        leaky = alpha != 1.0
        h = torch.empty_like(act) if leaky else act
        wt = w.t()
        acts, hs = act.unbind(0), h.unbind(0)  # all per-step views in one call
        for t in range(steps):
            if t > 0:  # h_{−1} = 0: no recurrent product at t = 0
                acts[t].addmm_(hs[t - 1], wt)
            _phi_(acts[t], activation)
            if leaky:
                if t == 0:
                    torch.mul(acts[0], alpha, out=hs[0])
                else:
                    torch.lerp(hs[t - 1], acts[t], alpha, out=hs[t])
        ctx.alpha, ctx.activation = alpha, activation
        ctx.save_for_backward(u_aug, w_in, w, h)
        ctx.act = act if leaky else None  # with a leak, φ(pre) is an intermediate, not h
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h):  # type: ignore[override]
        u_aug, w_in, w, h = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha, activation = ctx.alpha, ctx.activation
        steps, batch, n = h.shape
        relu = activation == "relu"
        if not relu:  # α·φ'(pre_t) for all steps in one op
            gains = _dphi_from_phi(act, activation).mul_(alpha).unbind(0)
        acts, gh = act.unbind(0), grad_h.unbind(0)
        d = torch.empty_like(h)  # slot t: ∂L/∂h_t, then turned into ∂L/∂pre_t in place
        ds = d.unbind(0)
        ds[-1].copy_(gh[-1])
        for t in range(steps - 1, -1, -1):
            # ds[t] = ∂L/∂h_t is complete here
            if alpha != 1.0 and t > 0:  # the leak passes (1 − α)·∂L/∂h_t back to h_{t−1}
                torch.add(gh[t - 1], ds[t], alpha=1 - alpha, out=ds[t - 1])
            if relu:
                _relu_backward_(ds[t], acts[t])
                if alpha != 1.0:
                    ds[t].mul_(alpha)
            else:
                ds[t].mul_(gains[t])
            if t > 0:  # ∂L/∂h_{t−1} += ∂L/∂pre_t · W
                if alpha != 1.0:
                    ds[t - 1].addmm_(ds[t], w)
                else:
                    torch.addmm(gh[t - 1], ds[t], w, out=ds[t - 1])
        d2 = d.view(steps * batch, n)
        need_u, need_w_in, need_b, need_w = ctx.needs_input_grad[:4]
        n_in = w_in.shape[1]
        grad_u = (d2 @ w_in).view(steps, batch, n_in) if need_u else None
        grad_w_in = grad_b = None
        if need_w_in or need_b:
            g_aug = d2.t() @ u_aug  # [N, n_in + 1]: dW_in and, in the last column, db
            grad_w_in, grad_b = g_aug[:, :n_in], g_aug[:, n_in]
        grad_w = None
        if need_w:
            if steps > 1:
                grad_w = d[1:].view(-1, n).t() @ h[:-1].view(-1, n)
            else:
                grad_w = torch.zeros_like(w)
        return grad_u, grad_w_in, grad_b, grad_w, None, None


def recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
) -> torch.Tensor:
    """Hidden states [T, B, N] of the RNN for inputs u [T, B, n_in] (see the module docstring)."""
    return Recurrence.apply(u, w_in, b, w, alpha, activation)
