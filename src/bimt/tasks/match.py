"""Match family: dms, dnms, dmc, dnmc (and their Mod-Cog variants).

A strength-1 sample bump in `sample` and a test bump in `test`, on the same ring, noise on
that ring in both periods. Match-to-sample: the test is the sample (match) or opposite it.
Match-to-category: category of the sample is i_s > R/2, of the test i_t >= R/2 (neurogym's
index-R/2 inconsistency, kept). Respond at the test location during `decision` when
(match and go-on-match) or (non-match and go-on-non-match); otherwise fixate throughout.
"""

from __future__ import annotations

import numpy as np

REQUIRED = ("i_sample", "i_test", "match", "modality")


def _expected_test_category(i_sample: np.ndarray, match: np.ndarray, half: int) -> np.ndarray:
    sample_cat = (i_sample > half).astype(np.int64)
    return np.where(match == 1, sample_cat, 1 - sample_cat)



def test_grid(dim_ring: int, category: bool) -> dict:
    """Sample location × match × modality (× 4 test locations for the category tasks)."""
    half = dim_ring // 2
    offsets = np.arange(0, half, max(1, half // 4)) if category else np.array([0])
    i_s, match, mod, off = (
        g.ravel()
        for g in np.meshgrid(np.arange(dim_ring), [1, 0], [0, 1], offsets, indexing="ij")
    )
    if category:
        i_t = off + _expected_test_category(i_s, match, half) * half
    else:
        i_t = np.where(match == 1, i_s, (i_s + half) % dim_ring)
    return {"match": match, "i_sample": i_s, "i_test": i_t, "modality": mod}


def check(params: dict, sw: dict, dim_ring: int) -> list[str]:
    errs = []
    half = dim_ring // 2
    i_s, i_t, match = params["i_sample"], params["i_test"], params["match"]
    if np.any((i_s < 0) | (i_s >= dim_ring) | (i_t < 0) | (i_t >= dim_ring)):
        return [f"i_sample and i_test must be ring indices in 0..{dim_ring - 1}"]
    if np.any((match != 0) & (match != 1)):
        return ["match must be 0 or 1"]
    if np.any((params["modality"] != 0) & (params["modality"] != 1)):
        errs.append("modality must be 0 or 1")
    cat_ok = (i_t >= half).astype(np.int64) == _expected_test_category(i_s, match, half)
    same_ok = i_t == np.where(match == 1, i_s, (i_s + half) % dim_ring)
    if np.any(~np.where(sw["category"], cat_ok, same_ok)):
        errs.append(
            "i_test contradicts match: match-to-sample needs i_test == i_sample on match and "
            "(i_sample + R/2) mod R on non-match; match-to-category needs category(i_test) = "
            "[i_test >= R/2] equal to category(i_sample) = [i_sample > R/2] iff match"
        )
    return errs
