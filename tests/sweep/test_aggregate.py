"""The run table and the Pareto figures, read back and checked against each run's files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from bimt.sweep import collect_rows, write_pareto_figures, write_table
from bimt.sweep.aggregate import flatten


def _parse(text: str, like: Any) -> Any:
    """A CSV cell back as the type of the JSON value it came from."""
    if like is None:
        return None if text == "" else text
    if isinstance(like, bool):
        return text == "True"
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text


def test_table_has_one_row_per_run_with_the_files_values(grid_sweep: dict,
                                                         tmp_path: Path) -> None:
    sweep_dir: Path = grid_sweep["dir"]
    rows = collect_rows(sweep_dir)
    csv_path, parquet_path = write_table(rows, tmp_path)
    with csv_path.open() as f:
        table = list(csv.DictReader(f))
    ids = [r.run_id for r in grid_sweep["sweep"].runs]
    assert [row["run_id"] for row in table] == ids
    assert [row["state"] for row in table] == ["done"] * 4 + ["failed"]

    checked = 0
    for row, run in zip(table, grid_sweep["sweep"].runs, strict=True):
        run_dir = sweep_dir / "runs" / run.run_id
        for key, value in run.config.items():
            want = json.dumps(value) if isinstance(value, list) else value
            assert _parse(row[key], want) == want, key
        if row["state"] != "done":
            assert row["error"] == "" and row["summary.mean_accuracy"] == ""
            continue
        summary = json.loads((run_dir / "summary.json").read_text())
        for key, value in flatten(summary, "summary.").items():
            assert _parse(row[key], value) == value, key
            checked += 1
        analysis = json.loads((run_dir / "analysis.json").read_text())
        for key, value in flatten(analysis, "analysis.").items():
            assert _parse(row[key], value) == value, key
        # the Pareto coordinates, recomputed here from the run's files
        assert float(row["error"]) == pytest.approx(
            1.0 - np.mean(list(summary["accuracy"].values())), abs=1e-12
        )
        assert float(row["active_neurons"]) == analysis["sparsity"]["active_neurons"]
        assert float(row["active_neurons"]) == int(np.sum(analysis["active"]))
        assert float(row["wiring_length"]) == analysis["sparsity"]["wiring_length"]
    assert checked > 4 * 10

    parquet = pq.read_table(parquet_path).to_pylist()
    assert [r["run_id"] for r in parquet] == ids
    for prow, crow in zip(parquet, table, strict=True):
        assert set(prow) == set(crow)
        for key in ("lam", "error", "summary.mean_accuracy", "active_neurons", "seed"):
            want = None if crow[key] == "" else float(crow[key])
            assert prow[key] == want, key


def test_pareto_figures_are_written(grid_sweep: dict, tmp_path: Path) -> None:
    rows = collect_rows(grid_sweep["dir"])
    paths = write_pareto_figures(rows, tmp_path)
    assert [p.name for p in paths] == ["pareto-active-neurons.png", "pareto-wiring-length.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_figure_without_finished_runs(tmp_path: Path) -> None:
    rows = [{"run_id": "a", "method": "bimt", "error": None, "active_neurons": None,
             "wiring_length": None}]
    assert write_pareto_figures(rows, tmp_path) == []


def test_flatten_keeps_scalars_under_dotted_keys() -> None:
    nested = {"a": 1, "b": {"c": 2.5, "d": [1, 2], "e": {"f": None}}, "g": "x", "h": True}
    assert flatten(nested, "p.") == {"p.a": 1, "p.b.c": 2.5, "p.b.e.f": None, "p.g": "x",
                                     "p.h": True}


def test_not_a_sweep_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a sweep directory"):
        collect_rows(tmp_path)
