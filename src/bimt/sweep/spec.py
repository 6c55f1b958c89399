"""Sweep files: read a TOML sweep, expand it into validated training configs, name the runs.

A sweep file has up to four parts; every key outside them is refused:

```toml
name = "pareto-2d"          # optional; default: the file name without .toml

[base]                      # any TrainConfig fields, shared by every run
geometry = "2d"
steps = 20000

[grid]                      # field -> list of values: the cartesian product over the fields
method = ["bimt", "l1"]
lam = [1e-6, 1e-5, 1e-4]
seed = [0, 1, 2]

[[include]]                 # more runs, independent of [grid]: values over [base] ...
method = "none"
[include.grid]              # ... and an optional grid of their own
seed = [0, 1, 2]

[[include]]                 # an include without a grid is one explicit run
method = "bimt"
lam = 3e-5
top_k = 400

[analysis]                  # how each finished run is analysed (bimt.analysis.analyze_run)
enabled = true              # default true
n_shuffles = 10000          # default: analyze_run's default
```

Expansion: the main block gives `base + one point of [grid]` for every point of the product
(fields in file order, the last field varying fastest); each `[[include]]` gives `base + its
values + one point of its own grid`. The main block takes part when `[grid]` is present or when
there is no `[[include]]` (a file with only `[base]` is one run). A grid value may itself be a
list (e.g. `tasks = [["go"], ["go", "anti"]]`): only the outer list is expanded. Two entries
that resolve to the same run (same run id) are kept once, at the first place they appear.

Every expanded config is built as a `TrainConfig` (which validates it) before anything runs; a
bad value raises `SweepSpecError` naming the run (its position and the values that made it) and
the config's own message, which names the field.

Run ids: `<method>-lam<λ>-s<seed>-<hash8>`, e.g. `bimt-lam1e-05-s0-3fa2c19b`. The hash is the
first 8 hex digits of the sha256 of the canonical JSON (sorted keys, no whitespace) of the
resolved `TrainConfig.to_dict()` without the fields in `NON_RESULT_FIELDS` (where to run and
how often to write checkpoints/snapshots: they do not change the trained network). So an id is
a pure function of what the run computes: the same config gets the same id in any process or
sweep file, adding values to a grid keeps the ids of the runs already there, and any change of
a result-changing field gives a new id. The prefix only makes the id readable.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Fields of TrainConfig that do not change the trained network: left out of the run id and of
# the "same config" check that lets a re-run skip a finished run.
NON_RESULT_FIELDS: tuple[str, ...] = ("device", "checkpoint_every", "snapshot_every")

_TOP_LEVEL_KEYS = ("name", "base", "grid", "include", "analysis")
_ANALYSIS_KEYS = {"enabled": bool, "n_shuffles": int}


class SweepSpecError(ValueError):
    """A sweep file (or sweep dict) that cannot be expanded into valid runs."""


@dataclass(frozen=True)
class SweepRun:
    """One expanded run of a sweep.

    `overrides` are the values this run sets on top of `[base]` (what tells it apart);
    `config` is the resolved `TrainConfig.to_dict()`.
    """

    run_id: str
    config: dict[str, Any]
    overrides: dict[str, Any]
    label: str

    def train_config(self) -> Any:
        """The run's `TrainConfig`."""
        from bimt.training import TrainConfig

        return TrainConfig.from_dict(self.config)


@dataclass(frozen=True)
class Sweep:
    """An expanded, validated sweep: its name, its runs in order, and the analysis settings."""

    name: str
    runs: tuple[SweepRun, ...]
    analysis: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.runs)


