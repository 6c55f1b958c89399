"""Exact neuron swaps and the greedy relocation of BIMT (bimt-spec §2).

Swapping hidden slots i and j applies the transposition P to the hidden index: W ← P W Pᵀ,
rows of W_in, entries of b_rec, columns of W_out, and (optionally, by default) the same
permutation of the optimiser's per-parameter state, so Adam's moments stay attached to the
weights they belong to. The network function is unchanged.

The wiring cost C = Σ_ab D_ab |W_ab| is what relocation lowers. With S = |W| + |W|ᵀ,
s = diag(S), G = S·D and g = diag(G), swapping i and j changes it by (§2.4, D symmetric with a
zero diagonal)

    ΔC(i, j) = G_ij + G_ji − g_i − g_j − (s_i + s_j − 2·S_ij)·D_ij,

so one candidate's deltas to every slot cost two matrix-vector products, O(N²).
Relocation decisions are computed in float64 whatever the model's dtype, so that they do not
depend on summation order (and agree with the brute-force reference).
"""

from __future__ import annotations

import torch

from bimt.model.rnn import SpatialRNN


def _check_slot(name: str, value: int, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)  # accept 0-d integer tensors / numpy ints
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an int slot index, got {value!r}") from None
    if not 0 <= value < n:
        raise ValueError(f"{name} must be a slot index in [0, {n}), got {value}")
    return value


def _swap_(t: torch.Tensor, i: int, j: int, dims: tuple[int, ...]) -> None:
    """Swap indices i and j of ``t`` along each of ``dims``, in place."""
    for d in dims:
        a, b = t.select(d, i), t.select(d, j)
        tmp = a.clone()
        a.copy_(b)
        b.copy_(tmp)


def _permuted_axes(model: SpatialRNN) -> list[tuple[torch.nn.Parameter, tuple[int, ...]]]:
    """Every parameter indexed by hidden slot, with the dimensions that carry that index."""
    return [(model.w_rec, (0, 1)), (model.w_in, (0,)), (model.b_rec, (0,)), (model.w_out, (1,))]


@torch.no_grad()
def swap_slots(
    model: SpatialRNN,
    i: int,
    j: int,
    optimizer: torch.optim.Optimizer | None = None,
    permute_optimizer: bool = True,
) -> None:
    """Exchange the neurons in hidden slots i and j, in place; the function is unchanged.

    Moves rows+columns of ``w_rec``, rows of ``w_in``, entries of ``b_rec``, columns of
    ``w_out``, any stored ``.grad``, and entries of ``slot_to_neuron``. With an ``optimizer`` and
    ``permute_optimizer=True``, every tensor in its per-parameter state that has the
    parameter's shape (Adam's ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` …) is permuted
    the same way; ``permute_optimizer=False`` leaves the state where it was (the original
    BIMT code's behaviour).
    """
    n = model.n_hidden
    i, j = _check_slot("i", i, n), _check_slot("j", j, n)
    if i == j:
        return
    for param, dims in _permuted_axes(model):
        _swap_(param.data, i, j, dims)
        if param.grad is not None:
            _swap_(param.grad, i, j, dims)
        if optimizer is not None and permute_optimizer:
            for value in optimizer.state.get(param, {}).values():
                if torch.is_tensor(value) and value.shape == param.shape:
                    _swap_(value, i, j, dims)
    _swap_(model.slot_to_neuron, i, j, (0,))


@torch.no_grad()
def importance(model: SpatialRNN) -> torch.Tensor:
    """[N] importance of each hidden slot (§2.3): Σ|incoming| + Σ|outgoing| weights.

    Σ_b |W_ab| + Σ_b |W_ba| + Σ_k |W_in[a, k]| + Σ_o |W_out[o, a]|; the autapse counts twice,
    biases not at all.
    """
    m = model.w_rec.abs()
    return m.sum(1) + m.sum(0) + model.w_in.abs().sum(1) + model.w_out.abs().sum(0)


def _delta_row(s_mat: torch.Tensor, dist: torch.Tensor, g: torch.Tensor, i: int) -> torch.Tensor:
    """ΔC(i, ·) [N] from S = |W| + |W|ᵀ, D and g = rowsum(S ⊙ D); ΔC(i, i) = 0 exactly."""
    row = s_mat[i] @ dist  # G_i·
    col = dist[i] @ s_mat  # G_·i (S and D symmetric)
    s = torch.diagonal(s_mat)
    delta = row + col - g[i] - g - (s[i] + s - 2 * s_mat[i]) * dist[i]
    delta[i] = 0.0
    return delta


