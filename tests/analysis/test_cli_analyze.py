"""`bimt analyze` prints a summary and reports bad input with exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from bimt.cli import app

runner = CliRunner()


def test_analyze_command_prints_summary(fake_run):
    run, calls = fake_run
    result = runner.invoke(app, ["analyze", str(run.path), "--shuffles", "50"])
    assert result.exit_code == 0, result.output
    assert "analysis of runA" in result.output
    assert "clusters" in result.output and "3 (silhouette" in result.output
    assert (run.path / "analysis.json").is_file()
    again = runner.invoke(app, ["analyze", str(run.path), "--shuffles", "50"])
    assert again.exit_code == 0 and calls["tv"] == 1


def test_missing_run_directory_exits_2(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a directory" in result.output


def test_bad_shuffle_count_is_rejected(fake_run):
    run, _ = fake_run
    result = runner.invoke(app, ["analyze", str(run.path), "--shuffles", "0"])
    assert result.exit_code == 2
