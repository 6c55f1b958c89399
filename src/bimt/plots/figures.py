"""`bimt plot`: every figure a run supports, and the multi-run figures of several runs.

For one run, figures go to RUN_DIR/figures/<name>.<fmt>. The network drawing, the weight
matrix, training curves and per-task accuracy need only the run; the task-variance, cluster,
locality, shuffle and lesion figures need its analysis, obtained through
`bimt.analysis.analyze_run` (which reuses analysis.json and its cache when they are current).
A figure the run cannot support (no analysis possible, too few active neurons to cluster, a
1D-only panel on a 2D run, no snapshots...) is skipped with a one-line note, never an error.

With several runs, the multi-run figures go to `out`: cluster maps of one representative run
per method side by side (the first run given of each method; methods in the order bimt, l1,
none), the shuffle grid of those representatives, and the Pareto fronts over every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from bimt.analysis.pareto import error_from_accuracy
from bimt.plots.clusters import cluster_map, cluster_maps
from bimt.plots.layout import grid_shape
from bimt.plots.lesions import lesion_matrix
from bimt.plots.locality import strength_vs_distance, weight_matrix
from bimt.plots.network import draw_network, draw_recurrent_arcs
from bimt.plots.pareto import pareto_pair
from bimt.plots.performance import task_accuracy_bars, training_curves
from bimt.plots.runio import FIGURES_DIR, training_series
from bimt.plots.shuffles import shuffle_grid
from bimt.plots.style import method_label, save_figure, sort_methods
from bimt.plots.variance import sorted_variance, task_variance_heatmap

FORMATS = ("png", "pdf", "svg")


# Entries of analysis.json that exist only when the active neurons could be clustered.
_NEED_CLUSTERS = ("clusters", "anatomy", "lesions")


class Unsupported(Exception):
    """A figure this run cannot support; the message says why."""


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """'png,pdf' -> ('png', 'pdf'), checked against the supported formats."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in items if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if not formats or bad:
        raise ValueError(f"unknown figure format(s) {bad or [text]}; choose from {FORMATS}, "
                         f"comma-separated (e.g. png,pdf)")
    return formats


@dataclass
class PlotReport:
    """What a plot call wrote and what it skipped (figure name -> reason)."""

    written: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class RunData:
    """Everything the figures read from one run, as plain arrays (analysis parts may be None)."""

    name: str
    method: str
    geometry: Any
    w_in: np.ndarray
    w_rec: np.ndarray
    w_out: np.ndarray
    distance: np.ndarray
    task_names: list[str]
    accuracy: dict[str, float]
    strict_accuracy: dict[str, float]
    wiring_length: float | None
    analysis: dict[str, Any] | None = None
    analysis_error: str | None = None
    path: Path | None = None

    @property
    def is_1d(self) -> bool:
        return len(grid_shape(self.geometry)) == 1

    def need(self, *keys: str) -> Any:
        """analysis[k1][k2]...; Unsupported when the analysis or the entry is missing.

        `analysis` is the dict of analysis.json (schema in `bimt.analysis.analyze`).
        """
        if self.analysis is None:
            raise Unsupported(f"no analysis ({self.analysis_error or 'not run'})")
        node: Any = self.analysis
        for k in keys:
            if not isinstance(node, dict) or node.get(k) is None:
                why = self.analysis.get("clusters_error") if keys[0] in _NEED_CLUSTERS else None
                raise Unsupported(f"analysis has no {'.'.join(keys)}"
                                  + (f" ({why})" if why else ""))
            node = node[k]
        return node


# ----------------------------------------------------------------------------- one run


def _network(d: RunData) -> Figure:
    labels = _labels_by_slot_or_none(d)
    return draw_network(d.w_in, d.w_rec, d.w_out, d.geometry, labels_by_slot=labels,
                        title=d.name)


def _recurrent_arcs(d: RunData) -> Figure:
    if not d.is_1d:
        raise Unsupported("arcs of hidden connections are a 1D-line figure (Fig. 3b)")
    return draw_recurrent_arcs(d.w_rec, labels_by_slot=_labels_by_slot_or_none(d), title=d.name)


def _weight_matrix(d: RunData) -> Figure:
    if not d.is_1d:
        raise Unsupported("the w_rec heat map reads as a locality map on a 1D line only (Fig. 3c)")
    return weight_matrix(d.w_rec, title=d.name)


def _accuracy(d: RunData) -> Figure:
    if not d.accuracy:
        raise Unsupported("no per-task accuracy in summary.json or the analysis")
    strict = d.strict_accuracy if set(d.strict_accuracy) >= set(d.task_names) else None
    return task_accuracy_bars(d.task_names, d.accuracy, strict, title=d.name)


