"""The paper's claims: what is measured for each, and the rule that turns it into a verdict.

Every threshold is a constant of this module, fixed when the rules were written, before any
reproduction result existed, and printed in the report next to the verdict. A verdict is one
of `VERDICTS` ("holds", "partly", "does not hold"); `NOT_MEASURED` is used only when the
networks a claim needs do not exist yet (an unfinished or failed run), never as a verdict on
data.

Seeds. Claims on single networks (1, 2, 4 and their 1D / Mod-Cog versions) are judged per
seed; the seeds' verdicts combine with `combine`: all "holds" -> holds, all "does not hold"
-> does not hold, anything else -> partly. Pareto claims (3, 5a, 5c) are judged on the fronts
of all seeds' points pooled; the per-seed areas are reported as the spread.

"Better Pareto front", operationally (claims 3, 5a, 5c): the area each method's points
dominate inside one reference box shared by all methods (the normalised hypervolume, 0…1,
larger = better). Per sparsity axis the box spans every method's points, padded by
BOX_PAD of the span on each side; x is the number of active neurons (linear) or
log10(1 + wiring length) (wiring length spans decades across λ); y is the error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HOLDS, PARTLY, FAILS = "holds", "partly", "does not hold"
VERDICTS = (HOLDS, PARTLY, FAILS)
NOT_MEASURED = "not measured"

# Claim 1: "solves the 20 tasks ... with about 100 active neurons of 400".
TASK_SOLVED_ACCURACY = 0.8  # a task is solved at >= 80% primary accuracy (test trials)
SOLVED_SHARE_ALL = 0.9  # "solves the tasks": >= 90% of the tasks solved (18 of 20)
SOLVED_SHARE_SOME = 0.5  # at least half solved: part of the claim
ACTIVE_RANGE = (50, 200)  # "about 100 active neurons": within a factor 2 of 100

# Claim 2: "weights decay fast with distance, with a second peak near 0.6".
NEAR_DISTANCE = 0.1  # near pairs: 0 < D <= 0.1 (the first two lattice distances in 2D)
FAR_RANGE = (0.3, 1.0)  # the bulk of distances (mean slot distance is 0.665)
DECAY_RATIO = 2.0  # decays fast: mean |W| near >= 2 × mean |W| far
PEAK_WINDOW = (0.45, 0.75)  # "near 0.6"
PEAK_TROUGH_FROM = 0.15  # the trough is looked for between here and the peak
PEAK_RATIO = 1.2  # a peak: smoothed profile >= 1.2 × the trough before it
SMOOTH_BINS = 3  # running mean over this many lattice bins before peak finding

# Claims 3, 5a, 5c: Pareto fronts.
BOX_PAD = 0.05
AREA_MARGIN = 0.02  # "better": dominated area larger by > 2% of the box
SIMILAR_MARGIN = 0.05  # "similar": dominated area not smaller by more than 5% of the box

# Claims 4, 5b, 5d: anatomy against shuffles (one-sided empirical p-values, reading A).
ALPHA = 0.01  # "far below the shuffles": p < 0.01; "within the shuffles": p >= 0.01

# Claim 5e: Mod-Cog "high performance for most tasks".
MOST_SHARE = 0.5  # holds when more than half of the tasks are solved
SOME_SHARE = 0.25  # partly when at least a quarter are

ANATOMY_METRICS = ("isolated_fraction", "cluster_size")
PARETO_AXES = ("active_neurons", "wiring_length")
AXIS_LABELS = {"active_neurons": "active neurons", "wiring_length": "wiring length"}


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class RunResult:
    """What the report knows of one planned run (analysis/summary None until they exist)."""

    run_id: str
    method: str
    lam: float
    seed: int
    state: str
    summary: dict[str, Any] | None = None
    analysis: dict[str, Any] | None = None

    @property
    def analysed(self) -> bool:
        return self.analysis is not None

    @property
    def error(self) -> float | None:
        return None if self.analysis is None else float(self.analysis["accuracy"]["error"])

    @property
    def active_neurons(self) -> int | None:
        return None if self.analysis is None else int(
            self.analysis["sparsity"]["active_neurons"])

    @property
    def wiring_length(self) -> float | None:
        return None if self.analysis is None else float(
            self.analysis["sparsity"]["wiring_length"])

    def p_value(self, metric: str) -> float | None:
        """One-sided shuffle p-value (reading A) of an anatomy metric; None if unclustered."""
        anatomy = (self.analysis or {}).get("anatomy")
        if not anatomy:
            return None
        return float(anatomy["positions"][metric]["p_value"])


@dataclass
class ClaimResult:
    """One claim of the paper next to what was measured, with its verdict."""

    key: str
    title: str
    paper: str
    rule: str
    verdict: str
    summary: str  # the measured values in one line (summary table)
    measured: list[tuple[str, str]] = field(default_factory=list)  # (what, value) rows
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (experiment, figure)
    seeds: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "paper": self.paper, "rule": self.rule,
            "verdict": self.verdict, "summary": self.summary,
            "measured": [list(r) for r in self.measured],
            "tables": [{"title": t, "header": h, "rows": r} for t, h, r in self.tables],
            "figures": [list(f) for f in self.figures], "seeds": self.seeds,
            "notes": self.notes,
        }


# ------------------------------------------------------------------------ verdict rules


def combine(verdicts: Sequence[str]) -> str:
    """Verdict over seeds: all holds -> holds, all does-not-hold -> does not hold, else partly."""
    if not verdicts:
        raise ValueError("combine needs at least one verdict")
    bad = [v for v in verdicts if v not in VERDICTS]
    if bad:
        raise ValueError(f"unknown verdict(s) {bad}; accepted: {VERDICTS}")
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    if all(v == FAILS for v in verdicts):
        return FAILS
    return PARTLY


def count_verdict(passed: int, total: int) -> str:
    """All checks pass -> holds, none -> does not hold, some -> partly."""
    if total < 1 or not 0 <= passed <= total:
        raise ValueError(f"need 0 <= passed <= total and total >= 1, got {passed}/{total}")
    return HOLDS if passed == total else FAILS if passed == 0 else PARTLY


def solved_share(accuracy: Mapping[str, float]) -> float:
    """Share of tasks at or above TASK_SOLVED_ACCURACY."""
    if not accuracy:
        raise ValueError("accuracy is empty: need one accuracy per task")
    return float(np.mean([a >= TASK_SOLVED_ACCURACY for a in accuracy.values()]))


def solves_verdict(accuracy: Mapping[str, float], active: int) -> str:
    """Claim 1 for one network: the tasks solved and about 100 active neurons.

    holds: >= SOLVED_SHARE_ALL of the tasks solved and ACTIVE_RANGE[0] <= active <=
    ACTIVE_RANGE[1]; does not hold: fewer than SOLVED_SHARE_SOME solved and active outside
    the range; partly otherwise.
    """
    share = solved_share(accuracy)
    in_range = ACTIVE_RANGE[0] <= active <= ACTIVE_RANGE[1]
    if share >= SOLVED_SHARE_ALL and in_range:
        return HOLDS
    if share < SOLVED_SHARE_SOME and not in_range:
        return FAILS
    return PARTLY


def share_verdict(accuracy: Mapping[str, float]) -> str:
    """Claim 5e: "high performance for most tasks" (Mod-Cog)."""
    share = solved_share(accuracy)
    return HOLDS if share > MOST_SHARE else PARTLY if share >= SOME_SHARE else FAILS


@dataclass(frozen=True)
class LocalityMeasure:
    """The numbers of claim 2 for one network."""

    near: float  # mean |W| over pairs at 0 < D <= NEAR_DISTANCE (or the nearest distance)
    far: float  # mean |W| over pairs in FAR_RANGE
    ratio: float  # near / far (inf if far == 0)
    peak_distance: float | None  # the second peak's distance, None if there is none
    peak_prominence: float | None  # smoothed peak / smoothed trough before it

    @property
    def decays(self) -> bool:
        return self.ratio >= DECAY_RATIO

    @property
    def has_peak(self) -> bool:
        return self.peak_distance is not None

    @property
    def verdict(self) -> str:
        return count_verdict(int(self.decays) + int(self.has_peak), 2)


def locality_measure(centers: Sequence[float], mean_abs_w: Sequence[float | None],
                     count: Sequence[int]) -> LocalityMeasure:
    """Decay ratio and second peak of a binned strength-vs-distance profile.

    Args:
        centers [n_bins]: bin distances; mean_abs_w [n_bins]: mean |W| per bin (None/NaN
            where empty); count [n_bins]: pairs per bin (weights of the near/far means).

    Peak: over the bins with pairs at D > 0, the running mean of SMOOTH_BINS bins; the
    largest smoothed value inside PEAK_WINDOW is a peak if it is a local maximum (no smaller
    than its neighbours) and at least PEAK_RATIO × the smallest smoothed value between
    PEAK_TROUGH_FROM and it.
    """
    d = np.asarray(centers, dtype=float)
    w = np.array([np.nan if v is None else v for v in mean_abs_w], dtype=float)
    c = np.asarray(count, dtype=float)
    if not (d.shape == w.shape == c.shape) or d.ndim != 1:
        raise ValueError(f"centers, mean_abs_w and count must be 1-D of one length, got "
                         f"{d.shape}, {w.shape}, {c.shape}")
    ok = (d > 0) & (c > 0) & np.isfinite(w)
    d, w, c = d[ok], w[ok], c[ok]

    def pooled(mask: np.ndarray) -> float:
        return float(np.sum(w[mask] * c[mask]) / np.sum(c[mask])) if mask.any() else math.nan

    # On a coarse grid (tests' 5x5) no pair is that close: then the nearest distance counts.
    near = pooled(d <= max(NEAR_DISTANCE, float(d.min()) if d.size else 0.0))
    far = pooled((d >= FAR_RANGE[0]) & (d <= FAR_RANGE[1]))
    if math.isnan(near) or math.isnan(far):
        raise ValueError(f"the profile needs pairs at D <= {NEAR_DISTANCE} and in {FAR_RANGE}")
    ratio = math.inf if far == 0 else near / far

    peak_d, prominence = None, None
    k = min(SMOOTH_BINS, d.size)
    s = np.convolve(w, np.ones(k) / k, mode="same") if d.size else w
    if k > 1:  # the edges of a "same" convolution average fewer bins: rescale them
        s = s * k / np.convolve(np.ones_like(w), np.ones(k), mode="same")
    window = np.flatnonzero((d >= PEAK_WINDOW[0]) & (d <= PEAK_WINDOW[1]))
    if window.size:
        i = int(window[np.argmax(s[window])])
        local_max = (i == 0 or s[i] >= s[i - 1]) and (i == d.size - 1 or s[i] >= s[i + 1])
        before = np.flatnonzero((d >= PEAK_TROUGH_FROM) & (d < d[i]))
        if local_max and before.size and i > 0:
            trough = float(s[before].min())
            prom = math.inf if trough == 0 else float(s[i]) / trough
            if prom >= PEAK_RATIO:
                peak_d, prominence = float(d[i]), prom
    return LocalityMeasure(near, far, ratio, peak_d, prominence)


def dominated_area(x: Sequence[float], error: Sequence[float],
                   box: tuple[float, float, float, float]) -> float:
    """Share of the box (x_lo, x_hi, e_lo, e_hi) dominated by the points (minimising both).

    A point (x_i, e_i) dominates [x_i, x_hi] × [e_i, e_hi]; the result is the area of the
    union of those rectangles (clipped to the box) over the box's area, in [0, 1].
    """
    x_lo, x_hi, e_lo, e_hi = box
    if not (x_hi > x_lo and e_hi > e_lo):
        raise ValueError(f"box must have x_hi > x_lo and e_hi > e_lo, got {box}")
    xs = np.clip(np.asarray(x, dtype=float), x_lo, x_hi)
    es = np.clip(np.asarray(error, dtype=float), e_lo, e_hi)
    if xs.shape != es.shape or xs.ndim != 1:
        raise ValueError("x and error must be 1-D arrays of equal length")
    order = np.lexsort((es, xs))
    xs, es = xs[order], es[order]
    area, best = 0.0, e_hi
    for i in range(xs.size):
        best = min(best, es[i])
        nxt = xs[i + 1] if i + 1 < xs.size else x_hi
        area += (nxt - xs[i]) * (e_hi - best)
    return area / ((x_hi - x_lo) * (e_hi - e_lo))


def axis_values(values: Sequence[float], axis: str) -> np.ndarray:
    """x as compared: active neurons as is, wiring length as log10(1 + length)."""
    v = np.asarray(values, dtype=float)
    if axis == "wiring_length":
        return np.log10(1.0 + np.clip(v, 0.0, None))
    if axis == "active_neurons":
        return v
    raise ValueError(f"unknown axis {axis!r}; accepted: {PARETO_AXES}")


def reference_box(points: Mapping[str, tuple[Sequence[float], Sequence[float]]]
                  ) -> tuple[float, float, float, float]:
    """The box spanning every method's (x, error) points, padded by BOX_PAD of the span."""
    xs = np.concatenate([np.asarray(p[0], dtype=float) for p in points.values()])
    es = np.concatenate([np.asarray(p[1], dtype=float) for p in points.values()])
    if xs.size == 0:
        raise ValueError("no points: the reference box needs at least one")

    def pad(lo: float, hi: float) -> tuple[float, float]:
        span = hi - lo
        p = BOX_PAD * span if span > 0 else max(BOX_PAD * abs(hi), 1e-3)
        return lo - p, hi + p

    return (*pad(float(xs.min()), float(xs.max())), *pad(float(es.min()), float(es.max())))


