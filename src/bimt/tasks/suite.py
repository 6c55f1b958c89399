"""`TaskSuite` and `make_suite`: task registry, rule inputs, mixed batches, test sets, scoring.

Which implementation a base task name means: in the `cog20` suite (and in a list of plain
base names) the 20 names are neurogym `yang19` tasks under the chosen profile; in `modcog`
and `modcog-all` (and in any list that holds a Mod-Cog extension name) they are Mod-Cog's own
versions (tasks-spec §3.1), as they were in the Mod-Cog README's 82-task list. The option
`base_tasks="neurogym"|"modcog"` overrides this for lists.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from bimt.tasks import decision, match, reach
from bimt.tasks.batch import Batch
from bimt.tasks.cog20 import COG20, PROFILES, YANG_ALIASES, neurogym_task
from bimt.tasks.generator import (
    ATTRS,
    COL,
    N_UNIFORMS,
    build_tables,
    layout,
    sample_params,
)
from bimt.tasks.modcog import MATCH_DELAY_RANGE, MODCOG82, MODCOG93, modcog_task, split_name
from bimt.tasks.params import INT_PARAMS, empty_params, schema_doc
from bimt.tasks.render import draw
from bimt.tasks.scoring import correct, per_task_mean
from bimt.tasks.taskdef import ALL_PERIODS, FAMILIES, N_SLOTS, TaskDef
from bimt.tasks.timing import divisors

SUITES = {"cog20": COG20, "modcog": MODCOG82, "modcog-all": MODCOG93}
OPTIONS = {
    "base_tasks": "'neurogym' or 'modcog': which implementation plain base names mean",
    "modcog_label_bug": "bool, reproduce Mod-Cog's label bug (ring index 15 labelled 0)",
    "modcog_seed": "int >= 0, seed of the per-instance Mod-Cog match delays",
}
INPUT_KEYS = (
    "ground_truth", "modality", "i_theta1", "i_theta2", "coh1_mod1", "coh2_mod1",
    "coh1_mod2", "coh2_mod2", "tie_winner", "i_sample", "i_test", "match",
)  # fmt: skip
ALL_NAMES = COG20 + MODCOG93[len(COG20) :]


def _close(name: str, pool: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, pool, n=5, cutoff=0.6)
    return f"close matches: {', '.join(near)}" if near else "no close match"


def resolve_name(name: str) -> str:
    """Canonical task name of `name` (neurogym names, Yang aliases, Mod-Cog names)."""
    if not isinstance(name, str):
        raise TypeError(f"task names must be strings, got {type(name).__name__}: {name!r}")
    key = name.strip().lower()
    key = YANG_ALIASES.get(key, key)
    if key in COG20 or split_name(key) is not None:
        return key
    pool = list(ALL_NAMES) + list(YANG_ALIASES)
    raise ValueError(
        f"unknown task name {name!r} ({_close(key, pool)}). Valid names: the 20 neurogym tasks "
        f"{', '.join(COG20)}; Yang's aliases {', '.join(YANG_ALIASES)}; Mod-Cog names "
        "<base>seqr|seql for any base, <base>intr|intl|intseq for "
        "dlygo, dlyanti, dlydm1, dlydm2, ctxdlydm1, ctxdlydm2, multidlydm, dms, dnms, dmc, dnmc."
    )


def _with_fills(params: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The render-input keys of the schema for n rows: given values, else -1 / NaN."""
    out = empty_params(n)
    out.update(params)
    return {k: out[k] for k in INPUT_KEYS}


def _check_dt(defs: Sequence[TaskDef], dt: Any) -> None:
    if isinstance(dt, bool) or not isinstance(dt, int | np.integer) or dt < 1:
        raise ValueError(f"dt must be a positive integer number of ms, got {dt!r}")
    bounds = []  # (task, period, ms) every duration and range bound the suite can produce
    for d in defs:
        for period, dist in d.timing:
            if d.delay_by_modality is not None and period == "delay":
                bounds += [(d.name, period, v) for v in MATCH_DELAY_RANGE]
            else:
                bounds += [(d.name, period, v) for v in dist.bounds()]
    g = 0
    for _, _, v in bounds:
        g = math.gcd(g, v)
    for task, period, v in bounds:
        if v % dt:
            raise ValueError(
                f"dt={dt} ms does not divide the {v} ms of period {period!r} in task {task!r}; "
                f"every period duration must be a multiple of dt. dts that work for this suite: "
                f"{', '.join(map(str, divisors(g)))}"
            )


