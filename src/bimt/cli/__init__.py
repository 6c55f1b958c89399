"""The `bimt` command line: one module per command group, composed here."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="bimt",
    help="Grow brain-like recurrent networks with brain-inspired modular training (BIMT).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`; listed in the order of the data flow.
_COMMAND_MODULES = ("tasks", "train", "analyze", "plot", "sweep", "reproduce")

for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    """Entry point of the `bimt` script."""
    app()
