"""The reproduction plan: experiments per scale, shared runs, figures, the quick budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from bimt.plots.figures import MULTI_FIGURES, RUN_FIGURES
from bimt.report.plan import (
    HEADLINE_LAM,
    QUICK_BUDGET_SECONDS,
    build_plan,
    deviations,
    expected_seconds,
    get_scale,
)
from bimt.sweep import load_sweep

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("scale", "per_experiment"), [("full", 45), ("quick", 7), ("tiny", 5)])
def test_run_counts(scale: str, per_experiment: int) -> None:
    plan = build_plan(scale)
    assert [e.key for e in plan.experiments] == ["cog20-2d", "cog20-1d", "modcog-1d"]
    for e in plan.experiments:
        assert len(e.runs) == per_experiment
        methods = {r.config["method"] for r in e.runs}
        assert methods == {"bimt", "l1", "none"}
    assert len(plan.sweep()) == 3 * per_experiment  # the experiments share no run


def test_headline_runs_are_points_of_the_sweep_and_come_first() -> None:
    plan = build_plan("full")
    e = plan.experiment("cog20-2d")
    bimt = e.headline_runs("bimt")
    assert [r.config["seed"] for r in bimt] == [0, 1, 2]
    assert all(r.config["lam"] == HEADLINE_LAM and r.config["A"] == 1.0 for r in bimt)
    assert all(r.config["lam"] == 0.0 for r in e.headline_runs("none"))
    ids = [r.run_id for r in plan.sweep().runs]
    assert len(ids) == len(set(ids))
    # the 9 headline runs of each experiment go first, before the rest of the λ grid
    first = set(ids[:27])
    for exp in plan.experiments:
        for m in ("bimt", "l1", "none"):
            assert {r.run_id for r in exp.headline_runs(m)} <= first


def test_full_scale_runs_are_the_sweep_files_runs() -> None:
    # the same configs as sweeps/pareto-{2d,1d}.toml, hence the same run ids: a run made by
    # `bimt sweep run` is the run `bimt reproduce --scale full` would make
    plan = build_plan("full")
    for key, file in (("cog20-2d", "pareto-2d.toml"), ("cog20-1d", "pareto-1d.toml")):
        ours = {r.run_id for r in plan.experiment(key).runs}
        theirs = {r.run_id for r in load_sweep(REPO / "sweeps" / file).runs}
        assert ours == theirs


def test_full_scale_settings() -> None:
    sc = get_scale("full")
    assert sc.lams == (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3)
    assert sc.seeds == (0, 1, 2) and sc.n_shuffles == 10_000 and sc.steps == 20_000
    cfg = build_plan("full").experiment("modcog-1d").runs[0].config
    assert cfg["suite"] == "modcog" and cfg["geometry"] == "1d" and cfg["n_hidden"] == 400


def test_quick_scale_fits_its_budget() -> None:
    plan = build_plan("quick")
    assert expected_seconds(plan, workers=2) <= QUICK_BUDGET_SECONDS
    # one worker would not fit: the budget relies on both cores
    assert expected_seconds(plan, workers=1) > QUICK_BUDGET_SECONDS
    assert "QUICK" in plan.scale.summary and "2,000" in plan.scale.summary


def test_every_planned_figure_exists_in_the_plot_driver() -> None:
    for scale in ("full", "tiny"):
        for _, spec in build_plan(scale).figures():
            table = RUN_FIGURES if spec.source == "run" else MULTI_FIGURES
            assert spec.name in table, spec


def test_unknown_scale() -> None:
    with pytest.raises(ValueError, match="accepted: quick, full, tiny"):
        build_plan("huge")


def test_deviations_name_the_scale_and_the_task_count() -> None:
    quick = dict(deviations(get_scale("quick")))
    assert "2,000 steps" in quick["scale"]
    assert "82" in quick["Mod-Cog task count"] and "84" in quick["Mod-Cog task count"]
    assert "scale" not in dict(deviations(get_scale("full")))


def test_ensembles_are_sized_to_keep_every_local_worker_busy() -> None:
    from bimt.report.reproduce import balanced_max_k

    quick = build_plan("quick")  # 3 experiments of 7 runs
    assert balanced_max_k(quick, 2) == 4  # 6 ensembles of 4 or 3: 3 per worker
    assert balanced_max_k(quick, 1) == 7
    assert balanced_max_k(quick, 16) == 1
    assert balanced_max_k(build_plan("full"), 2) == 8  # capped