class TaskSuite:
    """A fixed list of tasks sharing one input/output layout.

    Inputs: [fixation, ring 1 (dim_ring), ring 2 (dim_ring), rule one-hot (n tasks)];
    outputs: [fixate, respond to ring index 0..dim_ring-1]. Build with `make_suite`.
    """

    def __init__(self, defs: Sequence[TaskDef], spec: dict[str, Any]) -> None:
        self.defs = tuple(defs)
        self._spec = spec
        self.task_names: list[str] = [d.name for d in self.defs]
        self.dt: int = int(spec["dt"])
        self.dim_ring: int = int(spec["dim_ring"])
        self.profile: str = spec["profile"]
        self.n_inputs = 1 + 2 * self.dim_ring + len(self.defs)
        self.n_outputs = 1 + self.dim_ring
        self._index = {d.name: i for i, d in enumerate(self.defs)}
        self._build_tables()
        self._test_cache: dict[str, Batch] = {}

    # ------------------------------------------------------------------ tables
    def _build_tables(self) -> None:
        defs = self.defs
        columns = {
            "family": [FAMILIES.index(d.family) for d in defs],
            "anti": [d.anti for d in defs],
            "reaction": [d.reaction for d in defs],
            "w1": [d.w_mod[0] for d in defs],
            "w2": [d.w_mod[1] for d in defs],
            "stim1": [d.stim_mod[0] for d in defs],
            "stim2": [d.stim_mod[1] for d in defs],
            "category": [d.matchto == "category" for d in defs],
            "matchgo": [d.matchgo for d in defs],
            "integrate": [d.integrate for d in defs],
            "seq": [d.seq for d in defs],
            "label_bug": [d.label_bug for d in defs],
            "fix_until": [d.fixation_until_decision for d in defs],
            "noise_all": [d.noise_all_channels for d in defs],
            "decision_slot": [len(d.periods) - 1 for d in defs],
        }
        self._attr = np.array([columns[c] for c in ATTRS], dtype=np.int64).T  # [tasks, attrs]
        # Duration supports [task, modality, slot, j] (ms) and their sizes [task, modality, slot].
        sups = [[d.supports(self.dt, m) for m in (0, 1)] for d in defs]
        width = max(len(v) for s in sups for sm in s for v in sm.values())
        self._sup = np.zeros((len(defs), 2, N_SLOTS, width), dtype=np.int64)
        self._nsup = np.ones((len(defs), 2, N_SLOTS), dtype=np.int64)
        self._period_slot = np.full((len(defs), len(ALL_PERIODS)), N_SLOTS)  # N_SLOTS = absent
        for i, d in enumerate(defs):
            for s, period in enumerate(d.periods):
                self._period_slot[i, ALL_PERIODS.index(period)] = s
                for m in (0, 1):
                    values = sups[i][m][period]
                    self._sup[i, m, s, : len(values)] = values
                    self._nsup[i, m, s] = len(values)
        # One uniform draws a slot's duration index for either modality: the support sizes
        # agree (Mod-Cog's per-modality match delays are one value each).
        if np.any(self._nsup[:, 0] != self._nsup[:, 1]):
            raise AssertionError("duration supports differ in size between modalities")
        self._tables = build_tables(self._attr, self.dim_ring, self.dt, self._nsup[:, 0])
        # Flat view for `_durations`: entry j of slot s for row 2·task + modality.
        self._sup_flat = self._sup.reshape(-1)
        self._slot_offset = np.arange(N_SLOTS) * width
        used = (self._period_slot < N_SLOTS).any(axis=0)
        self._periods = [(j, p) for j, p in enumerate(ALL_PERIODS) if used[j]]
        self.max_steps = int(self._sup.max(axis=3).sum(axis=2).max() // self.dt)
        self.min_steps = self._min_steps()

    def _min_steps(self) -> int:
        return min(self.steps_range(name)[0] for name in self.task_names)

    def steps_range(self, task: str) -> tuple[int, int]:
        """(shortest, longest) possible trial of `task`, in steps."""
        d = self.defs[self.task_index(task)]
        sizes = [
            sum(f(v) for v in d.supports(self.dt, m).values()) for m in (0, 1) for f in (min, max)
        ]
        return min(sizes) // self.dt, max(sizes) // self.dt

    def task_index(self, task: str) -> int:
        """Position of `task` (name or alias) in `task_names` (= its rule input)."""
        name = resolve_name(task)
        if name not in self._index:
            raise ValueError(
                f"task {task!r} is not in this suite ({_close(name, self.task_names)}); "
                f"the suite's tasks: {', '.join(self.task_names)}"
            )
        return self._index[name]

    def spec(self) -> dict[str, Any]:
        """JSON-able arguments of `make_suite` that rebuild this suite: make_suite(**spec)."""
        out = dict(self._spec)
        if isinstance(out["spec"], list | tuple):
            out["spec"] = list(out["spec"])
        return out

    def __repr__(self) -> str:
        return (
            f"TaskSuite({len(self.task_names)} tasks, n_inputs={self.n_inputs}, "
            f"n_outputs={self.n_outputs}, dt={self.dt}, profile={self.profile!r})"
        )

    # --------------------------------------------------------------- generation
    def _generate(
        self,
        tid: np.ndarray,
        params: dict[str, np.ndarray],
        dur: np.ndarray,
        noise: torch.Generator | None,
    ) -> Batch:
        """The common end of sample, test_trials and render: layout, draw, package."""
        lay, derived = layout(self._tables, tid, params, dur, self.dim_ring, self.dt)
        d = draw(lay, self.dim_ring, self.dt, noise)
        # Period bounds: slot N_SLOTS is an absent period, (0, 0).
        bounds = np.zeros((len(tid), N_SLOTS + 1, 2), dtype=np.int64)
        bounds[:, :N_SLOTS, 0] = d.slot_start
        bounds[:, :N_SLOTS, 1] = d.slot_end
        rows = np.arange(len(tid))[:, None] * (N_SLOTS + 1)
        se = bounds.reshape(-1, 2).take(rows + self._period_slot.take(tid, axis=0), axis=0)
        return Batch(
            inputs=torch.from_numpy(d.inputs),
            labels=torch.from_numpy(d.labels),
            mask=torch.from_numpy(d.mask),
            task=torch.from_numpy(np.asarray(tid, dtype=np.int64)),
            length=d.length,
            periods={name: se[:, j] for j, name in self._periods},
            params={**params, **derived},
        )

    def _durations(self, tid: np.ndarray, modality: np.ndarray, j: np.ndarray) -> np.ndarray:
        """[B, N_SLOTS] ms: entry j [B, N_SLOTS] of each slot's support. Modality -1 (tasks
        without a modality coin) reads modality 1; such tasks have the same supports for both."""
        row = (2 * tid + (modality & 1)) * self._sup.shape[2] * self._sup.shape[3]
        return self._sup_flat.take(row[:, None] + self._slot_offset + j)

    def sample(self, batch_size: int, seed: int, tasks: Sequence[str] | None = None) -> Batch:
        """A batch of `batch_size` whole trials, each row's task uniform over the suite (or
        over `tasks`), modality a fair coin per trial, input noise on. A pure function of its
        arguments: inputs [T, B, n_inputs], labels/mask [T, B] with T the longest row."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if tasks is None:
            pool = None
        else:
            if isinstance(tasks, str) or len(tasks) == 0:
                raise ValueError(
                    f"tasks must be a non-empty list of task names of the suite, got {tasks!r}"
                )
            pool = np.array([self.task_index(t) for t in tasks])
        rng = np.random.default_rng(seed)
        n_pool = len(self.defs) if pool is None else len(pool)
        tid = rng.integers(n_pool, size=batch_size)
        if pool is not None:
            tid = pool[tid]
        # One block of uniforms, made uniform integers (parameters, duration indices) by
        # scaling with the task's ranges and flooring.
        u = rng.random((batch_size, N_UNIFORMS))
        q = (u * self._tables.ranges.take(tid, axis=0)).astype(np.int64)
        params = sample_params(q, tid, self._tables, self.dim_ring)
        # The raw modality coin q[:, 1] (params hold -1 on DM rows, whose supports agree).
        dur = self._durations(tid, q[:, 1], q[:, N_UNIFORMS - N_SLOTS :])
        noise = torch.Generator().manual_seed(int(rng.integers(2**62)))
        return self._generate(tid, params, dur, noise)

    def test_trials(self, task: str) -> Batch:
        """A fixed, noise-free set of trials of `task` covering its stimulus conditions, with
        every period at the middle of its support (each modality keeps its own Mod-Cog match
        delay). Cached per suite; do not modify the returned tensors in place."""
        i = self.task_index(task)
        name = self.task_names[i]
        if name not in self._test_cache:
            d = self.defs[i]
            if d.family == "reach":
                grid = reach.test_grid(self.dim_ring)
            elif d.family == "match":
                grid = match.test_grid(self.dim_ring, d.matchto == "category")
            else:
                grid = decision.test_grid(self.dim_ring, d.stim_mod, d.family == "dlydm")
            n = len(next(iter(grid.values())))
            params = _with_fills(grid, n)
            tid = np.full(n, i)
            mod = params["modality"]
            dur = self._durations(tid, mod, (self._nsup[tid, mod] - 1) // 2)
            self._test_cache[name] = self._generate(tid, params, dur, None)
        return self._test_cache[name]

    def render(
        self,
        task: str,
        durations: dict[str, np.ndarray],
        params: dict[str, np.ndarray],
        *,
        noise_seed: int | None = None,
    ) -> Batch:
        """Build trials of ONE task from explicit period durations and trial parameters.

        `sample` and `test_trials` go through the same code; feeding `trial_spec(batch, task)`
        of a sampled batch back here reproduces its trials exactly (without noise).

        Args:
            task: a task of the suite (name or alias).
            durations: period name -> [B] ms, exactly the task's periods (neurogym names:
                reach fixation, stimulus, delay, decision — RT tasks fixation, decision; DM
                fixation, stimulus, decision; delayed DM fixation, stim1, delay, stim2,
                decision; match fixation, sample, delay, test, decision). Each a multiple of
                dt, >= 0, decision >= dt. For Mod-Cog int tasks the delay also sets the shift.
            params: key -> [B] array. Required per family: reach `ground_truth`, `modality`;
                dm/dlydm `i_theta1`, `i_theta2`, the `coh1_modM`/`coh2_modM` of every ring M
                the task stimulates (`tie_winner` optional, default 1); match `i_sample`,
                `i_test`, `match`, `modality`. Other keys are ignored.
            noise_seed: seed of the input noise; None renders noise-free trials.

        Parameter schema (keys of `Batch.params`; [in] marks render inputs):
        {schema}
        """
        i = self.task_index(task)
        d = self.defs[i]
        if not isinstance(durations, dict) or not isinstance(params, dict):
            raise TypeError("durations and params must be dicts of name -> [B] array")
        if set(durations) != set(d.periods):
            raise ValueError(
                f"durations of task {d.name!r} must give exactly its periods "
                f"{list(d.periods)}; got {sorted(durations)}"
            )
        dur_list = [np.asarray(durations[p]).reshape(-1) for p in d.periods]
        n = len(dur_list[0])
        if n < 1 or any(len(v) != n for v in dur_list):
            raise ValueError("every duration array must have the same length B >= 1")
        dur = np.zeros((n, N_SLOTS), dtype=np.int64)
        for s, (p, v) in enumerate(zip(d.periods, dur_list, strict=True)):
            if np.any(v < 0) or np.any(np.mod(v, self.dt) != 0):
                raise ValueError(
                    f"durations[{p!r}] must be non-negative multiples of dt={self.dt} ms"
                )
            dur[:, s] = v.astype(np.int64)
        if np.any(dur[:, len(d.periods) - 1] < self.dt):
            raise ValueError(f"durations['decision'] must be at least dt={self.dt} ms")

        if d.family == "reach":
            required, checker = reach.REQUIRED, lambda p, sw: reach.check(p, self.dim_ring)
        elif d.family == "match":
            required, checker = match.REQUIRED, lambda p, sw: match.check(p, sw, self.dim_ring)
        else:
            keys = [k for m, ks in enumerate(decision.COH_KEYS) if d.stim_mod[m] for k in ks]
            required = (*decision.REQUIRED, *keys)
            checker = lambda p, sw: decision.check(p, sw, self.dim_ring)  # noqa: E731
        missing = [k for k in required if k not in params]
        if missing:
            raise ValueError(
                f"params of task {d.name!r} ({d.family} family) miss {missing}; "
                f"required: {list(required)}"
            )
        clean: dict[str, np.ndarray] = {}
        for k, v in params.items():
            arr = np.asarray(v).reshape(-1)
            if k in required or k == "tie_winner":
                if len(arr) != n:
                    raise ValueError(f"params[{k!r}] has length {len(arr)}, durations have {n}")
                if k in INT_PARAMS:
                    if np.any(np.mod(arr, 1) != 0):
                        raise ValueError(f"params[{k!r}] must hold integers")
                    arr = arr.astype(np.int64)
                clean[k] = arr
        if d.family in ("dm", "dlydm"):
            clean.setdefault("tie_winner", np.ones(n, dtype=np.int64))
        tid = np.full(n, i)
        attr = self._attr[tid]
        sw = {name: attr[:, COL[name]] for name in ATTRS}
        full = _with_fills(clean, n)
        errors = checker(full, sw)
        if errors:
            raise ValueError(f"invalid params for task {d.name!r}: " + "; ".join(errors))
        noise = None if noise_seed is None else torch.Generator().manual_seed(int(noise_seed))
        return self._generate(tid, full, dur, noise)

    def trial_spec(
        self, batch: Batch, task: str
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(durations, params) of the rows of `task` in `batch`, ready for `render`."""
        i = self.task_index(task)
        rows = np.flatnonzero(batch.task.cpu().numpy() == i)
        durations = {
            p: (batch.periods[p][rows, 1] - batch.periods[p][rows, 0]) * self.dt
            for p in self.defs[i].periods
        }
        return durations, {k: v[rows] for k, v in batch.params.items()}

    # ------------------------------------------------------------------ scoring
    def correct(self, logits: torch.Tensor | np.ndarray, batch: Batch):
        """(primary [B] bool, strict [B] bool); see `bimt.tasks.scoring.correct`."""
        return correct(logits, batch)

    def accuracy(self, logits: torch.Tensor | np.ndarray, batch: Batch) -> dict[str, float]:
        """Primary accuracy per task present in the batch (argmax at the last valid step)."""
        primary, _ = correct(logits, batch)
        return per_task_mean(primary, batch.task.cpu().numpy(), self.task_names)

    def strict_accuracy(
        self, logits: torch.Tensor | np.ndarray, batch: Batch
    ) -> dict[str, float]:
        """Strict accuracy per task present: right label at every valid step."""
        _, strict = correct(logits, batch)
        return per_task_mean(strict, batch.task.cpu().numpy(), self.task_names)


