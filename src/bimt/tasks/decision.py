"""Decision-making families: DM (dm1, dm2, ctxdm1/2, multidm) and delayed DM (dlydm1/2,
ctxdlydm1/2, multidlydm), with their Mod-Cog variants.

Two stimuli at distinct ring indices i1, i2. DM: both shown together during `stimulus` with
strengths 0.5 ± c/2 per stimulated ring (c = ±{0.08, 0.16, 0.32, 0.64}). Delayed DM: stimulus
1 in `stim1`, stimulus 2 in `stim2`, strengths an ordered pair from {0.3, 0.6, 1.0} per ring.
The target is the stimulus with the larger weighted strength (weights w_mod); exact ties
(multi tasks) go to `tie_winner`, a coin flip when sampled.
"""

from __future__ import annotations

import numpy as np

from bimt.tasks.modcog import OMEGA
from bimt.tasks.ring import angles_linspace, bump
from bimt.tasks.taskdef import N_SLOTS

DM_COHS = np.array([0.08, 0.16, 0.32, 0.64])
DLYDM_STRENGTHS = np.array([0.3, 0.6, 1.0])
TIE_TOL = 1e-6  # neurogym breaks ties with u ~ U(-1e-6, 1e-6)
REQUIRED = ("i_theta1", "i_theta2")  # plus coh1/coh2 of each stimulated ring
COH_KEYS = (("coh1_mod1", "coh2_mod1"), ("coh1_mod2", "coh2_mod2"))


def _stim_mod(sw: dict) -> np.ndarray:
    return np.stack([sw["stim1"], sw["stim2"]], axis=1)  # [n, 2] bool


def sample(rng: np.random.Generator, sw: dict, dim_ring: int, delayed: bool) -> dict:
    n = len(sw["stim1"])
    i1 = rng.integers(dim_ring, size=n)
    i2 = (i1 + 1 + rng.integers(dim_ring - 1, size=n)) % dim_ring  # uniform over the others
    if delayed:
        a = rng.integers(3, size=(n, 2))
        b = (a + 1 + rng.integers(2, size=(n, 2))) % 3  # ordered pair without replacement
        c1, c2 = DLYDM_STRENGTHS[a], DLYDM_STRENGTHS[b]
    else:
        coh = DM_COHS[rng.integers(4, size=(n, 2))] * rng.choice([-1, 1], size=(n, 2))
        c1, c2 = 0.5 + coh / 2, 0.5 - coh / 2
    on = _stim_mod(sw)
    c1, c2 = np.where(on, c1, np.nan), np.where(on, c2, np.nan)
    return {
        "i_theta1": i1,
        "i_theta2": i2,
        "coh1_mod1": c1[:, 0],
        "coh2_mod1": c2[:, 0],
        "coh1_mod2": c1[:, 1],
        "coh2_mod2": c2[:, 1],
        "tie_winner": 1 + rng.integers(2, size=n),
    }


