"""What `bimt reproduce` trains, per scale: the paper's experiments as sweep specs.

Three experiments, each a sweep spec (the dict form of a `bimt sweep` TOML file):

- `cog20-2d`: the 20 cognitive tasks on the 20×20 grid (Figs. 1, 2). BIMT (A = 1) and L1
  (A = 0) over the λ grid, plus λ = 0 ("none"), over the seeds. The headline network of Fig. 1
  (BIMT, A = 1, λ = 1e-5) and its L1 and unregularised counterparts are points of this grid,
  not extra runs.
- `cog20-1d`: the same on a line of neurons (Appendix A, Figs. 3–5).
- `modcog-1d`: the Mod-Cog suite on a line (Appendix B, Fig. 6); 82 tasks (DECISIONS.md).

All three are expanded with `bimt.sweep.expand_sweep` and merged into one sweep: runs are
named by a hash of their config, so a run that two experiments share is trained once, and a
re-run skips finished runs and resumes interrupted ones.

Scales:

- `full`: the paper-scale settings of `sweeps/pareto-2d.toml` / `pareto-1d.toml`: λ in
  half-decades 1e-6 … 1e-3 plus λ = 0, three seeds, 20,000 steps per run (TrainConfig's
  default), 10,000 shuffles: 3 × 45 = 135 runs; meant for SLURM.
- `quick`: one seed, λ in decades 1e-5 … 1e-3 plus λ = 0, 2,000 steps: 21 runs that fit in
  30 minutes on 2 CPU cores (budget below).
- `tiny`: for tests; tiny networks, 40 steps, 100 shuffles; a couple of minutes.

Budget of the quick scale (all numbers measured on the project's 2-core machine while other
jobs kept its load average at 6–9; see `expected_seconds`):

- one optimizer step, 400 hidden neurons, batch 64, one torch thread: 46–62 ms
  (`bench/bench_train.py`-style timing of `train_step`; the trainer's own steps_per_second
  was 21.5/s, i.e. 47 ms); budgeted at STEP_SECONDS = 60 ms;
- one evaluation of the held-out set: about 0.6 s for 20 tasks × 64 trials, i.e. ~30 ms per
  task (Mod-Cog: 82 tasks, ~2.5 s); 5 evaluations per run at eval_every 500;
- `analyze_run` with 10,000 shuffles: 7.7–8.3 s per run; budgeted at 10 s;
- figures and report: ~5 s per run drawn (13 single-run figure sets' worth), budgeted 120 s;
  starting the sweep's worker processes: 30 s.

With 2 workers: 21 runs × (2,000 × 0.06 s + 5 evaluations + 10 s) / 2 + 30 s + 120 s
≈ 21 × 133 s / 2 + 150 s ≈ 1,550 s ≈ 26 minutes, under the 30-minute budget with ~15% margin.
`expected_seconds(plan)` recomputes this sum, and a test checks it stays under 30 minutes.
The sweep trains compatible runs together as ensembles (`bimt.ensemble`; `bimt reproduce`
sizes them so that both workers stay busy, see `reproduce.balanced_max_k`); on a CPU that
saves about 1.2× on whole runs (BENCHMARKS.md, Ensembles), which the budget does not count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bimt.sweep import Sweep, SweepRun, expand_sweep

SCALES = ("quick", "full", "tiny")
HEADLINE_LAM = 1e-5  # Fig. 1: A = 1, λ = 1e-5
HEADLINE_A = 1.0
METHODS = ("bimt", "l1", "none")

# Measured costs for the quick-scale budget (module docstring).
STEP_SECONDS = 0.060
EVAL_SECONDS_PER_TASK = 0.030
ANALYSIS_SECONDS = 10.0
FIGURES_SECONDS = 120.0
STARTUP_SECONDS = 30.0
QUICK_BUDGET_SECONDS = 30 * 60
N_TASKS = {"cog20": 20, "modcog": 82}


@dataclass(frozen=True)
class Scale:
    """Every setting that differs between scales."""

    name: str
    summary: str  # what the scale means, one paragraph, shown on the report's first page
    steps: int
    lams: tuple[float, ...]
    seeds: tuple[int, ...]
    n_shuffles: int
    n_hidden_2d: int
    n_hidden_1d: int
    batch_size: int = 64
    eval_every: int = 500
    eval_trials: int = 128
    checkpoint_every: int = 1000
    snapshot_every: int = 500
    top_k: int = 30
    swap_every: int = 200

    def train_base(self) -> dict[str, Any]:
        """TrainConfig fields every run of this scale shares."""
        return {
            "steps": self.steps,
            "batch_size": self.batch_size,
            "eval_every": self.eval_every,
            "eval_trials": self.eval_trials,
            "checkpoint_every": self.checkpoint_every,
            "snapshot_every": self.snapshot_every,
            "top_k": self.top_k,
            "swap_every": self.swap_every,
        }


_SCALES: dict[str, Scale] = {
    "full": Scale(
        name="full",
        summary=(
            "Paper scale: 20x20 (2D) and 400-neuron (1D) networks, 20,000 Adam steps per run, "
            "λ in half-decades from 1e-6 to 1e-3 plus λ = 0, three seeds per point, 10,000 "
            "shuffles per anatomy test. 135 runs; meant for a SLURM cluster "
            "(--executor slurm)."
        ),
        steps=20_000,
        lams=(1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3),
        seeds=(0, 1, 2),
        n_shuffles=10_000,
        n_hidden_2d=400,
        n_hidden_1d=400,
    ),
    "quick": Scale(
        name="quick",
        summary=(
            "QUICK SCALE, not the paper's: networks of the paper's size (20x20 and 400 "
            "neurons) but only 2,000 Adam steps per run (the full scale trains 20,000), λ in "
            "decades 1e-5, 1e-4, 1e-3 plus λ = 0 (the full scale: seven half-decades from "
            "1e-6), and ONE seed (no spread across seeds). 21 runs, sized to finish in about "
            "30 minutes on 2 CPU cores. Undertrained networks: verdicts here say what 2,000 "
            "steps give, not what the paper's training gives. Run --scale full for the "
            "reproduction proper."
        ),
        steps=2_000,
        lams=(1e-5, 1e-4, 1e-3),
        seeds=(0,),
        n_shuffles=10_000,
        n_hidden_2d=400,
        n_hidden_1d=400,
        eval_every=500,
        eval_trials=64,
        checkpoint_every=500,
        snapshot_every=0,
    ),
    "tiny": Scale(
        name="tiny",
        summary=(
            "TINY SCALE, for tests only: 5x5 and 24-neuron networks, 40 steps, batch 16, "
            "100 shuffles. Says nothing about the paper; it checks that the pipeline runs."
        ),
        steps=40,
        lams=(1e-5, 1e-3),
        seeds=(0,),
        n_shuffles=100,
        n_hidden_2d=25,
        n_hidden_1d=24,
        batch_size=16,
        eval_every=20,
        eval_trials=8,
        checkpoint_every=20,
        snapshot_every=0,
        top_k=8,
        swap_every=20,
    ),
}


def get_scale(name: str) -> Scale:
    """The scale called `name` (quick, full or tiny)."""
    if name not in _SCALES:
        raise ValueError(f"unknown scale {name!r}; accepted: {', '.join(SCALES)}")
    return _SCALES[name]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report.

    `source` is "run" (drawn from the experiment's representative BIMT run, with
    `bimt.plots.figures.RUN_FIGURES[name]`) or "multi" (from the experiment's runs, with
    `MULTI_FIGURES[name]`: cluster maps and shuffle tests of the headline BIMT / L1 / none
    networks, Pareto fronts over every run).
    """

    name: str
    source: str
    panel: str  # the paper's panel it reproduces
    caption: str


