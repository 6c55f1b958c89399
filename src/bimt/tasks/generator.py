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

from dataclasses import dataclass

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
N_UNIFORMS = 6 + N_SLOTS  # six parameter uniforms, then one per duration slot

# Integer keys drawn by `sample_params`, and the family each applies to.
SAMPLED_INTS = (
    "ground_truth", "modality", "i_theta1", "i_theta2", "tie_winner", "i_sample", "i_test",
    "match",
)  # fmt: skip
_INT_FAMILIES = ((REACH,), (REACH, MATCH), (DM, DLYDM), (DM, DLYDM), (DM, DLYDM), (MATCH,),
                 (MATCH,), (MATCH,))  # fmt: skip


@dataclass(frozen=True)
class Tables:
    """Per-task constants derived once from the suite's attribute table [tasks, ATTRS], so
    that `layout` gathers them per row instead of recomputing them (n_t tasks, R ring units,
    C = 1 + 2R channels)."""

    attr: np.ndarray  # [n_t, len(ATTRS)] int64
    on: np.ndarray  # [n_t, 2] bool: DM-family ring shows stimuli
    w: np.ndarray  # [n_t, 2] int64: DM evidence weights
    fix: np.ndarray  # [n_t, N_SLOTS] float32: fixation input per slot
    noise_slot: np.ndarray  # [n_t, N_SLOTS] bool
    noise_ch: np.ndarray  # [n_t, 2, C] bool, by modality
    comp_slot: np.ndarray  # [n_t, 4] int64: slot of each component (N_SLOTS = unused)
    comp_ring: np.ndarray  # [n_t, 2, 4] int64: ring of each component, by modality
    bump_grid: np.ndarray  # [R, R] float64: strength-1 bump centred on each unit (linspace)
    category: np.ndarray  # [n_t] bool: match-to-category
    int_applies: np.ndarray  # [n_t, len(SAMPLED_INTS)] bool
    strengths: np.ndarray  # [n_t, 2, 8, 2] float64: strength conditions per ring (NaN: none)
    n_strengths: np.ndarray  # [n_t] int64: conditions per ring (8 dm, 6 dlydm, 1 otherwise)
    dm_modality: np.ndarray  # [n_t] int64: 0 / 1 single-ring DM, -1 both rings


def build_tables(attr: np.ndarray, dim_ring: int) -> Tables:
    """The per-task constants of `Tables` from the attribute table."""
    c = {name: attr[:, i] for name, i in COL.items()}
    fam = c["family"]
    is_dm, is_match = fam == DM, fam == MATCH
    is_dmf = is_dm | (fam == DLYDM)
    on = np.stack([c["stim1"], c["stim2"]], axis=1).astype(bool) & is_dmf[:, None]
    s = np.arange(N_SLOTS)[None, :]
    fix = (s < c["decision_slot"][:, None]) & ((s == 0) | (c["fix_until"][:, None] == 1))
    second = np.where(is_dm, 1, 3)[:, None]
    noise_slot = ((s == 1) | ((s == 3) & (second == 3))) & (is_dmf | is_match)[:, None]
    ch = np.zeros((len(attr), 2, 1 + 2 * dim_ring), dtype=bool)
    for m in (0, 1):
        ch[:, m, 0] = is_dmf & (c["noise_all"] == 1)
        ch[:, m, 1:] = np.where(is_dmf[:, None], True, False)
        ring = np.zeros(2 * dim_ring, dtype=bool)
        ring[m * dim_ring : (m + 1) * dim_ring] = True
        ch[is_match, m, 1:] = ring
    pad = N_SLOTS
    comp_slot = np.full((len(attr), 4), pad)
    comp_slot[:, 0] = np.where(~is_dmf | on[:, 0], 1, pad)
    comp_slot[:, 1] = np.where(is_match | on[:, 0], second[:, 0], pad)
    comp_slot[:, 2] = np.where(on[:, 1], 1, pad)
    comp_slot[:, 3] = np.where(on[:, 1], second[:, 0], pad)
    comp_ring = np.tile(np.array([0, 0, 1, 1]), (len(attr), 2, 1))
    comp_ring[~is_dmf, 1, :2] = 1  # reach and match: the first two follow the modality
    th_l = angles_linspace(dim_ring)
    # neurogym: DM c = choice(cohs) · choice([-1, 1]), strengths 0.5 ± c/2; delayed DM an
    # ordered pair drawn without replacement.
    coh = np.array([lv * sg for lv in DM_COHS for sg in (-1, 1)])
    dm_pairs = np.stack([0.5 + coh / 2, 0.5 - coh / 2], axis=1)  # [8, 2]
    dly = [(a, b) for a in DLYDM_STRENGTHS for b in DLYDM_STRENGTHS if a != b]
    dly_pairs = np.full((8, 2), np.nan)
    dly_pairs[: len(dly)] = dly
    strengths = np.full((len(attr), 2, 8, 2), np.nan)
    for ring in (0, 1):
        strengths[on[:, ring] & is_dm, ring] = dm_pairs
        strengths[on[:, ring] & (fam == DLYDM), ring] = dly_pairs
    n_strengths = np.where(is_dm, 8, np.where(fam == DLYDM, len(dly), 1))
    applies = np.array([[f in fams for fams in _INT_FAMILIES] for f in fam], dtype=bool)
    return Tables(
        attr=attr,
        on=on,
        w=np.stack([c["w1"], c["w2"]], axis=1),
        fix=fix.astype(np.float32),
        noise_slot=noise_slot,
        noise_ch=ch,
        comp_slot=comp_slot,
        comp_ring=comp_ring,
        bump_grid=bump(th_l, 1.0, th_l),
        dm_modality=np.where(on[:, 0] & on[:, 1], -1, np.where(on[:, 0], 0, 1)),
        category=c["category"] == 1,
        int_applies=applies.reshape(len(attr), len(SAMPLED_INTS)),
        strengths=strengths,
        n_strengths=n_strengths,
    )


