"""The report as HTML (self-contained) and Markdown, from one list of blocks.

`report_blocks` lays the report out once as a list of simple blocks (headings, paragraphs,
tables, figures, lists); `to_html` and `to_markdown` render that list. The HTML embeds every
figure as a base64 PNG data URI and its CSS in a <style> element, so the one file opens
offline; the Markdown links the figures by paths relative to the report. Each figure is
embedded exactly once (in its experiment's section); claims link to it.
"""

from __future__ import annotations

import base64
import html
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bimt.report.claims import (
    FAILS,
    HOLDS,
    NOT_MEASURED,
    PARTLY,
    ClaimResult,
    RunResult,
)
from bimt.report.plan import Plan, deviations, expected_seconds

# ------------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Para:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Banner:
    title: str
    text: str


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    verdict_col: int | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Links:
    label: str
    targets: Sequence[tuple[str, str]]  # (anchor, text)


@dataclass(frozen=True)
class FigureBlock:
    path: Path
    anchor: str
    title: str
    caption: str


Block = Heading | Para | Banner | Table | Bullets | Links | FigureBlock


def figure_anchor(experiment: str, name: str) -> str:
    return f"fig-{experiment}-{name}".replace("_", "-")


# ------------------------------------------------------------------------------ layout


def report_blocks(out: Path, plan: Plan, results: dict[str, RunResult],
                  claims: Sequence[ClaimResult], figures: Sequence[Any],
                  timing: dict[str, Any]) -> list[Block]:
    """The whole report as blocks (see the module docstring)."""
    sc = plan.scale
    b: list[Block] = [Heading(1, f"Growing Brains: reproduction report ({sc.name} scale)")]
    if sc.name != "full":
        b.append(Banner(f"{sc.name.upper()} SCALE: not the paper's training", sc.summary))
    else:
        b.append(Para(sc.summary))

    states: dict[str, int] = {}
    for r in results.values():
        states[r.state] = states.get(r.state, 0) + 1
    n = len(results)
    done = states.get("done", 0)
    status = (f"{done} of {n} planned runs finished and analysed"
              + "".join(f"; {v} {k}" for k, v in sorted(states.items()) if k != "done") + ".")
    if done < n:
        status += (" Verdicts below use the finished runs only; run the same `bimt reproduce` "
                   "command again to resume the rest and regenerate this report.")
    b.append(Para(status, strong=done < n))
    b.append(Para(f"Generated {time.strftime('%Y-%m-%d %H:%M:%S %Z')} by bimt "
                  f"{_version()}. Paper: Liu, Khona, Fiete, Tegmark (2023), \"Growing Brains: "
                  f"Co-emergence of Anatomical and Functional Modularity in Recurrent Neural "
                  f"Networks\"."))

    b.append(Heading(2, "Summary", "summary"))
    b.append(Table(["claim", "the paper", "measured", "verdict"],
                   [[c.key, c.title, c.summary, c.verdict] for c in claims], verdict_col=3))
    b.append(Para("Verdicts are holds, partly or does not hold, each from an explicit rule "
                  "(below, per claim) whose thresholds were fixed in bimt/report/claims.py "
                  f"before any result existed. '{NOT_MEASURED}' marks a claim whose networks "
                  "do not exist yet."))

    b.append(Heading(2, "Claims", "claims"))
    for c in claims:
        b.append(Heading(3, f"Claim {c.key}: {c.title}: {c.verdict}", f"claim-{c.key}"))
        b.append(Para(f"The paper: {c.paper}"))
        if c.measured:
            b.append(Table(["measured", "value"], [list(r) for r in c.measured]))
        for title, header, rows in c.tables:
            b.append(Table(header, rows, caption=title,
                           verdict_col=header.index("verdict") if "verdict" in header else None))
        b.append(Para(f"Rule: {c.rule}"))
        for note in c.notes:
            b.append(Para(f"Note: {note}", strong=True))
        b.append(Para(f"Verdict: {c.verdict}.", strong=True))
        if c.figures:
            b.append(Links("Evidence", [(figure_anchor(e, f), f"{e}/{f}") for e, f in c.figures]))

    b.append(Heading(2, "Figures", "figures"))
    specs = {(e, f.name): f for e, f in plan.figures()}
    for e in plan.experiments:
        b.append(Heading(3, f"{e.title} ({e.paper})", f"exp-{e.key}"))
        for fr in [f for f in figures if f.experiment == e.key]:
            spec = specs[(fr.experiment, fr.name)]
            title = f"{spec.panel}: {fr.experiment}/{fr.name}"
            if fr.path is not None and Path(fr.path).is_file():
                b.append(FigureBlock(Path(fr.path), figure_anchor(e.key, fr.name), title,
                                     spec.caption))
            else:
                b.append(Heading(4, title, figure_anchor(e.key, fr.name)))
                b.append(Para(f"Not drawn: {fr.reason}"))

    b.append(Heading(2, "Runs", "runs"))
    for e in plan.experiments:
        rows = []
        for run in e.runs:
            r = results[run.run_id]
            rows.append(_run_row(r))
        b.append(Table(["run", "method", "λ", "seed", "state", "accuracy", "active",
                        "wiring", "p isolated", "p size", "clusters", "steps/s"], rows,
                       caption=f"{e.title}: {len(rows)} runs (sweep spec: plan/{e.key}.toml)"))

    b.append(Heading(2, "Deviations from the paper and open choices", "deviations"))
    b.append(Bullets([f"{topic}: {text}" for topic, text in deviations(sc)]))

    b.append(Heading(2, "Time and budget", "timing"))
    b.append(Table(["item", "value"], _timing_rows(plan, results, timing)))
    return b


