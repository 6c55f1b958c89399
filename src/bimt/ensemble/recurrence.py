"""The spatial RNN's recurrence for K independent networks at once, with a hand-written BPTT.

Same equations and same operation sequence as ``bimt.model.recurrence`` (one network), with a
leading model axis K on every tensor and batched products (``baddbmm``/``bmm``) instead of
``addmm``/``mm``:

    pre_{k,t} = W_in,k u_{k,t} + b_k + W_k h_{k,t−1}
    h_{k,t}   = (1 − α)·h_{k,t−1} + α·φ(pre_{k,t}),      h_{k,−1} = 0

Layout [K, T, B, N]: each member's states are one contiguous block, so the per-step slices
[K, B, N] are K matrices with a fixed stride, which the batched products take without copies,
and the weight gradients dW_k = Σ_t dpre_{k,t}ᵀ h_{k,t−1} are one [K]-batched product over all
steps. Per time step the forward makes one ``baddbmm_`` and one in-place φ for all K networks
(K × fewer kernel launches and Python steps than K single runs).

Why the results equal K single runs bit for bit on CPU (float32, tests/ensemble): torch's CPU
``bmm`` runs the same BLAS gemm per batch entry as ``mm`` on the same shapes, and every other
operation is elementwise or a reduction over the same axis as the single version. Two limits:
torch computes batched products of fewer than 400 multiply-adds per entry with its own plain
loop instead of BLAS (toy sizes only), and members with shorter trials are zero-padded to the
longest, which lengthens the reductions over T·B in the weight gradients and may change their
blocking. Both give differences of float rounding only (see ``bimt.ensemble.trainer``).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from bimt.model.recurrence import _dphi_from_phi, _phi_


class BatchedRecurrence(torch.autograd.Function):
    """u [K, T, B, n_in], w_in [K, N, n_in], b [K, N], w [K, N, N] -> h [K, T, B, N]."""

    @staticmethod
    def forward(ctx, u, w_in, b, w, alpha: float, activation: str):  # type: ignore[override]
        k, steps, batch, n_in = u.shape
        n = w.shape[1]
        u2 = u.reshape(k, steps * batch, n_in)
        # φ(pre), built in place on top of the input drive of every step.
        act = torch.baddbmm(b.unsqueeze(1), u2, w_in.transpose(1, 2)).view(k, steps, batch, n)
        leaky = alpha != 1.0
        h = torch.empty_like(act) if leaky else act
        wt = w.transpose(1, 2)
        acts, hs = act.unbind(1), h.unbind(1)  # per-step [K, B, N] views
        for t in range(steps):
            if t > 0:  # h_{−1} = 0: no recurrent product at t = 0
                acts[t].baddbmm_(hs[t - 1], wt)
            _phi_(acts[t], activation)
            if leaky:
                if t == 0:
                    torch.mul(acts[0], alpha, out=hs[0])
                else:
                    torch.lerp(hs[t - 1], acts[t], alpha, out=hs[t])
        ctx.alpha, ctx.activation = alpha, activation
        ctx.save_for_backward(u2, w_in, w, h)
        ctx.act = act if leaky else None
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h):  # type: ignore[override]
        u2, w_in, w, h = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha = ctx.alpha
        k, steps, batch, n = h.shape
        gain = _dphi_from_phi(act, ctx.activation)  # α·φ'(pre), all members and steps at once
        if alpha != 1.0:
            gain.mul_(alpha)
        d = grad_h.clone(memory_format=torch.contiguous_format)  # ∂L/∂h, becomes ∂L/∂pre
        ds, gains = d.unbind(1), gain.unbind(1)
        for t in range(steps - 1, -1, -1):
            if alpha != 1.0 and t > 0:
                ds[t - 1].add_(ds[t], alpha=1 - alpha)
            ds[t].mul_(gains[t])
            if t > 0:
                ds[t - 1].baddbmm_(ds[t], w)
        d2 = d.view(k, steps * batch, n)
        need_u, need_w_in, need_b, need_w = ctx.needs_input_grad[:4]
        grad_u = torch.bmm(d2, w_in).view(k, steps, batch, -1) if need_u else None
        grad_w_in = torch.bmm(d2.transpose(1, 2), u2) if need_w_in else None
        grad_b = d2.sum(1) if need_b else None
        grad_w = None
        if need_w:
            if steps > 1:
                prev = h[:, :-1].reshape(k, -1, n)
                grad_w = torch.bmm(d[:, 1:].reshape(k, -1, n).transpose(1, 2), prev)
            else:
                grad_w = torch.zeros_like(w)
        return grad_u, grad_w_in, grad_b, grad_w, None, None


def batched_recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
) -> torch.Tensor:
    """Hidden states h [K, T, B, N] of K RNNs for inputs u [K, T, B, n_in].

    w_in [K, N, n_in], b [K, N], w [K, N, N]; ``alpha`` and ``activation`` are shared.
    """
    if u.dim() != 4 or w.dim() != 3 or w_in.dim() != 3 or b.dim() != 2:
        raise ValueError(
            "expected u [K, T, B, n_in], w_in [K, N, n_in], b [K, N], w [K, N, N]; got "
            f"{tuple(u.shape)}, {tuple(w_in.shape)}, {tuple(b.shape)}, {tuple(w.shape)}"
        )
    k = u.shape[0]
    if not (w_in.shape[0] == b.shape[0] == w.shape[0] == k) or u.shape[1] < 1:
        raise ValueError(
            f"every tensor needs the same model axis K and T >= 1; got u {tuple(u.shape)}, "
            f"w_in {tuple(w_in.shape)}, b {tuple(b.shape)}, w {tuple(w.shape)}"
        )
    return BatchedRecurrence.apply(u, w_in, b, w, alpha, activation)
