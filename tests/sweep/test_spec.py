"""Sweep files: expansion, validation messages, run ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bimt.sweep import NON_RESULT_FIELDS, SweepSpecError, expand_sweep, load_sweep, run_id
from bimt.training import TrainConfig

REPO = Path(__file__).resolve().parents[2]
SWEEPS = REPO / "sweeps"
TINY = {"geometry": "1d", "n_hidden": 16, "steps": 20, "top_k": 8}


def test_grid_is_the_cartesian_product_in_file_order() -> None:
    sweep = expand_sweep(
        {"base": TINY, "grid": {"method": ["bimt", "l1"], "seed": [0, 1, 2]}}
    )
    got = [(r.config["method"], r.config["seed"]) for r in sweep.runs]
    assert got == [(m, s) for m in ("bimt", "l1") for s in (0, 1, 2)]
    assert [r.overrides for r in sweep.runs][4] == {"method": "l1", "seed": 1}
    assert all(r.config["n_hidden"] == 16 for r in sweep.runs)


def test_includes_add_runs_with_their_own_grid_and_duplicates_are_kept_once() -> None:
    sweep = expand_sweep({
        "base": TINY,
        "grid": {"seed": [0, 1]},
        "include": [
            {"method": "none", "grid": {"seed": [0, 1, 2]}},
            {"method": "bimt", "seed": 1},  # the same run as grid point 2: kept once
            {"method": "l1", "lam": 3e-5},
        ],
    })
    got = [(r.config["method"], r.config["lam"], r.config["seed"]) for r in sweep.runs]
    assert got == [
        ("bimt", 1e-5, 0), ("bimt", 1e-5, 1),
        ("none", 0.0, 0), ("none", 0.0, 1), ("none", 0.0, 2),
        ("l1", 3e-5, 0),
    ]


def test_without_grid_the_includes_alone_make_the_sweep() -> None:
    only_base = expand_sweep({"base": TINY})
    assert len(only_base) == 1
    includes = expand_sweep({"base": TINY, "include": [{"seed": 3}, {"seed": 4}]})
    assert [r.config["seed"] for r in includes.runs] == [3, 4]


def test_a_grid_value_may_itself_be_a_list_only_the_outer_list_expands() -> None:
    sweep = expand_sweep({"base": TINY, "grid": {"tasks": [["go"], ["go", "anti"]]}})
    assert [r.config["tasks"] for r in sweep.runs] == [["go"], ["go", "anti"]]
    # a list where the field wants a number reaches validation as one value, and is refused
    with pytest.raises(SweepSpecError, match=r"seed: \[0, 1\] has type list"):
        expand_sweep({"base": TINY, "grid": {"seed": [[0, 1]]}})


def test_bad_value_names_the_run_and_the_field() -> None:
    with pytest.raises(SweepSpecError) as info:
        expand_sweep({"base": TINY, "grid": {"lam": [1e-5, -1.0], "seed": [0, 7]}})
    msg = str(info.value)
    assert "[grid] point 3" in msg  # lam=-1, seed=0 is the third point
    assert '"lam":-1.0' in msg and "lam: -1.0 is out of range" in msg


def test_contradicting_method_values_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(SweepSpecError, match=r"\[\[include\]\] #1 .*contradicts method 'none'"):
        expand_sweep({"base": TINY, "include": [{"method": "none", "lam": 1e-4}]})


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"base": TINY, "grid": {"seed": 3}}, r"seed must be a non-empty list"),
        ({"base": TINY, "grid": {"seed": []}}, r"seed must be a non-empty list"),
        ({"base": TINY, "grids": {"seed": [1]}}, r"unknown top-level key.*'grids'"),
        ({"base": TINY, "grid": {"colour": [1]}}, r"unknown field.*'colour'"),
        ({"base": TINY, "include": {"seed": 1}}, r"\[\[include\]\] entries"),
        ({"base": TINY, "include": [{"seed": 1, "grid": {"seed": [2]}}]},
         r"sets \['seed'\] both"),
        ({"base": TINY, "analysis": {"n_shufles": 10}}, r"unknown key 'n_shufles'"),
        ({"base": TINY, "analysis": {"n_shuffles": 0}}, r"n_shuffles must be >= 1"),
        ({"base": TINY, "analysis": {"enabled": "yes"}}, r"enabled must be bool"),
        ({"base": [1]}, r"base in the sweep file must be a table"),
    ],
)
def test_malformed_sweeps_are_refused_with_the_fix(data: dict, pattern: str) -> None:
    with pytest.raises(SweepSpecError, match=pattern):
        expand_sweep(data)


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(SweepSpecError, match="does not exist"):
        load_sweep(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid\nseed = 1")
    with pytest.raises(SweepSpecError, match="not valid TOML"):
        load_sweep(bad)


def test_shipped_pareto_sweeps_have_the_recommended_grid() -> None:
    lams = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3]
    for name, geometry in (("pareto-2d", "2d"), ("pareto-1d", "1d")):
        sweep = load_sweep(SWEEPS / f"{name}.toml")
        assert sweep.name == name
        points = {(r.config["method"], r.config["lam"], r.config["A"], r.config["seed"])
                  for r in sweep.runs}
        want = {(m, lam, a, s) for m, a in (("bimt", 1.0), ("l1", 0.0)) for lam in lams
                for s in (0, 1, 2)}
        want |= {("none", 0.0, 0.0, s) for s in (0, 1, 2)}
        assert points == want and len(sweep) == len(want) == 45
        assert {r.config["geometry"] for r in sweep.runs} == {geometry}
        assert {r.config["n_hidden"] for r in sweep.runs} == {400}


def test_smoke_sweep_is_tiny() -> None:
    sweep = load_sweep(SWEEPS / "smoke.toml")
    assert len(sweep) == 5
    assert all(r.config["steps"] <= 50 and r.config["n_hidden"] <= 16 for r in sweep.runs)


# ------------------------------------------------------------------ run ids

# One valid alternative value per result-changing field (over TINY with method bimt).
ALTERNATIVES = {
    "suite": "modcog",
    "tasks": ["go", "anti"],
    "profile": "neurogym-2.3",
    "dt": 50,
    "dim_ring": 8,
    "geometry": "2d",  # 16 = 4x4
    "n_hidden": 25,
    "activation": "softplus",
    "alpha": 0.5,
    "method": "l1",
    "lam": 2e-5,
    "A": 2.0,
    "schedule": "three-phase",
    "steps": 21,
    "batch_size": 7,
    "lr": 2e-3,
    "swap_every": 5,
    "top_k": 9,
    "permute_optimizer": False,
    "eval_every": 7,
    "eval_trials": 3,
    "fix_weight": 0.5,
    "grad_clip": 1.0,
    "seed": 1,
}


def test_every_result_field_changes_the_id_and_no_other_field_does() -> None:
    result_fields = set(TrainConfig.field_names()) - set(NON_RESULT_FIELDS)
    assert set(ALTERNATIVES) == result_fields, "give each result field an alternative value"
    base = TrainConfig.from_dict(TINY).to_dict()
    base_id = run_id(base)
    ids = {base_id}
    for name, value in ALTERNATIVES.items():
        changed = TrainConfig.from_dict({**TINY, name: value}).to_dict()
        assert changed[name] == (tuple(value) if isinstance(value, list) else value)
        ids.add(run_id(changed))
    assert len(ids) == 1 + len(ALTERNATIVES)  # all distinct
    for name, value in (("checkpoint_every", 3), ("snapshot_every", 0), ("device", "cuda")):
        assert name in NON_RESULT_FIELDS
        assert run_id({**base, name: value}) == base_id


def test_id_has_a_readable_prefix_and_resolves_defaults() -> None:
    explicit = TrainConfig.from_dict({**TINY, "lam": 1e-5, "A": 1.0}).to_dict()
    implicit = TrainConfig.from_dict(TINY).to_dict()
    assert run_id(explicit) == run_id(implicit)
    assert run_id(implicit).startswith("bimt-lam1e-05-s0-")
    assert len(run_id(implicit).rsplit("-", 1)[1]) == 8


def test_ids_are_stable_across_processes() -> None:
    here = [r.run_id for r in load_sweep(SWEEPS / "smoke.toml").runs]
    code = (
        "import json, sys; from bimt.sweep import load_sweep; "
        "print(json.dumps([r.run_id for r in load_sweep(sys.argv[1]).runs]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(SWEEPS / "smoke.toml")],
        capture_output=True, text=True, check=True, env=env,
    )
    assert json.loads(out.stdout) == here
    assert len(set(here)) == len(here)


def test_sweep_file_round_trip_matches_dict_expansion(tmp_path: Path) -> None:
    text = (SWEEPS / "smoke.toml").read_text()
    from_file = load_sweep(SWEEPS / "smoke.toml")
    from_dict = expand_sweep(tomllib.loads(text))
    assert [r.run_id for r in from_file.runs] == [r.run_id for r in from_dict.runs]
    assert from_file.analysis == {"enabled": True, "n_shuffles": 200}
