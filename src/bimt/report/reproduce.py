"""`reproduce(out, scale)`: train what the paper trained, analyse it, draw it, judge it.

Stages, each resumable because each reads only what is on disk:

1. the plan of the scale (`plan.build_plan`) is written to OUT/plan.json, and each
   experiment's sweep spec to OUT/plan/<experiment>.toml (runnable with `bimt sweep run`);
2. one sweep over every planned run (`bimt.sweep.run_sweep` into OUT: OUT/sweep.json,
   OUT/runs/<run_id>/): finished runs are skipped, interrupted ones resumed from their
   checkpoint, each finished run analysed (`analyze_run`, cached);
3. the figures of the plan (`bimt.plots.figures`) into OUT/figures/<experiment>/;
4. the claims (`claims.evaluate_claims`) and the report: OUT/report.html (self-contained),
   OUT/report.md (figures linked relatively) and OUT/claims.json.

Stages 3–4 use whatever exists, so an interrupted or still-running reproduction gives a
report of the runs done so far (it says how many are missing), and a re-run completes it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bimt.report.claims import ClaimResult, RunResult, evaluate_claims
from bimt.report.plan import Plan, build_plan, plan_json

FIGURES_SUBDIR = "figures"
PLAN_FILE = "plan.json"
REPORT_HTML = "report.html"
REPORT_MD = "report.md"
CLAIMS_FILE = "claims.json"
STAMPS_FILE = "stamps.json"
STAMP_VERSION = 1  # bump when the figures' drawing changes in a way old files must not hide


@dataclass
class FigureResult:
    """One planned figure: where it was written, or why it was not."""

    experiment: str
    name: str
    path: Path | None
    reason: str | None = None


@dataclass
class ReproduceResult:
    """What one `reproduce` call did and produced."""

    out: Path
    plan: Plan
    outcomes: list[dict[str, Any]]
    results: dict[str, RunResult]
    claims: list[ClaimResult]
    figures: list[FigureResult]
    html: Path
    markdown: Path
    submitted: bool = False
    timing: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o.get("outcome") in ("failed", "worker died")]


def check_out_dir(out: Path, plan: Plan) -> None:
    """Refuse an OUT that holds another scale's reproduction or some other sweep."""
    plan_file = out / PLAN_FILE
    if plan_file.is_file():
        try:
            old = json.loads(plan_file.read_text())
        except json.JSONDecodeError:
            old = {}
        if old.get("scale") != plan.scale.name:
            raise ValueError(
                f"{out} holds a reproduction at scale {old.get('scale')!r}, not "
                f"{plan.scale.name!r}; use another --out (each scale gets its own folder)"
            )
    elif (out / "sweep.json").is_file():
        raise ValueError(f"{out} holds a sweep that is not a reproduction (no {PLAN_FILE}); "
                         f"use another --out")


def write_plan(out: Path, plan: Plan) -> None:
    """OUT/plan.json and OUT/plan/<experiment>.toml."""
    import tomli_w

    from bimt.training.atomic import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / PLAN_FILE, plan_json(plan))
    (out / "plan").mkdir(exist_ok=True)
    for e in plan.experiments:
        header = (f"# {e.title} ({e.paper}), {plan.scale.name} scale; written by bimt "
                  f"reproduce.\n#   bimt sweep run plan/{e.key}.toml --dir DIR\n")
        write_text_atomic(out / "plan" / f"{e.key}.toml", header + tomli_w.dumps(e.spec))


def load_results(out: Path, plan: Plan) -> dict[str, RunResult]:
    """Every planned run's state, summary.json and analysis.json as far as they exist."""
    from bimt.sweep.execute import run_dir_of
    from bimt.sweep.status import run_status

    results = {}
    for run in plan.sweep().runs:
        run_dir = run_dir_of(out, run.run_id)
        state = run_status(run_dir, run.run_id, analysis=True,
                           steps=run.config["steps"]).state if run_dir.is_dir() else "pending"
        summary = _read_json(run_dir / "summary.json")
        analysis = _read_json(run_dir / "analysis.json") if summary is not None else None
        if analysis is not None and analysis.get("settings", {}).get("shuffles", {}).get(
                "n_shuffles") != plan.scale.n_shuffles:
            analysis = None  # analysed with other settings: not this plan's numbers
        results[run.run_id] = RunResult(
            run_id=run.run_id, method=run.config["method"], lam=float(run.config["lam"]),
            seed=int(run.config["seed"]), state=state, summary=summary, analysis=analysis)
    return results


