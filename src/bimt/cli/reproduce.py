"""`bimt reproduce --out DIR`: train the paper's experiments, judge its claims, write a report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

_VERDICT_STYLE = {"holds": "green", "partly": "yellow", "does not hold": "red"}


def reproduce_cmd(
    out: Annotated[Path, typer.Option("--out", help="reproduction folder (runs, figures, "
                                                    "report.html, report.md)")],
    scale: Annotated[str, typer.Option(
        help="quick (~30 min on 2 cores: 2,000 steps, coarse λ grid, one seed), full (paper "
             "scale: 20,000 steps, λ half-decades 1e-6…1e-3, 3 seeds; use SLURM) or tiny "
             "(tests, minutes)")] = "quick",
    executor: Annotated[str, typer.Option(help="local, slurm or debug (in-process)")] = "local",
    workers: Annotated[int | None, typer.Option(
        help="local: parallel worker processes (default: usable cores)")] = None,
    partition: Annotated[str | None, typer.Option(help="slurm partition")] = None,
    time_limit: Annotated[str | None, typer.Option(
        "--time", help="time limit per run: minutes or [D-]HH:MM:SS")] = None,
    mem: Annotated[str | None, typer.Option(help="slurm memory per run, e.g. 8G")] = None,
    cpus_per_task: Annotated[int, typer.Option(help="slurm cores per run")] = 1,
    gpus_per_task: Annotated[int | None, typer.Option(help="slurm GPUs per run")] = None,
    array_parallelism: Annotated[int, typer.Option(help="slurm: runs at once")] = 64,
    device: Annotated[str | None, typer.Option(
        help="override every run's device (not part of run ids)")] = None,
    threads: Annotated[int | None, typer.Option(
        help="torch threads per worker (default: cores / workers)")] = None,
    wait: Annotated[bool | None, typer.Option(
        "--wait/--no-wait", help="wait for the runs (default: local yes, slurm no)")] = None,
    ensemble: Annotated[bool, typer.Option(
        "--ensemble/--no-ensemble",
        help="train compatible runs together as ensembles (as bimt sweep run)")] = True,
    max_k: Annotated[int | None, typer.Option(
        "--max-k", min=1, help="most runs per ensemble (default: local, balanced over the "
                               "workers, at most 8; slurm 8)")] = None,
    report_only: Annotated[bool, typer.Option(
        "--report-only", help="train nothing: redraw figures and rewrite the report from the "
                              "runs that exist")] = False,
    redraw: Annotated[bool, typer.Option(
        "--redraw", help="redraw every figure (default: only those whose runs changed)")] = False,
) -> None:
    """Reproduce "Growing Brains": train every network of the paper's experiments (through
    the sweep machinery: finished runs are skipped, interrupted ones resumed), analyse them,
    draw every figure and write DIR/report.html (self-contained) and DIR/report.md, with
    each claim of the paper, what was measured and a verdict."""
    from bimt.report import reproduce
    from bimt.sweep import SlurmOptions

    t0 = time.perf_counter()
    try:
        slurm = SlurmOptions(
            partition=partition, time=time_limit, mem=mem, cpus_per_task=cpus_per_task,
            gpus_per_task=gpus_per_task, array_parallelism=array_parallelism,
        )
        should_wait = (executor != "slurm") if wait is None else wait
        result = reproduce(
            out, scale, executor=executor, workers=workers, slurm=slurm, device=device,
            threads=threads, wait=should_wait, ensemble=ensemble, max_k=max_k,
            train=not report_only, redraw=redraw,
            log=lambda m: console.print(escape(m), soft_wrap=True),
        )
    except (ValueError, FileNotFoundError) as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; run the same command again to resume")
        raise typer.Exit(130) from None

    table = Table(title=f"Growing Brains, {result.plan.scale.name} scale")
    table.add_column("claim")
    table.add_column("measured", overflow="fold")
    table.add_column("verdict")
    for c in result.claims:
        style = _VERDICT_STYLE.get(c.verdict, "white")
        table.add_row(f"{c.key}. {escape(c.title)}", escape(c.summary),
                      f"[{style}]{escape(c.verdict)}[/]")
    console.print(table)
    states: dict[str, int] = {}
    for r in result.results.values():
        states[r.state] = states.get(r.state, 0) + 1
    console.print("runs: " + ", ".join(f"{v} {k}" for k, v in sorted(states.items())))
    for o in result.failed:
        err_console.print(f"[red]{o['outcome']}[/] {o.get('run_id') or ''} "
                          f"{escape(str(o['error']))}", soft_wrap=True)
    console.print(f"report: {escape(str(result.html))} and {escape(str(result.markdown))} "
                  f"({time.perf_counter() - t0:.0f} s)", soft_wrap=True)
    if result.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `reproduce` command to the bimt CLI."""
    app.command("reproduce")(reproduce_cmd)
