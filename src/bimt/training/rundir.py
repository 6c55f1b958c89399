"""The run directory: its layout, the guard against mixing runs, and ``Run``/``load_run``.

```
runs/NAME/
  config.json          the resolved TrainConfig
  model.safetensors    final weights and buffers; model.json holds model.spec()
  checkpoint/          latest checkpoint: state.safetensors + state.json (atomic)
  metrics.jsonl        one JSON object per evaluation
  summary.json         final metrics; its presence marks the run as finished
  snapshots/           step_NNNNNNNN.safetensors, float16 weights + slot map
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bimt.training.checkpoint import checkpoint_info, load_model_state
from bimt.training.config import TrainConfig
from bimt.training.errors import ConfigError, RunError
from bimt.training.snapshots import list_snapshots

if TYPE_CHECKING:
    import torch

    from bimt.model import SpatialRNN
    from bimt.tasks import TaskSuite

CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
MODEL_SPEC_FILE = "model.json"
CHECKPOINT_DIR = "checkpoint"
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"


def read_config(path: str | Path) -> TrainConfig:
    """The TrainConfig saved in run directory ``path``."""
    path = Path(path)
    file = path / CONFIG_FILE
    if not file.is_file():
        raise RunError(f"{path} is not a bimt run directory (no {CONFIG_FILE})")
    try:
        return TrainConfig.from_json(file.read_text())
    except (ConfigError, json.JSONDecodeError) as exc:
        raise RunError(f"{file} holds an invalid config: {exc}") from None


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """Every complete line of ``metrics.jsonl`` (a torn last line from a crash is skipped)."""
    file = Path(path) / METRICS_FILE
    if not file.exists():
        return []
    rows = []
    for line in file.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def prepare_run_dir(out_dir: str | Path, config: TrainConfig, *, resume: bool) -> str:
    """Check that ``out_dir`` may hold this run; returns "new", "resume" or "finished".

    Refuses (RunError) a non-empty directory that is not a run of the same config, and, without
    ``resume``, an unfinished run of this config. A finished run of this config is "finished"
    with or without ``resume`` (training it again is a no-op, so scripts can be rerun).
    """
    out = Path(out_dir)
    if not out.exists() or not any(out.iterdir()):
        if resume:
            raise RunError(f"cannot resume {out}: it is empty or missing; start a new run there "
                           f"without --resume")
        return "new"
    if not (out / CONFIG_FILE).is_file():
        raise RunError(f"{out} is not empty and is not a bimt run (no {CONFIG_FILE}); choose "
                       f"another --out")
    saved = read_config(out)
    if saved != config:
        changes = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in saved.diff(config).items())
        raise RunError(f"{out} holds a run with a different config ({changes}); use --resume "
                       f"to continue that run with its own config, or choose another --out")
    finished = (out / SUMMARY_FILE).is_file()
    started = finished or checkpoint_info(out / CHECKPOINT_DIR) is not None
    if not resume and started and not finished:
        raise RunError(f"{out} already holds this run, in progress; use --resume to continue "
                       f"it or choose another --out")
    if finished:
        return "finished"
    return "resume" if started else "new"


@dataclass(frozen=True)
class Run:
    """A training run on disk. ``summary`` is empty for an unfinished run."""

    path: Path
    config: TrainConfig

    @property
    def finished(self) -> bool:
        return (self.path / SUMMARY_FILE).is_file()

    @cached_property
    def summary(self) -> dict[str, Any]:
        file = self.path / SUMMARY_FILE
        return json.loads(file.read_text()) if file.is_file() else {}

    @property
    def step(self) -> int:
        """Optimizer steps done: the config's steps when finished, else the checkpoint's."""
        if self.finished:
            return self.config.steps
        info = checkpoint_info(self.path / CHECKPOINT_DIR)
        return 0 if info is None else int(info["step"])

    def metrics(self) -> list[dict[str, Any]]:
        return read_metrics(self.path)

    def snapshots(self) -> list[tuple[int, Path]]:
        """(step, path) of the growth-movie snapshots; read one with ``read_snapshot``."""
        return list_snapshots(self.path)

    def suite(self) -> TaskSuite:
        from bimt.training.builders import build_suite

        return build_suite(self.config)

    def model(self, device: str | torch.device = "cpu") -> SpatialRNN:
        """The final weights; for an unfinished run, the weights of its latest checkpoint."""
        from safetensors.torch import load_file

        from bimt.model import SpatialRNN

        spec_file = self.path / MODEL_SPEC_FILE
        if self.finished:
            state = load_file(self.path / MODEL_FILE)
        elif checkpoint_info(self.path / CHECKPOINT_DIR) is not None:
            state = load_model_state(self.path / CHECKPOINT_DIR)
        else:
            raise RunError(f"{self.path} has no weights yet (no checkpoint)")
        model = SpatialRNN.from_spec(json.loads(spec_file.read_text()))
        model.load_state_dict(state)
        return model.to(device)


def load_run(path: str | Path, *, allow_unfinished: bool = False) -> Run:
    """Open the run in ``path``.

    An unfinished run (no summary.json) raises RunError unless ``allow_unfinished=True``; then
    ``run.model()`` gives the weights of its latest checkpoint and ``run.summary`` is empty.
    """
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"{path} is not a directory; expected a bimt run directory")
    run = Run(path=path, config=read_config(path))
    if not run.finished and not allow_unfinished:
        raise RunError(
            f"{path} is an unfinished run (checkpoint at step {run.step} of "
            f"{run.config.steps}); finish it with `bimt train --resume {path}`, or open its "
            f"latest checkpoint with load_run(path, allow_unfinished=True)"
        )
    return run