TaskSuite.render.__doc__ = TaskSuite.render.__doc__.replace("{schema}", schema_doc().strip())


def make_suite(
    spec: str | Sequence[str] = "cog20",
    *,
    dt: int = 100,
    dim_ring: int = 16,
    profile: str = "paper",
    **options: Any,
) -> TaskSuite:
    """Build a task suite.

    Args:
        spec: "cog20" (the 20 yang19 tasks), "modcog" (the 82 Mod-Cog README tasks in README
            order), "modcog-all" (those then the 11 intseq tasks), or a list of task names.
        dt: time step in ms; every period duration of the suite must be a multiple of it.
        dim_ring: units per input ring (>= 2; even when the suite has match tasks).
        profile: "paper" (neurogym 2020–June 2025, default) or "neurogym-2.3"; applies to
            neurogym-flavoured tasks (Mod-Cog tasks follow Mod-Cog's code).
        **options: base_tasks ("neurogym"|"modcog"; for lists), modcog_label_bug (default
            False), modcog_seed (default 0: seed of Mod-Cog's per-instance match delays).
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        accepted = "; ".join(f"{k}: {v}" for k, v in OPTIONS.items())
        raise ValueError(f"unknown option(s) {unknown}; accepted options: {accepted}")
    if isinstance(spec, str):
        if spec not in SUITES:
            raise ValueError(
                f"unknown suite {spec!r} ({_close(spec, list(SUITES))}); accepted: "
                f"{', '.join(SUITES)} or a list of task names"
            )
        names = list(SUITES[spec])
        default_base = "neurogym" if spec == "cog20" else "modcog"
    else:
        try:
            names = [resolve_name(t) for t in spec]
        except TypeError as err:
            raise ValueError(f"spec must be a suite name or a list of task names: {err}") from err
        if not names:
            raise ValueError("spec must name at least one task")
        dupes = sorted({t for t in names if names.count(t) > 1})
        if dupes:
            raise ValueError(f"task list names {dupes} more than once; each task once")
        has_ext = any(t not in COG20 for t in names)
        default_base = "modcog" if has_ext else "neurogym"
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; accepted: {', '.join(PROFILES)}")
    base = options.get("base_tasks", default_base)
    if base not in ("neurogym", "modcog"):
        raise ValueError(f"base_tasks must be 'neurogym' or 'modcog', got {base!r}")
    if isinstance(spec, str) and base != default_base:
        raise ValueError(
            f"base_tasks={base!r} contradicts suite {spec!r} (its base tasks are "
            f"{default_base!r}); pass a list of task names to mix"
        )
    label_bug = options.get("modcog_label_bug", False)
    if not isinstance(label_bug, bool | np.bool_):
        raise ValueError(f"modcog_label_bug must be True or False, got {label_bug!r}")
    seed = options.get("modcog_seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"modcog_seed must be a non-negative integer, got {seed!r}")
    if isinstance(dim_ring, bool) or not isinstance(dim_ring, int | np.integer) or dim_ring < 2:
        raise ValueError(f"dim_ring must be an integer >= 2, got {dim_ring!r}")

    is_modcog = [base == "modcog" or t not in COG20 for t in names]
    if any(is_modcog) and profile != "paper":
        raise ValueError(
            f"profile {profile!r} applies to neurogym tasks only; Mod-Cog tasks follow "
            "Mod-Cog's own code (the 'paper' behaviour). Use profile='paper', or a list of "
            "the 20 base tasks with base_tasks='neurogym'."
        )
    if label_bug and not any(is_modcog):
        raise ValueError("modcog_label_bug=True needs Mod-Cog tasks in the suite; it has none")
    # dt first: Mod-Cog's per-instance delays are drawn on the dt grid.
    probe = [
        modcog_task(t, label_bug=bool(label_bug), seed=int(seed), dt=1)
        if mc
        else neurogym_task(t, profile)
        for t, mc in zip(names, is_modcog, strict=True)
    ]
    _check_dt(probe, dt)
    defs = [
        modcog_task(t, label_bug=bool(label_bug), seed=int(seed), dt=int(dt))
        if mc
        else neurogym_task(t, profile)
        for t, mc in zip(names, is_modcog, strict=True)
    ]
    if dim_ring % 2 and any(d.family == "match" for d in defs):
        raise ValueError(f"dim_ring must be even for the match tasks (dms, ...), got {dim_ring}")
    spec_dict = {
        "spec": spec if isinstance(spec, str) else list(names),
        "dt": int(dt),
        "dim_ring": int(dim_ring),
        "profile": profile,
        "base_tasks": base,
        "modcog_label_bug": bool(label_bug),
        "modcog_seed": int(seed),
    }
    if isinstance(spec, str):
        del spec_dict["base_tasks"]
    return TaskSuite(defs, spec_dict)