def sample_params(
    u: np.ndarray, tid: np.ndarray, tab: Tables, dim_ring: int
) -> dict[str, np.ndarray]:
    """Trial parameters of every row from uniforms u [B, N_UNIFORMS] (input keys only; keys
    that do not apply to a row hold -1 / NaN).

    reach: target k and modality uniform. dm/dlydm: i1 uniform, i2 uniform over the other
    indices; per stimulated ring a strength condition uniform over `Tables.strengths` (dm:
    0.5 ± c/2 with c = ±{0.08, 0.16, 0.32, 0.64}; dlydm: an ordered pair from {0.3, 0.6,
    1.0}); a coin for exact ties. match: match, sample and modality uniform; test = sample /
    opposite (to sample) or uniform in the half of the required category (to category).
    """
    n = len(tid)
    half = dim_ring // 2
    first = (u[:, 0] * dim_ring).astype(np.int64)
    flip = (u[:, 5] * 2).astype(np.int64)  # match, or the tie coin
    test_cat = np.where(flip == 1, first > half, first <= half)
    cat_test = (u[:, 2] * half).astype(np.int64) + test_cat * half
    same_test = np.where(flip == 1, first, (first + half) % dim_ring)
    ints = np.empty((n, len(SAMPLED_INTS)), dtype=np.int64)
    ints[:, 0] = first
    ints[:, 1] = (u[:, 1] * 2).astype(np.int64)
    ints[:, 2] = first
    ints[:, 3] = (first + 1 + (u[:, 2] * (dim_ring - 1)).astype(np.int64)) % dim_ring
    ints[:, 4] = 1 + flip
    ints[:, 5] = first
    ints[:, 6] = np.where(tab.category[tid], cat_test, same_test)
    ints[:, 7] = flip
    ints = np.where(tab.int_applies[tid], ints, -1)
    # Strengths [B, ring, (stimulus 1, stimulus 2)], NaN on rings without stimuli.
    j = (u[:, 3:5] * tab.n_strengths[tid][:, None]).astype(np.int64)
    st = tab.strengths[tid[:, None], np.arange(2)[None, :], j]
    out = {k: ints[:, i] for i, k in enumerate(SAMPLED_INTS)}
    out.update(coh1_mod1=st[:, 0, 0], coh2_mod1=st[:, 0, 1], coh1_mod2=st[:, 1, 0],
               coh2_mod2=st[:, 1, 1])  # fmt: skip
    return out


