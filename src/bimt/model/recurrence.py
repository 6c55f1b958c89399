"""The input projection and the recurrence as one autograd node, with a hand-written backward,
for K independent networks at once (K = 1: one ``SpatialRNN``; K > 1: an ensemble).

    pre_{k,t} = W_in,k u_{k,t} + b_k + W_k h_{k,t−1}
    h_{k,t}   = (1 − α)·h_{k,t−1} + α·φ(pre_{k,t}),      h_{k,−1} = 0,   t = 0 … T−1

One implementation serves both the single network and the ensemble, so a member of an ensemble
runs the very operations the same network runs alone, on the same shapes (``bmm`` per batch
entry is the same BLAS call as ``mm`` on CPU; tests/ensemble checks the bits).

Why a custom Function: a plain autograd loop records ~6 nodes per step, and its backward forms
the weight gradients as T separate [N, B]×[B, N] products plus T accumulations. Here:

- forward: all input drives in one [T·B, n_in + 1]×[n_in + 1, N] product per network (the bias
  rides along as an input that is always 1), written straight into the output buffer; then per
  step one in-place ``baddbmm_`` (h_{t−1} Wᵀ added onto the drive) and one in-place φ;
- backward: one [T, B, N] buffer per network holding ∂L/∂h; per step (backwards) one fused
  in-place pass (ReLU: the threshold-backward kernel; otherwise a multiply by α·φ'(pre_t))
  turns slot t into ∂L/∂pre_t, and one in-place ``baddbmm_`` adds ∂L/∂pre_t · W into slot
  t − 1. Then every weight gradient is one product over all steps: dW = Σ_t dpre_tᵀ h_{t−1}
  ([N, T·B]×[T·B, N]) and [dW_in | db] = dpreᵀ [U | 1].

Padded steps (``lengths``): trials shorter than T are padding after their last valid step, and
the recurrence is causal per row, so a padded row-step can never influence a valid one. With
``lengths`` [K, B] (valid steps per row) the rows are ordered by length internally (descending,
stable; undone on the way out), so the rows still running at step t are a prefix of the batch,
and each step's product, φ and backward pass cover only that prefix: padded row-steps cost
nothing. Their outputs are defined as h = 0 (so a readout gives its bias there), and whatever
gradient arrives for them is ignored, so gradients of valid steps are exactly those of the
same loss without ``lengths`` (up to float rounding: row order and product shapes differ). In
an ensemble, members whose running prefixes are equal at step t share one batched product;
members with different prefixes get one product each, so that every member's product has the
shape it has alone (gemm results depend on the row count: bit-identity needs equal shapes).

Layout [K, T, B, N]: each network's states are one contiguous block, so a step's slice [K, B, N]
is K matrices with a fixed stride, which the batched products take without copies. No per-step
allocations, and everything stays on the tensors' device.
"""

from __future__ import annotations

import numpy as np
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


class _Schedule:
    """Which rows each step covers, for ``lengths`` [K, B] sorted descending per network.

    ``full[t]``: rows for the elementwise work (the largest running prefix over the K
    networks); ``runs[t]`` = [(k0, k1, m)]: networks k0 … k1−1 all have m > 0 running rows,
    one batched product per run. Without lengths every step covers all B rows in one run.
    """

    def __init__(self, lengths: torch.Tensor | None, k: int, steps: int, batch: int) -> None:
        if lengths is None:
            self.counts = None
            self.full = [batch] * steps
            self.runs = [[(0, k, batch)]] * steps
            return
        running = lengths.unsqueeze(1) > torch.arange(steps, device=lengths.device)[:, None]
        self.counts = running.sum(2).tolist()  # [K][T]: running rows of network k at step t
        self.full, self.runs = [], []
        for t in range(steps):
            col = [c[t] for c in self.counts]
            self.full.append(max(col))
            runs, k0 = [], 0
            for k1 in range(1, k + 1):
                if k1 == k or col[k1] != col[k0]:
                    if col[k0] > 0:
                        runs.append((k0, k1, col[k0]))
                    k0 = k1
            self.runs.append(runs)

    def zero_padding_(self, x: torch.Tensor, t: int) -> None:
        """Zero the rows of step slice ``x`` [K, B, N] that are padding at step t."""
        if self.counts is None:
            return
        full = self.full[t]
        x[:, full:].zero_()
        for k, c in enumerate(self.counts):
            if c[t] < full:
                x[k, c[t]:full].zero_()