def _training(d: RunData) -> Figure:
    if d.path is None:
        raise Unsupported("no run directory")
    try:
        s = training_series(d.path)
    except FileNotFoundError as exc:
        raise Unsupported(str(exc)) from None
    loss = s["eval_loss"] if np.all(np.isfinite(s["eval_loss"])) else None
    strict = s["mean_strict_accuracy"]
    return training_curves(s["step"], s["mean_accuracy"], loss,
                           strict_accuracy=strict if np.all(np.isfinite(strict)) else None,
                           loss_label="held-out loss", title=d.name)


def _locality(d: RunData) -> Figure:
    prof = d.need("locality")
    off = ~np.eye(d.w_rec.shape[0], dtype=bool)
    means = np.array([np.nan if v is None else v for v in prof["mean_abs_w"]], dtype=float)
    return strength_vs_distance(prof["bin_centers"], means, distances=d.distance[off],
                                abs_w=np.abs(d.w_rec[off]), title=d.name)


def _sorted_variance(d: RunData) -> Figure:
    tv = np.asarray(d.need("task_variance"), dtype=float)
    threshold = float(d.need("settings", "active_threshold"))
    return sorted_variance(tv.sum(axis=1), threshold=threshold, title=d.name)


def _task_variance(d: RunData) -> Figure:
    normalized = np.asarray(d.need("clusters", "normalized"), dtype=float)
    slots = np.asarray(d.need("clusters", "active_slots"), dtype=np.int64)
    labels = _labels_by_slot(d)[slots]
    return task_variance_heatmap(normalized, labels, d.need("tasks"), title=d.name)


def _clusters(d: RunData) -> Figure:
    return cluster_map(_labels_by_slot(d), d.geometry, title=f"{d.name} ({method_label(d.method)})")


def _shuffles(d: RunData) -> Figure:
    return shuffle_grid({d.method: _shuffle_results(d)})


def _lesions(d: RunData) -> Figure:
    drop = np.asarray(d.need("lesions", "drop", "primary"), dtype=float)
    return lesion_matrix(drop, d.need("lesions", "tasks"), title=d.name)


RUN_FIGURES: dict[str, Callable[[RunData], Figure]] = {
    "network": _network,
    "recurrent_arcs": _recurrent_arcs,
    "weight_matrix": _weight_matrix,
    "task_variance": _task_variance,
    "clusters": _clusters,
    "accuracy": _accuracy,
    "sorted_variance": _sorted_variance,
    "locality": _locality,
    "shuffles": _shuffles,
    "lesions": _lesions,
    "training": _training,
}


def _labels_by_slot(d: RunData) -> np.ndarray:
    return np.asarray(d.need("clusters", "labels_by_slot"), dtype=np.int64)


def _labels_by_slot_or_none(d: RunData) -> np.ndarray | None:
    try:
        return _labels_by_slot(d)
    except Unsupported:
        return None


def _shuffle_results(d: RunData) -> dict[str, Any]:
    # Reading A of the shuffle baseline (labels permuted among the important slots) is the
    # paper's test; the "scatter" reading B is in analysis.json for robustness checks.
    res = d.need("anatomy", "positions")
    out = {m: r for m, r in res.items() if isinstance(r, dict) and r.get("shuffled")}
    if not out:
        raise Unsupported("analysis has no shuffle distributions")
    return out


def _draw_all(figures: dict[str, Callable[[], Figure]], folder: Path, formats: Sequence[str],
              report: PlotReport, log: Callable[[str], Any], prefix: str = "") -> None:
    for name, make in figures.items():
        try:
            fig = make()
        except Unsupported as exc:
            report.skipped[prefix + name] = str(exc)
            log(f"skip {prefix}{name}: {exc}")
            continue
        report.written += save_figure(fig, folder / name, formats)
        fig.clear()  # the figure was never registered with pyplot; clearing frees it now


def plot_run_data(d: RunData, folder: Path, formats: Sequence[str] = ("png",),
                  log: Callable[[str], Any] = lambda _: None) -> PlotReport:
    """Write every single-run figure `d` supports into `folder`."""
    report = PlotReport()
    _draw_all({k: (lambda f=f: f(d)) for k, f in RUN_FIGURES.items()}, folder, formats, report, log)
    return report


# ------------------------------------------------------------------------------ multi-run


def _representatives(runs: Iterable[RunData]) -> list[RunData]:
    first: dict[str, RunData] = {}
    for d in runs:
        first.setdefault(d.method, d)
    return [first[m] for m in sort_methods(list(first))]


def _multi_clusters(runs: list[RunData]) -> Figure:
    panels = []
    for d in _representatives(runs):
        try:
            panels.append((f"{method_label(d.method)} ({d.name})", _labels_by_slot(d), d.geometry))
        except Unsupported:
            continue
    if not panels:
        raise Unsupported("no run has cluster labels")
    return cluster_maps(panels)