@dataclass(frozen=True)
class Experiment:
    """One of the paper's experiments: a sweep spec and the figures drawn from it."""

    key: str
    title: str
    paper: str
    suite: str
    geometry: str
    spec: dict[str, Any]
    figures: tuple[FigureSpec, ...]
    runs: tuple[SweepRun, ...] = field(default=(), repr=False)

    def headline_runs(self, method: str) -> list[SweepRun]:
        """The runs at the headline setting for `method` (λ = 1e-5; λ = 0 for none), by seed."""
        lam = 0.0 if method == "none" else HEADLINE_LAM
        out = [r for r in self.runs
               if r.config["method"] == method and r.config["lam"] == lam]
        return sorted(out, key=lambda r: r.config["seed"])


@dataclass(frozen=True)
class Plan:
    """The experiments of one scale, and the merged sweep that trains them."""

    scale: Scale
    experiments: tuple[Experiment, ...]

    def experiment(self, key: str) -> Experiment:
        for e in self.experiments:
            if e.key == key:
                return e
        raise KeyError(f"no experiment {key!r}; have {[e.key for e in self.experiments]}")

    def sweep(self) -> Sweep:
        """One sweep over every experiment's runs, shared runs once, headline runs first.

        Headline runs go first so that an interrupted reproduction has the networks of the
        main figures before the rest of the λ grid.
        """
        headline: list[SweepRun] = []
        rest: list[SweepRun] = []
        for e in self.experiments:
            heads = {r.run_id for m in METHODS for r in e.headline_runs(m)}
            for r in e.runs:
                (headline if r.run_id in heads else rest).append(r)
        runs: dict[str, SweepRun] = {}
        for r in headline + rest:
            runs.setdefault(r.run_id, r)
        return Sweep(
            name=f"reproduce-{self.scale.name}",
            runs=tuple(runs.values()),
            analysis={"enabled": True, "n_shuffles": self.scale.n_shuffles},
            source={"scale": self.scale.name,
                    "experiments": {e.key: e.spec for e in self.experiments}},
        )

    def figures(self) -> list[tuple[str, FigureSpec]]:
        """(experiment key, figure) for every figure the report shows."""
        return [(e.key, f) for e in self.experiments for f in e.figures]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description (written as DIR/plan.json)."""
        return {
            "scale": self.scale.name,
            "scale_summary": self.scale.summary,
            "experiments": [
                {
                    "key": e.key,
                    "title": e.title,
                    "paper": e.paper,
                    "spec": e.spec,
                    "run_ids": [r.run_id for r in e.runs],
                    "figures": [f.name for f in e.figures],
                }
                for e in self.experiments
            ],
        }


_F = FigureSpec
FIGURES_2D = (
    _F("network", "run", "Fig. 1a", "The headline BIMT network: every weight a line "
       "(blue positive, red negative, width ∝ |w|), neurons at their grid slots."),
    _F("task_variance", "run", "Fig. 1b", "Normalised task variance of the active neurons, "
       "sorted by functional cluster."),
    _F("clusters_by_method", "multi", "Fig. 1c", "Functional clusters on the grid, BIMT next to "
       "L1 and no regularisation (headline λ = 1e-5; none: λ = 0)."),
    _F("accuracy", "run", "Fig. 1d", "Per-task accuracy of the headline BIMT network on the "
       "noise-free test trials (primary: argmax at the last step; strict: every decision step)."),
    _F("sorted_variance", "run", "Fig. 1e", "Summed task variance per neuron, sorted; "
       "neurons above the 1e-3 line are active."),
    _F("locality", "run", "Fig. 1f", "Mean |W_ab| against the distance between the slots "
       "(autapses left out)."),
    _F("pareto", "multi", "Fig. 1g/h", "Error against active neurons and against wiring "
       "length; one point per trained network, each method's Pareto front as a staircase."),
    _F("shuffles_by_method", "multi", "Fig. 2b", "Isolated fraction and cluster size of each "
       "headline network against its shuffled layouts."),
    _F("lesions", "run", "(extra)", "Accuracy drop per task when a functional cluster of the "
       "headline BIMT network is silenced."),
    _F("training", "run", "(extra)", "Training curve of the headline BIMT network."),
)
FIGURES_1D = (
    _F("network", "run", "Fig. 3a", "The headline 1D BIMT network: input row, hidden line, "
       "output row."),
    _F("recurrent_arcs", "run", "Fig. 3b", "Hidden-to-hidden connections as arcs over the line."),
    _F("weight_matrix", "run", "Fig. 3c", "The recurrent weight matrix (strongly diagonal if "
       "local)."),
    _F("task_variance", "run", "Fig. 3d", "Normalised task variance, sorted by cluster."),
    _F("clusters", "run", "Fig. 3e", "Functional clusters along the line."),
    _F("accuracy", "run", "Fig. 3f", "Per-task accuracy of the headline 1D BIMT network."),
    _F("sorted_variance", "run", "Fig. 3g", "Summed task variance per neuron, sorted."),
    _F("locality", "run", "Fig. 3h", "Mean |W_ab| against distance on the line."),
    _F("pareto", "multi", "Fig. 4a", "Error against active neurons and wiring length, per "
       "method, with Pareto fronts."),
    _F("clusters_by_method", "multi", "Fig. 4b/c", "Functional clusters along the line: BIMT, "
       "L1, none."),
    _F("shuffles_by_method", "multi", "Fig. 5b", "Isolated fraction and index variance "
       "against shuffles, per method."),
    _F("training", "run", "(extra)", "Training curve of the headline 1D BIMT network."),
)
FIGURES_MODCOG = (
    _F("network", "run", "Fig. 6a", "The headline Mod-Cog 1D BIMT network."),
    _F("task_variance", "run", "Fig. 6b", "Normalised task variance, sorted by cluster."),
    _F("accuracy", "run", "Fig. 6c", "Per-task accuracy on the Mod-Cog tasks."),
    _F("pareto", "multi", "Fig. 6d", "Error against active neurons and wiring length, per "
       "method, with Pareto fronts."),
    _F("shuffles_by_method", "multi", "Fig. 6e/f", "Isolated fraction and index variance "
       "against shuffles, per method."),
    _F("clusters_by_method", "multi", "(extra)", "Functional clusters along the line: BIMT, "
       "L1, none."),
    _F("training", "run", "(extra)", "Training curve of the headline Mod-Cog BIMT network."),
)


def experiment_spec(scale: Scale, suite: str, geometry: str) -> dict[str, Any]:
    """The sweep spec of one experiment: BIMT and L1 over λ × seeds, plus none over seeds."""
    base = {
        "suite": suite,
        "geometry": geometry,
        "n_hidden": scale.n_hidden_2d if geometry == "2d" else scale.n_hidden_1d,
        **scale.train_base(),
    }
    return {
        "name": f"{suite}-{geometry}",
        "base": base,
        "grid": {"method": ["bimt", "l1"], "lam": list(scale.lams), "seed": list(scale.seeds)},
        "include": [{"method": "none", "grid": {"seed": list(scale.seeds)}}],
        "analysis": {"n_shuffles": scale.n_shuffles},
    }


def build_plan(scale: str | Scale) -> Plan:
    """The plan of a scale: three experiments with their expanded, validated runs."""
    sc = get_scale(scale) if isinstance(scale, str) else scale
    if HEADLINE_LAM not in sc.lams:
        raise ValueError(f"scale {sc.name!r}: the λ grid {sc.lams} must contain the headline "
                         f"λ = {HEADLINE_LAM} (Fig. 1)")
    rows = (
        ("cog20-2d", "20 cognitive tasks, 2D grid", "Section 3, Figs. 1-2", "cog20", "2d",
         FIGURES_2D),
        ("cog20-1d", "20 cognitive tasks, 1D line", "Appendix A, Figs. 3-5", "cog20", "1d",
         FIGURES_1D),
        ("modcog-1d", "Mod-Cog tasks, 1D line", "Appendix B, Fig. 6", "modcog", "1d",
         FIGURES_MODCOG),
    )
    experiments = []
    for key, title, paper, suite, geometry, figures in rows:
        spec = experiment_spec(sc, suite, geometry)
        runs = expand_sweep(spec).runs
        experiments.append(Experiment(key, title, paper, suite, geometry, spec, figures, runs))
    return Plan(sc, tuple(experiments))


def expected_seconds(plan: Plan, workers: int = 2) -> float:
    """Wall-time estimate of a plan on `workers` single-threaded workers (module docstring)."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    work = 0.0
    for run in plan.sweep().runs:
        cfg = run.config
        evals = 2 + (cfg["steps"] - 1) // cfg["eval_every"] if cfg["eval_every"] else 2
        n_tasks = N_TASKS[cfg["suite"]]
        work += (cfg["steps"] * STEP_SECONDS
                 + evals * n_tasks * EVAL_SECONDS_PER_TASK * cfg["eval_trials"] / 64
                 + ANALYSIS_SECONDS)
    return STARTUP_SECONDS + work / workers + FIGURES_SECONDS