def front_areas(points: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                box: tuple[float, float, float, float] | None = None) -> dict[str, float]:
    """Dominated area per method inside one common box (default: `reference_box`)."""
    box = reference_box(points) if box is None else box
    return {m: dominated_area(x, e, box) for m, (x, e) in points.items() if len(x)}


def better(area: Mapping[str, float], other: str) -> bool:
    """BIMT's front is better than `other`'s: larger dominated area by > AREA_MARGIN."""
    return area["bimt"] - area[other] > AREA_MARGIN


def similar_or_better(area: Mapping[str, float], other: str) -> bool:
    """BIMT's front is no worse than `other`'s by more than SIMILAR_MARGIN."""
    return area["bimt"] - area[other] >= -SIMILAR_MARGIN


def anatomy_verdict(pvalues: Mapping[str, Mapping[str, float]], *,
                    baselines: bool = True) -> str:
    """Claims 4/5b (baselines=True) and 5d (False) for one seed.

    pvalues: {method: {metric: p}} for the metrics of ANATOMY_METRICS. BIMT's metrics are
    "far below the shuffles" when p < ALPHA; a baseline's are "within" when p >= ALPHA.
    holds: both BIMT metrics below and (with baselines) every baseline metric within;
    does not hold: neither BIMT metric below; partly otherwise.
    """
    bimt = pvalues["bimt"]
    n_sig = sum(bimt[m] < ALPHA for m in ANATOMY_METRICS)
    if n_sig == 0:
        return FAILS
    within = all(p >= ALPHA for meth, ps in pvalues.items() if meth != "bimt"
                 for p in ps.values()) if baselines else True
    return HOLDS if n_sig == len(ANATOMY_METRICS) and within else PARTLY