def figure_stamp(name: str, source: str, run_ids: list[str],
                 results: dict[str, RunResult], n_shuffles: int) -> str:
    """What a figure was drawn from: its name and, per input run, the analysed weights.

    A figure whose stamp is unchanged is not redrawn (a rerun of a finished reproduction
    redraws nothing); new or retrained runs change the stamp of every figure they feed.
    """
    import hashlib

    inputs = []
    for i in run_ids:
        r = results.get(i)
        a = (r.analysis or {}) if r else {}
        inputs.append([i, a.get("weights_sha256"), (r.summary or {}).get("config_hash")
                       if r else None])
    text = json.dumps([STAMP_VERSION, _version(), name, source, n_shuffles, inputs])
    return hashlib.sha256(text.encode()).hexdigest()


def draw_figures(out: Path, plan: Plan, results: dict[str, RunResult], *, redraw: bool = False,
                 log: Callable[[str], Any] = lambda _: None) -> list[FigureResult]:
    """Every figure of the plan that the finished runs support, into OUT/figures/<exp>/.

    Figures whose inputs have not changed since they were drawn are kept (`figure_stamp`),
    unless `redraw`.
    """
    import matplotlib

    matplotlib.use("Agg")
    from bimt.plots.figures import MULTI_FIGURES, RUN_FIGURES, Unsupported, load_run_data
    from bimt.plots.style import save_figure
    from bimt.sweep.execute import run_dir_of
    from bimt.training.atomic import write_text_atomic

    cache: dict[str, Any] = {}
    stamps_file = out / FIGURES_SUBDIR / STAMPS_FILE
    old_stamps = {} if redraw else (_read_json(stamps_file) or {})
    stamps: dict[str, str] = {}

    def data(run_id: str) -> Any:
        if run_id not in cache:
            cache[run_id] = load_run_data(run_dir_of(out, run_id),
                                          n_shuffles=plan.scale.n_shuffles)
        return cache[run_id]

    def finished(run_id: str) -> bool:
        r = results.get(run_id)
        return r is not None and r.summary is not None

    drawn: list[FigureResult] = []
    for e in plan.experiments:
        heads = [r.run_id for m in ("bimt", "l1", "none") for r in e.headline_runs(m)[:1]]
        rep = e.headline_runs("bimt")[0].run_id
        others = [r.run_id for r in e.runs if r.run_id not in heads]
        multi_ids = [i for i in heads + others if finished(i)]
        folder = out / FIGURES_SUBDIR / e.key
        for spec in e.figures:
            inputs = [rep] if spec.source == "run" else multi_ids
            key = f"{e.key}/{spec.name}"
            stamp = figure_stamp(spec.name, spec.source, inputs, results, plan.scale.n_shuffles)
            path = folder / f"{spec.name}.png"
            if old_stamps.get(key) == stamp and path.is_file():
                stamps[key] = stamp
                drawn.append(FigureResult(e.key, spec.name, path))
                continue
            try:
                if spec.source == "run":
                    if not finished(rep):
                        raise Unsupported(f"the headline BIMT run {rep} is not finished")
                    fig = RUN_FIGURES[spec.name](data(rep))
                else:
                    if not multi_ids:
                        raise Unsupported("no finished run in this experiment")
                    fig = MULTI_FIGURES[spec.name]([data(i) for i in multi_ids])
            except Unsupported as exc:
                path.unlink(missing_ok=True)  # a stale figure must not stand in for it
                drawn.append(FigureResult(e.key, spec.name, None, str(exc)))
                log(f"skip {key}: {exc}")
                continue
            except Exception as exc:  # one broken figure must not sink the report
                path.unlink(missing_ok=True)
                reason = f"failed: {type(exc).__name__}: {exc}"
                drawn.append(FigureResult(e.key, spec.name, None, reason))
                log(f"figure {key} {reason}")
                continue
            path = save_figure(fig, folder / spec.name, ("png",))[0]
            fig.clear()
            stamps[key] = stamp
            drawn.append(FigureResult(e.key, spec.name, path))
    stamps_file.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(stamps_file, json.dumps(stamps, indent=1, sort_keys=True) + "\n")
    return drawn


