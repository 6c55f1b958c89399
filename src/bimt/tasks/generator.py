"""The trial generator: one vectorised pass over a whole mixed batch.

Every task is described by static switches (a row of the suite's attribute table), trial
parameters (the schema of `bimt.tasks.params`) and period durations. `layout` turns these
into a `Layout` for all rows at once, whatever their family, with `np.where` over family
masks instead of per-family passes; `render.draw` then builds the tensors. `sample_params`
draws the parameters of all rows from one block of uniforms. `sample`, `test_trials` and
`render` of `TaskSuite` all end in `layout` + `draw`.

Every trial is at most four ring bumps ("components"), each shown on one ring during one
slot (period position):

| family | c0             | c1              | c2             | c3              |
|--------|----------------|-----------------|----------------|-----------------|
| reach  | stim, slot 1   | -               | -              | -               |
| dm     | θ1, r1, slot 1 | θ2, r1, slot 1  | θ1, r2, slot 1 | θ2, r2, slot 1  |
| dlydm  | θ1, r1, slot 1 | θ2, r1, slot 3  | θ1, r2, slot 1 | θ2, r2, slot 3  |
| match  | sample, slot 1 | test, slot 3    | -              | -               |

(RT reach shows its stimulus in slot 1 = `decision`.) Two bumps that share a ring and a slot
(DM) are summed in float32 in neurogym's order.
"""

from __future__ import annotations

import numpy as np

from bimt.tasks.decision import DLYDM_STRENGTHS, DM_COHS, TIE_TOL
from bimt.tasks.modcog import OMEGA
from bimt.tasks.render import Layout
from bimt.tasks.ring import angles_arange, angles_linspace, bump
from bimt.tasks.taskdef import N_SLOTS

# Columns of the suite's per-task attribute table.
ATTRS = (
    "family", "anti", "reaction", "w1", "w2", "stim1", "stim2", "category", "matchgo",
    "integrate", "seq", "label_bug", "fix_until", "noise_all", "decision_slot",
)  # fmt: skip
COL = {name: i for i, name in enumerate(ATTRS)}
REACH, DM, DLYDM, MATCH = range(4)
N_UNIFORMS = 8 + N_SLOTS  # parameter uniforms, then one per duration slot


def sample_params(u: np.ndarray, attr: np.ndarray, dim_ring: int) -> dict[str, np.ndarray]:
    """Trial parameters of every row from uniforms u [B, N_UNIFORMS] (input keys only; keys
    that do not apply to a row hold -1 / NaN).

    reach: target k and modality uniform. dm/dlydm: i1 uniform, i2 uniform over the other
    indices; per stimulated ring, dm c = ±{0.08, 0.16, 0.32, 0.64} (strengths 0.5 ± c/2),
    dlydm an ordered pair from {0.3, 0.6, 1.0}; a coin for exact ties. match: match,
    sample and modality uniform; test = sample / opposite (to sample) or uniform in the half
    of the required category (to category).
    """
    fam = attr[:, COL["family"]]
    is_reach, is_match = fam == REACH, fam == MATCH
    is_dmf, is_dly = (fam == DM) | (fam == DLYDM), fam == DLYDM
    half = dim_ring // 2
    first = np.floor(u[:, 0] * dim_ring).astype(np.int64)
    coin = np.floor(u[:, 1] * 2).astype(np.int64)
    other = (first + 1 + np.floor(u[:, 2] * (dim_ring - 1)).astype(np.int64)) % dim_ring

    # Ring strengths, [B, 2]: DM coherence level × sign, or a delayed-DM ordered pair.
    lvl = np.floor(u[:, [3, 5]] * np.where(is_dly, 3, 4)[:, None]).astype(np.int64)
    alt = np.floor(u[:, [4, 6]] * 2).astype(np.int64)
    coh = DM_COHS[np.minimum(lvl, 3)] * (2 * alt - 1)
    pair2 = (lvl + 1 + alt) % 3
    s1 = np.where(is_dly[:, None], DLYDM_STRENGTHS[np.minimum(lvl, 2)], 0.5 + coh / 2)
    s2 = np.where(is_dly[:, None], DLYDM_STRENGTHS[pair2], 0.5 - coh / 2)
    on = np.stack([attr[:, COL["stim1"]], attr[:, COL["stim2"]]], axis=1).astype(bool)
    on &= is_dmf[:, None]
    s1, s2 = np.where(on, s1, np.nan), np.where(on, s2, np.nan)

    flip = np.floor(u[:, 7] * 2).astype(np.int64)
    sample_cat = (first > half).astype(np.int64)
    test_cat = np.where(flip == 1, sample_cat, 1 - sample_cat)  # flip = match here
    cat_test = np.floor(u[:, 2] * half).astype(np.int64) + test_cat * half
    same_test = np.where(flip == 1, first, (first + half) % dim_ring)
    i_test = np.where(attr[:, COL["category"]] == 1, cat_test, same_test)
    none = np.int64(-1)
    return {
        "ground_truth": np.where(is_reach, first, none),
        "modality": np.where(is_reach | is_match, coin, none),
        "i_theta1": np.where(is_dmf, first, none),
        "i_theta2": np.where(is_dmf, other, none),
        "coh1_mod1": s1[:, 0],
        "coh2_mod1": s2[:, 0],
        "coh1_mod2": s1[:, 1],
        "coh2_mod2": s2[:, 1],
        "tie_winner": np.where(is_dmf, 1 + flip, none),
        "i_sample": np.where(is_match, first, none),
        "i_test": np.where(is_match, i_test, none),
        "match": np.where(is_match, flip, none),
    }


