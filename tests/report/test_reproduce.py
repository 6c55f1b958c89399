"""`bimt reproduce --scale tiny` end to end: trains, analyses, draws, judges, reports, resumes."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from bimt.cli import app
from bimt.report import VERDICTS, build_plan, reproduce

runner = CliRunner()
PNG_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _mtimes(root: Path, pattern: str = "model.safetensors") -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob(pattern)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny reproduction from the CLI, then a second invocation through the API."""
    out = tmp_path_factory.mktemp("repro") / "tiny"
    first = runner.invoke(app, ["reproduce", "--out", str(out), "--scale", "tiny",
                                "--workers", "2"])
    before = _mtimes(out / "runs")
    figures_before = _mtimes(out / "figures", "*.png")
    second = reproduce(out, "tiny", workers=2)
    return {"out": out, "first": first, "second": second, "before": before,
            "after": _mtimes(out / "runs"), "figures_before": figures_before,
            "figures_after": _mtimes(out / "figures", "*.png"), "plan": build_plan("tiny")}


def test_cli_trains_every_planned_run(tiny: dict[str, Any]) -> None:
    assert tiny["first"].exit_code == 0, tiny["first"].output
    assert "report.html" in tiny["first"].output
    plan = tiny["plan"]
    assert len(tiny["before"]) == len(plan.sweep())
    assert all(r.state == "done" for r in tiny["second"].results.values())


def test_report_html_embeds_every_planned_figure_as_png(tiny: dict[str, Any]) -> None:
    text = (tiny["out"] / "report.html").read_text()
    images = PNG_URI.findall(text)
    assert text.count("data:image/png;base64") == len(images)
    assert len(images) == len(tiny["plan"].figures())
    for data in images:
        with Image.open(io.BytesIO(base64.b64decode(data, validate=True))) as im:
            assert im.format == "PNG"
            im.verify()
    # self-contained: nothing fetched from elsewhere
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "<script" not in text and "<link" not in text
    assert "TINY SCALE" in text[:3000]


def test_report_md_links_existing_files(tiny: dict[str, Any]) -> None:
    out = tiny["out"]
    md = (out / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(links) == len(tiny["plan"].figures())
    for link in links:
        assert not Path(link).is_absolute()
        assert (out / link).is_file(), link


def test_every_claim_has_a_verdict(tiny: dict[str, Any]) -> None:
    saved = json.loads((tiny["out"] / "claims.json").read_text())
    keys = [c["key"] for c in saved["claims"]]
    assert keys == ["1", "2", "3", "4", "5a", "5b", "5c", "5d", "5e"]
    for c in saved["claims"]:
        assert c["verdict"] in VERDICTS, c
        assert c["rule"] and c["summary"]
    md = (tiny["out"] / "report.md").read_text()
    for c in saved["claims"]:
        assert f"| {c['key']} | " in md and f"**{c['verdict']}**" in md


def test_second_invocation_trains_nothing(tiny: dict[str, Any]) -> None:
    outcomes = tiny["second"].outcomes
    assert outcomes and {o["outcome"] for o in outcomes} == {"skipped"}
    assert tiny["after"] == tiny["before"]
    # nor redraws a figure: their input runs did not change
    assert len(tiny["figures_after"]) == len(tiny["plan"].figures())
    assert tiny["figures_after"] == tiny["figures_before"]


def test_interrupted_run_is_redone_and_only_it(tiny: dict[str, Any]) -> None:
    out = tiny["out"]
    victim = tiny["plan"].experiment("cog20-1d").runs[-1].run_id
    (out / "runs" / victim / "summary.json").unlink()  # as if stopped before the end
    shutil.rmtree(out / "runs" / victim / "figures", ignore_errors=True)
    before = _mtimes(out / "runs")
    res = reproduce(out, "tiny", workers=1)
    done = {o["run_id"]: o["outcome"] for o in res.outcomes}
    assert done.pop(victim) in ("resumed", "trained")
    assert set(done.values()) == {"skipped"}
    after = _mtimes(out / "runs")
    assert {k for k in after if after[k] != before.get(k)} == {f"{victim}/model.safetensors"}
    assert res.results[victim].state == "done"


def test_out_dir_of_another_scale_is_refused(tiny: dict[str, Any]) -> None:
    result = runner.invoke(app, ["reproduce", "--out", str(tiny["out"]), "--scale", "quick"])
    assert result.exit_code == 2
    assert "scale 'tiny'" in result.output and "another --out" in result.output


def test_bad_options_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reproduce", "--out", str(tmp_path / "x"), "--scale", "huge"])
    assert result.exit_code == 2 and "accepted: quick, full, tiny" in result.output
    result = runner.invoke(app, ["reproduce", "--out", str(tmp_path / "y"), "--executor", "pbs"])
    assert result.exit_code == 2 and "accepted: local, slurm, debug" in result.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
