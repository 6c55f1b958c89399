"""Adapters from a run directory to the plain arrays the figure functions take.

Only this module and `figures.py` know the run-directory layout; the figure functions
themselves take arrays and stay testable from hand-made inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from bimt.model.geometry import geometry_from_dict
from bimt.plots.movie import Frame, growth_movie
from bimt.training.rundir import MODEL_SPEC_FILE, read_metrics
from bimt.training.snapshots import list_snapshots, read_snapshot

FIGURES_DIR = "figures"
MOVIE_NAME = "growth.gif"


def run_geometry(run_dir: str | Path) -> Any:
    """The hidden-layer geometry of a run (from model.json, written when training starts)."""
    spec_file = Path(run_dir) / MODEL_SPEC_FILE
    if not spec_file.is_file():
        raise FileNotFoundError(f"{run_dir} is not a started bimt run (no {MODEL_SPEC_FILE})")
    return geometry_from_dict(json.loads(spec_file.read_text())["geometry"])


def snapshot_frames(run_dir: str | Path, max_frames: int | None = None) -> list[Frame]:
    """The run's weight snapshots as movie frames, in step order.

    max_frames: keep at most this many, evenly spaced, always with the first and the last.
    """
    found = list_snapshots(run_dir)
    if not found:
        raise FileNotFoundError(
            f"{run_dir} has no snapshots (snapshots/step_*.safetensors); train with "
            f"--snapshot-every N (N > 0) to record the growth"
        )
    if max_frames is not None:
        if max_frames < 1:
            raise ValueError(f"max_frames must be >= 1, got {max_frames}")
        if len(found) > max_frames:
            keep = np.unique(np.linspace(0, len(found) - 1, max_frames).round().astype(int))
            found = [found[i] for i in keep]
    frames = []
    for _, path in found:
        snap = read_snapshot(path)
        frames.append(Frame(
            step=int(snap["step"]),
            **{k: snap[k].float().numpy() for k in ("w_in", "w_rec", "w_out")},
        ))
    return frames


def movie_from_run(
    run_dir: str | Path,
    out: str | Path | None = None,
    *,
    fps: float = 10.0,
    max_frames: int | None = None,
    **draw: Any,
) -> Path:
    """Render a run's growth movie; default file RUN_DIR/figures/growth.gif."""
    run_dir = Path(run_dir)
    out = Path(out) if out is not None else run_dir / FIGURES_DIR / MOVIE_NAME
    geometry = run_geometry(run_dir)
    frames = snapshot_frames(run_dir, max_frames)
    return growth_movie(frames, geometry, out, fps=fps, title=run_dir.name, **draw)


def training_series(run_dir: str | Path) -> dict[str, np.ndarray]:
    """Steps, mean accuracies and losses from metrics.jsonl (keys absent in a row give NaN)."""
    rows = read_metrics(run_dir)
    if not rows:
        raise FileNotFoundError(f"{run_dir} has no evaluations in metrics.jsonl yet")

    def col(key: str) -> np.ndarray:
        return np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=float)

    return {k: col(k) for k in ("step", "mean_accuracy", "mean_strict_accuracy", "eval_loss",
                                "train_loss")}
