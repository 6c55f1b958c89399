"""The trial generator: one vectorised pass over a whole mixed batch.

Every task is described by static switches (a row of the suite's attribute table), trial
parameters (the schema of `bimt.tasks.params`) and period durations. `layout` turns these
into a `Layout` for all rows at once, whatever their family, with `np.where` over family
masks instead of per-family passes; `render.draw` then builds the tensors. `sample_params`
draws the parameters of all rows from one block of uniforms. `sample`, `test_trials` and
`render` of `TaskSuite` all end in `layout` + `draw`.

At the batch sizes of training (B = 64) the arrays are tiny and the time goes into the number
of numpy calls, not their size; so whatever depends on the task only (fixation and rule inputs
per slot, noise slots and channels, component slots, bump shapes, draw ranges) is computed once
per suite in `Tables` and gathered per row (`ndarray.take`).

Every trial is at most four ring bumps ("components"), each shown on one ring during one
slot (period position); first stimuli first, so that each pair (c0, c2), (c1, c3) is one
contiguous block of the [B, 5 R] component array (c4 is all zero):

| family | c0             | c1              | c2             | c3              |
|--------|----------------|-----------------|----------------|-----------------|
| reach  | stim, slot 1   | -               | -              | -               |
| dm     | θ1, r1, slot 1 | θ1, r2, slot 1  | θ2, r1, slot 1 | θ2, r2, slot 1  |
| dlydm  | θ1, r1, slot 1 | θ1, r2, slot 1  | θ2, r1, slot 3 | θ2, r2, slot 3  |
| match  | sample, slot 1 | -               | test, slot 3   | -               |

(RT reach shows its stimulus in slot 1 = `decision`; reach and match use the modality's
ring.) Two bumps that share a ring and a slot (DM) are summed in float32 in neurogym's order
into the second of the two, which alone is shown. The ring inputs of every (row, slot, ring)
are then one gather: the component placed there, or c4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bimt.tasks.decision import DLYDM_STRENGTHS, DM_COHS, TIE_TOL
from bimt.tasks.modcog import OMEGA
from bimt.tasks.render import Layout
from bimt.tasks.ring import angles_arange, angles_linspace, bump, noise_std
from bimt.tasks.taskdef import N_SLOTS

# Columns of the suite's per-task attribute table.
ATTRS = (
    "family", "anti", "reaction", "w1", "w2", "stim1", "stim2", "category", "matchgo",
    "integrate", "seq", "label_bug", "fix_until", "noise_all", "decision_slot",
)  # fmt: skip
COL = {name: i for i, name in enumerate(ATTRS)}
REACH, DM, DLYDM, MATCH = range(4)
# Uniform columns per row: six for the parameters, then one per duration slot.
N_UNIFORMS = 6 + N_SLOTS
# Per-task booleans of `Tables.flags`; on1/on2 stay adjacent (sliced together).
FLAGS = (
    "reach", "dmf", "match", "has_delay", "category", "matchgo", "int_reach", "on1", "on2",
)  # fmt: skip
F = {name: i for i, name in enumerate(FLAGS)}
# Extra per-task integers of `Tables.ints` (after the ATTRS columns).
EXTRA = ("bump_row", "dm_modality")
X = {name: len(ATTRS) + i for i, name in enumerate(EXTRA)}

# Integer keys drawn by `sample_params`, and the family each applies to.
SAMPLED_INTS = (
    "ground_truth", "modality", "i_theta1", "i_theta2", "tie_winner", "i_sample", "i_test",
    "match",
)  # fmt: skip
_INT_FAMILIES = ((REACH,), (REACH, MATCH), (DM, DLYDM), (DM, DLYDM), (DM, DLYDM), (MATCH,),
                 (MATCH,), (MATCH,))  # fmt: skip
_INT_SOURCE = [0, 1, 0, 2, 5, 0, 2, 5]  # the uniform-integer column each key starts from
_RING_ROW = np.array([0, 8])  # rows of Tables.strengths per task: [ring, condition]


@dataclass(frozen=True)
class Tables:
    """Per-task constants derived once from the suite's attribute table [tasks, ATTRS], so
    that `layout` gathers them per row instead of recomputing them (n_t tasks, R ring units,
    C = 1 + 2R channels, n_in = C + n_t inputs)."""

    ints: np.ndarray  # [n_t, len(ATTRS) + len(EXTRA)] int64: attributes, then EXTRA
    flags: np.ndarray  # [n_t, len(FLAGS)] bool
    w: np.ndarray  # [n_t, 1, 2] int64: DM evidence weight per ring
    static: np.ndarray  # [n_t, N_SLOTS + 1, n_in] float32: fixation and rule input per slot
    noise_slot: np.ndarray  # [n_t, N_SLOTS + 1] bool: slots with input noise (padding: no)
    noise_scale: np.ndarray  # [2 n_t, C] float32: noise std per channel, row 2·task + modality
    shown: np.ndarray  # [2 n_t, N_SLOTS + 1, 2] int64: component (4: none) shown per slot
    #   and ring, rows 2·task + modality
    pair_sum: np.ndarray  # [n_t, 2R] float64: 1 on rings whose two DM stimuli are summed
    bumps: np.ndarray  # [3R + 1, R] float64: strength-1 bumps, see `build_tables`
    int_applies: np.ndarray  # [n_t, len(SAMPLED_INTS)] bool
    match_test: np.ndarray  # [2, 2, R, R - 1] int64: i_test by (category, match, i_s, draw)
    strengths: np.ndarray  # [n_t, 2, 8, 2] float64: strength conditions per ring (NaN: none)
    ranges: np.ndarray  # [n_t, N_UNIFORMS] float64: number of values each uniform picks from


def build_tables(attr: np.ndarray, dim_ring: int, dt: int, n_durations: np.ndarray) -> Tables:
    """The per-task constants of `Tables`.

    Args:
        attr: [n_t, len(ATTRS)] int64 attribute table.
        dim_ring, dt: ring size and time step (ms).
        n_durations: [n_t, N_SLOTS] int64, support size of each slot's duration.
    """
    n_t = len(attr)
    c = {name: attr[:, i] for name, i in COL.items()}
    fam = c["family"]
    is_dm, is_match, is_reach = fam == DM, fam == MATCH, fam == REACH
    is_dmf = is_dm | (fam == DLYDM)
    on = np.stack([c["stim1"], c["stim2"]], axis=1).astype(bool) & is_dmf[:, None]
    s = np.arange(N_SLOTS)[None, :]
    fix = (s < c["decision_slot"][:, None]) & ((s == 0) | (c["fix_until"][:, None] == 1))
    second = np.where(is_dm, 1, 3)[:, None]
    noise_slot = np.zeros((n_t, N_SLOTS + 1), dtype=bool)
    noise_slot[:, :N_SLOTS] = ((s == 1) | ((s == 3) & (second == 3))) & (is_dmf | is_match)[:, None]
    n_core = 1 + 2 * dim_ring
    ch = np.zeros((n_t, 2, n_core), dtype=bool)
    for m in (0, 1):
        ch[:, m, 0] = is_dmf & (c["noise_all"] == 1)
        ch[:, m, 1:] = is_dmf[:, None]
        ring = np.zeros(2 * dim_ring, dtype=bool)
        ring[m * dim_ring : (m + 1) * dim_ring] = True
        ch[is_match, m, 1:] = ring
    static = np.zeros((n_t, N_SLOTS + 1, n_core + n_t), dtype=np.float32)
    static[:, :N_SLOTS, 0] = fix
    static[np.arange(n_t), :N_SLOTS, n_core + np.arange(n_t)] = 1.0

    # Slot (None: not shown) and ring of each component; DM pairs are shown summed in c2/c3.
    same = on & is_dm[:, None]  # both stimuli of a ring in one slot
    shown = np.full((2 * n_t, N_SLOTS + 1, 2), 4)
    for t in range(n_t):
        slots = (
            1 if not is_dmf[t] or (on[t, 0] and not same[t, 0]) else None,
            1 if on[t, 1] and not same[t, 1] else None,
            int(second[t, 0]) if is_match[t] or on[t, 0] else None,
            int(second[t, 0]) if on[t, 1] else None,
        )
        for m in (0, 1):
            rings = (m, 1, m, 1) if not is_dmf[t] else (0, 1, 0, 1)
            for comp, (slot, ring) in enumerate(zip(slots, rings, strict=True)):
                if slot is not None:
                    shown[2 * t + m, slot, ring] = comp

    # Bump rows: [0, R) centred on unit i (linspace angles, DM and match); [R, 2R) the Reach
    # stimulus at θ_k, [2R, 3R) at θ_k + π, with layout's formula for integrate = 0 (adding
    # the zero shift and wrapping are exact), so the gathered values are the computed ones.
    th_l, th_a = angles_linspace(dim_ring), angles_arange(dim_ring)
    reach = [bump(np.mod(th_a + 0.0 + anti * np.pi, 2 * np.pi), 1.0, th_a) for anti in (0, 1)]
    bumps = np.concatenate([bump(th_l, 1.0, th_l), *reach, np.zeros((1, dim_ring))])
    bump_row = np.where(is_reach, dim_ring * (1 + c["anti"]), 0)

    # neurogym: DM c = choice(cohs) · choice([-1, 1]), strengths 0.5 ± c/2; delayed DM an
    # ordered pair drawn without replacement.
    coh = np.array([lv * sg for lv in DM_COHS for sg in (-1, 1)])
    dm_pairs = np.stack([0.5 + coh / 2, 0.5 - coh / 2], axis=1)  # [8, 2]
    dly = [(a, b) for a in DLYDM_STRENGTHS for b in DLYDM_STRENGTHS if a != b]
    dly_pairs = np.full((8, 2), np.nan)
    dly_pairs[: len(dly)] = dly
    strengths = np.full((n_t, 2, 8, 2), np.nan)
    for r in (0, 1):
        strengths[on[:, r] & is_dm, r] = dm_pairs
        strengths[on[:, r] & (fam == DLYDM), r] = dly_pairs
    n_strengths = np.where(is_dm, 8, np.where(fam == DLYDM, len(dly), 1))
    applies = np.array([[f in fams for fams in _INT_FAMILIES] for f in fam], dtype=bool)
    dm_modality = np.where(on[:, 0] & on[:, 1], -1, np.where(on[:, 0], 0, 1))

    # Uniforms -> integers: u · range floored. Columns: first index (R), modality coin (2),
    # second index (R - 1 other indices for DM; R/2 category halves for match), strength
    # condition of ring 1 and ring 2, match/tie coin (2), then each slot's duration index.
    half = dim_ring // 2
    ranges = np.ones((n_t, N_UNIFORMS))
    ranges[:, 0], ranges[:, 1], ranges[:, 5] = dim_ring, 2, 2
    ranges[:, 2] = np.where(c["category"] == 1, half, dim_ring - 1)
    ranges[:, 3] = ranges[:, 4] = n_strengths
    ranges[:, 6:] = n_durations
    # Match test index: to sample, the sample (match) or opposite it; to category, the draw
    # j in the half of the required category, [i_s > R/2] on a match, the other one otherwise.
    cat, is_m, i_s, j = np.meshgrid(
        [0, 1], [0, 1], np.arange(dim_ring), np.arange(dim_ring - 1), indexing="ij"
    )
    same_test = np.where(is_m == 1, i_s, (i_s + half) % dim_ring)
    match_test = np.where(cat == 1, j + ((i_s > half) == (is_m == 1)) * half, same_test)

    flag_cols = {
        "reach": is_reach,
        "dmf": is_dmf,
        "match": is_match,
        "has_delay": (is_reach & (c["reaction"] == 0)) | (fam == DLYDM) | is_match,
        "category": c["category"] == 1,
        "matchgo": c["matchgo"] == 1,
        "int_reach": is_reach & (c["integrate"] != 0),
        "on1": on[:, 0],
        "on2": on[:, 1],
    }
    return Tables(
        ints=np.concatenate([attr, np.stack([bump_row, dm_modality], axis=1)], axis=1),
        flags=np.stack([flag_cols[k] for k in FLAGS], axis=1),
        w=np.stack([c["w1"], c["w2"]], axis=1)[:, None, :],
        static=static,
        noise_slot=noise_slot,
        noise_scale=(ch.astype(np.float32) * np.float32(noise_std(dt))).reshape(2 * n_t, -1),
        shown=shown,
        pair_sum=np.repeat(same.astype(np.float64), dim_ring, axis=1),
        bumps=bumps,
        int_applies=applies.reshape(n_t, len(SAMPLED_INTS)),
        match_test=match_test,
        strengths=strengths,
        ranges=ranges,
    )


def sample_params(
    q: np.ndarray, tid: np.ndarray, tab: Tables, dim_ring: int
) -> dict[str, np.ndarray]:
    """Trial parameters of every row from uniform integer draws (input keys only; keys that
    do not apply to a row hold -1 / NaN).

    Args:
        q: [B, >= 6] int64, column i uniform on 0 .. tab.ranges[tid, i] - 1 (see
            `build_tables`); the duration columns after the sixth are not read.
        tid: [B] task index of each row.

    reach: target k and modality uniform. dm/dlydm: i1 uniform, i2 uniform over the other
    indices; per stimulated ring a strength condition uniform over `Tables.strengths` (dm:
    0.5 ± c/2 with c = ±{0.08, 0.16, 0.32, 0.64}; dlydm: an ordered pair from {0.3, 0.6,
    1.0}); a coin for exact ties. match: match, sample and modality uniform; test = sample /
    opposite (to sample) or uniform in the half of the required category (to category).
    """
    first, second, flip = q[:, 0], q[:, 2], q[:, 5]  # flip: match, or the tie coin
    ints = q[:, _INT_SOURCE]  # [B, len(SAMPLED_INTS)], then the keys that are not draws
    ints[:, 3] += first + 1
    ints[:, 3] %= dim_ring  # i2: uniform over the indices other than i1
    ints[:, 4] += 1  # tie_winner 1 or 2
    category = tab.ints.take(tid, axis=0)[:, COL["category"]]
    ints[:, 6] = tab.match_test[category, flip, first, second]
    ints = np.where(tab.int_applies.take(tid, axis=0), ints, -1)
    # Strengths [B, ring, (stimulus 1, stimulus 2)], NaN on rings without stimuli.
    st = tab.strengths.reshape(-1, 2).take(16 * tid[:, None] + _RING_ROW + q[:, 3:5], axis=0)
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
    # `take` rather than fancy indexing: the same gather at a fraction of the call cost.
    a = tab.ints.take(tid, axis=0)
    f = tab.flags.take(tid, axis=0)
    is_reach, is_dmf, is_match = f[:, F["reach"]], f[:, F["dmf"]], f[:, F["match"]]
    has_delay = f[:, F["has_delay"]]
    integ = a[:, COL["integrate"]]
    delay = np.where(has_delay, dur[:, 2], 0)

    # Keys that do not apply to a row hold -1; such rows index the last table entry and
    # their results are discarded, so no clipping is needed.
    # Reach: Mod-Cog's θ_k + (integrate·ω)·delay + anti·π, mod 2π (= neurogym's without int).
    k = params["ground_truth"]
    stim_shift = (integ * OMEGA) * delay
    anti_pi = a[:, COL["anti"]] * np.pi
    stim_theta = np.mod(angles_arange(dim_ring)[k] + stim_shift + anti_pi, 2 * np.pi)

    # DM strengths [B, stimulus, ring]; weighted evidence summed ring by ring in neurogym's
    # order; ties go to tie_winner.
    on = f[:, F["on1"] : F["on2"] + 1]
    c = np.empty((n, 2, 2))
    c[:, 0, 0], c[:, 0, 1] = params["coh1_mod1"], params["coh1_mod2"]
    c[:, 1, 0], c[:, 1, 1] = params["coh2_mod1"], params["coh2_mod2"]
    c = np.where(on[:, None, :], c, 0.0)
    wc = tab.w.take(tid, axis=0) * c
    evidence = wc[:, :, 0] + wc[:, :, 1]  # [B, stimulus]: ring 1 + ring 2
    diff = evidence[:, 0] - evidence[:, 1]
    # Stimulus 1 wins above the tolerance, and within it unless the tie goes to stimulus 2.
    pick1 = np.where(params["tie_winner"] == 2, diff > TIE_TOL, diff >= -TIE_TOL)
    i1, i2 = params["i_theta1"], params["i_theta2"]
    i_s, i_t = params["i_sample"], params["i_test"]

    # Target; Mod-Cog int moves it by integrate·ω·delay ring indices (not in Reach).
    target = np.where(is_reach, k, np.where(is_dmf, np.where(pick1, i1, i2), i_t))
    shift = np.zeros(n, dtype=np.int64)
    if np.count_nonzero(integ):  # (count_nonzero: no Python-level wrapper, unlike any)
        moved = np.floor(np.mod(target + integ * (OMEGA * delay), dim_ring)).astype(np.int64)
        target = np.where(is_reach | (integ == 0), target, moved)
        shift = np.where(is_reach, 0, integ * np.round(OMEGA * delay)).astype(np.int64)
    go = (params["match"] == 1) == f[:, F["matchgo"]]
    target = np.where(is_match & ~go, -1, target)

    # Components [B, 5] (see the module docstring): bump row and strength.
    mod = params["modality"]
    tm = 2 * tid + (mod & 1)  # rows of the by-modality tables; DM rows (-1) read modality 1
    loc = np.empty((n, 5), dtype=np.int64)
    loc[:, 0] = np.where(is_match, i_s, np.where(is_reach, a[:, X["bump_row"]] + k, i1))
    loc[:, 1], loc[:, 3] = i1, i2
    loc[:, 2] = np.where(is_match, i_t, i2)
    loc[:, 4] = len(tab.bumps) - 1  # the zero row
    strength = np.ones((n, 5))
    np.copyto(strength[:, :4], c.reshape(n, 4), where=is_dmf[:, None])
    # Bumps from the table at strength 1, then × strength: the same float operations as the
    # formula. A Mod-Cog int Reach stimulus is off the grid: computed directly.
    b64 = tab.bumps.take(loc, axis=0)  # [B, 5, R]
    b64 *= strength[:, :, None]
    int_reach = f[:, F["int_reach"]]
    if np.count_nonzero(int_reach):
        rows = np.flatnonzero(int_reach)
        b64[rows, 0] = bump(stim_theta[rows], 1.0, angles_arange(dim_ring))
    r2 = 2 * dim_ring
    vals = b64.astype(np.float32).reshape(n, 5 * dim_ring)
    # DM: a pair sharing ring and slot is summed the way neurogym adds into a float32 array,
    # float32(float64(float32 first) + float64 second); other rows add 0 to the second.
    first = vals[:, :r2] * tab.pair_sum.take(tid, axis=0)  # float64
    np.add(first, b64.reshape(n, 5 * dim_ring)[:, r2 : 2 * r2], out=vals[:, r2 : 2 * r2])
    # The input vector of every (row, slot): fixation and rule from the table, then the
    # rings, each the component shown there (one gather).
    pattern = tab.static.take(tid, axis=0)  # [B, N_SLOTS + 1, n_in]
    shown = tab.shown.take(tm, axis=0) + 5 * np.arange(n)[:, None, None]
    ring_in = vals.reshape(5 * n, dim_ring).take(shown, axis=0)  # [B, N_SLOTS + 1, 2, R]
    pattern[:, :, 1 : 1 + r2] = ring_in.reshape(n, N_SLOTS + 1, r2)

    # Label per (row, slot): 1 + target in `decision` on go rows, else 0 (seq: see draw).
    label_bug = a[:, COL["label_bug"]] == 1
    dec_slot = a[:, COL["decision_slot"]]
    label = 1 + np.mod(target, dim_ring)
    if np.count_nonzero(label_bug):
        label = np.where(label_bug, np.mod(label, dim_ring), label)
    slot_label = np.zeros((n, N_SLOTS + 1), dtype=np.int64)
    slot_label[np.arange(n), dec_slot] = np.where(target >= 0, label, 0)

    seq = a[:, COL["seq"]]
    lay = Layout(
        steps=dur // dt,
        pattern=pattern,
        noise_slot=tab.noise_slot.take(tid, axis=0),
        noise_scale=tab.noise_scale.take(tm, axis=0),
        slot_label=slot_label,
        decision_slot=dec_slot,
        target=target,
        seq=seq,
        label_bug=label_bug,
    )
    coh = np.where(on, c[:, 0] - c[:, 1], np.nan)
    derived = {
        "target": target,
        "modality": np.where(is_dmf, a[:, X["dm_modality"]], mod),
        "delay": np.where(has_delay, delay, -1),
        "target_shift": shift,
        "seq": seq,
        "coh_mod1": coh[:, 0],
        "coh_mod2": coh[:, 1],
        "stim_theta": np.where(is_reach, stim_theta, np.nan),
        "stim_shift": np.where(is_reach, stim_shift, np.nan),
    }
    return lay, derived
