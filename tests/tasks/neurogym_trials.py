"""Trials from neurogym 2.3.1's `yang19` envs, with the parameters each trial was built from.

The conformance tests feed these parameters to bimt's renderer and compare the result with
neurogym's own `ob` and `gt` (tasks-spec §6, "conditional exactness"). This module only reads
neurogym; it knows nothing of bimt.

Seeding (tasks-spec §1.9): `ScheduleEnvs.seed(s)` gives both modality copies of a task the same
seed, so their trials repeat each other, and `Dataset.seed` is not reproducible. Here every
base env gets its own seed, derived from one integer with `numpy.random.SeedSequence`, and
trials are made with `new_trial()` on the env itself, with no `Dataset` and no deep copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from neurogym.envs.collections import yang19

DIM_RING = 16
N_OBS = 1 + 2 * DIM_RING  # fixation + two rings: the 33 non-rule inputs

REACH = ("go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti")
DM = ("dm1", "dm2", "ctxdm1", "ctxdm2", "multidm")
DLYDM = ("dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm")
MATCH = ("dms", "dnms", "dmc", "dnmc")
# neurogym's `get_collection("yang19")` order, which is also the rule one-hot order.
TASKS = REACH + DM + DLYDM + MATCH

# The rings a DM-family task shows stimuli on, and the weights of its decision rule.
DM_RINGS = {
    "dm1": ((True, False), (1, 1)),
    "dm2": ((False, True), (1, 1)),
    "ctxdm1": ((True, True), (1, 0)),
    "ctxdm2": ((True, True), (0, 1)),
    "multidm": ((True, True), (1, 1)),
}
DM_RINGS.update(zip(DLYDM, list(DM_RINGS.values()), strict=True))  # dlydm1 as dm1, and so on

# neurogym decides DM trials with `coh1 + U(-1e-6, 1e-6) > coh2`: closer than this is a tie.
TIE_TOLERANCE = 1e-6


def family(task: str) -> str:
    """The neurogym class family of a yang19 task: "reach", "dm", "dlydm" or "match"."""
    for name, members in (("reach", REACH), ("dm", DM), ("dlydm", DLYDM), ("match", MATCH)):
        if task in members:
            return name
    raise ValueError(f"unknown yang19 task {task!r}; expected one of {', '.join(TASKS)}")


def make_env(task: str, seed: int, sigma: float = 0.0):
    """One neurogym 2.3.1 yang19 env with dim_ring 16, seeded per base env.

    The DM and match families get input noise `sigma` (0: off). The Reach family has no noise
    and takes no `sigma`. The noise is drawn whatever sigma is, so two envs with the same seed
    and different sigma make the same trials up to the noise.
    """
    kwargs: dict = {"dim_ring": DIM_RING}
    if family(task) != "reach":
        kwargs["sigma"] = sigma
    env = getattr(yang19, task)(**kwargs)
    children = np.random.SeedSequence(seed).spawn(3)
    seeds = [int(c.generate_state(1)[0]) for c in children]
    if hasattr(env, "envs"):  # ScheduleEnvs over the two modality copies
        for sub, s in zip(env.envs, seeds, strict=False):
            sub.unwrapped.seed(s)
        env.schedule.seed(seeds[2])
    else:
        env.seed(seeds[0])
    return env


def ring_index(theta: float) -> int:
    """The ring unit k whose preferred angle 2πk/16 is `theta` (exact on the grid)."""
    k = theta / (2 * np.pi / DIM_RING)
    ki = round(k)
    if abs(k - ki) > 1e-9:
        raise ValueError(f"angle {theta} is not on the {DIM_RING}-unit grid")
    return ki % DIM_RING


@dataclass(frozen=True)
class NeurogymTrials:
    """`n` trials of one task, as neurogym made them.

    durations: period name -> [n] int64 ms, in neurogym's period order.
    bounds: period name -> [n, 2] int64 (start, end) steps, from neurogym's start_ind/end_ind.
    params: neurogym-native trial parameters, each [n] (see `collect`).
    ob: [T_max, n, 33] float32 observations, zero-padded after each trial's end.
    gt: [T_max, n] int64 labels, zero-padded.
    length: [n] int64 steps per trial.
    """

    task: str
    durations: dict[str, np.ndarray]
    bounds: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    ob: np.ndarray
    gt: np.ndarray
    length: np.ndarray


def _trial_params(task: str, env) -> dict:
    """The parameters of the trial `env` just made, read from `env.trial` (and the schedule)."""
    trial = env.unwrapped.trial
    fam = family(task)
    if fam == "reach":
        # The modality is the ScheduleEnvs copy that made the trial.
        return {"modality": env.i_env, "ground_truth": int(trial["ground_truth"])}
    if fam == "match":
        return {
            "modality": env.i_env,
            "match": int(trial["ground_truth"] == "match"),
            "i_sample": ring_index(trial["sample_theta"]),
            "i_test": ring_index(trial["test_theta"]),
        }
    out: dict = {"i_theta1": ring_index(trial["theta1"]), "i_theta2": ring_index(trial["theta2"])}
    (show1, show2), (w1, w2) = DM_RINGS[task]
    evidence1 = evidence2 = 0.0
    for ring, (show, w) in enumerate(((show1, w1), (show2, w2)), start=1):
        s1 = trial[f"coh1_mod{ring}"] if show else np.nan
        s2 = trial[f"coh2_mod{ring}"] if show else np.nan
        out[f"coh1_mod{ring}"], out[f"coh2_mod{ring}"] = s1, s2
        if show:
            evidence1 += w * s1
            evidence2 += w * s2
    out["tie"] = abs(evidence1 - evidence2) < TIE_TOLERANCE
    # Outside ties the target follows from the strengths; in a tie neurogym drew it at random,
    # so its label is the only record of the draw.
    decision = env.unwrapped.gt[env.unwrapped.start_ind["decision"]]
    if out["tie"]:
        out["target"] = int(decision) - 1
    else:
        out["target"] = out["i_theta1"] if evidence1 > evidence2 else out["i_theta2"]
    return out


def collect(task: str, n: int, seed: int, sigma: float = 0.0) -> NeurogymTrials:
    """Make `n` trials of `task` with `env.new_trial()` and record parameters, ob and gt.

    `sigma` is the input noise of the DM and match families (see `make_env`).

    params by family, named after neurogym's `trial` keys (ring indices k in 0..15; modality
    0 = ring 1, 1 = ring 2):
      reach: modality, ground_truth (the target index).
      dm, dlydm: i_theta1, i_theta2 (stimulus locations); coh{1,2}_mod{1,2}, the bump strength
        of stimulus 1/2 on ring 1/2 as neurogym stores it (0.5 ± c/2 in dm, a value of
        {0.3, 0.6, 1.0} in dlydm; NaN on a ring without stimuli); tie (the weighted evidence is
        equal, so neurogym's target was a coin flip); target (the chosen location).
      match: modality, match (1 = match), i_sample, i_test.
    """
    env = make_env(task, seed, sigma)
    rows, obs, gts = [], [], []
    durations: dict[str, list] = {}
    bounds: dict[str, list] = {}
    for _ in range(n):
        env.new_trial()
        base = env.unwrapped
        for period, ms in base._duration.items():
            durations.setdefault(period, []).append(int(ms))
            bounds.setdefault(period, []).append((base.start_ind[period], base.end_ind[period]))
        rows.append(_trial_params(task, env))
        obs.append(np.array(base.ob, copy=True))
        gts.append(np.array(base.gt, copy=True))
    length = np.array([len(g) for g in gts], dtype=np.int64)
    t_max = int(length.max())
    ob = np.zeros((t_max, n, N_OBS), dtype=np.float32)
    gt = np.zeros((t_max, n), dtype=np.int64)
    for i, (o, g) in enumerate(zip(obs, gts, strict=True)):
        ob[: len(o), i] = o
        gt[: len(g), i] = g
    params = {key: np.array([r[key] for r in rows]) for key in rows[0]}
    return NeurogymTrials(
        task=task,
        durations={p: np.array(v, dtype=np.int64) for p, v in durations.items()},
        bounds={p: np.array(v, dtype=np.int64).reshape(n, 2) for p, v in bounds.items()},
        params=params,
        ob=ob,
        gt=gt,
        length=length,
    )
