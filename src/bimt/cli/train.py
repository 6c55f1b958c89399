"""`bimt train`: train one network into a run directory.

    bimt train --out runs/NAME [--config F.toml] [--FIELD VALUE ...]
    bimt train --resume runs/NAME

Every TrainConfig field is a flag (``--batch-size 32``, ``--lam 3e-5``, ``--no-permute-optimizer``,
``--grad-clip none``); flags override the TOML file. Bad values exit with code 2 and a one-line
message, a diverged run with code 1.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from bimt.training.config import TrainConfig
from bimt.training.errors import ConfigError, RunError, TrainingDiverged

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 1


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def parse_field(name: str, text: str) -> Any:
    """Convert a flag's text to the type of TrainConfig field ``name`` (ConfigError if not)."""
    kind = str(next(f.type for f in dataclasses.fields(TrainConfig) if f.name == name))
    if kind == "str":
        return text
    if kind.endswith("| None") and text.strip().lower() in ("none", "null", "all", ""):
        return None
    if kind.startswith("tuple[str"):
        return tuple(t.strip() for t in text.split(",") if t.strip())
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        want = "an integer" if kind == "int" else "a number"
        if kind == "float | None":
            want += " or 'none'"
        raise ConfigError(f"{name}: {text!r} is not {want}") from None


def overrides_from_flags(values: dict[str, Any]) -> dict[str, Any]:
    """The field flags that were given (not None), converted to field types."""
    out = {}
    for name, value in values.items():
        if value is None:
            continue
        out[name] = value if isinstance(value, bool) else parse_field(name, value)
    return out


_METAVARS = {"str": "TEXT", "int": "INT", "float": "NUM", "float | None": "NUM|none",
             "bool": "", "tuple[str, ...] | None": "A,B,..|all"}


def _field_parameters() -> list[inspect.Parameter]:
    params = []
    for f in dataclasses.fields(TrainConfig):
        flag = f.name.replace("_", "-")
        help_text = f"{f.metadata.get('help', '')} [default: {f.default}]"
        if str(f.type) == "bool":
            annotation: Any = Optional[bool]  # noqa: UP045 - typer reads the annotation at runtime
            decls = [f"--{flag}/--no-{flag}"]
        else:
            annotation = Optional[str]  # noqa: UP045
            decls = [f"--{flag}"]
        option = typer.Option(*decls, help=help_text, show_default=False,
                              metavar=_METAVARS[str(f.type)], rich_help_panel="Config fields")
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=Annotated[annotation, option]))
    return params


def train_command(
    run_dir: Annotated[Optional[Path], typer.Argument(  # noqa: UP045 - typer needs Optional
        help="run directory (same as --out; handy with --resume)", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--out", "-o", help="run directory to write")] = None,
    config: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--config", "-c", help="TOML file of config fields")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="continue the run in the directory (config read from it)")] = False,
    progress: Annotated[bool, typer.Option(
        "--progress/--no-progress", help="show a progress bar")] = True,
    threads: Annotated[int, typer.Option(
        "--threads", min=0, help="torch CPU threads (0 = torch's default)")] = 1,
    **fields: Any,
) -> None:
    """Train a spatial RNN (BIMT, L1 or unregularised) into a run directory."""
    from bimt.training import load_run, train
    from bimt.training.rundir import read_config

    if out is not None and run_dir is not None and Path(out) != Path(run_dir):
        _fail(f"two run directories given ({run_dir} and --out {out}); give one", EXIT_BAD_INPUT)
    target = out if out is not None else run_dir
    if target is None:
        _fail("no run directory: pass --out runs/NAME (or --resume runs/NAME)", EXIT_BAD_INPUT)
    try:
        overrides = overrides_from_flags(fields)
        if resume:
            if config is not None or overrides:
                given = ["--config"] * (config is not None) + [f"--{k}" for k in overrides]
                _fail(f"--resume reads the config saved in {target}; drop {', '.join(given)} "
                      f"(or start a new run with another --out)", EXIT_BAD_INPUT)
            if (Path(target) / "summary.json").is_file():
                run = load_run(target)
                typer.echo(f"{target} is already finished ({run.config.steps} steps); "
                           f"nothing to do")
                return
            cfg = read_config(target)
        elif config is not None:
            cfg = TrainConfig.from_toml(config, **overrides)
        else:
            cfg = TrainConfig.from_dict(overrides)
        if (Path(target) / "summary.json").is_file() and read_config(target) == cfg:
            typer.echo(f"{target} already holds this run, finished; nothing to do")
            return
        run = train(cfg, target, resume=resume, progress=progress, threads=threads or None)
    except (ConfigError, RunError) as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    except TrainingDiverged as exc:
        _fail(str(exc), EXIT_DIVERGED)
    s = run.summary
    typer.echo(
        f"{run.path}: mean accuracy {s['mean_accuracy']:.3f} (strict "
        f"{s['mean_strict_accuracy']:.3f}), {s['swaps']} swaps, wiring length "
        f"{s['wiring_length']:.1f}, {s['wall_time_s']:.0f} s"
    )


# Give the command one keyword-only parameter per TrainConfig field (typer reads signatures).
_hints = typing.get_type_hints(train_command, include_extras=True)
_base = [p.replace(annotation=_hints[p.name])
         for p in inspect.signature(train_command).parameters.values()
         if p.kind is not inspect.Parameter.VAR_KEYWORD]
train_command.__signature__ = inspect.Signature(_base + _field_parameters())  # type: ignore[attr-defined]
train_command.__annotations__ = {
    **{p.name: p.annotation for p in inspect.signature(train_command).parameters.values()},
    "return": None,
}


def register(app: typer.Typer) -> None:
    app.command("train", no_args_is_help=True)(train_command)
