"""The spatial RNN of eq. 1: hidden neurons that live in the slots of a geometry.

    h_t = (1 − α)·h_{t−1} + α·φ(W h_{t−1} + W_in u_t + b),   h_{−1} = 0
    o_t = W_out h_t + b_out

α = 1 (the default) is the paper's eq. 1 without leak. Hidden index a is the geometry's slot a.

Default initialisation ("identity_ortho"), and why. A ReLU RNN without leak that must hold
information over 6–34 steps needs a recurrent Jacobian with eigenvalues near (but below) 1:
much smaller and memory of the stimulus is gone before the response; larger and activity
explodes through the ReLU. Yang et al. (2019) train the same task family with a leaky ReLU
RNN (α = 0.2) and W_rec = 0.5·Q (Q random orthogonal), whose one-step map at initialisation is
(1 − 0.2)·I + 0.2·0.5·Q = 0.8·I + 0.1·Q. We start the leak-free net from exactly that map,
W_rec = 0.8·I + 0.1·Q: a slowly decaying (|λ| ≤ 0.9), non-saturating memory with weak random
mixing. Its off-diagonal entries are small (~0.1/√N), so the distance-weighted cost starts low
and the identity part sits on the zero-distance diagonal. Input and output layers follow the
PyTorch ``nn.Linear`` default, U(±1/√fan_in); the hidden bias starts at 0 so that a silent
input keeps the network silent (h_0 = 0 is a fixed point). Other choices: "orthogonal" (Q),
"identity" (I, Le et al. 2015's IRNN), "uniform" (nn.RNN's U(±1/√N)).

A check on cog20 (20×20, B = 64, Adam lr 1e-3, no cost, seed 0): mean primary accuracy after
1,000 steps was 0.86 with "identity_ortho", 0.60 with "uniform" and 0.61 with "orthogonal".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from bimt.model.geometry import Geometry, Grid1D, Grid2D, geometry_from_dict
from bimt.model.packing import Packing, check_lengths
from bimt.model.recurrence import ACTIVATIONS, packed_recurrence

INITS = ("identity_ortho", "orthogonal", "identity", "uniform")


def _orthogonal(n: int, gen: torch.Generator) -> torch.Tensor:
    """A Haar-random orthogonal matrix (QR of a Gaussian, signs fixed by diag(R))."""
    q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))


def _uniform(shape: tuple[int, ...], bound: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound


def _recurrent_init(kind: str, n: int, gen: torch.Generator) -> torch.Tensor:
    eye = torch.eye(n, dtype=torch.float64)
    if kind == "identity_ortho":
        return 0.8 * eye + 0.1 * _orthogonal(n, gen)
    if kind == "orthogonal":
        return _orthogonal(n, gen)
    if kind == "identity":
        return eye
    return _uniform((n, n), 1 / math.sqrt(n), gen)


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


class SpatialRNN(nn.Module):
    """An RNN whose N hidden neurons occupy the N slots of ``geometry``.

    Args:
        n_in: number of input channels (53 for cog20).
        n_out: number of output classes (17 for cog20).
        geometry: a ``Grid2D`` or ``Grid1D``; N = geometry.n.
        activation: φ, one of "relu" (default), "softplus", "tanh".
        alpha: leak in (0, 1]; 1 = no leak (eq. 1).
        init: recurrent initialisation, one of ``INITS`` (see the module docstring).
        seed: the initialisation is a pure function of the seed (own torch.Generator; the
            global RNG is neither used nor advanced).

    Parameters: ``w_in [N, n_in]``, ``w_rec [N, N]``, ``b_rec [N]``, ``w_out [n_out, N]``,
    ``b_out [n_out]``. Buffers (in the state dict): ``distance [N, N]`` (the geometry's
    distances, model dtype) and ``slot_to_neuron [N] int64`` (which original neuron sits in
    each slot; swaps permute it, starting from the identity).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        geometry: Geometry,
        activation: str = "relu",
        alpha: float = 1.0,
        init: str = "identity_ortho",
        seed: int = 0,
    ) -> None:
        super().__init__()
        n_in = _check_positive_int("n_in", n_in)
        n_out = _check_positive_int("n_out", n_out)
        if not isinstance(geometry, Grid2D | Grid1D):
            raise TypeError(f"geometry must be a Grid2D or Grid1D, got {type(geometry).__name__}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {ACTIVATIONS}")
        if isinstance(alpha, bool) or not isinstance(alpha, int | float):
            raise TypeError(f"alpha must be a number in (0, 1], got {alpha!r}")
        if not 0.0 < float(alpha) <= 1.0:
            raise ValueError(f"alpha must be in (0, 1] (1 = no leak), got {alpha}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")

        self.n_in, self.n_out, self.geometry = n_in, n_out, geometry
        self.activation, self.alpha, self.init, self.seed = activation, float(alpha), init, seed
        n = geometry.n

        gen = torch.Generator().manual_seed(seed)
        f32 = torch.float32
        self.w_rec = nn.Parameter(_recurrent_init(init, n, gen).to(f32))
        self.w_in = nn.Parameter(_uniform((n, n_in), 1 / math.sqrt(n_in), gen).to(f32))
        self.b_rec = nn.Parameter(torch.zeros(n, dtype=f32))
        self.w_out = nn.Parameter(_uniform((n_out, n), 1 / math.sqrt(n), gen).to(f32))
        self.b_out = nn.Parameter(_uniform((n_out,), 1 / math.sqrt(n), gen).to(f32))
        self.register_buffer("distance", torch.as_tensor(geometry.distance(), dtype=f32))
        self.register_buffer("slot_to_neuron", torch.arange(n, dtype=torch.int64))

    @property
    def n_hidden(self) -> int:
        return self.geometry.n

    def forward(
        self,
        inputs: torch.Tensor,
        return_hidden: bool = False,
        lengths: torch.Tensor | np.ndarray | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """inputs [T, B, n_in] -> logits [T, B, n_out] (and hidden states [T, B, N]).

        ``lengths`` [B] (ints in [0, T], e.g. ``batch.length``): valid steps per row. Steps at
        or beyond a row's length are padding and are skipped (faster; see
        ``bimt.model.recurrence``): there the hidden state is 0 and the logits are ``b_out``,
        and gradients arriving at them are ignored. On valid steps the outputs, and the
        gradients of a loss over valid steps only, equal those without ``lengths`` up to float
        rounding (only the valid row-steps are computed, packed: ``bimt.model.packing``).
        """
        if inputs.dim() != 3 or inputs.shape[-1] != self.n_in or inputs.shape[0] < 1:
            raise ValueError(
                f"inputs must have shape [T >= 1, B, n_in={self.n_in}] (time-major), "
                f"got {tuple(inputs.shape)}"
            )
        steps, batch, _ = inputs.shape
        lengths = check_lengths(lengths, (batch,), steps, inputs.device)
        # Valid row-steps only, packed step-major (bimt.model.packing); without lengths the
        # packing is a plain view. One autograd node for input drives and recurrence.
        pk = Packing.of(None if lengths is None else lengths.unsqueeze(0), 1, steps, batch)
        hidden = packed_recurrence(pk.pack(inputs.unsqueeze(0)), self.w_in.unsqueeze(0),
                                   self.b_rec.unsqueeze(0), self.w_rec.unsqueeze(0), pk,
                                   self.alpha, self.activation).squeeze(0)  # a view: no copy
        logits = torch.addmm(self.b_out, hidden, self.w_out.t())
        logits = pk.unpack(logits.unsqueeze(0), fill=self.b_out.unsqueeze(0)).squeeze(0)
        if return_hidden:
            hidden = pk.unpack(hidden.unsqueeze(0)).squeeze(0)
        return (logits, hidden) if return_hidden else logits

    def spec(self) -> dict[str, Any]:
        """JSON-able constructor arguments; ``SpatialRNN.from_spec(model.spec())`` rebuilds it."""
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "geometry": self.geometry.to_dict(),
            "activation": self.activation,
            "alpha": self.alpha,
            "init": self.init,
            "seed": self.seed,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SpatialRNN:
        """Build a fresh (freshly initialised) model from ``spec()``; load weights separately."""
        if not isinstance(spec, dict) or "geometry" not in spec:
            raise ValueError("spec must be a dict from SpatialRNN.spec() with a 'geometry' entry")
        allowed = {"n_in", "n_out", "geometry", "activation", "alpha", "init", "seed"}
        extra = set(spec) - allowed
        if extra:
            raise ValueError(f"unexpected spec keys {sorted(extra)}; allowed {sorted(allowed)}")
        kwargs = dict(spec)
        kwargs["geometry"] = geometry_from_dict(spec["geometry"])
        return cls(**kwargs)

    def extra_repr(self) -> str:
        return (
            f"n_in={self.n_in}, n_out={self.n_out}, geometry={self.geometry}, "
            f"activation={self.activation!r}, alpha={self.alpha}, init={self.init!r}"
        )
