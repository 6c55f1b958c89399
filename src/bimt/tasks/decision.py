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

DM_COHS = np.array([0.08, 0.16, 0.32, 0.64])
DLYDM_STRENGTHS = np.array([0.3, 0.6, 1.0])
TIE_TOL = 1e-6  # neurogym breaks ties with u ~ U(-1e-6, 1e-6)
REQUIRED = ("i_theta1", "i_theta2")  # plus coh1/coh2 of each stimulated ring
COH_KEYS = (("coh1_mod1", "coh2_mod1"), ("coh1_mod2", "coh2_mod2"))



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
    on = np.stack([sw["stim1"], sw["stim2"]], axis=1).astype(bool)
    for m, keys in enumerate(COH_KEYS):
        for key in keys:
            if np.any(on[:, m] & ~np.isfinite(params[key])):
                errs.append(f"{key} must be finite on a task that shows stimuli on ring {m + 1}")
    tie = params.get("tie_winner")
    if tie is not None and np.any((tie != 1) & (tie != 2)):
        errs.append("tie_winner must be 1 or 2")
    return errs