def _run_row(r: RunResult) -> list[str]:
    a, s = r.analysis or {}, r.summary or {}

    def p(metric: str) -> str:
        v = r.p_value(metric)
        return "–" if v is None else f"{v:.2g}"

    acc = a.get("accuracy", {}).get("mean_primary")
    return [r.run_id, r.method, f"{r.lam:g}", str(r.seed), r.state,
            "–" if acc is None else f"{acc:.3f}",
            "–" if r.active_neurons is None else str(r.active_neurons),
            "–" if r.wiring_length is None else f"{r.wiring_length:.4g}",
            p("isolated_fraction"), p("cluster_size"),
            str((a.get("clusters") or {}).get("n_clusters", "–")),
            "–" if s.get("steps_per_second") is None else f"{s['steps_per_second']:.1f}"]


def _timing_rows(plan: Plan, results: dict[str, RunResult], timing: dict[str, Any]
                 ) -> list[list[str]]:
    sps = [r.summary["steps_per_second"] for r in results.values()
           if r.summary and r.summary.get("steps_per_second")]
    train_s = [r.summary["train_time_s"] for r in results.values()
               if r.summary and r.summary.get("train_time_s") is not None]
    rows = [
        ["scale", plan.scale.name],
        ["planned runs", str(len(results))],
        ["this invocation's runs", ", ".join(f"{v} {k}" for k, v in
                                             sorted(timing.get("outcomes", {}).items()))
         or "none (report only)"],
        ["executor / workers / usable cores",
         f"{timing.get('executor')} / {timing.get('workers')} / {timing.get('cores')}"],
        ["sweep wall time (this invocation)", f"{timing.get('sweep_seconds', 0):.0f} s"],
        ["figures wall time", f"{timing.get('figures_seconds', 0):.0f} s"],
        ["budget estimate, 2 workers (plan.py; step costs measured on the loaded machine)",
         f"{expected_seconds(plan) / 60:.1f} min"],
        ["median training speed per run (an ensemble member: its share of the ensemble's "
         "time)", f"{statistics.median(sps):.1f} steps/s"
         if sps else "–"],
        ["summed training time of the runs (optimizer steps and swaps)",
         f"{sum(train_s) / 60:.1f} min" if train_s
         else "–"],
        ["load average at start / end",
         f"{timing.get('load_average_start')} / {timing.get('load_average_end')}"],
    ]
    if "total_seconds" in timing:
        rows.insert(6, ["total wall time (this invocation)",
                        f"{timing['total_seconds']:.0f} s"])
    return rows


def _version() -> str:
    import bimt

    return str(getattr(bimt, "__version__", "unknown"))


