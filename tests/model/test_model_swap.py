"""Swaps: closed-form deltas vs brute force, exact invariance, relocation, Adam state."""

import copy
import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bimt.model import (
    Grid1D,
    Grid2D,
    SpatialRNN,
    importance,
    naive_relocate,
    relocate,
    swap_delta,
    swap_slots,
    wiring_cost,
)

GEOMS = [Grid2D(4, 5), Grid1D(13)]


def _random_model(geom, seed=0, dtype=torch.float64, sparse=0.0):
    m = SpatialRNN(3, 2, geom, seed=seed).to(dtype)
    gen = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5)
        if sparse:
            keep = torch.rand(m.w_rec.shape, generator=gen, dtype=torch.float64) > sparse
            m.w_rec.mul_(keep)
    return m


def _brute_wiring(w, dist):
    return float((w.abs() * dist).sum())


def _transposed(w, i, j):
    perm = torch.arange(w.shape[0])
    perm[[i, j]] = perm[[j, i]]
    return w[perm][:, perm]


@pytest.mark.parametrize("geom", GEOMS)
@pytest.mark.parametrize("sparse", [0.0, 0.7])
def test_closed_form_delta_equals_brute_force_for_every_pair(geom, sparse):
    m = _random_model(geom, sparse=sparse)
    w, dist = m.w_rec.detach(), m.distance
    base = _brute_wiring(w, dist)
    n = geom.n
    for i in range(n):
        delta = swap_delta(w, dist, i)
        assert delta.shape == (n,) and delta.dtype == torch.float64
        brute = torch.tensor(
            [_brute_wiring(_transposed(w, i, j), dist) - base for j in range(n)],
            dtype=torch.float64,
        )
        torch.testing.assert_close(delta, brute, rtol=0, atol=1e-12)
        assert delta[i] == 0
    # model argument, D from the model; |W| or W give the same answer
    torch.testing.assert_close(swap_delta(m, None, 3), swap_delta(w.abs(), dist, 3))


def _check_swapped_function(m0, m, u, atol):
    logits0, h0 = m0(u, return_hidden=True)
    logits, h = m(u, return_hidden=True)
    torch.testing.assert_close(logits, logits0, rtol=0, atol=atol)
    # slot a now holds original neuron slot_to_neuron[a]
    torch.testing.assert_close(h, h0[..., m.slot_to_neuron], rtol=0, atol=atol)


