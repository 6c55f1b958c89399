"""analyze_run end to end on a hand-wired network, and its caching."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from bimt.analysis.analyze import analyze_run


def strict_json(path: Path) -> dict:
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(path.read_text(), parse_constant=no_constants)


def test_analysis_of_a_row_layout(fake_run):
    run, calls = fake_run
    result = analyze_run(run.path, n_shuffles=300)
    assert calls["tv"] == 1
    saved = strict_json(run.path / "analysis.json")
    assert saved == result
    assert saved["run"] == "runA" and saved["tasks"] == ["go", "anti", "dm1"]
    # Neuron (j, c) has variance Var(0..3)·gain² = 1.25·(1 + c)² on task j only.
    tv = np.array(saved["task_variance"])
    expected = np.zeros((9, 3))
    for j in range(3):
        expected[3 * j : 3 * j + 3, j] = 1.25 * np.arange(1, 4) ** 2
    np.testing.assert_allclose(tv, expected, rtol=1e-6)
    clusters = saved["clusters"]
    assert clusters["n_clusters"] == 3
    assert clusters["labels_by_slot"] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert clusters["preferred_task"] == ["go", "anti", "dm1"]
    assert saved["sparsity"]["active_neurons"] == 9
    pos = saved["anatomy"]["positions"]
    assert pos["isolated_fraction"]["observed"] == 0.0
    assert pos["cluster_size"]["observed"] == pytest.approx(2 / 3)  # Var(cols 0,1,2) per row
    assert len(pos["cluster_size"]["shuffled"]) == 300
    assert set(saved["anatomy"]) == {"positions", "scatter"}
    assert saved["accuracy"]["primary"] == {"go": 1.0, "anti": 1.0, "dm1": 1.0}
    assert saved["accuracy"]["error"] == 0.0
    assert saved["settings"]["shuffles"] == {
        "n_shuffles": 300,
        "modes": ["positions", "scatter"],
        "seed": 0,
    }
    assert np.array(saved["lesions"]["drop"]["primary"]).shape == (3, 3)


def test_second_call_reuses_everything(fake_run):
    run, calls = fake_run
    first = analyze_run(run.path, n_shuffles=200)
    out = run.path / "analysis.json"
    cache = run.path / "cache" / "task_variance.safetensors"
    os.utime(out, ns=(1, 1))
    os.utime(cache, ns=(1, 1))
    again = analyze_run(run.path, n_shuffles=200)
    assert again == first and calls["tv"] == 1
    assert out.stat().st_mtime_ns == 1 and cache.stat().st_mtime_ns == 1

    # New settings: analysis.json is rewritten, the task variance comes from the cache.
    changed = analyze_run(run.path, n_shuffles=100)
    assert calls["tv"] == 1 and out.stat().st_mtime_ns != 1
    assert len(changed["anatomy"]["positions"]["cluster_size"]["shuffled"]) == 100

    # force recomputes the task variance too.
    analyze_run(run.path, n_shuffles=100, force=True)
    assert calls["tv"] == 2


def test_new_weights_invalidate_the_caches(fake_run):
    run, calls = fake_run
    analyze_run(run.path, n_shuffles=50)
    with torch.no_grad():
        run._model.w_in[0, 0] = 5.0
    result = analyze_run(run.path, n_shuffles=50)
    assert calls["tv"] == 2
    assert result["task_variance"][0][0] == pytest.approx(1.25 * 25)


def test_too_few_active_neurons_leave_clusters_empty(fake_run):
    run, _ = fake_run
    with torch.no_grad():
        run._model.w_in.zero_()
        run._model.w_in[0, 0] = 1.0
    result = analyze_run(run.path, n_shuffles=10)
    assert result["clusters"] is None and "at least 3 units" in result["clusters_error"]
    assert result["anatomy"] is None and result["lesions"] is None
    assert result["sparsity"]["active_neurons"] == 1


def test_bad_shuffle_count(fake_run):
    run, _ = fake_run
    with pytest.raises(ValueError, match="n_shuffles"):
        analyze_run(run.path, n_shuffles=0)


def test_a_run_trained_on_a_subset_is_analysed_on_that_subset(fake_run):
    run, _ = fake_run
    run.config.tasks = ("go", "dm1")
    saved = analyze_run(run.path, n_shuffles=50)
    assert saved["tasks"] == ["go", "dm1"]
    assert np.array(saved["task_variance"]).shape == (9, 2)
    assert set(saved["accuracy"]["primary"]) == {"go", "dm1"}
