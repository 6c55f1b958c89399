"""`bimt sweep run|status` and `bimt pareto` from the command line."""

from __future__ import annotations

from pathlib import Path

import tomli_w
from typer.testing import CliRunner

from bimt.cli import app

runner = CliRunner()


def test_status_lists_counts_and_failures(grid_sweep: dict) -> None:
    result = runner.invoke(app, ["sweep", "status", str(grid_sweep["dir"])])
    assert result.exit_code == 0, result.output
    failed_id = grid_sweep["sweep"].runs[-1].run_id
    assert failed_id in result.output and "TrainingDiverged" in result.output
    assert "done" in result.output and "pending" in result.output
    done_id = grid_sweep["sweep"].runs[0].run_id
    assert done_id not in result.output  # finished runs are listed only with --all
    result = runner.invoke(app, ["sweep", "status", str(grid_sweep["dir"]), "--all"])
    assert done_id in result.output


def test_rerun_from_the_cli_skips_finished_runs(grid_sweep: dict, tmp_path: Path) -> None:
    sweep_file = tmp_path / "grid.toml"
    sweep_file.write_bytes(tomli_w.dumps(grid_sweep["data"]).encode())
    result = runner.invoke(app, ["sweep", "run", str(sweep_file), "--dir", str(grid_sweep["dir"]),
                                 "--executor", "debug"])
    # the diverging run fails again: the command says so and exits 1
    assert result.exit_code == 1, result.output
    assert "1 failed, 4 skipped" in result.output


def test_pareto_writes_table_and_figures(grid_sweep: dict) -> None:
    result = runner.invoke(app, ["pareto", str(grid_sweep["dir"])])
    assert result.exit_code == 0, result.output
    assert "5 runs (4 with results)" in result.output
    for name in ("runs.csv", "runs.parquet", "pareto-active-neurons.png",
                 "pareto-wiring-length.png"):
        assert (grid_sweep["dir"] / name).is_file()


def test_bad_sweep_file_exits_2_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[base]\nn_hidden = 16\ngeometry = "1d"\ntop_k = 8\n[grid]\nlr = [1e-3, -1]\n')
    result = runner.invoke(app, ["sweep", "run", str(bad), "--dir", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "[grid] point 2" in result.output and "lr" in result.output
    assert not (tmp_path / "s").exists()  # nothing was started


def test_status_of_a_non_sweep_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sweep", "status", str(tmp_path)])
    assert result.exit_code == 2 and "not a sweep directory" in result.output
