"""The recurrent core as one autograd node, with a hand-written BPTT backward.

    h_t = (1 − α)·h_{t−1} + α·φ(x_t + W h_{t−1}),   h_{−1} = 0,   t = 0 … T−1

where x_t = W_in u_t + b is the input drive, already projected for all steps at once.

Why a custom Function: a plain autograd loop records ~5 nodes per step and, in the backward,
computes the weight gradient as T separate [N, B]×[B, N] products plus T accumulations. Here the
backward loops only over what is inherently sequential (δ_{t−1} from δ_t, one [B, N]×[N, N]
product per step) into one preallocated [T, B, N] buffer, then forms the weight gradient as a
single [N, T·B]×[T·B, N] product:  dW = Σ_t dpre_tᵀ h_{t−1}.  The input-drive gradient is that
same buffer, so dW_in and db come out of the caller's one big input projection.

Everything stays on the tensors' device; no host round trips.
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

    relu: 1[a > 0];  tanh: 1 − a²;  softplus: σ(pre) = 1 − e^{−a} (from e^a = 1 + e^pre).
    """
    if activation == "relu":
        return (a > 0).to(a.dtype)
    if activation == "tanh":
        return 1 - a * a
    return -torch.expm1(-a)


class Recurrence(torch.autograd.Function):
    """x [T, B, N], w [N, N] -> h [T, B, N] (see the module docstring)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, w: torch.Tensor, alpha: float, activation: str):  # type: ignore[override]
        x = x.contiguous()
        steps = x.shape[0]
        leaky = alpha != 1.0
        act = torch.empty_like(x)  # φ(pre_t); equals h_t when there is no leak
        h = torch.empty_like(x) if leaky else act
        wt = w.t()
        act[0].copy_(x[0])  # h_{−1} = 0: no recurrent product at t = 0
        _phi_(act[0], activation)
        if leaky:
            torch.mul(act[0], alpha, out=h[0])
        for t in range(1, steps):
            torch.addmm(x[t], h[t - 1], wt, out=act[t])
            _phi_(act[t], activation)
            if leaky:
                torch.lerp(h[t - 1], act[t], alpha, out=h[t])
        ctx.alpha = alpha
        ctx.activation = activation
        ctx.save_for_backward(w, h)
        ctx.act = act if leaky else None  # with a leak, φ(pre) is an intermediate, not h
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h: torch.Tensor):  # type: ignore[override]
        w, h = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha = ctx.alpha
        steps, _, n = h.shape
        grad_h = grad_h.contiguous()
        # α·φ'(pre_t) for all steps in one vectorised op.
        gain = _dphi_from_phi(act, ctx.activation)
        if alpha != 1.0:
            gain.mul_(alpha)
        dpre = torch.empty_like(h)
        g = grad_h[steps - 1].clone()  # ∂L/∂h_t, accumulated backwards
        for t in range(steps - 1, -1, -1):
            torch.mul(g, gain[t], out=dpre[t])
            if t == 0:
                break
            # ∂L/∂h_{t−1} = grad_h[t−1] + (1 − α)·∂L/∂h_t + dpre_t W
            base = grad_h[t - 1] if alpha == 1.0 else torch.add(grad_h[t - 1], g, alpha=1 - alpha)
            torch.addmm(base, dpre[t], w, out=g)
        grad_x = dpre if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            if steps > 1:
                grad_w = dpre[1:].reshape(-1, n).t() @ h[:-1].reshape(-1, n)
            else:
                grad_w = torch.zeros_like(w)
        return grad_x, grad_w, None, None


def recurrence(x: torch.Tensor, w: torch.Tensor, alpha: float, activation: str) -> torch.Tensor:
    """Run the recurrence: x [T, B, N] (input drive), w [N, N] -> hidden states [T, B, N]."""
    return Recurrence.apply(x, w, alpha, activation)
