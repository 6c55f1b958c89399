"""`bimt tasks list` and `bimt tasks show`."""

from __future__ import annotations

from typer.testing import CliRunner

from bimt.cli import app

runner = CliRunner()


def test_list_shows_dims_and_step_ranges():
    result = runner.invoke(app, ["tasks", "list", "--suite", "cog20"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "cog20: 20 tasks, 53 inputs, 17 outputs" in result.output
    assert "steps 9–32" in result.output
    assert "multidlydm" in result.output and "24–26" in result.output


def test_list_all_suites():
    result = runner.invoke(app, ["tasks", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for line in ("modcog: 82 tasks, 115 inputs", "modcog-all: 93 tasks, 126 inputs"):
        assert line in result.output


def test_show_writes_a_png(tmp_path):
    out = tmp_path / "fig" / "dmsseqr.png"
    result = runner.invoke(
        app, ["tasks", "show", "dmsseqr", "--suite", "modcog", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_names_are_reported():
    result = runner.invoke(app, ["tasks", "show", "dlgo", "--out", "x.png"])
    assert result.exit_code != 0
    assert "dlygo" in result.output  # the close match
    result = runner.invoke(app, ["tasks", "list", "--suite", "cog200"])
    assert result.exit_code != 0 and "cog20" in result.output