def sort_by_length(lengths: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(order, inverse) [K, B] putting each network's rows in descending length order (a stable
    sort), or (None, None) when they already are. ``take_rows(x, order)`` sorts, ``take_rows(
    x_sorted, inverse)`` undoes it."""
    order = torch.sort(lengths, dim=1, descending=True, stable=True).indices
    if torch.equal(order, torch.arange(lengths.shape[1], device=lengths.device).expand_as(order)):
        return None, None
    return order, torch.argsort(order, dim=1)


def take_rows(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x [K, T, B, F] with the rows (axis 2) of network k taken by index[k] [B] (a copy)."""
    k, steps, batch, f = x.shape
    if k == 1:
        return x.index_select(2, index[0])
    t_idx = torch.arange(k * steps, device=x.device).view(k, steps, 1) * batch
    flat = (t_idx + index.unsqueeze(1)).reshape(-1)  # index_select on rows: a plain row copy
    return x.reshape(k * steps * batch, f).index_select(0, flat).view(k, steps, batch, f)


class Recurrence(torch.autograd.Function):
    """u [K, T, B, n_in], w_in [K, N, n_in], b [K, N], w [K, N, N], lengths [K, B] | None
    -> h [K, T, B, N]."""

    @staticmethod
    def forward(ctx, u, w_in, b, w, lengths, alpha: float, activation: str):  # type: ignore[override]
        k, steps, batch, n_in = u.shape
        n = w.shape[1]
        perm = inv = None
        if lengths is not None:
            perm, inv = sort_by_length(lengths)
            if perm is not None:
                u, lengths = take_rows(u, perm), lengths.gather(1, perm)
        sched = _Schedule(lengths, k, steps, batch)
        u_aug = torch.cat([u, u.new_ones(k, steps, batch, 1)], 3).view(k, steps * batch, n_in + 1)
        w_aug = torch.cat([w_in, b.unsqueeze(2)], 2)
        act = torch.bmm(u_aug, w_aug.transpose(1, 2)).view(k, steps, batch, n)  # φ(pre), in place
        leaky = alpha != 1.0
        h = torch.empty_like(act) if leaky else act
        wt = w.transpose(1, 2)
        acts, hs = act.unbind(1), h.unbind(1)  # per-step [K, B, N] views, all in one call
        for t in range(steps):
            full = sched.full[t]
            if t > 0:  # h_{−1} = 0: no recurrent product at t = 0
                for k0, k1, m in sched.runs[t]:
                    acts[t][k0:k1, :m].baddbmm_(hs[t - 1][k0:k1, :m], wt[k0:k1])
            _phi_(acts[t][:, :full], activation)
            if leaky:
                if t == 0:
                    torch.mul(acts[0][:, :full], alpha, out=hs[0][:, :full])
                else:
                    torch.lerp(hs[t - 1][:, :full], acts[t][:, :full], alpha,
                               out=hs[t][:, :full])
                sched.zero_padding_(acts[t], t)
            sched.zero_padding_(hs[t], t)
        ctx.alpha, ctx.activation, ctx.sched, ctx.inv = alpha, activation, sched, inv
        ctx.save_for_backward(u_aug, w_in, w, h, perm)
        ctx.act = act if leaky else None  # with a leak, φ(pre) is an intermediate, not h
        return h if perm is None else take_rows(h, inv)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h):  # type: ignore[override]
        u_aug, w_in, w, h, perm = ctx.saved_tensors
        act = h if ctx.act is None else ctx.act
        alpha, activation, sched = ctx.alpha, ctx.activation, ctx.sched
        k, steps, batch, n = h.shape
        relu = activation == "relu"
        if not relu:  # α·φ'(pre_t) for all steps in one op
            gains = _dphi_from_phi(act, activation).mul_(alpha).unbind(1)
        if perm is not None:
            grad_h = take_rows(grad_h, perm)
        # d: slot t holds ∂L/∂h_t (from grad_h on running rows), then ∂L/∂pre_t in place; a
        # padded row-step's gradient is ignored (never copied in) and its slot ends as 0.
        d = torch.empty_like(h)
        acts, ds, gs, full = act.unbind(1), d.unbind(1), grad_h.unbind(1), sched.full
        ds[-1][:, :full[-1]].copy_(gs[-1][:, :full[-1]])
        for t in range(steps - 1, -1, -1):
            # ds[t] = ∂L/∂h_t is complete here (on the running rows)
            if t > 0:
                ds[t - 1][:, :full[t - 1]].copy_(gs[t - 1][:, :full[t - 1]])
            if alpha != 1.0 and t > 0:  # the leak passes (1 − α)·∂L/∂h_t back to h_{t−1}
                for k0, k1, m in sched.runs[t]:
                    ds[t - 1][k0:k1, :m].add_(ds[t][k0:k1, :m], alpha=1 - alpha)
            if relu:
                _relu_backward_(ds[t][:, :full[t]], acts[t][:, :full[t]])
                if alpha != 1.0:
                    ds[t][:, :full[t]].mul_(alpha)
            else:
                ds[t][:, :full[t]].mul_(gains[t][:, :full[t]])
            sched.zero_padding_(ds[t], t)  # for the weight-gradient products over all rows
            if t > 0:  # ∂L/∂h_{t−1} += ∂L/∂pre_t · W, running rows only
                for k0, k1, m in sched.runs[t]:
                    ds[t - 1][k0:k1, :m].baddbmm_(ds[t][k0:k1, :m], w[k0:k1])
        d2 = d.view(k, steps * batch, n)
        need_u, need_w_in, need_b, need_w = ctx.needs_input_grad[:4]
        n_in = w_in.shape[2]
        grad_u = None
        if need_u:
            grad_u = torch.bmm(d2, w_in).view(k, steps, batch, n_in)
            if perm is not None:
                grad_u = take_rows(grad_u, ctx.inv)
        grad_w_in = grad_b = None
        if need_w_in or need_b:
            g_aug = torch.bmm(d2.transpose(1, 2), u_aug)  # [K, N, n_in + 1]: dW_in | db
            grad_w_in, grad_b = g_aug[:, :, :n_in], g_aug[:, :, n_in]
        grad_w = None
        if need_w:
            if steps > 1:
                prev = h[:, :-1].reshape(k, -1, n)
                grad_w = torch.bmm(d[:, 1:].reshape(k, -1, n).transpose(1, 2), prev)
            else:
                grad_w = torch.zeros_like(w)
        return grad_u, grad_w_in, grad_b, grad_w, None, None, None


