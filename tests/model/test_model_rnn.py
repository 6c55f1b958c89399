"""SpatialRNN: the fast recurrence against a plain autograd loop, init, spec, errors."""

import json

import pytest
import torch

from bimt.model import INITS, Grid1D, Grid2D, SpatialRNN, reference_forward
from bimt.model.recurrence import recurrence


def _model(activation="relu", alpha=1.0, dtype=torch.float64, seed=0, geom=None, init=None):
    geom = geom or Grid2D(3, 4)
    kwargs = {} if init is None else {"init": init}
    m = SpatialRNN(5, 3, geom, activation=activation, alpha=alpha, seed=seed, **kwargs)
    m = m.to(dtype)
    with torch.no_grad():  # a non-trivial bias so that pre-activations straddle 0
        m.b_rec.uniform_(-0.3, 0.3, generator=torch.Generator().manual_seed(seed + 1))
    return m


def _inputs(steps=7, batch=3, n_in=5, dtype=torch.float64, seed=0):
    return torch.randn(steps, batch, n_in, generator=torch.Generator().manual_seed(seed)).to(dtype)


@pytest.mark.parametrize("activation", ["relu", "softplus", "tanh"])
@pytest.mark.parametrize("alpha", [1.0, 0.2])
def test_recurrence_gradcheck_float64(activation, alpha):
    gen = torch.Generator().manual_seed(3)

    def rand(*shape, scale=1.0):
        x = scale * torch.randn(*shape, generator=gen, dtype=torch.float64)
        return x.requires_grad_()

    args = (rand(6, 3, 4), rand(5, 4), rand(5, scale=0.3), rand(5, 5, scale=0.4))
    assert torch.autograd.gradcheck(
        lambda u, w_in, b, w: recurrence(u, w_in, b, w, alpha, activation), args
    )


@pytest.mark.parametrize("activation", ["relu", "softplus", "tanh"])
@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_forward_and_gradients_match_plain_autograd_float64(activation, alpha):
    m = _model(activation, alpha)
    u = _inputs()
    logits, hidden = m(u, return_hidden=True)
    ref_logits, ref_hidden = reference_forward(m, u, return_hidden=True)
    assert logits.shape == (7, 3, 3) and hidden.shape == (7, 3, 12)
    torch.testing.assert_close(logits, ref_logits, rtol=0, atol=1e-12)
    torch.testing.assert_close(hidden, ref_hidden, rtol=0, atol=1e-12)
    # a loss that weights every step and every hidden unit differently
    wl = torch.randn_like(logits)
    wh = torch.randn_like(hidden)
    fast = torch.autograd.grad((logits * wl).sum() + (hidden * wh).sum(), list(m.parameters()))
    slow = torch.autograd.grad(
        (ref_logits * wl).sum() + (ref_hidden * wh).sum(), list(m.parameters())
    )
    for f, s in zip(fast, slow, strict=True):
        torch.testing.assert_close(f, s, rtol=1e-10, atol=1e-12)


def test_float32_gradients_close_to_float64_reference():
    m64 = _model(dtype=torch.float64, geom=Grid2D(5, 5))
    m32 = _model(dtype=torch.float32, geom=Grid2D(5, 5))
    m32.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in m64.state_dict().items()}
    )
    u = _inputs(steps=20, batch=8)
    labels = torch.randint(0, 3, (20, 8), generator=torch.Generator().manual_seed(1))

    def grads(model, fwd):
        out = fwd(model, u.to(model.w_rec.dtype))
        loss = torch.nn.functional.cross_entropy(out.reshape(-1, 3), labels.reshape(-1))
        return torch.autograd.grad(loss, list(model.parameters()))

    for g32, g64 in zip(
        grads(m32, SpatialRNN.__call__), grads(m64, reference_forward), strict=True
    ):
        torch.testing.assert_close(g32.double(), g64, rtol=1e-4, atol=1e-6)


def test_single_step_and_no_grad_paths():
    m = _model()
    u = _inputs(steps=1)
    out = m(u)
    torch.testing.assert_close(out, reference_forward(m, u), rtol=0, atol=1e-12)
    out.sum().backward()
    assert torch.count_nonzero(m.w_rec.grad) == 0  # h_{-1} = 0: W never acts in one step
    assert m.w_in.grad.abs().sum() > 0
    with torch.no_grad():
        torch.testing.assert_close(m(_inputs()), reference_forward(m, _inputs()))


def test_hidden_state_starts_from_zero_and_zero_input_stays_silent():
    m = _model()
    with torch.no_grad():
        m.b_rec.zero_()
    _, hidden = m(torch.zeros(5, 2, 5, dtype=torch.float64), return_hidden=True)
    assert torch.count_nonzero(hidden) == 0


