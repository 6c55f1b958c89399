"""The input projection and the recurrence as one autograd node, with a hand-written backward.

    pre_t = W_in u_t + b + W h_{t−1}
    h_t   = (1 − α)·h_{t−1} + α·φ(pre_t),      h_{−1} = 0,   t = 0 … T−1

Why a custom Function: a plain autograd loop records ~6 nodes per step, and its backward
forms the weight gradients as T separate [N, B]×[B, N] products plus T accumulations into the
gradient. Here:

- forward: all input drives in one [T·B, n_in]×[n_in, N] product written straight into the
  output buffer, then per step one in-place ``addmm_`` (h_{t−1} Wᵀ added onto the drive) and
  one in-place φ;
- backward: the [T, B, N] buffer starts as ∂L/∂h; per step (backwards) one in-place multiply
  by α·φ'(pre_t) turns slot t into ∂L/∂pre_t, and one in-place ``addmm_`` adds
  ∂L/∂pre_t · W into slot t − 1. Then every weight gradient is one big product over all steps:
  dW = Σ_t dpre_tᵀ h_{t−1}  ([N, T·B]×[T·B, N]),  dW_in = dpreᵀ U,  db = Σ dpre.

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

    relu: 1[a > 0] (= sign(a), as a >= 0);  tanh: 1 − a²;  softplus: σ(pre) = 1 − e^{−a}
    (from e^a = 1 + e^pre).
    """
    if activation == "relu":
        return torch.sign(a)
    if activation == "tanh":
        return 1 - a * a
    return -torch.expm1(-a)


class Recurrence(torch.autograd.Function):
    """u [T, B, n_in], w_in [N, n_in], b [N], w [N, N] -> h [T, B, N]."""

    @staticmethod
    def forward(ctx, u, w_in, b, w, alpha: float, activation: str):  # type: ignore[override]
        steps, batch, n_in = u.shape
        n = w.shape[0]
        u2 = u.reshape(steps * batch, n_in)
        act = torch.addmm(b, u2, w_in.t()).view(steps, batch, n)  # φ(pre_t), built in place
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
        ctx.save_for_backward(u2, w_in, w, h)
        ctx.act = act if leaky else None  # with a leak, φ(pre) is an intermediate, not h
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h):  # type: ignore[override]
        u2, w_in, w, h = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha = ctx.alpha
        steps, _, n = h.shape
        gain = _dphi_from_phi(act, ctx.activation)  # α·φ'(pre_t), all steps in one op
        if alpha != 1.0:
            gain.mul_(alpha)
        d = grad_h.clone(memory_format=torch.contiguous_format)  # ∂L/∂h, becomes ∂L/∂pre
        ds, gains = d.unbind(0), gain.unbind(0)
        for t in range(steps - 1, -1, -1):
            # here d[t] = ∂L/∂h_t (complete): push its leak part back, then turn it into ∂L/∂pre_t
            if alpha != 1.0 and t > 0:
                ds[t - 1].add_(ds[t], alpha=1 - alpha)
            ds[t].mul_(gains[t])
            if t > 0:
                ds[t - 1].addmm_(ds[t], w)
        d2 = d.view(steps * h.shape[1], n)
        need_u, need_w_in, need_b, need_w = ctx.needs_input_grad[:4]
        grad_u = (d2 @ w_in).view(steps, -1, u2.shape[1]) if need_u else None
        grad_w_in = d2.t() @ u2 if need_w_in else None
        grad_b = d2.sum(0) if need_b else None
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
