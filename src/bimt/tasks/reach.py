"""Reach family: go, rtgo, dlygo, anti, rtanti, dlyanti (and their Mod-Cog variants).

One strength-1 bump at θ_k (+π for anti, + the Mod-Cog int rotation) on the chosen ring,
shown during `stimulus` (or throughout `decision` for RT tasks); no noise. Fixation input on
until `decision`. Label 1 + k during `decision`.
"""

from __future__ import annotations

import numpy as np

from bimt.tasks.modcog import OMEGA
from bimt.tasks.ring import angles_arange, bump
from bimt.tasks.taskdef import N_SLOTS

REQUIRED = ("ground_truth", "modality")


def sample(rng: np.random.Generator, sw: dict[str, np.ndarray], dim_ring: int) -> dict:
    n = len(sw["anti"])
    return {
        "ground_truth": rng.integers(dim_ring, size=n),
        "modality": rng.integers(2, size=n),
    }


def test_grid(dim_ring: int) -> dict[str, np.ndarray]:
    """Every target × modality."""
    k, m = np.meshgrid(np.arange(dim_ring), np.arange(2), indexing="ij")
    return {"ground_truth": k.ravel(), "modality": m.ravel()}


def check(params: dict[str, np.ndarray], dim_ring: int) -> list[str]:
    errs = []
    if np.any((params["ground_truth"] < 0) | (params["ground_truth"] >= dim_ring)):
        errs.append(f"ground_truth must be a ring index in 0..{dim_ring - 1}")
    if np.any((params["modality"] != 0) & (params["modality"] != 1)):
        errs.append("modality must be 0 or 1")
    return errs


def layout(sw: dict, params: dict, dur: np.ndarray, dim_ring: int) -> tuple:
    """(core [n,S,C], noise_slot [n,S], noise_ch [n,C], target [n], derived params)."""
    n = len(params["ground_truth"])
    k = params["ground_truth"].astype(np.int64)
    mod = params["modality"].astype(np.int64)
    rt = sw["reaction"]
    theta = angles_arange(dim_ring)
    delay = np.where(rt, 0, dur[:, 2])
    # Mod-Cog's expression order: θ + (integrate·ω)·delay + anti·π, then mod 2π.
    shift = (sw["integrate"] * OMEGA) * delay
    stim_theta = np.mod(theta[k] + shift + sw["anti"] * np.pi, 2 * np.pi)
    stim = bump(stim_theta, 1.0, theta).astype(np.float32)

    core = np.zeros((n, N_SLOTS, 1 + 2 * dim_ring), dtype=np.float32)
    core[:, 0, 0] = 1.0
    core[:, 1:3, 0] = np.where(rt, 0.0, 1.0)[:, None]
    rings = np.zeros((n, 2, dim_ring), dtype=np.float32)
    rings[np.arange(n), mod] = stim
    core[:, 1, 1:] = rings.reshape(n, -1)  # stimulus slot, or decision slot for RT tasks

    derived = {
        "target": k,
        "delay": np.where(rt, -1, delay),
        "stim_theta": stim_theta,
        "stim_shift": shift.astype(np.float64),
    }
    no_noise = np.zeros((n, N_SLOTS), dtype=bool)
    return core, no_noise, np.zeros((n, core.shape[2]), dtype=bool), k, derived