def layout(
    tab: Tables,
    tid: np.ndarray,
    params: dict[str, np.ndarray],
    dur: np.ndarray,
    dim_ring: int,
    dt: int,
) -> tuple[Layout, dict[str, np.ndarray]]:
    """Layout and derived parameters of every row.

    Args:
        tab: the suite's per-task constants.
        tid: [B] task index of each row.
        params: the input keys of the schema, each [B] (-1 / NaN where not applicable).
        dur: [B, N_SLOTS] int64 period durations in ms, in the task's period order.
        dim_ring, dt: ring size and time step.
    """
    n = len(tid)
    attr = tab.attr[tid]
    fam = attr[:, COL["family"]]
    is_reach, is_dly, is_match = fam == REACH, fam == DLYDM, fam == MATCH
    is_dmf = is_dly | (fam == DM)
    integ = attr[:, COL["integrate"]]
    has_delay = ((fam == REACH) & (attr[:, COL["reaction"]] == 0)) | is_dly | is_match
    delay = np.where(has_delay, dur[:, 2], 0)

    # Keys that do not apply to a row hold -1; such rows index the last table entry and
    # their results are discarded, so no clipping is needed.
    # Reach: Mod-Cog's θ_k + (integrate·ω)·delay + anti·π, mod 2π (= neurogym's without int).
    k = params["ground_truth"]
    stim_shift = (integ * OMEGA) * delay
    anti_pi = attr[:, COL["anti"]] * np.pi
    stim_theta = np.mod(angles_arange(dim_ring)[k] + stim_shift + anti_pi, 2 * np.pi)

    # DM: weighted evidence summed ring by ring in neurogym's order; ties to tie_winner.
    on = tab.on[tid]
    c1 = np.empty((n, 2))
    c1[:, 0], c1[:, 1] = params["coh1_mod1"], params["coh1_mod2"]
    c2 = np.empty((n, 2))
    c2[:, 0], c2[:, 1] = params["coh2_mod1"], params["coh2_mod2"]
    c1, c2 = np.where(on, c1, 0.0), np.where(on, c2, 0.0)
    w = tab.w[tid]
    wc1, wc2 = w * c1, w * c2
    diff = (wc1[:, 0] + wc1[:, 1]) - (wc2[:, 0] + wc2[:, 1])
    pick1 = (diff > TIE_TOL) | ((np.abs(diff) <= TIE_TOL) & (params["tie_winner"] != 2))
    i1, i2 = params["i_theta1"], params["i_theta2"]
    i_s, i_t = params["i_sample"], params["i_test"]
    go = (params["match"] == 1) == (attr[:, COL["matchgo"]] == 1)

    # Target; Mod-Cog int moves it by integrate·ω·delay ring indices (not in Reach).
    target = np.where(is_reach, k, np.where(is_dmf, np.where(pick1, i1, i2), i_t))
    shift = np.zeros(n, dtype=np.int64)
    if integ.any():
        moved = np.floor(np.mod(target + integ * (OMEGA * delay), dim_ring)).astype(np.int64)
        target = np.where(is_reach | (integ == 0), target, moved)
        shift = np.where(is_reach, 0, integ * np.round(OMEGA * delay)).astype(np.int64)
    target = np.where(is_match & ~go, -1, target)

    # Components [B, 4]: angle, strength, slot, ring; unused ones go to the padding slot.
    mod = params["modality"]  # -1 (DM rows) reads modality 1: identical for those tasks
    loc_idx = np.empty((n, 4), dtype=np.int64)
    loc_idx[:, 0::2] = np.where(is_match, i_s, i1)[:, None]
    loc_idx[:, 1::2] = np.where(is_match, i_t, i2)[:, None]
    strength = np.empty((n, 4))
    strength[:, 0::2] = np.where(is_dmf[:, None], c1, 1.0)
    strength[:, 1::2] = np.where(is_dmf[:, None], c2, 1.0)
    slot = tab.comp_slot[tid]
    ring = tab.comp_ring[tid, mod]
    # On-grid bumps come from a table (0.8·exp(..) at strength 1, then × strength: the same
    # float operations as the formula); the Reach stimulus can be off the grid.
    b64 = tab.bump_grid[loc_idx] * strength[:, :, None]  # [B, 4, R]
    reach_rows = np.flatnonzero(is_reach)
    if len(reach_rows):
        b64[reach_rows, 0] = bump(stim_theta[reach_rows], 1.0, angles_arange(dim_ring))
    vals = b64.astype(np.float32)
    # DM: a pair sharing ring and slot is summed the way neurogym adds into a float32 array.
    same = (slot[:, 0::2] == slot[:, 1::2]) & (slot[:, 0::2] != N_SLOTS)  # [B, 2]
    if same.any():
        summed = (vals[:, 0::2].astype(np.float64) + b64[:, 1::2]).astype(np.float32)
        vals[:, 0::2] = np.where(same[:, :, None], summed, vals[:, 0::2])
        vals[:, 1::2] = np.where(same[:, :, None], summed, vals[:, 1::2])
    # The input vector of every (row, slot): fixation, rings, rule; the padding slot is zero.
    n_rules = len(tab.attr)
    pattern = np.zeros((n, N_SLOTS + 1, 1 + 2 * dim_ring + n_rules), dtype=np.float32)
    rings = pattern[:, :, 1 : 1 + 2 * dim_ring].reshape(n, N_SLOTS + 1, 2, dim_ring)  # a view
    rings[np.arange(n)[:, None], slot, ring] = vals
    pattern[:, N_SLOTS] = 0.0  # unused components were parked in the padding slot
    pattern[:, :N_SLOTS, 0] = tab.fix[tid]
    pattern[np.arange(n), :N_SLOTS, 1 + 2 * dim_ring + tid] = 1.0

    seq = attr[:, COL["seq"]]
    lay = Layout(
        steps=dur // dt,
        pattern=pattern,
        noise_slot=tab.noise_slot[tid],
        noise_ch=tab.noise_ch[tid, mod],
        decision_slot=attr[:, COL["decision_slot"]],
        target=target,
        seq=seq,
        label_bug=attr[:, COL["label_bug"]] == 1,
    )
    coh = np.where(on, c1 - c2, np.nan)
    derived = {
        "target": target,
        "modality": np.where(is_dmf, tab.dm_modality[tid], params["modality"]),
        "delay": np.where(has_delay, delay, -1),
        "target_shift": shift,
        "seq": seq,
        "coh_mod1": coh[:, 0],
        "coh_mod2": coh[:, 1],
        "stim_theta": np.where(is_reach, stim_theta, np.nan),
        "stim_shift": np.where(is_reach, stim_shift, np.nan),
    }
    return lay, derived
