"""`bimt train`: flags and TOML to config, clean errors and exit codes, --resume."""

from __future__ import annotations

import json

import pytest
from tiny_configs import tiny
from typer.testing import CliRunner

import bimt.training.trainer as trainer
from bimt.cli import app
from bimt.cli.train import parse_field
from bimt.training import TrainConfig

runner = CliRunner()


def _flags(cfg: TrainConfig) -> list[str]:
    """Every field of ``cfg`` as a command-line flag."""
    args = []
    for name, value in cfg.to_dict().items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            args.append(flag if value else "--no-" + flag[2:])
        elif value is None:
            args += [flag, "none"]
        elif isinstance(value, tuple | list):
            args += [flag, ",".join(value)]
        else:
            args += [flag, repr(value) if isinstance(value, float) else str(value)]
    return args


def test_every_field_round_trips_through_flags(tmp_path):
    cfg = tiny(steps=2, eval_every=0, snapshot_every=0, permute_optimizer=False,
               schedule="three-phase", fix_weight=0.5, grad_clip=2.0, seed=4)
    result = runner.invoke(app, ["train", "--out", str(tmp_path / "r"), "--no-progress",
                                 *_flags(cfg)])
    assert result.exit_code == 0, result.output
    assert TrainConfig.from_json((tmp_path / "r" / "config.json").read_text()) == cfg
    assert "mean accuracy" in result.output


def test_flags_override_toml(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(tiny(steps=2, seed=1, eval_every=0).to_toml())
    result = runner.invoke(app, ["train", "-o", str(tmp_path / "r"), "-c", str(toml),
                                 "--seed", "5", "--lam", "2e-4", "--no-progress"])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "r" / "config.json").read_text())
    assert saved["seed"] == 5 and saved["lam"] == 2e-4 and saved["steps"] == 2
    assert TrainConfig.from_json(json.dumps(saved)) == TrainConfig.from_toml(toml, seed=5,
                                                                             lam=2e-4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "ten"], "steps: 'ten' is not an integer"),
        (["--lr", "-1"], "lr: -1.0 is out of range"),
        (["--method", "none", "--lam", "1e-3"], "contradicts method 'none'"),
        (["--suite", "cog21"], "suite: unknown value 'cog21'"),
        (["--tasks", "go,gogo", "--geometry", "1d", "--n-hidden", "4", "--top-k", "2"],
         "tasks: 'gogo' not in suite"),
        (["--config", "missing.toml"], "does not exist"),
    ],
)
def test_bad_config_exits_2_without_traceback(tmp_path, args, message):
    result = runner.invoke(app, ["train", "--out", str(tmp_path / "r"), *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_resume_refuses_new_flags_and_reports_finished(tmp_path):
    out = tmp_path / "r"
    cfg = tiny(steps=2, eval_every=0)
    assert runner.invoke(app, ["train", "-o", str(out), "--no-progress", *_flags(cfg)]
                         ).exit_code == 0
    result = runner.invoke(app, ["train", "--resume", str(out), "--steps", "9"])
    assert result.exit_code == 2 and "drop --steps" in result.output
    result = runner.invoke(app, ["train", "--resume", str(out)])
    assert result.exit_code == 0 and "already finished" in result.output
    result = runner.invoke(app, ["train", "-o", str(out), "--no-progress", *_flags(cfg)])
    assert result.exit_code == 0 and "finished; nothing to do" in result.output
    result = runner.invoke(app, ["train", "-o", str(out), "--no-progress", *_flags(
        tiny(steps=3, eval_every=0))])
    assert result.exit_code == 2 and "different config (steps: 2 -> 3)" in result.output


def test_diverged_run_exits_1_with_message(tmp_path, monkeypatch):
    real = trainer.train_step

    def nan_step(model, optimizer, batch, **kw):
        return real(model, optimizer, type(batch)(**{**batch.__dict__,
                                                     "inputs": batch.inputs * float("nan")}),
                    **kw)

    monkeypatch.setattr(trainer, "train_step", nan_step)
    result = runner.invoke(app, ["train", "-o", str(tmp_path / "r"), "--no-progress",
                                 *_flags(tiny(steps=3))])
    assert result.exit_code == 1
    assert "training diverged at step 1" in result.output and "Traceback" not in result.output


def test_parse_field_types():
    assert parse_field("steps", "12") == 12
    assert parse_field("lam", "3e-5") == 3e-5
    assert parse_field("grad_clip", "none") is None
    assert parse_field("tasks", "go, anti") == ("go", "anti")
    assert parse_field("tasks", "all") is None
    with pytest.raises(ValueError, match="grad_clip: 'x' is not a number or 'none'"):
        parse_field("grad_clip", "x")