# ----------------------------------------------------------------------------- renderers

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: .3em 0; }
.banner { border: 3px solid #c0392b; background: #fdecea; padding: 1em 1.2em; margin: 1em 0; }
.banner h2 { margin: 0 0 .4em 0; border: none; color: #c0392b; font-size: 1.4em; }
.v-holds { background: #d5f5e3; font-weight: bold; }
.v-partly { background: #fcf3cf; font-weight: bold; }
.v-fails { background: #fadbd8; font-weight: bold; }
.v-none { background: #e5e7e9; font-weight: bold; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #444; }
"""

_VERDICT_CLASS = {HOLDS: "v-holds", PARTLY: "v-partly", FAILS: "v-fails", NOT_MEASURED: "v-none"}


def to_html(blocks: Sequence[Block], title: str) -> str:
    """A self-contained HTML page: inline CSS, figures as base64 data URIs, no scripts."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title>", f"<style>{_CSS}</style></head><body>"]
    for blk in blocks:
        if isinstance(blk, Heading):
            anchor = f' id="{e(blk.anchor)}"' if blk.anchor else ""
            parts.append(f"<h{blk.level}{anchor}>{e(blk.text)}</h{blk.level}>")
        elif isinstance(blk, Para):
            text = f"<strong>{e(blk.text)}</strong>" if blk.strong else e(blk.text)
            parts.append(f"<p>{text}</p>")
        elif isinstance(blk, Banner):
            parts.append(f'<div class="banner"><h2>{e(blk.title)}</h2><p>{e(blk.text)}</p></div>')
        elif isinstance(blk, Table):
            rows = ["<table>"]
            if blk.caption:
                rows.append(f"<caption>{e(blk.caption)}</caption>")
            rows.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in blk.header) + "</tr>")
            for row in blk.rows:
                cells = []
                for i, cell in enumerate(row):
                    cls = (_VERDICT_CLASS.get(cell) if i == blk.verdict_col else None)
                    attr = f' class="{cls}"' if cls else ""
                    cells.append(f"<td{attr}>{e(str(cell))}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            rows.append("</table>")
            parts.append("\n".join(rows))
        elif isinstance(blk, Bullets):
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in blk.items) + "</ul>")
        elif isinstance(blk, Links):
            links = ", ".join(f'<a href="#{e(a)}">{e(t)}</a>' for a, t in blk.targets)
            parts.append(f"<p>{e(blk.label)}: {links}</p>")
        elif isinstance(blk, FigureBlock):
            data = base64.b64encode(blk.path.read_bytes()).decode("ascii")
            parts.append(
                f'<figure id="{e(blk.anchor)}"><h4>{e(blk.title)}</h4>'
                f'<img alt="{e(blk.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{e(blk.caption)}</figcaption></figure>")
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown block {type(blk).__name__}")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block], base: Path) -> str:
    """Markdown; figures are linked by their path relative to `base` (the report's folder)."""
    lines: list[str] = []
    for blk in blocks:
        if isinstance(blk, Heading):
            anchor = f'<a id="{blk.anchor}"></a>' if blk.anchor else ""
            lines += [f"{'#' * blk.level} {blk.text}{anchor}", ""]
        elif isinstance(blk, Para):
            lines += [f"**{blk.text}**" if blk.strong else blk.text, ""]
        elif isinstance(blk, Banner):
            lines += [f"> **{blk.title}**", ">", f"> {blk.text}", ""]
        elif isinstance(blk, Table):
            if blk.caption:
                lines += [f"*{blk.caption}*", ""]
            lines.append("| " + " | ".join(_md_cell(h) for h in blk.header) + " |")
            lines.append("|" + "---|" * len(blk.header))
            for row in blk.rows:
                cells = [f"**{_md_cell(c)}**" if i == blk.verdict_col else _md_cell(c)
                         for i, c in enumerate(row)]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
        elif isinstance(blk, Bullets):
            lines += [f"- {i}" for i in blk.items] + [""]
        elif isinstance(blk, Links):
            lines += [blk.label + ": " + ", ".join(f"[{t}](#{a})" for a, t in blk.targets), ""]
        elif isinstance(blk, FigureBlock):
            rel = blk.path.resolve().relative_to(base.resolve()).as_posix()
            lines += [f'#### {blk.title}<a id="{blk.anchor}"></a>', "",
                      f"![{blk.title}]({rel})", "", f"*{blk.caption}*", ""]
        else:  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown block {type(blk).__name__}")
    return "\n".join(lines)


def write_report(out: Path, plan: Plan, results: dict[str, RunResult],
                 claims: Sequence[ClaimResult], figures: Sequence[Any],
                 timing: dict[str, Any],
                 total_seconds: Callable[[], float] | None = None) -> tuple[Path, Path]:
    """Write OUT/report.html, OUT/report.md and OUT/claims.json; returns (html, md)."""
    from bimt.training.atomic import write_text_atomic

    if total_seconds is not None:
        timing = {**timing, "total_seconds": total_seconds()}
    blocks = report_blocks(out, plan, results, claims, figures, timing)
    title = f"Growing Brains reproduction ({plan.scale.name} scale)"
    html_path, md_path = out / "report.html", out / "report.md"
    write_text_atomic(html_path, to_html(blocks, title))
    write_text_atomic(md_path, to_markdown(blocks, out))
    write_text_atomic(out / "claims.json", json.dumps(
        {"scale": plan.scale.name, "claims": [c.to_dict() for c in claims],
         "timing": timing}, indent=2, default=str) + "\n")
    return html_path, md_path
