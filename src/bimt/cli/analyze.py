"""`bimt analyze runs/NAME`: every analysis of one trained run, into runs/NAME/analysis.json."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

EXIT_BAD_INPUT = 2


def summary_table(result: dict[str, Any]) -> Table:
    """A short summary of an analysis.json dict."""
    table = Table(
        title=f"analysis of {result['run']}",
        caption="anatomy rows: observed vs shuffle mean ± std (one-sided p, z)",
        show_header=False,
    )
    table.add_column("measure", style="bold")
    table.add_column("value")
    acc, sp = result["accuracy"], result["sparsity"]
    table.add_row("tasks", str(len(result["tasks"])))
    table.add_row("mean accuracy", f"{acc['mean_primary']:.3f} (strict {acc['mean_strict']:.3f})")
    table.add_row("active neurons", f"{sp['active_neurons']} of {len(result['active'])}")
    table.add_row(
        "active connections",
        f"{sp['active_connections']} (recurrent {sp['active_recurrent_connections']})",
    )
    table.add_row("wiring length", f"{sp['wiring_length']:.2f}")
    clusters = result["clusters"]
    if clusters is None:
        table.add_row("clusters", f"none: {result['clusters_error']}")
        return table
    best = clusters["silhouette"][str(clusters["n_clusters"])]
    table.add_row("clusters", f"{clusters['n_clusters']} (silhouette {best:.3f})")
    for mode, metrics in result["anatomy"].items():
        for name, r in metrics.items():
            z = "n/a" if r["z"] is None else f"{r['z']:.2f}"
            table.add_row(
                f"{name} ({mode})",
                f"{r['observed']:.4g} vs {r['mean']:.4g} ± {r['std']:.2g} (p={r['p_value']:.2g}, "
                f"z={z})",
            )
    drop = result["lesions"]["drop"]["primary"]
    worst = max((max(row) for row in drop), default=0.0)
    table.add_row("largest lesion drop", f"{worst:.3f} (primary accuracy)")
    return table


def analyze_cmd(
    run_dir: Annotated[Path, typer.Argument(help="a finished run directory, e.g. runs/NAME")],
    shuffles: Annotated[
        int, typer.Option("--shuffles", help="shuffles per baseline (both modes)", min=1)
    ] = 10_000,
    force: Annotated[bool, typer.Option("--force", help="recompute even if cached")] = False,
    device: Annotated[str, typer.Option(help="torch device for the forward passes")] = "cpu",
) -> None:
    """Analyse RUN_DIR: task variance, clusters, sparsity, anatomy vs shuffles, lesions.

    Writes RUN_DIR/analysis.json (and RUN_DIR/cache/); a second call reuses them.
    """
    from bimt.analysis.analyze import analyze_run
    from bimt.training.errors import RunError

    console = Console()
    start = time.perf_counter()
    try:
        result = analyze_run(run_dir, n_shuffles=shuffles, force=force, device=device)
    except (RunError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    console.print(summary_table(result))
    console.print(f"{run_dir / 'analysis.json'} ({time.perf_counter() - start:.1f} s)")


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_cmd)