def check_lengths(lengths: torch.Tensor | np.ndarray | None, shape: tuple[int, ...],
                  steps: int, device: torch.device) -> torch.Tensor | None:
    """``lengths`` as an int64 tensor on ``device`` after checking it: integers of ``shape``
    ([B] or [K, B]) in [0, steps]. None stays None."""
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths, device=device)
    if lengths.dtype.is_floating_point or lengths.dtype.is_complex or lengths.dtype == torch.bool:
        raise TypeError(f"lengths must hold integers (valid steps per row), got {lengths.dtype}")
    if tuple(lengths.shape) != tuple(shape):
        names = ", ".join(f"{n}={v}" for n, v in zip(("K", "B")[-len(shape):], shape,
                                                      strict=True))
        raise ValueError(f"lengths must have shape [{names}] (one per row), got "
                         f"{tuple(lengths.shape)}")
    if lengths.numel() and (int(lengths.min()) < 0 or int(lengths.max()) > steps):
        raise ValueError(f"lengths must lie in [0, T={steps}], got values in "
                         f"[{int(lengths.min())}, {int(lengths.max())}]")
    return lengths.to(torch.int64)


def batched_recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
    lengths: torch.Tensor | None = None,
) -> torch.Tensor:
    """Hidden states h [K, T, B, N] of K RNNs for inputs u [K, T, B, n_in].

    w_in [K, N, n_in], b [K, N], w [K, N, N]; ``alpha`` and ``activation`` are shared.
    ``lengths`` [K, B] (ints in [0, T]): valid steps per row; steps at or beyond a row's length
    are skipped, their h is 0 and gradients arriving there are ignored (module docstring).
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
    return Recurrence.apply(u, w_in, b, w, lengths, alpha, activation)


def recurrence(
    u: torch.Tensor,
    w_in: torch.Tensor,
    b: torch.Tensor,
    w: torch.Tensor,
    alpha: float,
    activation: str,
    lengths: torch.Tensor | None = None,
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
