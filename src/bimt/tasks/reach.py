"""Reach family: go, rtgo, dlygo, anti, rtanti, dlyanti (and their Mod-Cog variants).

One strength-1 bump at θ_k (+π for anti, + the Mod-Cog int rotation) on the chosen ring,
shown during `stimulus` (or throughout `decision` for RT tasks); no noise. Fixation input on
until `decision`. Label 1 + k during `decision`.
"""

from __future__ import annotations

import numpy as np

REQUIRED = ("ground_truth", "modality")



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
