"""SpatialRNN with ``lengths``: padded steps skipped, valid steps and their gradients unchanged."""

import pytest
import torch

from bimt.model import Grid2D, SpatialRNN, reference_forward
from bimt.model.recurrence import recurrence

T, B, N_IN, N_OUT = 7, 5, 4, 3
LENGTHS = torch.tensor([3, 7, 0, 5, 3])  # unsorted, a tie, a full and an empty row


def _model(activation="relu", alpha=1.0, dtype=torch.float64):
    m = SpatialRNN(N_IN, N_OUT, Grid2D(3, 4), activation=activation, alpha=alpha, seed=2)
    m = m.to(dtype)
    with torch.no_grad():  # pre-activations on both sides of 0
        m.b_rec.uniform_(-0.3, 0.3, generator=torch.Generator().manual_seed(3))
    return m


def _inputs(dtype=torch.float64, lengths=LENGTHS):
    u = torch.randn(T, B, N_IN, generator=torch.Generator().manual_seed(4), dtype=dtype)
    return u * _valid(lengths).unsqueeze(-1)  # zero-padded, as a Batch is


def _valid(lengths=LENGTHS):
    return torch.arange(T)[:, None] < lengths[None, :]  # [T, B]


@pytest.mark.parametrize("activation,alpha", [("relu", 1.0), ("relu", 0.3), ("tanh", 0.5),
                                              ("softplus", 1.0)])
def test_valid_steps_and_masked_gradients_equal_the_full_forward_float64(activation, alpha):
    m, u, valid = _model(activation, alpha), _inputs(), _valid()
    logits, hidden = m(u, return_hidden=True, lengths=LENGTHS)
    ref_logits, ref_hidden = reference_forward(m, u, return_hidden=True)  # all T steps, all rows
    torch.testing.assert_close(logits[valid], ref_logits[valid], rtol=0, atol=1e-12)
    torch.testing.assert_close(hidden[valid], ref_hidden[valid], rtol=0, atol=1e-12)
    # padding: zero hidden state, logits = the readout bias
    assert torch.equal(hidden[~valid], torch.zeros_like(hidden[~valid]))
    assert torch.equal(logits[~valid], m.b_out.detach().expand(int((~valid).sum()), N_OUT))
    # a loss over valid steps only: its gradients do not depend on skipping the padding
    keep = valid[..., None]
    wl, wh = torch.randn_like(logits) * keep, torch.randn_like(hidden) * keep
    fast = torch.autograd.grad((logits * wl).sum() + (hidden * wh).sum(), list(m.parameters()))
    slow = torch.autograd.grad((ref_logits * wl).sum() + (ref_hidden * wh).sum(),
                               list(m.parameters()))
    for f, s in zip(fast, slow, strict=True):
        torch.testing.assert_close(f, s, rtol=1e-10, atol=1e-12)


def test_gradient_arriving_at_padded_steps_is_ignored():
    m, u = _model(alpha=0.4), _inputs()
    params = [m.w_in, m.b_rec, m.w_rec]
    h = recurrence(u, *params, m.alpha, m.activation, LENGTHS)
    g = torch.randn(h.shape, generator=torch.Generator().manual_seed(5), dtype=h.dtype)
    every = torch.autograd.grad((h * g).sum(), params)
    h = recurrence(u, *params, m.alpha, m.activation, LENGTHS)
    valid_only = torch.autograd.grad((h * g * _valid()[..., None]).sum(), params)
    for a, b in zip(every, valid_only, strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("activation,alpha", [("relu", 1.0), ("tanh", 0.3)])
def test_gradcheck_with_lengths(activation, alpha):
    gen = torch.Generator().manual_seed(6)

    def rand(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_()

    args = (rand(6, 4, 3), rand(5, 3), rand(5, scale=0.3), rand(5, 5, scale=0.4))
    lengths = torch.tensor([2, 6, 4, 1])
    assert torch.autograd.gradcheck(
        lambda u, w_in, b, w: recurrence(u, w_in, b, w, alpha, activation, lengths), args
    )


def test_float32_close_and_full_lengths_exact():
    m = _model(dtype=torch.float32)
    u = _inputs(torch.float32)
    valid = _valid()
    with_len, without = m(u, lengths=LENGTHS), m(u)
    torch.testing.assert_close(with_len[valid], without[valid], rtol=1e-5, atol=1e-6)
    # every row full length: no reordering, no skipped step, the very same operations
    full = torch.full((B,), T)
    assert torch.equal(m(u, lengths=full), without)
    # already sorted lengths take no reordering copy but give the same answer as any order
    order = torch.sort(LENGTHS, descending=True, stable=True).indices
    assert torch.equal(m(u[:, order], lengths=LENGTHS[order]), with_len[:, order])


def test_numpy_lengths_like_batch_length_are_accepted():
    m, u = _model(), _inputs()
    assert torch.equal(m(u, lengths=LENGTHS.numpy()), m(u, lengths=LENGTHS))


@pytest.mark.parametrize("lengths,exc,match", [
    (torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), TypeError, "integers"),
    (torch.tensor([1, 2, 3]), ValueError, r"shape \[B=5\]"),
    (torch.ones(1, 5, dtype=torch.int64), ValueError, r"shape \[B=5\]"),
    (torch.tensor([1, 2, 8, 4, 5]), ValueError, r"\[0, T=7\]"),
    (torch.tensor([1, 2, -1, 4, 5]), ValueError, r"\[0, T=7\]"),
])
def test_bad_lengths_are_rejected(lengths, exc, match):
    with pytest.raises(exc, match=match):
        _model()(_inputs(), lengths=lengths)
