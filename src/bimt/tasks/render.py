"""The one generic trial renderer every task goes through.

`generator.layout` turns trial parameters into a `Layout`: per row, up to five back-to-back
periods ("slots") with step counts, the input vector shown during each slot, which slots get
input noise on which channels, and the response target. `draw` then builds the whole batch
without a loop over rows or time steps: per-(row, slot) values are repeated by the slots'
step counts, and the input at (t, b) is one gather of row b's pattern for the slot that step
t falls in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bimt.tasks.modcog import OMEGA
from bimt.tasks.ring import noise_std
from bimt.tasks.taskdef import N_SLOTS


@dataclass
class Layout:
    """Per-row trial description, B rows, S = N_SLOTS slots, C = 1 + 2·dim_ring channels.

    steps [B, S] int64: steps per slot (0 for slots a task does not use; they come last).
    pattern [B, S + 1, n_in] float32: the noise-free input vector (fixation, rings, rule)
        shown during each slot; the extra last slot is the all-zero padding.
    noise_slot [B, S] bool: slots that receive input noise.
    noise_ch [B, C] bool: channels that receive it.
    decision_slot [B] int64: the slot of `decision`.
    target [B] int64: ring index of the response at the first decision step, -1 = no-go.
    seq [B] int64: Mod-Cog seq direction (label moves by int(seq·t·0.01·dt) at step t).
    label_bug [B] bool: use Mod-Cog's (1 + k) mod dim_ring label instead of 1 + (k mod R).
    """

    steps: np.ndarray
    pattern: np.ndarray
    noise_slot: np.ndarray
    noise_ch: np.ndarray
    decision_slot: np.ndarray
    target: np.ndarray
    seq: np.ndarray
    label_bug: np.ndarray


@dataclass
class Drawn:
    """Arrays of a rendered batch (numpy): inputs [T, B, n_in], labels/mask [T, B],
    length [B], slot_start/slot_end [B, S]."""

    inputs: np.ndarray
    labels: np.ndarray
    mask: np.ndarray
    length: np.ndarray
    slot_start: np.ndarray
    slot_end: np.ndarray


def decision_labels(
    target: np.ndarray,
    step: np.ndarray,
    seq: np.ndarray,
    label_bug: np.ndarray,
    dim_ring: int,
    dt: int,
) -> np.ndarray:
    """Label at decision step `step` (0-based) of a trial aimed at ring index `target`.

    Mod-Cog's shift int(seq·t·omega·dt) is evaluated with the same float operations as the
    source; without seq it is 0 and the label is neurogym's 1 + target. All args broadcast.
    """
    shift = np.trunc(((seq * step) * OMEGA) * dt).astype(np.int64)
    k = target + shift
    return np.where(label_bug, np.mod(1 + k, dim_ring), 1 + np.mod(k, dim_ring))


def draw(lay: Layout, dim_ring: int, dt: int, noise: torch.Generator | None) -> Drawn:
    """Render a batch from its layout.

    Args:
        lay: the rows' layout (B rows).
        dim_ring, dt: ring size and time step (ms).
        noise: source of the input noise (torch's normal sampler is several times faster
            than numpy's); None for noise-free trials.
    """
    n_rows, n_pat, n_in = lay.pattern.shape
    n_core = lay.noise_ch.shape[1]
    ends = np.cumsum(lay.steps, axis=1)
    starts = ends - lay.steps
    length = ends[:, -1]
    n_t = int(length.max()) if n_rows else 0
    # Steps per (row, slot), padding last: repeating per-(row, slot) values by these counts
    # gives row-major [B, T] arrays in one C call each.
    counts = np.empty((n_rows, n_pat), dtype=np.int64)
    counts[:, :N_SLOTS] = lay.steps
    counts[:, N_SLOTS] = n_t - length
    counts = counts.reshape(-1)

    which = np.repeat(np.arange(n_rows * n_pat), counts).reshape(n_rows, n_t)  # [B, T]
    inputs = np.take(lay.pattern.reshape(-1, n_in), which.T, axis=0)  # [T, B, n_in]

    if noise is not None:
        noisy = np.zeros((n_rows, n_pat), dtype=bool)
        noisy[:, :N_SLOTS] = lay.noise_slot
        (idx,) = np.nonzero(np.repeat(noisy.reshape(-1), counts))  # b * T + t
        if len(idx):
            # Noise only where some channel gets it: [n, C] normals, scaled per channel.
            row = idx // n_t
            scale = lay.noise_ch.astype(np.float32) * np.float32(noise_std(dt))
            z = torch.randn((len(idx), n_core), generator=noise).numpy()
            z *= scale[row]
            inputs.reshape(n_t * n_rows, n_in)[(idx - row * n_t) * n_rows + row, :n_core] += z

    # Labels: 0 outside `decision` and on no-go rows.
    go = lay.target >= 0
    in_dec = np.zeros((n_rows, n_pat), dtype=bool)
    in_dec[np.arange(n_rows), lay.decision_slot] = go
    if lay.seq.any():  # Mod-Cog seq: the label moves during the decision period
        dec_start = starts[np.arange(n_rows), lay.decision_slot]
        step = np.arange(n_t)[None, :] - dec_start[:, None]
        label = decision_labels(
            lay.target[:, None], step, lay.seq[:, None], lay.label_bug[:, None], dim_ring, dt
        )
        labels = np.where(np.repeat(in_dec.reshape(-1), counts).reshape(n_rows, n_t), label, 0)
    else:  # constant over the decision period
        label = decision_labels(lay.target, 0, 0, lay.label_bug, dim_ring, dt)
        per_slot = np.where(in_dec, label[:, None], 0).reshape(-1)
        labels = np.repeat(per_slot, counts).reshape(n_rows, n_t)
    mask = np.arange(n_t)[:, None] < length[None, :]
    return Drawn(
        inputs, np.ascontiguousarray(labels.T), mask, length.astype(np.int64), starts, ends
    )
