"""`bimt plot` (every figure a run supports) and `bimt movie` (the growth movie).

    bimt plot RUN_DIR [RUN_DIR ...] [--format png,pdf,svg] [--out DIR]
    bimt movie RUN_DIR [--out FILE.gif|.mp4] [--fps N] [--max-frames N]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def plot(
    run_dirs: Annotated[list[Path], typer.Argument(help="run directories (bimt train --out)")],
    format: Annotated[str, typer.Option("--format", help="comma-separated: png,pdf,svg")] = "png",
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional
        help="folder for the multi-run figures (required with several runs)")] = None,
    shuffles: Annotated[int, typer.Option(help="shuffles per anatomy test, if analysing")] = 10_000,
) -> None:
    """Write every figure each run supports into RUN_DIR/figures/ (and multi-run ones to --out)."""
    from bimt.plots.figures import parse_formats, plot_runs

    try:
        formats = parse_formats(format)
        if len(run_dirs) > 1 and out is None:
            raise ValueError("with several run directories, --out DIR is required for the "
                             "multi-run figures (methods side by side, Pareto fronts, shuffles)")
        report = plot_runs(run_dirs, out=out, formats=formats, n_shuffles=shuffles,
                           log=typer.echo)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    typer.echo(f"wrote {len(report.written)} files; skipped {len(report.skipped)} figures")


def movie(
    run_dir: Annotated[Path, typer.Argument(help="a run directory with snapshots/")],
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional
        help="FILE.gif (default RUN_DIR/figures/growth.gif) or FILE.mp4")] = None,
    fps: Annotated[float, typer.Option(help="frames per second")] = 10.0,
    max_frames: Annotated[Optional[int], typer.Option(  # noqa: UP045
        help="keep at most this many snapshots, evenly spaced")] = None,
) -> None:
    """Render the network drawing at every snapshot as a movie of the network growing."""
    from bimt.plots.runio import movie_from_run

    try:
        path = movie_from_run(run_dir, out, fps=fps, max_frames=max_frames)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("plot")(plot)
    app.command("movie")(movie)