# ----------------------------------------------------------------------- claim builders


def _fmt(v: float | None, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{v:.{digits}g}"


def _mean_sd(values: Sequence[float], digits: int = 3) -> str:
    v = [x for x in values if x is not None]
    if not v:
        return "–"
    if len(v) == 1:
        return _fmt(v[0], digits)
    return f"{_fmt(float(np.mean(v)), digits)} ± {_fmt(float(np.std(v, ddof=1)), digits)}"


def _p(p: float | None) -> str:
    return "–" if p is None else f"{p:.2g}"


def _not_measured(key: str, title: str, paper: str, rule: str, why: str,
                  figures: list[tuple[str, str]]) -> ClaimResult:
    return ClaimResult(key, title, paper, rule, NOT_MEASURED, f"not measured: {why}",
                       notes=[why], figures=figures)


def claim_solves(key: str, title: str, paper: str, exp: str, runs: Sequence[RunResult],
                 n_neurons: int) -> ClaimResult:
    """Claim 1 on the headline BIMT networks (one per seed)."""
    rule = (f"Per seed: a task is solved at primary accuracy ≥ {TASK_SOLVED_ACCURACY:g} on "
            f"the noise-free test trials. Holds when ≥ {SOLVED_SHARE_ALL:.0%} of the tasks are "
            f"solved and the active neurons (summed task variance > 1e-3) are within "
            f"{ACTIVE_RANGE[0]}–{ACTIVE_RANGE[1]} (\"about 100\", a factor 2); does not hold "
            f"when < {SOLVED_SHARE_SOME:.0%} are solved and the count is outside that range; "
            f"partly otherwise. Seeds combined: all hold → holds, none → does not hold, "
            f"else partly.")
    figs = [(exp, "accuracy"), (exp, "sorted_variance"), (exp, "network")]
    done = [r for r in runs if r.analysed]
    if not done:
        return _not_measured(key, title, paper, rule, "no analysed headline BIMT run", figs)
    accs = [r.analysis["accuracy"]["primary"] for r in done]
    tasks = list(done[0].analysis["tasks"])
    verdicts = [solves_verdict(a, r.active_neurons) for a, r in zip(accs, done, strict=True)]
    shares = [solved_share(a) for a in accs]
    means = [float(np.mean(list(a.values()))) for a in accs]
    active = [r.active_neurons for r in done]
    measured = [
        ("seeds", ", ".join(str(r.seed) for r in done)),
        ("mean primary accuracy", _mean_sd(means)),
        (f"tasks solved (≥ {TASK_SOLVED_ACCURACY:g})",
         _mean_sd([s * len(tasks) for s in shares]) + f" of {len(tasks)}"),
        ("active neurons", _mean_sd(active) + f" of {n_neurons}"),
        ("verdict per seed", ", ".join(f"s{r.seed}: {v}" for r, v in
                                       zip(done, verdicts, strict=True))),
    ]
    rows = [[t, _mean_sd([a[t] for a in accs]),
             _mean_sd([r.analysis["accuracy"]["strict"][t] for r in done])] for t in tasks]
    summary = (f"mean accuracy {_mean_sd(means)}, {_mean_sd([s * len(tasks) for s in shares])}"
               f"/{len(tasks)} tasks ≥ {TASK_SOLVED_ACCURACY:g}; {_mean_sd(active)} active "
               f"neurons of {n_neurons}")
    return ClaimResult(key, title, paper, rule, combine(verdicts), summary, measured,
                       [("per-task accuracy (mean ± sd over seeds)",
                         ["task", "primary", "strict"], rows)],
                       figs, [r.seed for r in done])


def claim_share(key: str, title: str, paper: str, exp: str,
                runs: Sequence[RunResult]) -> ClaimResult:
    """Claim 5e: most Mod-Cog tasks performed well."""
    rule = (f"Per seed: holds when more than {MOST_SHARE:.0%} of the tasks reach primary "
            f"accuracy ≥ {TASK_SOLVED_ACCURACY:g}, partly when at least {SOME_SHARE:.0%} do, "
            f"else does not hold; seeds combined as for claim 1.")
    figs = [(exp, "accuracy")]
    done = [r for r in runs if r.analysed]
    if not done:
        return _not_measured(key, title, paper, rule, "no analysed headline BIMT run", figs)
    accs = [r.analysis["accuracy"]["primary"] for r in done]
    n = len(accs[0])
    shares = [solved_share(a) for a in accs]
    means = [float(np.mean(list(a.values()))) for a in accs]
    verdicts = [share_verdict(a) for a in accs]
    summary = (f"{_mean_sd([s * n for s in shares])} of {n} tasks ≥ {TASK_SOLVED_ACCURACY:g}; "
               f"mean accuracy {_mean_sd(means)}")
    measured = [("seeds", ", ".join(str(r.seed) for r in done)),
                ("tasks solved", _mean_sd([s * n for s in shares]) + f" of {n}"),
                ("mean primary accuracy", _mean_sd(means))]
    return ClaimResult(key, title, paper, rule, combine(verdicts), summary, measured,
                       figures=figs, seeds=[r.seed for r in done])


def claim_locality(key: str, title: str, paper: str, exp: str,
                   runs: Sequence[RunResult]) -> ClaimResult:
    """Claim 2 on the headline BIMT networks' strength-vs-distance profiles."""
    rule = (f"Per seed, from mean |W_ab| per lattice distance (autapses excluded): decays "
            f"fast when the pair-weighted mean at 0 < D ≤ {NEAR_DISTANCE:g} is ≥ "
            f"{DECAY_RATIO:g}× the mean over {FAR_RANGE[0]:g} ≤ D ≤ {FAR_RANGE[1]:g}; a "
            f"second peak when, after a {SMOOTH_BINS}-bin running mean, the largest value in "
            f"{PEAK_WINDOW[0]:g} ≤ D ≤ {PEAK_WINDOW[1]:g} is a local maximum ≥ "
            f"{PEAK_RATIO:g}× the lowest value between D = {PEAK_TROUGH_FROM:g} and it. Both "
            f"→ holds, one → partly, neither → does not hold; seeds combined as for claim 1.")
    figs = [(exp, "locality")]
    done = [r for r in runs if r.analysed]
    if not done:
        return _not_measured(key, title, paper, rule, "no analysed headline BIMT run", figs)
    ms = []
    for r in done:
        loc = r.analysis["locality"]
        ms.append(locality_measure(loc["bin_centers"], loc["mean_abs_w"], loc["count"]))
    rows = [[str(r.seed), _fmt(m.near), _fmt(m.far), _fmt(m.ratio),
             "none" if m.peak_distance is None else f"D = {m.peak_distance:.3g} "
             f"(×{m.peak_prominence:.3g})", m.verdict] for r, m in zip(done, ms, strict=True)]
    peaks = [m.peak_distance for m in ms if m.peak_distance is not None]
    summary = (f"near/far |W| ratio {_mean_sd([m.ratio for m in ms])}; second peak in "
               f"{PEAK_WINDOW[0]:g}–{PEAK_WINDOW[1]:g}: {len(peaks)} of {len(ms)} seeds"
               + (f" (at D = {', '.join(f'{p:.2f}' for p in peaks)})" if peaks else ""))
    measured = [("near/far ratio", _mean_sd([m.ratio for m in ms])),
                ("second peak found", f"{len(peaks)} of {len(ms)} seeds")]
    return ClaimResult(key, title, paper, rule, combine([m.verdict for m in ms]), summary,
                       measured, [("per seed", ["seed", "mean |W| near", "mean |W| far",
                                                "ratio", "second peak", "verdict"], rows)],
                       figs, [r.seed for r in done])


def pareto_points(runs: Sequence[RunResult], axis: str, seed: int | None = None
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{method: (x as compared, error)} of the analysed runs (optionally of one seed)."""
    out: dict[str, tuple[list[float], list[float]]] = {}
    for r in runs:
        if not r.analysed or (seed is not None and r.seed != seed):
            continue
        x = getattr(r, axis)
        if x is None or r.error is None or not math.isfinite(r.error):
            continue
        xs, es = out.setdefault(r.method, ([], []))
        xs.append(x)
        es.append(r.error)
    return {m: (axis_values(xs, axis), np.asarray(es)) for m, (xs, es) in out.items()}


def claim_pareto(key: str, title: str, paper: str, exp: str, runs: Sequence[RunResult],
                 checks: Sequence[tuple[str, str]]) -> ClaimResult:
    """A Pareto claim: `checks` are (kind, other method), kind "better" or "similar".

    Each check is evaluated on both sparsity axes; count_verdict over all of them.
    """
    texts = {"better": f"BIMT's area exceeds {{o}}'s by more than {AREA_MARGIN:g}",
             "similar": f"BIMT's area is at least {{o}}'s minus {SIMILAR_MARGIN:g}"}
    rule = ("Per sparsity axis (active neurons; log10(1 + wiring length)), each method's "
            "Pareto front is scored by the share of a common reference box that its points "
            f"dominate (box = every method's points, padded by {BOX_PAD:.0%} of the span; "
            "error = 1 − mean per-task accuracy; all seeds' points pooled). Checks on both "
            "axes: " + "; ".join(texts[k].format(o=o) for k, o in checks)
            + ". All checks pass → holds, none → does not hold, else partly.")
    figs = [(exp, "pareto")]
    needed = {"bimt"} | {o for _, o in checks}
    rows, passed, total, seeds_rows = [], 0, 0, []
    summary_bits = []
    seeds = sorted({r.seed for r in runs if r.analysed})
    for axis in PARETO_AXES:
        pts = pareto_points(runs, axis)
        missing = needed - set(pts)
        if missing:
            return _not_measured(key, title, paper, rule,
                                 f"no analysed run of {sorted(missing)}", figs)
        box = reference_box(pts)
        area = front_areas(pts, box)
        for kind, other in checks:
            ok = better(area, other) if kind == "better" else similar_or_better(area, other)
            passed += ok
            total += 1
            rows.append([AXIS_LABELS[axis], f"{kind} than {other}" if kind == "better"
                         else f"similar to {other}", _fmt(area["bimt"]), _fmt(area[other]),
                         f"{area['bimt'] - area[other]:+.3f}", "pass" if ok else "fail"])
        summary_bits.append(f"{AXIS_LABELS[axis]}: " + ", ".join(
            f"{m} {area[m]:.2f}" for m in ("bimt", "l1", "none") if m in area))
        if len(seeds) > 1:
            per_seed = {s: front_areas(pareto_points(runs, axis, s), box) for s in seeds}
            seeds_rows.append([AXIS_LABELS[axis]] + [
                _mean_sd([per_seed[s][m] for s in seeds if m in per_seed[s]])
                for m in ("bimt", "l1", "none")])
    counts = {m: sum(r.analysed and r.method == m for r in runs) for m in ("bimt", "l1", "none")}
    measured = [("networks (analysed)", ", ".join(f"{m} {n}" for m, n in counts.items())),
                ("dominated area per method", "; ".join(summary_bits)),
                ("checks passed", f"{passed} of {total}")]
    tables = [("front comparisons (pooled over seeds)",
               ["axis", "check", "BIMT area", "other area", "difference", "result"], rows)]
    if seeds_rows:
        tables.append(("dominated area per seed's front (mean ± sd over seeds)",
                       ["axis", "bimt", "l1", "none"], seeds_rows))
    summary = "dominated area " + "; ".join(summary_bits) + f" ({passed}/{total} checks)"
    return ClaimResult(key, title, paper, rule, count_verdict(passed, total), summary,
                       measured, tables, figs, seeds)


def claim_anatomy(key: str, title: str, paper: str, exp: str,
                  heads: Mapping[str, Sequence[RunResult]], *, baselines: bool,
                  metric_names: Mapping[str, str]) -> ClaimResult:
    """Claims 4/5b/5d on the headline networks of each method, per seed."""
    rule = (f"One-sided empirical p-value of each metric against its shuffles (labels "
            f"permuted among the important neurons' slots). BIMT \"far below\": p < "
            f"{ALPHA:g}" + (f"; L1 and none \"within\": p ≥ {ALPHA:g}" if baselines else "")
            + ". Per seed: holds when both BIMT metrics are below"
            + (" and every baseline metric is within" if baselines else "")
            + "; does not hold when neither BIMT metric is below; partly otherwise. Seeds "
            "combined as for claim 1.")
    figs = [(exp, "shuffles_by_method"), (exp, "clusters_by_method")]
    by_seed: dict[int, dict[str, RunResult]] = {}
    for method, runs in heads.items():
        for r in runs:
            if r.analysed and r.p_value(ANATOMY_METRICS[0]) is not None:
                by_seed.setdefault(r.seed, {})[method] = r
    need = {"bimt", "l1", "none"} if baselines else {"bimt"}
    usable = {s: rs for s, rs in by_seed.items() if need <= set(rs)}
    if not usable:
        return _not_measured(key, title, paper, rule, "no seed with clustered headline "
                             f"networks of {sorted(need)}", figs)
    verdicts, rows = [], []
    for seed, rs in sorted(usable.items()):
        pv = {m: {k: rs[m].p_value(k) for k in ANATOMY_METRICS} for m in rs
              if m in need or not baselines}
        verdicts.append(anatomy_verdict({m: pv[m] for m in pv if m in need},
                                        baselines=baselines))
        for m in ("bimt", "l1", "none"):
            if m not in rs:
                continue
            a = rs[m].analysis["anatomy"]["positions"]
            rows.append([str(seed), m] + [
                f"{a[k]['observed']:.4g} vs {a[k]['mean']:.4g} ± {a[k]['std']:.2g}, "
                f"p = {_p(a[k]['p_value'])}" for k in ANATOMY_METRICS]
                + [str(rs[m].analysis["clusters"]["n_clusters"]), verdicts[-1] if m == "bimt"
                   else ("within" if all(p >= ALPHA for p in pv[m].values()) else "below")])
    bimt_p = {k: [usable[s]["bimt"].p_value(k) for s in sorted(usable)] for k in ANATOMY_METRICS}
    summary = "BIMT p = " + ", ".join(
        f"{metric_names[k]} {'/'.join(_p(p) for p in bimt_p[k])}" for k in ANATOMY_METRICS)
    if baselines:
        for m in ("l1", "none"):
            summary += f"; {m} p = " + ", ".join(
                f"{'/'.join(_p(usable[s][m].p_value(k)) for s in sorted(usable))}"
                for k in ANATOMY_METRICS)
    n_shuffles = len(usable[min(usable)]["bimt"].analysis["anatomy"]["positions"][
        ANATOMY_METRICS[0]].get("shuffled") or []) or None
    notes = []
    if n_shuffles and 1.0 / (1 + n_shuffles) >= ALPHA:
        notes.append(f"With {n_shuffles} shuffles the smallest possible p-value is "
                     f"{1 / (1 + n_shuffles):.2g} ≥ {ALPHA:g}: no metric can pass as 'below' "
                     f"at this scale.")
    header = ["seed", "method"] + [f"{metric_names[k]}: observed vs shuffles"
                                   for k in ANATOMY_METRICS] + ["clusters", "result"]
    measured = [("seeds", ", ".join(map(str, sorted(usable)))),
                ("shuffles per test", str(n_shuffles or "–"))]
    return ClaimResult(key, title, paper, rule, combine(verdicts), summary, measured,
                       [("anatomy against shuffles (reading A)", header, rows)], figs,
                       sorted(usable), notes)


# ------------------------------------------------------------------------- every claim

_NAMES_2D = {"isolated_fraction": "isolated fraction", "cluster_size": "cluster size"}
_NAMES_1D = {"isolated_fraction": "isolated ratio", "cluster_size": "index variance"}


def evaluate_claims(plan: Any, results: Mapping[str, RunResult]) -> list[ClaimResult]:
    """Every claim of the paper, measured on the plan's runs (`results` keyed by run id).

    `plan` is a `bimt.report.plan.Plan`; runs missing from `results` count as not done.
    """
    def runs_of(exp_key: str) -> list[RunResult]:
        return [results[r.run_id] for r in plan.experiment(exp_key).runs if r.run_id in results]

    def heads(exp_key: str) -> dict[str, list[RunResult]]:
        e = plan.experiment(exp_key)
        return {m: [results[r.run_id] for r in e.headline_runs(m) if r.run_id in results]
                for m in ("bimt", "l1", "none")}

    n2d = plan.scale.n_hidden_2d
    h2, h1, hm = heads("cog20-2d"), heads("cog20-1d"), heads("modcog-1d")
    return [
        claim_solves(
            "1", "The 2D BIMT network solves the 20 tasks with about 100 active neurons",
            "§3.1, Fig. 1d/e: with A = 1 and λ = 1e-5 BIMT \"learns a 2D brain that solves "
            "all 20-Cog-tasks\"; \"the network performs reasonably well\" and \"only contains "
            "around 100 important neurons\" (of 400).",
            "cog20-2d", h2["bimt"], n2d),
        claim_locality(
            "2", "Its recurrent weights decay fast with distance, with a second peak near 0.6",
            "§3.1, Fig. 1f: \"weights decay fast as distance increases ... there is a second "
            "peak of (relatively) strong connections around distances being 0.6\".",
            "cog20-2d", h2["bimt"]),
        claim_pareto(
            "3", "BIMT's Pareto front beats L1's and the unregularised one's (2D)",
            "§3.2, Fig. 1g/h: \"Under both measures [active neurons, wiring length], BIMT is "
            "superior than L1 regularization in terms of having better Pareto frontier\"; the "
            "caption adds no regularisation.",
            "cog20-2d", runs_of("cog20-2d"), [("better", "l1"), ("better", "none")]),
        claim_anatomy(
            "4", "Only BIMT's clusters are anatomical: far below 10,000 shuffles (2D)",
            "§3.3, Fig. 2b: the isolated fraction and the average cluster size of BIMT are "
            "\"significantly out-of-distribution\" (smaller) against 10,000 shuffles; L1 and "
            "no regularisation are \"in the distributions of randomly shuffled networks\".",
            "cog20-2d", h2, baselines=True, metric_names=_NAMES_2D),
        claim_pareto(
            "5a", "1D: BIMT's Pareto front is close to L1's, better than none's",
            "Appendix A, Fig. 4a: \"BIMT has a similar Pareto frontier to the baseline L1 "
            "regularization, while fully-connected network is neither sparse nor optimally "
            "performant\".",
            "cog20-1d", runs_of("cog20-1d"), [("similar", "l1"), ("better", "none")]),
        claim_anatomy(
            "5b", "1D: only BIMT's clusters are anatomical",
            "Appendix A, Fig. 5b: the ratio of isolated neurons and the variance of indices "
            "within clusters of BIMT lie below the shuffles; L1 and no regularisation do not.",
            "cog20-1d", h1, baselines=True, metric_names=_NAMES_1D),
        claim_pareto(
            "5c", "Mod-Cog: BIMT's Pareto front is similar to L1's",
            "Appendix B, Fig. 6d: \"The pareto frontier of BIMT is similar to that of L1\".",
            "modcog-1d", runs_of("modcog-1d"), [("similar", "l1")]),
        claim_anatomy(
            "5d", "Mod-Cog: BIMT's clusters are anatomical",
            "Appendix B, Fig. 6e/f: both metrics of the BIMT network are \"significantly "
            "out-of-distribution of random baselines\" (the paper shows no baselines here).",
            "modcog-1d", hm, baselines=False, metric_names=_NAMES_1D),
        claim_share(
            "5e", "Mod-Cog: high performance for most tasks",
            "Appendix B, Fig. 6c: \"the network has high performance for most tasks\".",
            "modcog-1d", hm["bimt"]),
    ]
