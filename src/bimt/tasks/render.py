"""The one generic trial renderer every task goes through.

`generator.layout` turns trial parameters into a `Layout`: per row, up to five back-to-back
periods ("slots") with step counts, the input vector shown during each slot, which slots get
input noise on which channels, and the label of each slot. `draw` then builds the whole
batch without a loop over rows or time steps: repeating the (row, slot) numbers by the slots'
step counts gives, for every (t, b), the (row, slot) that step t of row b falls in, and
inputs, labels and noise mask are each one gather with that index, already time-major.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bimt.tasks.modcog import OMEGA
from bimt.tasks.taskdef import N_SLOTS


@dataclass
class Layout:
    """Per-row trial description, B rows, S = N_SLOTS slots, C = 1 + 2·dim_ring channels.

    steps [B, S] int64: steps per slot (0 for slots a task does not use; they come last).
    pattern [B, S + 1, n_in] float32: the noise-free input vector (fixation, rings, rule)
        shown during each slot; the extra last slot is the all-zero padding.
    noise_slot [B, S + 1] bool: slots that receive input noise (never the padding).
    noise_scale [B, C] float32: noise std per channel (0 on channels without noise).
    slot_label [B, S + 1] int64: label during each slot (Mod-Cog seq rows: at the first
        decision step; `draw` moves it along the decision period).
    decision_slot [B] int64: the slot of `decision`.
    target [B] int64: ring index of the response at the first decision step, -1 = no-go.
    seq [B] int64: Mod-Cog seq direction (label moves by int(seq·t·0.01·dt) at step t).
    label_bug [B] bool: use Mod-Cog's (1 + k) mod dim_ring label instead of 1 + (k mod R).
    """

    steps: np.ndarray
    pattern: np.ndarray
    noise_slot: np.ndarray
    noise_scale: np.ndarray
    slot_label: np.ndarray
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


def add_noise(
    inputs: np.ndarray, noisy: np.ndarray, scale: np.ndarray, noise: torch.Generator
) -> None:
    """Add Gaussian input noise in place.

    Args:
        inputs: [T, B, n_in] float32.
        noisy: [T, B] bool, the steps that get noise.
        scale: [B, C] float32, noise std per channel (the first C channels).
        noise: the generator of the normals.
    """
    n_rows, n_core = scale.shape
    pos = noisy.reshape(-1).nonzero()[0]  # t * B + b
    if len(pos):
        # Normals only at the (t, b) that get some: [n, C], scaled per channel.
        z = torch.randn((len(pos), n_core), generator=noise).numpy()
        z *= scale.take(pos % n_rows, axis=0)
        inputs.reshape(-1, inputs.shape[2])[pos, :n_core] += z


def draw(lay: Layout, dim_ring: int, dt: int, noise: torch.Generator | None) -> Drawn:
    """Render a batch from its layout.

    Args:
        lay: the rows' layout (B rows).
        dim_ring, dt: ring size and time step (ms).
        noise: source of the input noise (torch's normal sampler is several times faster
            than numpy's); None for noise-free trials.
    """
    n_rows, n_pat, n_in = lay.pattern.shape
    ends = lay.steps.cumsum(axis=1)
    length = ends[:, -1]
    n_t = int(length.max()) if n_rows else 0
    # Steps per (row, slot), padding last: repeating the (row, slot) numbers by these counts
    # gives each row's slot per step, [B, T] row-major; its transpose indexes time-major.
    counts = np.empty((n_rows, n_pat), dtype=np.int64)
    counts[:, :N_SLOTS] = lay.steps
    counts[:, N_SLOTS] = n_t - length
    which = np.arange(n_rows * n_pat).repeat(counts.reshape(-1)).reshape(n_rows, n_t).T
    inputs = lay.pattern.reshape(-1, n_in).take(which, axis=0)  # [T, B, n_in]

    if noise is not None:
        add_noise(inputs, lay.noise_slot.reshape(-1)[which], lay.noise_scale, noise)

    if np.count_nonzero(lay.seq):  # Mod-Cog seq: the label moves during the decision period
        rows = np.arange(n_rows)
        dec_start = ends[rows, lay.decision_slot] - lay.steps[rows, lay.decision_slot]
        step = np.arange(n_t)[:, None] - dec_start[None, :]
        label = decision_labels(lay.target, step, lay.seq, lay.label_bug, dim_ring, dt)
        in_dec = np.zeros((n_rows, n_pat), dtype=bool)
        in_dec[rows, lay.decision_slot] = lay.target >= 0
        labels = np.where(in_dec.reshape(-1)[which], label, 0)
    else:  # constant over each slot
        labels = lay.slot_label.reshape(-1)[which]
    mask = np.arange(n_t)[:, None] < length
    return Drawn(inputs, labels, mask, length.copy(), ends - lay.steps, ends)
