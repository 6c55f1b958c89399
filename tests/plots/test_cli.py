"""`bimt plot` and `bimt movie` on real (tiny) training runs."""

from __future__ import annotations

import json

import imageio.v3 as iio
import pytest
from typer.testing import CliRunner

from bimt.cli import app
from bimt.model import Grid1D
from bimt.training import TrainConfig, train

TINY = dict(suite="cog20", tasks=("go", "rtgo", "anti"), n_hidden=16, batch_size=16, steps=40,
            lr=3e-3, lam=1e-4, top_k=8, eval_every=20, eval_trials=16, checkpoint_every=40,
            snapshot_every=10)
SHUFFLES = "200"

# Figures of any run, and those that need functional clusters (the analysis may find none
# in a network this small; then they are skipped with a note).
ALWAYS = {"network", "accuracy", "sorted_variance", "locality", "training"}
WITH_CLUSTERS = {"task_variance", "clusters", "shuffles", "lesions"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for method, geometry, swap in (("bimt", "2d", 10), ("l1", "1d", 0)):
        cfg = TrainConfig.from_dict({**TINY, "method": method, "geometry": geometry,
                                     "swap_every": swap})
        out[method] = train(cfg, root / method, progress=False).path
    return out


def _invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def plotted(runs, tmp_path_factory):
    """One `bimt plot` of both runs (a 2D BIMT run and a 1D L1 run) with --out."""
    multi = tmp_path_factory.mktemp("multi")
    code, output = _invoke("plot", runs["bimt"], runs["l1"], "--out", multi,
                           "--format", "png,svg", "--shuffles", SHUFFLES)
    assert code == 0, output
    return output, multi


def _expected(run_dir, extra=frozenset()):
    analysis = json.loads((run_dir / "analysis.json").read_text())
    return ALWAYS | extra | (WITH_CLUSTERS if analysis["clusters"] else set())


def test_plot_writes_every_figure_each_run_supports(runs, plotted):
    output, _ = plotted
    for method, extra in (("bimt", set()), ("l1", {"recurrent_arcs", "weight_matrix"})):
        written = {p.name for p in (runs[method] / "figures").iterdir()}
        expected = _expected(runs[method], extra)
        assert written == {f"{n}.{fmt}" for n in expected for fmt in ("png", "svg")}, method
    # The 2D run cannot show the 1D panels: skipped with a note, not an error.
    assert "bimt: skip recurrent_arcs" in output and "bimt: skip weight_matrix" in output


def test_plot_several_runs_adds_the_multi_run_figures(plotted):
    _, multi = plotted
    assert (multi / "pareto.png").stat().st_size > 1000
    assert (multi / "pareto.svg").stat().st_size > 1000


def test_plot_refuses_several_runs_without_out_and_bad_formats(runs):
    code, output = _invoke("plot", runs["bimt"], runs["l1"])
    assert code == 2 and "--out DIR is required" in output
    code, output = _invoke("plot", runs["bimt"], "--format", "gif")
    assert code == 2 and "choose from" in output


def test_movie_has_one_frame_per_snapshot(runs, tmp_path):
    n_snapshots = len(list((runs["bimt"] / "snapshots").glob("step_*.safetensors")))
    assert n_snapshots >= 4
    code, output = _invoke("movie", runs["bimt"], "--out", tmp_path / "grow.gif", "--fps", 4)
    assert code == 0, output
    assert iio.imread(tmp_path / "grow.gif", index=None).shape[0] == n_snapshots


def test_movie_without_snapshots_says_how_to_get_them(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "model.json").write_text(
        json.dumps({"geometry": Grid1D(4).to_dict()}))
    code, output = _invoke("movie", tmp_path / "run")
    assert code == 2 and "--snapshot-every" in output