_swaps = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19)), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None)
@given(swaps=_swaps, seed=st.integers(0, 3))
def test_random_transpositions_preserve_the_function_float64(swaps, seed):
    m0 = _random_model(Grid2D(4, 5), seed=seed)
    m = copy.deepcopy(m0)
    for i, j in swaps:
        swap_slots(m, i, j)
    u = torch.randn(6, 2, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    with torch.no_grad():
        _check_swapped_function(m0, m, u, atol=1e-12)
    # the slot map is a permutation that tracks the neurons: moving the weights back by it
    # recovers the original matrix
    perm = m.slot_to_neuron
    assert sorted(perm.tolist()) == list(range(20))
    inv = torch.argsort(perm)
    torch.testing.assert_close(m.w_rec[inv][:, inv], m0.w_rec, rtol=0, atol=0)
    torch.testing.assert_close(m.w_in[inv], m0.w_in, rtol=0, atol=0)


@settings(max_examples=10, deadline=None)
@given(swaps=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=8))
def test_random_transpositions_preserve_the_function_float32_1d(swaps):
    m0 = _random_model(Grid1D(13), dtype=torch.float32)
    m = copy.deepcopy(m0)
    for i, j in swaps:
        swap_slots(m, i, j)
    u = torch.randn(8, 4, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        _check_swapped_function(m0, m, u, atol=1e-4)


def test_swap_moves_exactly_the_right_entries():
    m0 = _random_model(Grid2D(4, 5))
    m = copy.deepcopy(m0)
    swap_slots(m, 2, 7)
    torch.testing.assert_close(m.w_rec[2, 7], m0.w_rec[7, 2])
    torch.testing.assert_close(m.w_rec[2, 2], m0.w_rec[7, 7])
    torch.testing.assert_close(m.w_rec[0, 2], m0.w_rec[0, 7])
    torch.testing.assert_close(m.w_in[7], m0.w_in[2])
    torch.testing.assert_close(m.w_out[:, 2], m0.w_out[:, 7])
    assert m.b_rec[2] == m0.b_rec[7] and torch.equal(m.b_out, m0.b_out)
    assert m.slot_to_neuron[2] == 7 and m.slot_to_neuron[7] == 2
    with pytest.raises(ValueError, match=r"\[0, 20\)"):
        swap_slots(m, 0, 20)


def test_importance_by_definition():
    m = _random_model(Grid1D(13))
    a = 4
    expected = (
        m.w_rec[a].abs().sum()
        + m.w_rec[:, a].abs().sum()
        + m.w_in[a].abs().sum()
        + m.w_out[:, a].abs().sum()
    )
    torch.testing.assert_close(importance(m)[a], expected.detach())


@pytest.mark.parametrize("geom", GEOMS)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("top_k", [5, 30])
def test_relocate_lowers_cost_and_matches_the_brute_force_reference(geom, seed, top_k):
    m_fast = _random_model(geom, seed=seed, sparse=0.5 if seed % 2 else 0.0)
    m_slow = copy.deepcopy(m_fast)
    before = wiring_cost(m_fast).item()
    n_fast = relocate(m_fast, top_k=top_k)
    n_slow = naive_relocate(m_slow, top_k=top_k)
    assert n_fast == n_slow
    assert torch.equal(m_fast.slot_to_neuron, m_slow.slot_to_neuron)
    for p_fast, p_slow in zip(m_fast.parameters(), m_slow.parameters(), strict=True):
        assert torch.equal(p_fast, p_slow)
    after = wiring_cost(m_fast).item()
    assert after <= before
    assert (n_fast > 0) == (after < before)


def test_relocation_untangles_a_scrambled_local_network():
    # Plant nearest-neighbour weights on a line, scramble the slots, and let relocation work.
    m = SpatialRNN(3, 2, Grid1D(13)).double()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        m.w_rec.copy_(
            torch.randn(13, 13, generator=gen, dtype=torch.float64) * (m.distance < 1.5 / 13)
        )
        local = wiring_cost(m).item()
        for i, j in torch.randint(0, 13, (30, 2), generator=gen).tolist():
            swap_slots(m, i, j)
    costs = [wiring_cost(m).item()]
    assert costs[0] > 2 * local
    for _ in range(5):
        relocate(m, top_k=13)
        costs.append(wiring_cost(m).item())
    assert costs[-1] < 0.5 * costs[0]
    assert all(b <= a for a, b in itertools.pairwise(costs))


def test_relocate_takes_no_cost_neutral_swaps():
    # Block-diagonal weights on a line are already optimal; dead neurons tie everywhere.
    m = SpatialRNN(2, 2, Grid1D(8)).double()
    with torch.no_grad():
        m.w_rec.zero_()
        m.w_rec[:2, :2] = 1.0
    assert relocate(m, top_k=8) == 0
    assert naive_relocate(m, top_k=8) == 0
    assert torch.equal(m.slot_to_neuron, torch.arange(8))


def _adam_setup(seed=0):
    m = _random_model(Grid2D(4, 5), seed=seed)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(5, 4, 3, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (5, 4), generator=gen)

    def step(model, optimizer):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(u).reshape(-1, 2), y.reshape(-1))
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step(m, opt)
    return m, opt, step


def _clone(m, opt):
    m2 = copy.deepcopy(m)
    opt2 = torch.optim.Adam(m2.parameters(), lr=1e-2)
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
    return m2, opt2


@pytest.mark.parametrize("permute", [True, False])
def test_adam_step_commutes_with_a_swap_only_when_state_is_permuted(permute):
    m, opt, step = _adam_setup()
    ma, opta = _clone(m, opt)
    mb, optb = _clone(m, opt)
    swaps = [(0, 13), (4, 5), (19, 2)]
    for i, j in swaps:  # A: swap, then step
        swap_slots(ma, i, j, opta, permute_optimizer=permute)
    step(ma, opta)
    step(mb, optb)  # B: step, then swap
    for i, j in swaps:
        swap_slots(mb, i, j, optb, permute_optimizer=permute)
    same = all(
        torch.allclose(pa, pb, rtol=0, atol=1e-12)
        for pa, pb in zip(ma.parameters(), mb.parameters(), strict=True)
    )
    assert same == permute


def test_relocate_permutes_adam_state_with_the_weights():
    m, opt, step = _adam_setup(seed=2)
    ma, opta = _clone(m, opt)
    mb, optb = _clone(m, opt)
    n = relocate(ma, opta, top_k=20)
    assert n > 0
    step(ma, opta)
    step(mb, optb)
    perm = ma.slot_to_neuron  # replay relocate's net permutation on B
    for p_a, p_b, name in zip(
        ma.parameters(), mb.parameters(), ["w_rec", "w_in", "b_rec", "w_out", "b_out"], strict=True
    ):
        expect = {
            "w_rec": lambda t: t[perm][:, perm],
            "w_in": lambda t: t[perm],
            "b_rec": lambda t: t[perm],
            "w_out": lambda t: t[:, perm],
            "b_out": lambda t: t,
        }[name](p_b)
        torch.testing.assert_close(p_a, expect, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: relocate(m, top_k=-1), "top_k"),
        (lambda m: relocate(m, eps=-1.0), "eps"),
        (lambda m: swap_delta(m.w_rec, None, 0), "D is required"),
        (lambda m: swap_delta(m.w_rec[:3], m.distance, 0), "square"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(_random_model(Grid1D(13)))