def _multi_shuffles(runs: list[RunData]) -> Figure:
    results = {}
    for d in _representatives(runs):
        try:
            results[d.method] = _shuffle_results(d)
        except Unsupported:
            continue
    results = {m: r for m, r in results.items() if r}
    if not results:
        raise Unsupported("no run has shuffle distributions")
    metrics = [m for m in ("isolated_fraction", "cluster_size")
               if all(m in r for r in results.values())]
    if not metrics:
        raise Unsupported("the runs share no shuffle metric")
    return shuffle_grid(results, metrics=metrics)


def _multi_pareto(runs: list[RunData]) -> Figure:
    active: dict[str, tuple[list[float], list[float]]] = {}
    wiring: dict[str, tuple[list[float], list[float]]] = {}
    for d in runs:
        if not d.accuracy:
            continue
        err = error_from_accuracy(d.accuracy)
        try:
            n_active = float(d.need("sparsity", "active_neurons"))
        except Unsupported:
            n_active = None
        if n_active is not None:
            xs, es = active.setdefault(d.method, ([], []))
            xs.append(n_active)
            es.append(err)
        if d.wiring_length is not None:
            xs, es = wiring.setdefault(d.method, ([], []))
            xs.append(d.wiring_length)
            es.append(err)
    if not active or not wiring:
        raise Unsupported("Pareto fronts need active-neuron counts and wiring lengths")
    return pareto_pair(active, wiring)


MULTI_FIGURES: dict[str, Callable[[list[RunData]], Figure]] = {
    "clusters_by_method": _multi_clusters,
    "shuffles_by_method": _multi_shuffles,
    "pareto": _multi_pareto,
}


def plot_multi_data(runs: list[RunData], folder: Path, formats: Sequence[str] = ("png",),
                    log: Callable[[str], Any] = lambda _: None) -> PlotReport:
    """Write the multi-run figures of `runs` into `folder`."""
    report = PlotReport()
    _draw_all({k: (lambda f=f: f(runs)) for k, f in MULTI_FIGURES.items()}, folder, formats,
              report, log)
    return report


# ------------------------------------------------------------------------- from run dirs


def load_run_data(run_dir: str | Path, *, n_shuffles: int = 10_000) -> RunData:
    """Read a finished run and its analysis (running `analyze_run` if needed) into RunData.

    The analysis is optional: when it fails (e.g. too few active neurons to cluster), the
    run-only figures are still drawn and the failure is the skip note of the others.
    """
    from bimt.training.rundir import load_run

    run = load_run(run_dir)
    model = run.model()
    summary = run.summary
    analysis, error = None, None
    try:
        from bimt.analysis.analyze import analyze_run

        analysis = analyze_run(run.path, n_shuffles=n_shuffles)
    except (ValueError, RuntimeError, ImportError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    # Per-task accuracy: the analysis's (noise-free test trials, the trials every other
    # analysis figure uses) when there is one, else the trainer's last evaluation.
    acc_src = (analysis or {}).get("accuracy") or {}
    accuracy = dict(acc_src.get("primary") or summary.get("accuracy") or {})
    strict = dict(acc_src.get("strict") or summary.get("strict_accuracy") or {})
    task_names = list((analysis or {}).get("tasks") or accuracy or run.config.tasks or [])
    wiring = ((analysis or {}).get("sparsity") or {}).get("wiring_length")
    return RunData(
        name=run.path.name,
        method=run.config.method,
        geometry=model.geometry,
        w_in=model.w_in.detach().numpy().astype(np.float64),
        w_rec=model.w_rec.detach().numpy().astype(np.float64),
        w_out=model.w_out.detach().numpy().astype(np.float64),
        distance=model.distance.numpy().astype(np.float64),
        task_names=task_names,
        accuracy=accuracy,
        strict_accuracy=strict,
        wiring_length=summary.get("wiring_length") if wiring is None else wiring,
        analysis=analysis,
        analysis_error=error,
        path=run.path,
    )


def plot_runs(
    run_dirs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    formats: Sequence[str] = ("png",),
    n_shuffles: int = 10_000,
    log: Callable[[str], Any] = lambda _: None,
) -> PlotReport:
    """Every single-run figure into RUN_DIR/figures/, and with several runs the multi-run
    figures into `out` (required then)."""
    if not run_dirs:
        raise ValueError("give at least one run directory")
    formats = parse_formats(formats)
    if len(run_dirs) > 1 and out is None:
        raise ValueError("with several run directories, pass out=DIR for the multi-run figures")
    report = PlotReport()
    runs = []
    for rd in run_dirs:
        d = load_run_data(rd, n_shuffles=n_shuffles)
        runs.append(d)
        r = plot_run_data(d, Path(rd) / FIGURES_DIR, formats,
                          log=lambda m, n=d.name: log(f"{n}: {m}"))
        report.written += r.written
        report.skipped.update({f"{d.name}/{k}": v for k, v in r.skipped.items()})
    if out is not None and len(runs) > 1:
        r = plot_multi_data(runs, Path(out), formats, log=log)
        report.written += r.written
        report.skipped.update(r.skipped)
    return report
