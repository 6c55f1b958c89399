"""The figure driver on hand-built run data (the real-run test is in test_cli.py)."""

from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.figures import (
    RUN_FIGURES,
    RunData,
    parse_formats,
    plot_multi_data,
    plot_run_data,
)

TASKS = ["go", "anti", "dm1"]


def _analysis(rng: np.random.Generator, n: int, labels: np.ndarray) -> dict:
    """A small analysis.json body in the schema of bimt.analysis.analyze."""
    tv = rng.random((n, len(TASKS))) * (labels >= 0)[:, None]
    slots = np.flatnonzero(labels >= 0)
    shuffled = rng.normal(0.5, 0.1, 200).tolist()
    res = {"observed": 0.1, "shuffled": shuffled, "p_value": 1 / 201, "z": -4.0}
    return {
        "tasks": TASKS,
        "settings": {"active_threshold": 1e-3},
        "task_variance": tv.tolist(),
        "sparsity": {"active_neurons": int(slots.size), "wiring_length": 3.5},
        "locality": {"bin_centers": [0.25, 0.5, 0.75], "mean_abs_w": [0.3, None, 0.01]},
        "clusters": {"labels_by_slot": labels.tolist(), "active_slots": slots.tolist(),
                     "normalized": (tv[slots] / tv[slots].max(1, keepdims=True)).tolist()},
        "clusters_error": None,
        "anatomy": {"positions": {"isolated_fraction": res, "cluster_size": res}},
        "lesions": {"tasks": TASKS, "drop": {"primary": rng.random((2, 3)).tolist()}},
    }


def _run(shape: tuple[int, ...], method: str = "bimt", analysed: bool = True) -> RunData:
    rng = np.random.default_rng(len(shape))
    n = int(np.prod(shape))
    labels = rng.integers(-1, 2, n)
    idx = np.arange(n)
    return RunData(
        name=f"{method}-{len(shape)}d", method=method, geometry=shape,
        w_in=rng.normal(size=(n, 4)), w_rec=rng.normal(size=(n, n)), w_out=rng.normal(size=(2, n)),
        distance=np.abs(idx[:, None] - idx[None, :]) / n, task_names=TASKS,
        accuracy=dict(zip(TASKS, [0.9, 0.8, 0.7], strict=True)),
        strict_accuracy=dict(zip(TASKS, [0.8, 0.7, 0.6], strict=True)), wiring_length=2.0,
        analysis=_analysis(rng, n, labels) if analysed else None,
        analysis_error=None if analysed else "ValueError: fewer than 3 active neurons",
    )


def test_a_1d_run_gets_every_single_run_figure_but_training(tmp_path):
    report = plot_run_data(_run((12,)), tmp_path, ["png", "svg"])
    # No run directory, so no metrics.jsonl: the training curves are the only skip.
    assert set(report.skipped) == {"training"}
    expected = {f"{name}.{fmt}" for name in RUN_FIGURES if name != "training"
                for fmt in ("png", "svg")}
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert all(p.stat().st_size > 1000 for p in tmp_path.iterdir())


def test_a_2d_run_skips_the_1d_panels_with_a_note(tmp_path):
    notes = []
    report = plot_run_data(_run((3, 4)), tmp_path, log=notes.append)
    assert {"recurrent_arcs", "weight_matrix"} <= set(report.skipped)
    assert "1D" in report.skipped["recurrent_arcs"]
    assert (tmp_path / "clusters.png").is_file() and (tmp_path / "network.png").is_file()
    assert any(n.startswith("skip recurrent_arcs") for n in notes)


def test_a_run_without_analysis_still_draws_what_it_can(tmp_path):
    report = plot_run_data(_run((3, 4), analysed=False), tmp_path)
    assert (tmp_path / "network.png").is_file() and (tmp_path / "accuracy.png").is_file()
    for name in ("task_variance", "clusters", "sorted_variance", "locality", "shuffles",
                 "lesions"):
        assert "fewer than 3 active neurons" in report.skipped[name]


def test_multi_run_figures(tmp_path):
    runs = [_run((3, 4), "l1"), _run((3, 4), "bimt"), _run((3, 4), "none"),
            _run((3, 4), "bimt")]
    report = plot_multi_data(runs, tmp_path)
    assert not report.skipped
    assert {p.name for p in tmp_path.iterdir()} == {
        "clusters_by_method.png", "shuffles_by_method.png", "pareto.png"}


def test_formats_are_checked():
    assert parse_formats("png, PDF,svg,png") == ("png", "pdf", "svg")
    with pytest.raises(ValueError, match="choose from"):
        parse_formats("png,jpg")
