"""Ring code shared by all task families: preferred angles, Gaussian bumps, noise level.

The float operations follow neurogym's `_gaussianbump` step by step so that noise-free trials
match neurogym's observations bit for bit once cast to float32.
"""

from __future__ import annotations

from functools import cache

import numpy as np

BUMP_PEAK = 0.8
BUMP_WIDTH = np.pi / 8  # radians, whatever the ring size
SIGMA = 1.0  # neurogym's default input-noise level; per-step std is SIGMA / sqrt(dt)


@cache
def angles_arange(dim_ring: int) -> np.ndarray:
    """Preferred angles [dim_ring] as the Reach family builds them (`arange`); read-only."""
    out = np.arange(0, 2 * np.pi, 2 * np.pi / dim_ring)[:dim_ring]
    out.flags.writeable = False
    return out


@cache
def angles_linspace(dim_ring: int) -> np.ndarray:
    """Preferred angles [dim_ring] as the DM and match families build them (`linspace`);
    read-only."""
    out = np.linspace(0, 2 * np.pi, dim_ring + 1)[:-1]
    out.flags.writeable = False
    return out


def bump(loc: np.ndarray, strength: np.ndarray | float, theta: np.ndarray) -> np.ndarray:
    """Gaussian bump 0.8·exp(-d²/2(π/8)²)·strength on the ring, float64.

    Args:
        loc: [...] bump centres in radians (any real value; distance is circular).
        strength: [...] or scalar, multiplies the bump.
        theta: [R] preferred angles of the ring units.

    Returns:
        [..., R] float64 unit activations.
    """
    diff = np.abs(np.asarray(loc, dtype=np.float64)[..., None] - theta)
    dist = np.minimum(diff, 2 * np.pi - diff)
    dist /= BUMP_WIDTH
    return BUMP_PEAK * np.exp(-(dist**2) / 2) * np.asarray(strength, dtype=np.float64)[..., None]


def noise_std(dt: int) -> float:
    """Per-step input-noise std, sigma / sqrt(dt): 0.1 at dt = 100 ms."""
    return SIGMA / np.sqrt(dt)