def test_grid(dim_ring: int, stim_mod: tuple[bool, bool], delayed: bool) -> dict:
    """Locations (stimulus 2 opposite stimulus 1) × strength conditions of each stimulated
    ring; fewer locations for two-ring tasks so a task stays at a few hundred trials."""
    both = all(stim_mod)
    if delayed:
        pairs = [(a, b) for a in range(3) for b in range(3) if a != b]
        conds = [(DLYDM_STRENGTHS[a], DLYDM_STRENGTHS[b]) for a, b in pairs]
        locs = np.arange(0, dim_ring, 2 if both else 1)
    else:
        cohs = np.concatenate([-DM_COHS[::-1], DM_COHS])
        conds = [(0.5 + c / 2, 0.5 - c / 2) for c in cohs]
        locs = np.arange(0, dim_ring, max(1, dim_ring // 4) if both else 1)
    cond = np.array(conds)  # [K, 2]
    k1 = np.arange(len(cond)) if stim_mod[0] else np.array([0])
    k2 = np.arange(len(cond)) if stim_mod[1] else np.array([0])
    loc, j1, j2 = (g.ravel() for g in np.meshgrid(locs, k1, k2, indexing="ij"))
    nan = np.full(len(loc), np.nan)
    return {
        "i_theta1": loc,
        "i_theta2": (loc + max(1, dim_ring // 2)) % dim_ring,
        "coh1_mod1": cond[j1, 0] if stim_mod[0] else nan,
        "coh2_mod1": cond[j1, 1] if stim_mod[0] else nan,
        "coh1_mod2": cond[j2, 0] if stim_mod[1] else nan,
        "coh2_mod2": cond[j2, 1] if stim_mod[1] else nan,
        "tie_winner": np.ones(len(loc), dtype=np.int64),
    }


def check(params: dict, sw: dict, dim_ring: int) -> list[str]:
    errs = []
    i1, i2 = params["i_theta1"], params["i_theta2"]
    if np.any((i1 < 0) | (i1 >= dim_ring) | (i2 < 0) | (i2 >= dim_ring)):
        errs.append(f"i_theta1 and i_theta2 must be ring indices in 0..{dim_ring - 1}")
    if np.any(i1 == i2):
        errs.append("i_theta1 and i_theta2 must differ")
    on = _stim_mod(sw)
    for m, keys in enumerate(COH_KEYS):
        for key in keys:
            if np.any(on[:, m] & ~np.isfinite(params[key])):
                errs.append(f"{key} must be finite on a task that shows stimuli on ring {m + 1}")
    tie = params.get("tie_winner")
    if tie is not None and np.any((tie != 1) & (tie != 2)):
        errs.append("tie_winner must be 1 or 2")
    return errs


def layout(sw: dict, params: dict, dur: np.ndarray, dim_ring: int, delayed: bool) -> tuple:
    """(core [n,S,C], noise_slot [n,S], noise_ch [n,C], target [n], derived params)."""
    i1 = params["i_theta1"].astype(np.int64)
    i2 = params["i_theta2"].astype(np.int64)
    n = len(i1)
    tie = np.asarray(params.get("tie_winner", np.ones(n, dtype=np.int64)))
    on = _stim_mod(sw)
    c1 = np.stack([params["coh1_mod1"], params["coh1_mod2"]], axis=1).astype(np.float64)
    c2 = np.stack([params["coh2_mod1"], params["coh2_mod2"]], axis=1).astype(np.float64)
    c1, c2 = np.where(on, c1, 0.0), np.where(on, c2, 0.0)
    w = np.stack([sw["w1"], sw["w2"]], axis=1)

    # Weighted evidence summed ring by ring, in neurogym's order.
    s1 = np.where(on[:, 0], w[:, 0] * c1[:, 0], 0.0) + np.where(on[:, 1], w[:, 1] * c1[:, 1], 0.0)
    s2 = np.where(on[:, 0], w[:, 0] * c2[:, 0], 0.0) + np.where(on[:, 1], w[:, 1] * c2[:, 1], 0.0)
    diff = s1 - s2
    first = (diff > TIE_TOL) | ((np.abs(diff) <= TIE_TOL) & (tie == 1))
    chosen = np.where(first, i1, i2)
    delay = dur[:, 2] if delayed else np.zeros(n, dtype=np.int64)
    integ = sw["integrate"]
    shifted = np.floor(np.mod(chosen + integ * (OMEGA * delay), dim_ring)).astype(np.int64)
    target = np.where(integ != 0, shifted, chosen)

    theta = angles_linspace(dim_ring)
    b1 = bump(theta[i1][:, None], c1, theta)  # [n, 2, R] float64
    b2 = bump(theta[i2][:, None], c2, theta)
    core = np.zeros((n, N_SLOTS, 1 + 2 * dim_ring), dtype=np.float32)
    core[:, 0, 0] = 1.0
    until = sw["fix_until"].astype(np.float32)[:, None]
    if delayed:
        core[:, 1:4, 0] = until
        core[:, 1, 1:] = b1.astype(np.float32).reshape(n, -1)
        core[:, 3, 1:] = b2.astype(np.float32).reshape(n, -1)
        noise_slot = np.zeros((n, N_SLOTS), dtype=bool)
        noise_slot[:, [1, 3]] = True
    else:
        core[:, 1, 0] = until[:, 0]
        # neurogym adds the two bumps one after the other into a float32 array.
        both = (b1.astype(np.float32).astype(np.float64) + b2).astype(np.float32)
        core[:, 1, 1:] = both.reshape(n, -1)
        noise_slot = np.zeros((n, N_SLOTS), dtype=bool)
        noise_slot[:, 1] = True
    noise_ch = np.ones((n, 1 + 2 * dim_ring), dtype=bool)
    noise_ch[:, 0] = sw["noise_all"]

    coh = np.where(on, c1 - c2, np.nan)
    derived = {
        "target": target,
        "modality": np.where(on[:, 0] & on[:, 1], -1, np.where(on[:, 0], 0, 1)),
        "coh_mod1": coh[:, 0],
        "coh_mod2": coh[:, 1],
        "delay": delay if delayed else np.full(n, -1, dtype=np.int64),
        "target_shift": np.where(integ != 0, integ * np.round(OMEGA * delay), 0).astype(np.int64),
    }
    return core, noise_slot, noise_ch, target, derived