def result_dict(config: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a config dict that decides the result: without `NON_RESULT_FIELDS`, in
    JSON types (a tuple and the list it is saved as compare equal)."""
    return json.loads(canonical_json({k: v for k, v in config.items()
                                      if k not in NON_RESULT_FIELDS}))


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace; floats in Python's shortest round-trip form."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_hash(config: Mapping[str, Any]) -> str:
    """Full sha256 (hex) of the canonical JSON of the result-changing part of `config`."""
    return hashlib.sha256(canonical_json(result_dict(config)).encode()).hexdigest()


def run_id(config: Mapping[str, Any]) -> str:
    """Stable, readable id of a resolved config dict: `<method>-lam<λ>-s<seed>-<hash8>`."""
    lam = config.get("lam")
    lam_txt = "default" if lam is None else format(float(lam), "g")
    prefix = f"{config.get('method', 'run')}-lam{lam_txt}-s{config.get('seed', 0)}"
    prefix = re.sub(r"[^A-Za-z0-9.+_-]", "_", prefix)
    return f"{prefix}-{config_hash(config)[:8]}"


def load_sweep(path: str | Path) -> Sweep:
    """Read and expand a sweep TOML file (see the module docstring for its format)."""
    path = Path(path)
    if not path.is_file():
        raise SweepSpecError(f"sweep file {str(path)!r} does not exist")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise SweepSpecError(f"sweep file {str(path)!r} is not valid TOML: {e}") from e
    data.setdefault("name", path.stem)
    return expand_sweep(data)


def expand_sweep(data: Mapping[str, Any]) -> Sweep:
    """Expand a parsed sweep (the TOML as a dict) into validated runs."""
    unknown = sorted(set(data) - set(_TOP_LEVEL_KEYS))
    if unknown:
        raise SweepSpecError(
            f"unknown top-level key(s) {unknown} in the sweep file; accepted: "
            f"{list(_TOP_LEVEL_KEYS)} (TrainConfig fields go under [base], [grid] or [[include]])"
        )
    name = data.get("name", "sweep")
    if not isinstance(name, str) or not name:
        raise SweepSpecError(f"name must be a non-empty string, got {name!r}")
    base = _table(data, "base")
    includes = data.get("include", [])
    if not isinstance(includes, list) or not all(isinstance(i, dict) for i in includes):
        raise SweepSpecError("include must be an array of tables: write [[include]] entries")

    blocks: list[tuple[str, dict[str, Any], dict[str, list[Any]]]] = []
    if "grid" in data or not includes:
        blocks.append(("[grid]", {}, _grid(_table(data, "grid"), "[grid]")))
    for i, inc in enumerate(includes):
        values = {k: v for k, v in inc.items() if k != "grid"}
        where = f"[[include]] #{i + 1}"
        grid = _grid(_table(inc, "grid", where), f"{where} grid")
        clash = sorted(set(values) & set(grid))
        if clash:
            raise SweepSpecError(f"{where} sets {clash} both as a value and in its grid")
        blocks.append((where, values, grid))

    runs: list[SweepRun] = []
    seen: set[str] = set()
    for where, values, grid in blocks:
        keys = list(grid)
        for point_no, point in enumerate(itertools.product(*(grid[k] for k in keys))):
            overrides = {**values, **dict(zip(keys, point, strict=True))}
            label = f"{where} point {point_no + 1} {canonical_json(overrides)}"
            run = _make_run({**base, **overrides}, overrides, label)
            if run.run_id not in seen:
                seen.add(run.run_id)
                runs.append(run)
    return Sweep(
        name=name, runs=tuple(runs), analysis=_analysis(data), source=json_safe(dict(data))
    )


def _make_run(merged: dict[str, Any], overrides: dict[str, Any], label: str) -> SweepRun:
    from bimt.training import TrainConfig

    try:
        cfg = TrainConfig.from_dict(merged)
    except (ValueError, TypeError) as e:
        raise SweepSpecError(f"run {label}: {e}") from e
    config = json.loads(canonical_json(cfg.to_dict()))  # JSON types: tuples become lists
    return SweepRun(run_id=run_id(config), config=config, overrides=overrides, label=label)


def _table(data: Mapping[str, Any], key: str, where: str = "the sweep file") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise SweepSpecError(f"{key} in {where} must be a table ([{key}]), got {value!r}")
    return value


def _grid(grid: dict[str, Any], where: str) -> dict[str, list[Any]]:
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise SweepSpecError(
                f"{where}: {key} must be a non-empty list of values, got {values!r}"
                f" (write {key} = [{values!r}] for a single value, or put it in [base])"
            )
    return grid


def _analysis(data: Mapping[str, Any]) -> dict[str, Any]:
    analysis = _table(data, "analysis")
    out: dict[str, Any] = {"enabled": True}
    for key, value in analysis.items():
        kind = _ANALYSIS_KEYS.get(key)
        if kind is None:
            raise SweepSpecError(
                f"unknown key {key!r} in [analysis]; accepted: {sorted(_ANALYSIS_KEYS)}"
            )
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SweepSpecError(
                f"[analysis] {key} must be {kind.__name__}, got {value!r}"
            )
        if key == "n_shuffles" and value < 1:
            raise SweepSpecError(f"[analysis] n_shuffles must be >= 1, got {value}")
        out[key] = value
    return out


def json_safe(obj: Any) -> Any:
    """TOML values (which may hold dates) as JSON-able values."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)
