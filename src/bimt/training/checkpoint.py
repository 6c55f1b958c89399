"""Training checkpoints: ``checkpoint/state.safetensors`` (+ ``state.json``, a readable copy).

One file is the commit point. ``state.safetensors`` holds

- ``model.<name>``: every parameter and buffer of the model (``model.state_dict()``),
- ``optim.<i>.<key>``: the optimizer's per-parameter state tensors (Adam: step, exp_avg,
  exp_avg_sq of parameter ``i``),
- ``rng.torch``: the global torch RNG state as a uint8 tensor,

and, in its safetensors metadata under ``"state"``, the JSON of the step, the optimizer's
param groups and non-tensor state, and the trainer's counters. It is written atomically (temp,
fsync, os.replace), so the previous checkpoint stays valid until the new one is complete.
``state.json`` is written afterwards with the same JSON, for people and tools; the loader only
trusts the safetensors file, so a crash between the two writes cannot pair mismatched halves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file

from bimt.training.atomic import write_json_atomic, write_safetensors_atomic

FORMAT = 1
STATE_FILE = "state.safetensors"
INFO_FILE = "state.json"


def save_checkpoint(
    directory: str | Path,
    *,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    counters: dict[str, Any],
) -> Path:
    """Write the checkpoint of the state after ``step`` optimizer steps; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for idx, pstate in opt["state"].items():
        for key, value in pstate.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{idx}.{key}"] = value
            else:
                scalars.setdefault(str(idx), {})[key] = value
    tensors["rng.torch"] = torch.get_rng_state()
    info = {
        "format": FORMAT,
        "step": step,
        "param_groups": opt["param_groups"],
        "optim_scalars": scalars,
        "counters": counters,
    }
    text = json.dumps(info)
    write_safetensors_atomic(directory / STATE_FILE, tensors, metadata={"state": text})
    write_json_atomic(directory / INFO_FILE, info)
    return directory / STATE_FILE


def checkpoint_info(directory: str | Path) -> dict[str, Any] | None:
    """The JSON part (step, counters, ...) of the checkpoint in ``directory``; None if absent."""
    path = Path(directory) / STATE_FILE
    if not path.exists():
        return None
    with safe_open(path, framework="pt") as fh:
        meta = fh.metadata() or {}
    if "state" not in meta:
        raise ValueError(f"{path} is not a bimt checkpoint (no 'state' metadata)")
    return json.loads(meta["state"])


def load_model_state(directory: str | Path) -> dict[str, torch.Tensor]:
    """Only the model's state dict from a checkpoint (for inspecting an unfinished run)."""
    tensors = load_file(Path(directory) / STATE_FILE)
    return {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}


def load_checkpoint(
    directory: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Restore model, optimizer and torch RNG from ``directory``; returns the JSON info."""
    directory = Path(directory)
    info = checkpoint_info(directory)
    if info is None:
        raise FileNotFoundError(f"no checkpoint in {directory}")
    if info.get("format") != FORMAT:
        raise ValueError(f"checkpoint format {info.get('format')} in {directory} is not "
                         f"supported (expected {FORMAT})")
    tensors = load_file(directory / STATE_FILE)
    model_state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    model.load_state_dict(model_state)
    if optimizer is not None:
        state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, idx, name = key.split(".", 2)
                state.setdefault(int(idx), {})[name] = value
        for idx, extra in info["optim_scalars"].items():
            state.setdefault(int(idx), {}).update(extra)
        optimizer.load_state_dict({"state": state, "param_groups": info["param_groups"]})
    if restore_rng:
        torch.set_rng_state(tensors["rng.torch"])
    return info