def deviations(scale: Scale) -> list[tuple[str, str]]:
    """(topic, what differs from the paper or what the paper left open and we chose)."""
    items: list[tuple[str, str]] = []
    if scale.name != "full":
        items.append((
            "scale",
            f"This is the {scale.name} scale: {scale.steps:,} steps per run, λ grid "
            f"{', '.join(f'{v:g}' for v in scale.lams)} plus 0, seeds "
            f"{', '.join(map(str, scale.seeds))}, {scale.n_shuffles:,} shuffles, "
            f"{scale.n_hidden_2d} (2D) / {scale.n_hidden_1d} (1D) hidden neurons. "
            "The full scale uses 20,000 steps, seven half-decades 1e-6 to 1e-3, three seeds, "
            "10,000 shuffles and 400 neurons.",
        ))
    items += [
        ("training length", "The paper does not state optimiser steps; the full scale trains "
         "20,000 Adam steps per run (TrainConfig default), without checking for a plateau."),
        ("λ grid and seeds", "The paper does not give the λ values or seeds of its Pareto "
         "plots; the full scale uses λ in half-decades 1e-6 to 1e-3 (A = 1 for BIMT, A = 0 "
         "for L1) plus λ = 0, three seeds each (bimt-spec §3.3)."),
        ("Mod-Cog task count", "The paper says 84 Mod-Cog tasks; the Mod-Cog README builds 82, "
         "which we use (suite 'modcog'). The source of the 84 is unresolved."),
        ("Mod-Cog geometry", "Appendix B's network is 1D (Fig. 6a); we use 400 neurons on a "
         "line, as for the 20-task 1D networks (the paper gives no size)."),
        ("distance", "D = L1 grid distance divided by n_h (not n_h² as printed; the printed "
         "form contradicts the stated coordinates and the 0.6 peak of Fig. 1f). 1D: |a−b|/N."),
        ("connection cost", "Only the recurrent matrix carries the distance term; W_in, W_out "
         "and both biases carry plain L1 (eq. 2 as written); input/output neurons have no "
         "coordinates and are never swapped."),
        ("network", "ReLU, no leak (eq. 1), h_0 = 0, PyTorch-default initialisation "
         "(not stated in the paper)."),
        ("optimiser and λ", "Adam, lr 1e-3, batch 64, constant λ (the BIMT notebooks' "
         "three-phase schedule is not used)."),
        ("swaps", "Every 200 steps, top-30 candidates by importance, greedy, a swap only when "
         "it lowers the wiring cost; Adam's moments are permuted with the neurons (the "
         "original BIMT code does not). No swaps for L1 (A = 0)."),
        ("tasks", "neurogym yang19 semantics of 2020–June 2025 ('paper' profile), dt 100 ms, "
         "16-unit rings: 53 inputs and 17 outputs for 20 tasks; per-step cross-entropy."),
        ("accuracy and error", "A trial is correct when the argmax at its last valid step "
         "equals the label (neurogym convention); error = 1 − mean per-task accuracy on the "
         "noise-free test trials."),
        ("task variance and clusters", "Variance across fixed-timing, noise-free test trials "
         "per step, averaged from stimulus onset to the trial's end; active neuron: summed "
         "task variance > 1e-3; max-normalised; k-means (n_init 20) with k in 2…29 by "
         "silhouette."),
        ("anatomy metrics", "Cluster size (2D) is Var(row) + Var(col) per cluster, averaged "
         "over clusters; 1D: variance of indices. The paper names but does not define it."),
        ("shuffle baseline", "Labels permuted among the important neurons' own slots "
         "(reading A of bimt-spec §5.4); the paper shows histograms and gives no test, we "
         "report one-sided empirical p-values and z-scores."),
        ("wiring length", "Sum of the lengths of recurrent connections with |w| > 1e-2, "
         "unweighted; autapses have length 0."),
    ]
    return items


def plan_json(plan: Plan) -> str:
    """DIR/plan.json text."""
    return json.dumps(plan.to_dict(), indent=2) + "\n"
