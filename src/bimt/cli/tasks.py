"""`bimt tasks`: list the task suites and draw one trial."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bimt.tasks import SUITES, make_suite

SUITE_HELP = f"Task suite: {', '.join(SUITES)}."


def list_tasks(
    suite: Annotated[str | None, typer.Option(help=SUITE_HELP + " Default: all.")] = None,
) -> None:
    """List suites and tasks: input/output dims and steps per trial (min–max)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    names = [suite] if suite else list(SUITES)
    for name in names:
        s = _suite(name)
        table = Table(
            title=f"{name}: {len(s.task_names)} tasks, {s.n_inputs} inputs, {s.n_outputs} "
            f"outputs, dt {s.dt} ms, steps {s.min_steps}–{s.max_steps}"
        )
        for col in ("#", "task", "family", "flavour", "periods", "steps"):
            table.add_column(col)
        for i, d in enumerate(s.defs):
            lo, hi = s.steps_range(d.name)
            table.add_row(
                str(i), d.name, d.family, d.flavor, " → ".join(d.periods),
                f"{lo}" if lo == hi else f"{lo}–{hi}",
            )  # fmt: skip
        console.print(table)


def show(
    name: Annotated[str, typer.Argument(help="Task name (neurogym, Yang alias or Mod-Cog).")],
    out: Annotated[Path, typer.Option("--out", help="Output image file (.png).")],
    suite: Annotated[str, typer.Option(help=SUITE_HELP)] = "cog20",
    seed: Annotated[int, typer.Option(help="Seed of the trial.")] = 0,
) -> None:
    """Draw one trial of a task: inputs over time, labels, periods marked."""
    import matplotlib

    matplotlib.use("Agg")
    from bimt.tasks.plot import plot_trial

    s = _suite(suite)
    try:
        batch = s.sample(1, seed, tasks=[name])
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="NAME") from err
    fig = plot_trial(s, batch, 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    typer.echo(f"wrote {out}")


def _suite(name: str):
    try:
        return make_suite(name)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--suite") from err


def register(app: typer.Typer) -> None:
    """Add the `tasks` command group to `app`."""
    group = typer.Typer(help="Cognitive task suites (20-Cog, Mod-Cog).", no_args_is_help=True)
    group.command("list")(list_tasks)
    group.command("show")(show)
    app.add_typer(group, name="tasks")
