"""TrainConfig: defaults, method resolution, validation messages, TOML/JSON round trips."""

from __future__ import annotations

import json
import math

import pytest

from bimt.training import ConfigError, TrainConfig


def test_defaults_are_the_headline_run():
    c = TrainConfig()
    assert (c.suite, c.geometry, c.n_hidden, c.activation, c.alpha) == (
        "cog20", "2d", 400, "relu", 1.0)
    assert (c.method, c.lam, c.A, c.schedule) == ("bimt", 1e-5, 1.0, "constant")
    assert (c.lr, c.batch_size, c.swap_every, c.top_k, c.permute_optimizer) == (
        1e-3, 64, 200, 30, True)
    assert c.snapshot_every > 0 and c.grad_clip is None and c.device == "cpu"


@pytest.mark.parametrize(
    ("method", "lam", "A", "swap_every"),
    [("bimt", 1e-5, 1.0, 200), ("l1", 1e-5, 0.0, 0), ("none", 0.0, 0.0, 0)],
)
def test_method_defaults_resolve(method, lam, A, swap_every):
    c = TrainConfig(method=method)
    assert (c.lam, c.A, c.swap_every) == (lam, A, swap_every)


def test_explicit_values_kept_and_ints_become_floats():
    c = TrainConfig(method="bimt", lam=3e-5, A=2, lr=1)
    assert c.lam == 3e-5 and c.A == 2.0 and isinstance(c.A, float) and isinstance(c.lr, float)


# One case per rule: (overrides, words the message must contain).
BAD = [
    ({"suite": "cog21"}, ["suite", "cog21", "cog20"]),
    ({"profile": "old"}, ["profile", "old", "paper"]),
    ({"dt": 0}, ["dt", ">= 1"]),
    ({"dt": 100.0}, ["dt", "float", "int"]),
    ({"dim_ring": 1}, ["dim_ring", ">= 2"]),
    ({"geometry": "3d"}, ["geometry", "3d", "2d, 1d"]),
    ({"n_hidden": 0, "geometry": "1d"}, ["n_hidden", ">= 1"]),
    ({"n_hidden": 399}, ["n_hidden", "399", "perfect square"]),
    ({"activation": "gelu"}, ["activation", "gelu", "relu"]),
    ({"alpha": 0.0}, ["alpha", "0 < alpha <= 1"]),
    ({"alpha": 1.5}, ["alpha", "1.5"]),
    ({"method": "l2"}, ["method", "l2", "bimt, l1, none"]),
    ({"method": "none", "lam": 1e-4}, ["lam", "none", "lam = 0"]),
    ({"method": "none", "A": 1.0}, ["A", "none"]),
    ({"method": "l1", "A": 1.0}, ["A", "l1", "A = 0"]),
    ({"method": "bimt", "A": 0.0}, ["A", "bimt", "A > 0"]),
    ({"method": "l1", "lam": 0.0}, ["lam", "l1", "lam > 0"]),
    ({"lam": -1e-5}, ["lam", "-1e-05", ">= 0"]),
    ({"lam": math.inf}, ["lam", "inf", "finite"]),
    ({"lam": "1e-5"}, ["lam", "str", "number"]),
    ({"schedule": "cosine"}, ["schedule", "cosine", "three-phase"]),
    ({"steps": 0}, ["steps", ">= 1"]),
    ({"steps": True}, ["steps", "bool"]),
    ({"batch_size": 0}, ["batch_size", ">= 1"]),
    ({"lr": 0.0}, ["lr", "> 0"]),
    ({"swap_every": -1}, ["swap_every", ">= 0"]),
    ({"top_k": 0}, ["top_k", ">= 1"]),
    ({"top_k": 401}, ["top_k", "401", "n_hidden"]),
    ({"permute_optimizer": 1}, ["permute_optimizer", "bool"]),
    ({"eval_every": -5}, ["eval_every", ">= 0"]),
    ({"eval_trials": 0}, ["eval_trials", ">= 1"]),
    ({"checkpoint_every": -1}, ["checkpoint_every", ">= 0"]),
    ({"snapshot_every": -1}, ["snapshot_every", ">= 0"]),
    ({"fix_weight": 0.0}, ["fix_weight", "> 0"]),
    ({"grad_clip": -1.0}, ["grad_clip", "> 0"]),
    ({"seed": -1}, ["seed", ">= 0"]),
    ({"device": "cuda:7"}, ["device", "cuda:7", "cpu"]),
    ({"device": "banana"}, ["device", "banana", "cpu"]),
    ({"tasks": ()}, ["tasks", "non-empty"]),
    ({"tasks": ("go", "go")}, ["tasks", "distinct"]),
    ({"tasks": "go"}, ["tasks", "str", "list of names"]),
]


@pytest.mark.parametrize(("overrides", "words"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_values_are_refused_with_their_message(overrides, words):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**overrides)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_unknown_field_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"unknown field.*'stepz'.*steps"):
        TrainConfig.from_dict({"stepz": 3})


def test_json_round_trip_is_exact():
    c = TrainConfig(method="l1", lam=3e-5, steps=123, tasks=("go", "anti"), grad_clip=1.0)
    back = TrainConfig.from_json(c.to_json())
    assert back == c and back.config_hash() == c.config_hash()
    assert json.loads(c.to_json())["tasks"] == ["go", "anti"]


def test_toml_round_trip_and_overrides(tmp_path):
    c = TrainConfig(method="none", schedule="three-phase", seed=7, tasks=("go",), fix_weight=0.2)
    path = tmp_path / "c.toml"
    path.write_text(c.to_toml())
    assert TrainConfig.from_toml(path) == c
    over = TrainConfig.from_toml(path, seed=8, steps=10)
    assert over.seed == 8 and over.steps == 10 and over.schedule == "three-phase"


def test_toml_errors_name_the_problem(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        TrainConfig.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("steps = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        TrainConfig.from_toml(bad)
    bad.write_text("steps = 'many'\n")
    with pytest.raises(ConfigError, match="steps: 'many' has type str"):
        TrainConfig.from_toml(bad)


def test_hash_changes_with_any_field_and_diff_names_it():
    a, b = TrainConfig(), TrainConfig(seed=1)
    assert a.config_hash() != b.config_hash()
    assert a.diff(b) == {"seed": (0, 1)}


@pytest.mark.parametrize("path", ["paper-2d.toml", "paper-1d.toml", "demo.toml"])
def test_shipped_configs_load(path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    c = TrainConfig.from_toml(root / "configs" / path)
    if path == "paper-2d.toml":
        assert c == TrainConfig()
    if path == "paper-1d.toml":
        assert c.geometry == "1d" and c.n_hidden == 400