def balanced_max_k(plan: Plan, workers: int, cap: int = 8) -> int:
    """Largest ensemble size that still gives every local worker work.

    An experiment's runs share an ensemble key, so with the sweep's default (8) the quick
    scale's 3 × 7 runs become 3 ensembles, and 2 workers finish one and two ensembles
    (7 against 14 runs' time). Ensembles of ceil(7 / 2) = 4 give 6 of 4 or 3 runs, which 2
    workers share evenly; on a CPU an ensemble saves little per member (BENCHMARKS.md,
    Ensembles: 1.2x for whole runs), so balance matters more than size.
    """
    largest = max(len(e.runs) for e in plan.experiments)
    return max(1, min(cap, -(-largest // max(workers, 1))))


def reproduce(
    out: str | Path,
    scale: str = "quick",
    *,
    executor: str = "local",
    workers: int | None = None,
    slurm: Any = None,
    device: str | None = None,
    threads: int | None = None,
    wait: bool = True,
    ensemble: bool = True,
    max_k: int | None = None,
    train: bool = True,
    redraw: bool = False,
    log: Callable[[str], Any] = lambda _: None,
) -> ReproduceResult:
    """Run (or continue) the reproduction of `scale` in `out` and write its report.

    Args:
        out: the reproduction folder (sweep, runs, figures, report).
        scale: "quick", "full" or "tiny" (see `bimt.report.plan`).
        executor, workers, slurm, device, threads: as `bimt.sweep.run_sweep` (workers
            default: the usable cores).
        wait: wait for the runs (with `wait=False` on SLURM the report shows what exists at
            submission; run again later to complete it).
        ensemble, max_k: train compatible runs together (`run_sweep`); max_k defaults to
            `balanced_max_k` for local workers and 8 otherwise.
        train: False skips the sweep and only regenerates figures, claims and report.
        redraw: redraw every figure, even those whose input runs did not change.
    """
    from bimt.sweep import run_sweep
    from bimt.sweep.execute import EXECUTORS, usable_cores

    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; accepted: {', '.join(EXECUTORS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    t_start = time.perf_counter()
    load_start = _loadavg()
    out = Path(out)
    plan = build_plan(scale)
    check_out_dir(out, plan)
    write_plan(out, plan)
    outcomes: list[dict[str, Any]] = []
    submitted = False
    if train:
        sweep = plan.sweep()
        n_workers = workers if workers is not None else usable_cores()
        k = max_k if max_k is not None else (
            balanced_max_k(plan, n_workers) if executor == "local" else 8)
        log(f"{len(sweep)} runs ({plan.scale.name} scale) -> {out} ({executor}"
            + (f", {n_workers} workers" if executor == "local" else "")
            + (f", ensembles of up to {k})" if ensemble else ")"))
        res = run_sweep(sweep, out, executor=executor, workers=n_workers, slurm=slurm,
                        device=device, threads=threads, wait=wait, ensemble=ensemble,
                        max_k=k)
        if isinstance(res, list):
            outcomes = res
        else:
            submitted = True
            log(f"submitted {len(res.jobs)} job(s); run the same command again when they "
                f"have finished to complete the report")
    t_sweep = time.perf_counter()

    results = load_results(out, plan)
    figures = draw_figures(out, plan, results, redraw=redraw, log=log)
    t_figures = time.perf_counter()
    claims = evaluate_claims(plan, results)
    timing = {
        "sweep_seconds": t_sweep - t_start,
        "figures_seconds": t_figures - t_sweep,
        "load_average_start": load_start,
        "load_average_end": _loadavg(),
        "cores": usable_cores(),
        "executor": executor,
        "workers": workers if workers is not None else usable_cores(),
        "outcomes": _tally(outcomes),
        "submitted": submitted,
    }
    from bimt.report.render import write_report

    html, md = write_report(out, plan, results, claims, figures, timing,
                            total_seconds=lambda: time.perf_counter() - t_start)
    return ReproduceResult(out, plan, outcomes, results, claims, figures, html, md,
                           submitted, timing)


def _tally(outcomes: list[dict[str, Any]]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for o in outcomes:
        tally[o["outcome"]] = tally.get(o["outcome"], 0) + 1
    return tally


def _loadavg() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _version() -> str:
    import bimt

    return str(getattr(bimt, "__version__", "unknown"))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