def layout(
    attr: np.ndarray, params: dict[str, np.ndarray], dur: np.ndarray, dim_ring: int, dt: int
) -> tuple[Layout, dict[str, np.ndarray]]:
    """Layout and derived parameters of every row.

    Args:
        attr: [B, len(ATTRS)] int64 static switches of each row's task.
        params: the input keys of the schema, each [B] (-1 / NaN where not applicable).
        dur: [B, N_SLOTS] int64 period durations in ms, in the task's period order.
        dim_ring, dt: ring size and time step.
    """
    n = len(attr)
    a = {name: attr[:, i] for name, i in COL.items()}
    fam = a["family"]
    is_reach, is_dm, is_dly, is_match = (fam == f for f in (REACH, DM, DLYDM, MATCH))
    is_dmf = is_dm | is_dly
    rt = a["reaction"] == 1
    integ = a["integrate"]
    has_delay = (is_reach & ~rt) | is_dly | is_match
    delay = np.where(has_delay, dur[:, 2], 0)

    # Reach: Mod-Cog's θ_k + (integrate·ω)·delay + anti·π, mod 2π (= neurogym's without int).
    k = np.maximum(params["ground_truth"], 0)
    th_a, th_l = angles_arange(dim_ring), angles_linspace(dim_ring)
    stim_shift = (integ * OMEGA) * delay
    stim_theta = np.mod(th_a[k] + stim_shift + a["anti"] * np.pi, 2 * np.pi)

    # DM: weighted evidence summed ring by ring in neurogym's order; ties to tie_winner.
    on = np.stack([a["stim1"], a["stim2"]], axis=1).astype(bool) & is_dmf[:, None]
    c1 = np.where(on, np.stack([params["coh1_mod1"], params["coh1_mod2"]], axis=1), 0.0)
    c2 = np.where(on, np.stack([params["coh2_mod1"], params["coh2_mod2"]], axis=1), 0.0)
    w = np.stack([a["w1"], a["w2"]], axis=1)
    wc1, wc2 = np.where(on, w * c1, 0.0), np.where(on, w * c2, 0.0)
    diff = (wc1[:, 0] + wc1[:, 1]) - (wc2[:, 0] + wc2[:, 1])
    pick1 = (diff > TIE_TOL) | ((np.abs(diff) <= TIE_TOL) & (params["tie_winner"] != 2))
    i1, i2 = np.maximum(params["i_theta1"], 0), np.maximum(params["i_theta2"], 0)
    i_s, i_t = np.maximum(params["i_sample"], 0), np.maximum(params["i_test"], 0)
    go = np.where(a["matchgo"] == 1, params["match"] == 1, params["match"] == 0)

    # Target; Mod-Cog int moves it by integrate·ω·delay ring indices (not in Reach).
    base = np.where(is_reach, k, np.where(is_dmf, np.where(pick1, i1, i2), i_t))
    moved = np.floor(np.mod(base + integ * (OMEGA * delay), dim_ring)).astype(np.int64)
    target = np.where(is_reach | (integ == 0), base, moved)
    target = np.where(is_match & ~go, -1, target)

    # Components [B, 4]: angle, strength, slot, ring; unused ones go to the padding slot.
    mod = np.maximum(params["modality"], 0)
    pad = N_SLOTS
    loc = np.stack([
        np.where(is_reach, stim_theta, th_l[np.where(is_match, i_s, i1)]),
        th_l[np.where(is_match, i_t, i2)],
        th_l[i1],
        th_l[i2],
    ], axis=1)  # fmt: skip
    strength = np.stack([
        np.where(is_dmf, c1[:, 0], 1.0),
        np.where(is_dmf, c2[:, 0], np.where(is_match, 1.0, 0.0)),
        c1[:, 1],
        c2[:, 1],
    ], axis=1)  # fmt: skip
    one = np.ones(n, dtype=np.int64)
    slot2 = np.where(is_dm, 1, 3)
    active = np.stack([~is_dmf | on[:, 0], is_match | on[:, 0], on[:, 1], on[:, 1]], axis=1)
    slot = np.where(active, np.stack([one, slot2, one, slot2], axis=1), pad)
    first_ring = np.where(is_dmf, 0, mod)
    ring = np.stack([first_ring, first_ring, one, one], axis=1)
    theta = np.where(is_reach[:, None], th_a, th_l)[:, None, :]  # [B, 1, R] unit angles
    b64 = bump(loc, strength, theta)  # [B, 4, R]
    vals = b64.astype(np.float32)
    for p in (0, 2):  # DM: the pair shares ring and slot; neurogym adds into a float32 array
        same = (slot[:, p] == slot[:, p + 1]) & (slot[:, p] != pad)
        summed = (vals[:, p].astype(np.float64) + b64[:, p + 1]).astype(np.float32)
        vals[same, p] = summed[same]
        vals[same, p + 1] = summed[same]
    rings = np.zeros((n, N_SLOTS + 1, 2, dim_ring), dtype=np.float32)
    rings[np.arange(n)[:, None], slot, ring] = vals
    core = np.zeros((n, N_SLOTS, 1 + 2 * dim_ring), dtype=np.float32)
    core[:, :, 1:] = rings[:, :N_SLOTS].reshape(n, N_SLOTS, 2 * dim_ring)

    dec = a["decision_slot"]
    s = np.arange(N_SLOTS)[None, :]
    core[:, :N_SLOTS, 0] = (s < dec[:, None]) & ((s == 0) | (a["fix_until"][:, None] == 1))
    stim_slots = (s == 1) | ((s == 3) & (is_dly | is_match)[:, None])
    noise_slot = stim_slots & (is_dmf | is_match)[:, None]
    ring_noise = np.where(is_match[:, None], np.arange(2)[None, :] == mod[:, None], is_dmf[:, None])
    fix_noise = (is_dmf & (a["noise_all"] == 1))[:, None]
    noise_ch = np.concatenate([fix_noise, np.repeat(ring_noise, dim_ring, axis=1)], axis=1)

    lay = Layout(
        steps=dur // dt,
        core=core,
        noise_slot=noise_slot,
        noise_ch=noise_ch,
        decision_slot=dec,
        target=target,
        seq=a["seq"],
        label_bug=a["label_bug"] == 1,
    )
    coh = np.where(on, c1 - c2, np.nan)
    dm_modality = np.where(on[:, 0] & on[:, 1], -1, np.where(on[:, 0], 0, 1))
    shift = np.where(is_reach, 0, integ * np.round(OMEGA * delay)).astype(np.int64)
    derived = {
        "target": target,
        "modality": np.where(is_dmf, dm_modality, params["modality"]),
        "delay": np.where(has_delay, delay, -1),
        "target_shift": shift,
        "seq": a["seq"],
        "coh_mod1": coh[:, 0],
        "coh_mod2": coh[:, 1],
        "stim_theta": np.where(is_reach, stim_theta, np.nan),
        "stim_shift": np.where(is_reach, stim_shift, np.nan),
    }
    return lay, derived