def _wiring_state(abs_w: torch.Tensor, dist: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    s_mat = abs_w + abs_w.t()
    return s_mat, (s_mat * dist).sum(1)


@torch.no_grad()
def swap_delta(
    model_or_abs_w: SpatialRNN | torch.Tensor, D: torch.Tensor | None, i: int
) -> torch.Tensor:
    """[N] change of Σ D⊙|W| from swapping slot i with each slot (0 at i itself).

    Args:
        model_or_abs_w: a ``SpatialRNN`` (its ``w_rec``) or a [N, N] matrix (|·| is taken, so
            passing W or |W| gives the same answer).
        D: [N, N] symmetric distances with a zero diagonal; None means the model's ``distance``.
        i: the slot to move.
    Returns a float64 tensor on the weights' device.
    """
    if isinstance(model_or_abs_w, SpatialRNN):
        w = model_or_abs_w.w_rec
        if D is None:
            D = model_or_abs_w.distance
    else:
        w = torch.as_tensor(model_or_abs_w)
    if D is None:
        raise ValueError("D is required when a weight matrix (not a model) is given")
    D = torch.as_tensor(D)
    if w.dim() != 2 or w.shape[0] != w.shape[1] or D.shape != w.shape:
        raise ValueError(
            f"need square W and D of the same shape, got {tuple(w.shape)} and {tuple(D.shape)}"
        )
    i = _check_slot("i", i, w.shape[0])
    dist = D.to(device=w.device, dtype=torch.float64)
    s_mat, g = _wiring_state(w.abs().to(torch.float64), dist)
    return _delta_row(s_mat, dist, g, i)


def _candidates(model: SpatialRNN, top_k: int) -> list[int]:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise ValueError(f"top_k must be an int >= 0, got {top_k!r}")
    # Stable sort: equal scores keep slot order, so the candidate list is deterministic.
    order = torch.sort(importance(model), descending=True, stable=True).indices
    return order[: min(top_k, model.n_hidden)].tolist()


def _check_eps(eps: float) -> float:
    if isinstance(eps, bool) or not isinstance(eps, int | float) or not eps >= 0:
        raise ValueError(f"eps must be a number >= 0 (relative tolerance), got {eps!r}")
    return float(eps)


@torch.no_grad()
def relocate(
    model: SpatialRNN,
    optimizer: torch.optim.Optimizer | None = None,
    top_k: int = 30,
    permute_optimizer: bool = True,
    eps: float = 1e-9,
) -> int:
    """One greedy relocation pass (§2.5); returns the number of swaps made.

    The top-k slots by ``importance`` are fixed once, at the start. For each candidate slot i in
    that order (the neuron occupying it now), the best partner j = argmin_j ΔC(i, j) (first
    index on ties) is swapped in when it lowers the wiring cost by more than eps·C, with C the
    wiring cost at the start of the pass; later candidates see the updated weights.
    """
    eps = _check_eps(eps)
    cands = _candidates(model, top_k)
    dist = model.distance.to(torch.float64)
    s_mat, g = _wiring_state(model.w_rec.abs().to(torch.float64), dist)
    tol = eps * float((s_mat * dist).sum()) / 2  # Σ S⊙D = 2C
    swaps = 0
    for i in cands:
        delta = _delta_row(s_mat, dist, g, i)
        j = int(torch.argmin(delta))
        if float(delta[j]) < -tol:
            swap_slots(model, i, j, optimizer, permute_optimizer)
            swaps += 1
            _swap_(s_mat, i, j, (0, 1))
            # g_a = Σ_b S_ab D_ab: for a ∉ {i, j} only the b ∈ {i, j} terms moved, O(N).
            g += (s_mat[:, i] - s_mat[:, j]) * (dist[:, i] - dist[:, j])
            g[i] = s_mat[i] @ dist[i]
            g[j] = s_mat[j] @ dist[j]
    return swaps


@torch.no_grad()
def naive_relocate(
    model: SpatialRNN,
    optimizer: torch.optim.Optimizer | None = None,
    top_k: int = 30,
    permute_optimizer: bool = True,
    eps: float = 1e-9,
) -> int:
    """Brute-force ``relocate``, as the original BIMT code does it: for every candidate, try
    every slot by swapping, recomputing the whole connection cost (A = 1, float64), and
    swapping back. O(k·N·P). A reference for tests and the benchmark only; same decisions.
    """
    eps = _check_eps(eps)
    cands = _candidates(model, top_k)
    f64 = torch.float64
    dist = model.distance.to(f64)
    params = {
        name: getattr(model, name).detach().to(f64).clone()
        for name in ("w_in", "w_rec", "b_rec", "w_out", "b_out")
    }
    dims = {"w_rec": (0, 1), "w_in": (0,), "b_rec": (0,), "w_out": (1,)}

    def total_cost() -> float:
        p = params
        l1 = p["w_in"].abs().sum() + p["w_out"].abs().sum() + p["b_rec"].abs().sum()
        l1 = l1 + p["b_out"].abs().sum()
        return float(l1 + (p["w_rec"].abs() * (1 + dist)).sum())

    def swap_copy(a: int, b: int) -> None:
        for name, d in dims.items():
            _swap_(params[name], a, b, d)

    tol = eps * float((params["w_rec"].abs() * dist).sum())
    swaps = 0
    for i in cands:
        costs = []
        for t in range(model.n_hidden):
            if t != i:
                swap_copy(i, t)
            costs.append(total_cost())
            if t != i:
                swap_copy(i, t)  # a transposition is its own inverse
        costs_t = torch.tensor(costs, dtype=f64)
        j = int(torch.argmin(costs_t))
        if costs[j] - costs[i] < -tol:
            swap_slots(model, i, j, optimizer, permute_optimizer)
            swap_copy(i, j)
            swaps += 1
    return swaps
