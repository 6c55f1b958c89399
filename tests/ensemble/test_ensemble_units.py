"""The batched recurrence, the per-member loss and the stacked model, against exact answers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from bimt.ensemble import StackedRNN, batched_recurrence, member_cross_entropy
from bimt.model import Grid1D, SpatialRNN, connection_cost
from bimt.model.recurrence import recurrence


def _plain_loop(u, w_in, b, w, alpha, activation):
    """The recurrence written out with autograd, one member and one step at a time."""
    phi = {"relu": torch.relu, "tanh": torch.tanh, "softplus": F.softplus}[activation]
    out = []
    for k in range(u.shape[0]):
        h, hs = torch.zeros(u.shape[2], w.shape[1], dtype=u.dtype), []
        for t in range(u.shape[1]):
            h = (1 - alpha) * h + alpha * phi(u[k, t] @ w_in[k].T + b[k] + h @ w[k].T)
            hs.append(h)
        out.append(torch.stack(hs))
    return torch.stack(out)


@pytest.mark.parametrize("alpha,activation", [(1.0, "relu"), (0.3, "tanh"), (0.6, "softplus")])
def test_batched_recurrence_matches_plain_autograd_in_float64(alpha, activation):
    gen = torch.Generator().manual_seed(0)
    k, t, b, n, n_in = 3, 6, 4, 5, 3
    args = [torch.randn(s, generator=gen, dtype=torch.float64)
            for s in ((k, t, b, n_in), (k, n, n_in), (k, n), (k, n, n))]
    args[3] = args[3] / 3
    for a in args:
        a.requires_grad_()
    h = batched_recurrence(*args, alpha, activation)
    ref = _plain_loop(*args, alpha, activation)
    assert torch.allclose(h, ref, atol=1e-12)
    g = torch.randn(h.shape, generator=gen, dtype=torch.float64)
    grads = torch.autograd.grad((h * g).sum(), args)
    want = torch.autograd.grad((ref * g).sum(), args)
    for got, exp in zip(grads, want, strict=True):
        assert torch.allclose(got, exp, atol=1e-10)


def test_batched_recurrence_equals_single_recurrence_bitwise():
    gen = torch.Generator().manual_seed(1)
    k, t, b, n, n_in = 4, 9, 6, 12, 5
    u = torch.randn(k, t, b, n_in, generator=gen)
    w_in, bias = torch.randn(k, n, n_in, generator=gen), torch.randn(k, n, generator=gen)
    w = torch.randn(k, n, n, generator=gen) / 4
    params = [p.clone().requires_grad_() for p in (w_in, bias, w)]
    h = batched_recurrence(u, *params, 1.0, "relu")
    g = torch.randn(h.shape, generator=gen)
    (h * g).sum().backward()
    for m in range(k):
        single = [p[m].clone().requires_grad_() for p in (w_in, bias, w)]
        hm = recurrence(u[m], *single, 1.0, "relu")
        (hm * g[m]).sum().backward()
        assert torch.equal(hm, h[m].detach())
        for p_single, p_batched in zip(single, params, strict=True):
            assert torch.equal(p_single.grad, p_batched.grad[m])


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_batched_recurrence_with_lengths_equals_each_member_alone_bitwise(alpha):
    """Members with their own lengths (two share theirs, so one product covers both): each
    equals the single recurrence with its lengths, forward and gradients, bit for bit."""
    gen = torch.Generator().manual_seed(7)
    k, t, b, n, n_in = 4, 9, 6, 12, 5
    lengths = torch.tensor([[9, 2, 5, 5, 0, 7], [9, 2, 5, 5, 0, 7], [3, 9, 9, 1, 4, 8],
                            [9, 9, 9, 9, 9, 9]])
    u = torch.randn(k, t, b, n_in, generator=gen)
    u = u * (torch.arange(t)[None, :, None] < lengths[:, None, :]).unsqueeze(-1)
    w_in, bias = torch.randn(k, n, n_in, generator=gen), torch.randn(k, n, generator=gen)
    w = torch.randn(k, n, n, generator=gen) / 4
    params = [p.clone().requires_grad_() for p in (w_in, bias, w)]
    h = batched_recurrence(u, *params, alpha, "relu", lengths)
    g = torch.randn(h.shape, generator=gen)
    (h * g).sum().backward()
    for m in range(k):
        single = [p[m].clone().requires_grad_() for p in (w_in, bias, w)]
        hm = recurrence(u[m], *single, alpha, "relu", lengths[m])
        (hm * g[m]).sum().backward()
        assert torch.equal(hm, h[m].detach())
        for p_single, p_batched in zip(single, params, strict=True):
            assert torch.equal(p_single.grad, p_batched.grad[m])


def test_batched_recurrence_with_lengths_matches_plain_autograd_on_valid_steps():
    gen = torch.Generator().manual_seed(8)
    k, t, b, n, n_in = 3, 6, 4, 5, 3
    lengths = torch.tensor([[6, 1, 3, 0], [2, 6, 6, 4], [5, 5, 5, 5]])
    valid = (torch.arange(t)[None, :, None] < lengths[:, None, :]).unsqueeze(-1)
    args = [torch.randn(s, generator=gen, dtype=torch.float64)
            for s in ((k, t, b, n_in), (k, n, n_in), (k, n), (k, n, n))]
    args[0], args[3] = args[0] * valid, args[3] / 3
    for a in args:
        a.requires_grad_()
    h = batched_recurrence(*args, 0.7, "softplus", lengths)
    ref = _plain_loop(*args, 0.7, "softplus")
    assert torch.allclose(h * valid, ref * valid, atol=1e-12) and not h[~valid.expand_as(h)].any()
    g = torch.randn(h.shape, generator=gen, dtype=torch.float64) * valid
    grads = torch.autograd.grad((h * g).sum(), args[1:])
    want = torch.autograd.grad((ref * g).sum(), args[1:])
    for got, exp in zip(grads, want, strict=True):
        assert torch.allclose(got, exp, atol=1e-10)


def test_batched_recurrence_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same model axis"):
        batched_recurrence(torch.zeros(2, 3, 1, 4), torch.zeros(3, 5, 4), torch.zeros(2, 5),
                           torch.zeros(2, 5, 5), 1.0, "relu")
    with pytest.raises(ValueError, match=r"u \[K, T, B, n_in\]"):
        batched_recurrence(torch.zeros(3, 1, 4), torch.zeros(2, 5, 4), torch.zeros(2, 5),
                           torch.zeros(2, 5, 5), 1.0, "relu")


@pytest.mark.parametrize("fix_weight", [1.0, 0.2])
def test_member_cross_entropy_is_each_members_masked_mean(fix_weight):
    gen = torch.Generator().manual_seed(2)
    k, t, b, c = 3, 5, 4, 6
    logits = torch.randn(k, t, b, c, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, c, (k, t, b), generator=gen)
    mask = torch.rand(k, t, b, generator=gen) > 0.3
    got = member_cross_entropy(logits, labels, mask, fix_weight)
    weight = torch.ones(c, dtype=torch.float64)
    weight[0] = fix_weight
    for m in range(k):
        want = F.cross_entropy(logits[m][mask[m]], labels[m][mask[m]], weight=weight)
        assert got[m].item() == pytest.approx(want.item(), rel=1e-12)


def test_padded_nonfinite_logits_do_not_leak():
    logits = torch.zeros(2, 3, 1, 4, requires_grad=True)
    poisoned = logits + torch.tensor([0.0, 0.0, float("inf")]).view(1, 3, 1, 1)
    labels = torch.zeros(2, 3, 1, dtype=torch.int64)
    mask = torch.tensor([True, True, False]).view(1, 3, 1).expand(2, 3, 1)
    loss = member_cross_entropy(poisoned, labels, mask)
    assert torch.allclose(loss, torch.full((2,), float(torch.log(torch.tensor(4.0)))))
    loss.sum().backward()
    assert torch.isfinite(logits.grad).all() and (logits.grad[:, 2] == 0).all()


def _members(k=3, n=6):
    return [SpatialRNN(4, 3, Grid1D(n), seed=s) for s in range(k)]


def test_members_are_views_of_the_stack():
    members = _members()
    ids = [id(p) for m in members for p in m.parameters()]
    stack = StackedRNN(members)
    with torch.no_grad():
        members[1].w_rec[2, 3] = 7.0
    assert stack.stack["w_rec"][1, 2, 3] == 7.0
    stack.restack([2, 0])
    assert stack.active == [2, 0]
    assert [id(p) for m in members for p in m.parameters()] == ids  # optimizers stay valid
    with torch.no_grad():
        stack.stack["w_in"][0].fill_(3.0)
    assert (members[2].w_in == 3.0).all() and not (members[0].w_in == 3.0).all()
    assert members[1].w_rec[2, 3] == 7.0  # left the stack with its weights


@pytest.mark.parametrize("n,batch", [(16, 8), (6, 2)])
def test_stacked_forward_and_cost_equal_each_member(n, batch):
    members = _members(n=n)
    stack = StackedRNN(members)
    u = torch.randn(3, 5, batch, 4, generator=torch.Generator().manual_seed(3))
    logits = stack.forward(u)
    factor = torch.stack([1 + 2.0 * m.distance for m in members])
    cost = stack.connection_cost(factor)
    for k, m in enumerate(members):
        if n == 16:  # products of >= 400 multiply-adds: the same BLAS kernel, bit for bit
            assert torch.equal(logits[k], m(u[k]))
        else:  # torch's plain loop for tiny batched products: float rounding
            assert torch.allclose(logits[k], m(u[k]), rtol=1e-6, atol=1e-7)
        assert cost[k].item() == pytest.approx(connection_cost(m, 2.0).item(), rel=1e-6)


def test_stack_refuses_mismatched_members():
    with pytest.raises(ValueError, match="member 1 differs"):
        StackedRNN([SpatialRNN(4, 3, Grid1D(6)), SpatialRNN(4, 3, Grid1D(7))])
    with pytest.raises(ValueError, match="at least one"):
        StackedRNN([])
