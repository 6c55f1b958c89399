"""A tiny real sweep, run once per session, that several test files read."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SMOKE = tomllib.loads((REPO / "sweeps" / "smoke.toml").read_text())

# lam = 1e300 makes the float32 connection-cost term inf at the first step: the trainer raises
# TrainingDiverged, a real failure, deterministically.
DIVERGING = {"method": "l1", "lam": 1e300, "seed": 5}


def tiny_sweep(**changes: Any) -> dict[str, Any]:
    """The smoke sweep as a dict, with top-level parts replaced by `changes`."""
    data = copy.deepcopy(SMOKE)
    data.pop("include", None)
    data.update(copy.deepcopy(changes))
    return data


@pytest.fixture(scope="session")
def grid_sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 2×2 grid plus one diverging run, run twice with 2 local workers.

    Returns the sweep, its folder, both invocations' outcomes, and the mtimes of every file in
    the run folders between the two invocations.
    """
    from bimt.sweep import expand_sweep, run_sweep

    data = tiny_sweep(grid={"method": ["bimt", "l1"], "seed": [0, 1]}, include=[DIVERGING])
    sweep = expand_sweep(data)
    sweep_dir = tmp_path_factory.mktemp("grid") / "sweep"
    first = run_sweep(sweep, sweep_dir, executor="local", workers=2)
    mtimes = _mtimes(sweep_dir / "runs")
    second = run_sweep(sweep, sweep_dir, executor="local", workers=2)
    return {"sweep": sweep, "data": data, "dir": sweep_dir, "first": first, "second": second,
            "mtimes_before": mtimes, "mtimes_after": _mtimes(sweep_dir / "runs")}


def _mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and p.name != "error.json" and not p.name.startswith(".")}