def test_init_is_a_pure_function_of_the_seed():
    state = torch.random.get_rng_state()
    a = SpatialRNN(53, 17, Grid2D(4, 4), seed=7)
    b = SpatialRNN(53, 17, Grid2D(4, 4), seed=7)
    c = SpatialRNN(53, 17, Grid2D(4, 4), seed=8)
    assert torch.equal(torch.random.get_rng_state(), state)  # global RNG untouched
    for (name, pa), pb, pc in zip(
        a.named_parameters(), b.parameters(), c.parameters(), strict=True
    ):
        assert torch.equal(pa, pb)
        if name != "b_rec":  # the hidden bias starts at zero for every seed
            assert not torch.equal(pa, pc)


def test_default_init_shapes_and_structure():
    n = 36
    m = SpatialRNN(53, 17, Grid2D(6, 6), seed=2)
    shapes = {k: tuple(v.shape) for k, v in m.named_parameters()}
    assert shapes == {
        "w_rec": (n, n),
        "w_in": (n, 53),
        "b_rec": (n,),
        "w_out": (17, n),
        "b_out": (17,),
    }
    assert all(p.dtype == torch.float32 for p in m.parameters())
    # identity_ortho: W - 0.8 I is 0.1 times an orthogonal matrix
    q = (m.w_rec.double() - 0.8 * torch.eye(n, dtype=torch.float64)) / 0.1
    torch.testing.assert_close(q @ q.T, torch.eye(n, dtype=torch.float64), atol=1e-5, rtol=0)
    assert torch.count_nonzero(m.b_rec) == 0
    assert m.w_in.abs().max() <= 1 / 53**0.5 and m.w_out.abs().max() <= 1 / n**0.5
    assert torch.equal(m.slot_to_neuron, torch.arange(n))
    torch.testing.assert_close(m.distance, torch.as_tensor(Grid2D(6, 6).distance()).float())


@pytest.mark.parametrize("init", INITS)
def test_every_init_keeps_activity_bounded_over_trial_lengths(init):
    m = SpatialRNN(53, 17, Grid2D(20, 20), init=init, seed=0)
    u = torch.rand(34, 16, 53, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        _, h = m(u, return_hidden=True)
    assert torch.isfinite(h).all() and h.abs().max() < 100


def test_state_dict_holds_buffers_and_spec_round_trips():
    m = SpatialRNN(4, 2, Grid1D(9), activation="softplus", alpha=0.5, init="orthogonal", seed=3)
    sd = m.state_dict()
    assert {"distance", "slot_to_neuron"} <= set(sd)
    assert sd["slot_to_neuron"].dtype == torch.int64
    spec = json.loads(json.dumps(m.spec()))
    m2 = SpatialRNN.from_spec(spec)
    assert m2.spec() == m.spec()
    for k, v in m2.state_dict().items():
        assert torch.equal(v, sd[k]), k


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"activation": "gelu"}, ValueError, "relu"),
        ({"alpha": 0.0}, ValueError, "alpha"),
        ({"alpha": 1.5}, ValueError, "alpha"),
        ({"init": "xavier"}, ValueError, "identity_ortho"),
        ({"n_in": 0}, ValueError, "n_in"),
        ({"n_out": 2.0}, TypeError, "n_out"),
        ({"geometry": (4, 4)}, TypeError, "Grid2D"),
        ({"seed": "0"}, TypeError, "seed"),
    ],
)
def test_bad_constructor_arguments(kwargs, exc, match):
    args = {"n_in": 3, "n_out": 2, "geometry": Grid1D(4)} | kwargs
    with pytest.raises(exc, match=match):
        SpatialRNN(**args)


def test_bad_inputs_and_specs():
    m = SpatialRNN(3, 2, Grid1D(4))
    with pytest.raises(ValueError, match="n_in=3"):
        m(torch.zeros(5, 2, 4))
    with pytest.raises(ValueError, match="time-major"):
        m(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="unexpected spec keys"):
        SpatialRNN.from_spec(m.spec() | {"dtype": "float32"})


def test_two_live_graphs_and_inference_mode():
    m = _model(geom=Grid1D(6))
    u = _inputs()
    with torch.inference_mode():
        torch.testing.assert_close(m(u), reference_forward(m, u).detach(), rtol=0, atol=1e-12)
    # two forwards before one backward: buffers of the first call must survive the second
    fast = torch.autograd.grad(m(u).sum() + m(2 * u).pow(2).sum(), list(m.parameters()))
    ref = reference_forward(m, u).sum() + reference_forward(m, 2 * u).pow(2).sum()
    slow = torch.autograd.grad(ref, list(m.parameters()))
    for f, s in zip(fast, slow, strict=True):
        torch.testing.assert_close(f, s, rtol=1e-10, atol=1e-12)
