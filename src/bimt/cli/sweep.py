"""`bimt sweep run|status` and `bimt pareto`: run a grid of trainings, watch it, tabulate it."""

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

sweep_app = typer.Typer(
    help="Run a sweep of trainings (locally or on SLURM) and check on it.",
    no_args_is_help=True,
)


@sweep_app.command("run")
def run_cmd(
    sweep_file: Annotated[Path, typer.Argument(help="sweep TOML ([base], [grid], [[include]])")],
    dir: Annotated[Path, typer.Option("--dir", help="sweep folder (runs go to DIR/runs/ID)")],
    workers: Annotated[int, typer.Option(help="local: parallel worker processes")] = 1,
    executor: Annotated[str, typer.Option(help="local, slurm or debug (in-process)")] = "local",
    partition: Annotated[str | None, typer.Option(help="slurm partition")] = None,
    time_limit: Annotated[
        str | None,
        typer.Option("--time", help="time limit per run: minutes or [D-]HH:MM:SS"),
    ] = None,
    mem: Annotated[str | None, typer.Option(help="slurm memory per run, e.g. 8G")] = None,
    cpus_per_task: Annotated[int, typer.Option(help="slurm cores per run")] = 1,
    gpus_per_task: Annotated[int | None, typer.Option(help="slurm GPUs per run")] = None,
    array_parallelism: Annotated[int, typer.Option(help="slurm: runs at once")] = 64,
    device: Annotated[
        str | None, typer.Option(help="override every run's device (not part of run ids)")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch threads per worker (default: cores / workers)")
    ] = None,
    wait: Annotated[
        bool | None,
        typer.Option("--wait/--no-wait", help="wait for the runs (default: local yes, slurm no)"),
    ] = None,
    ensemble: Annotated[bool, typer.Option(
        "--ensemble/--no-ensemble",
        help="train compatible runs together as ensembles (one job per ensemble)")] = True,
    max_k: Annotated[int, typer.Option("--max-k", min=1, help="most runs per ensemble")] = 8,
) -> None:
    """Run (or continue) every run of SWEEP_FILE in DIR: finished runs are skipped,
    interrupted ones resumed, failures recorded in their run's error.json."""
    from bimt.sweep import SlurmOptions, SweepSpecError, load_sweep, run_sweep

    try:
        sweep = load_sweep(sweep_file)
        slurm = SlurmOptions(
            partition=partition, time=time_limit, mem=mem, cpus_per_task=cpus_per_task,
            gpus_per_task=gpus_per_task, array_parallelism=array_parallelism,
        )
        should_wait = (executor != "slurm") if wait is None else wait
        console.print(
            f"sweep [bold]{escape(sweep.name)}[/]: {len(sweep)} runs -> {escape(str(dir))} "
            f"({escape(executor)}"
            + (f", {workers} workers" if executor == "local" else "") + ")"
        )
        submission = run_sweep(
            sweep, dir, executor=executor, workers=workers, slurm=slurm, device=device,
            threads=threads, wait=False, ensemble=ensemble, max_k=max_k,
        )
    except (SweepSpecError, ValueError, FileNotFoundError) as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not should_wait:
        console.print(f"submitted {len(submission.jobs)} job(s): {', '.join(submission.job_ids)}")
        console.print(f"check on them with: bimt sweep status {escape(str(dir))}")
        return
    try:
        if executor == "debug":
            outcomes = submission.wait()
        else:
            with console.status("running...") as spinner:
                while not submission.done():
                    spinner.update(f"running... {_counts_line(dir)}")
                    time.sleep(2.0)
            outcomes = submission.wait()
    except KeyboardInterrupt:
        submission.cancel()
        err_console.print("interrupted: jobs cancelled; run the same command again to resume")
        raise typer.Exit(130) from None
    tally: dict[str, int] = {}
    for o in outcomes:
        tally[o["outcome"]] = tally.get(o["outcome"], 0) + 1
    console.print("this invocation: " + ", ".join(f"{v} {k}" for k, v in sorted(tally.items())))
    for o in outcomes:
        if o["outcome"] in ("failed", "worker died"):
            err_console.print(
                f"[red]{o['outcome']}[/] {o.get('run_id') or ''} {escape(str(o['error']))}",
                soft_wrap=True,
            )
    _print_status(dir)
    if any(o["outcome"] in ("failed", "worker died") for o in outcomes):
        raise typer.Exit(1)


@sweep_app.command("status")
def status_cmd(
    dir: Annotated[Path, typer.Argument(help="sweep folder")],
    all_runs: Annotated[bool, typer.Option("--all", help="list every run, not only the "
                                                         "unfinished ones")] = False,
) -> None:
    """Counts of done / running / failed / interrupted / pending runs, and each failure."""
    try:
        _print_status(dir, all_runs=all_runs)
    except FileNotFoundError as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None


def pareto_cmd(
    dir: Annotated[Path, typer.Argument(help="sweep folder")],
) -> None:
    """Tabulate every run (runs.csv, runs.parquet) and draw the Pareto figures into DIR."""
    from bimt.sweep import collect_rows, write_pareto_figures, write_table

    try:
        rows = collect_rows(dir)
    except FileNotFoundError as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    csv_path, parquet_path = write_table(rows, dir)
    figures = write_pareto_figures(rows, dir)
    n_points = sum(r.get("error") is not None for r in rows)
    console.print(f"{len(rows)} runs ({n_points} with results) -> "
                  f"{escape(str(csv_path))}, {escape(str(parquet_path))}", soft_wrap=True)
    for f in figures:
        console.print(f"figure: {escape(str(f))}", soft_wrap=True)
    if not figures:
        console.print("no finished and analysed run yet: no Pareto figure")


def _counts_line(dir: Path) -> str:
    from bimt.sweep import count_states, sweep_status

    counts = count_states(sweep_status(dir))
    return ", ".join(f"{v} {k}" for k, v in counts.items() if v)


def _print_status(dir: Path, *, all_runs: bool = False) -> None:
    from bimt.sweep import count_states, sweep_status

    statuses = sweep_status(dir)
    counts = count_states(statuses)
    colors = {"done": "green", "running": "cyan", "failed": "red", "interrupted": "yellow",
              "pending": "white"}
    summary = Table(title=f"sweep {escape(str(dir))}: {len(statuses)} runs")
    for state in counts:
        summary.add_column(state, justify="right", style=colors[state])
    summary.add_row(*(str(v) for v in counts.values()))
    console.print(summary)
    shown = [s for s in statuses if all_runs or s.state != "done"]
    if not shown:
        return
    runs = Table(show_header=True)
    runs.add_column("run")
    runs.add_column("state")
    runs.add_column("detail", overflow="fold")
    for s in shown:
        if s.state == "failed":
            detail = s.error or ""
        elif s.step is not None:
            detail = f"step {s.step}" + (f"/{s.steps}" if s.steps else "")
        else:
            detail = ""
        runs.add_row(escape(s.run_id), f"[{colors[s.state]}]{s.state}[/]", escape(detail))
    console.print(runs)


def register(app: typer.Typer) -> None:
    """Add the `sweep` group and the `pareto` command to the bimt CLI."""
    app.add_typer(sweep_app, name="sweep")
    app.command("pareto")(pareto_cmd)
