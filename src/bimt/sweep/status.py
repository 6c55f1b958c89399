"""Where each run of a sweep stands, read from its run directory alone.

States (first match wins):

- `running`: a process holds the run's lock (`runs/.<run_id>.lock`, see
  `execute.run_lock`);
- `failed`: `error.json` is there (its last attempt failed);
- `done`: `summary.json` is there, and `analysis.json` too when the sweep analyses its runs;
- `interrupted`: work was started and stopped (a checkpoint, or a summary still waiting for
  its analysis); a re-run of the sweep continues it;
- `pending`: nothing done yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bimt.sweep.execute import ERROR_FILE, has_checkpoint, is_locked, read_manifest

STATES = ("done", "running", "failed", "interrupted", "pending")


@dataclass(frozen=True)
class RunStatus:
    """The state of one run; `error` is the failure's one-line message, `step` the last step
    with metrics (running/interrupted runs)."""

    run_id: str
    run_dir: Path
    state: str
    error: str | None = None
    step: int | None = None
    steps: int | None = None


def run_status(run_dir: Path, run_id: str, *, analysis: bool = True,
               steps: int | None = None) -> RunStatus:
    """The state of the run in `run_dir` (see the module docstring)."""
    run_dir = Path(run_dir)
    if is_locked(run_dir):
        return RunStatus(run_id, run_dir, "running", step=_last_step(run_dir), steps=steps)
    error_path = run_dir / ERROR_FILE
    if error_path.exists():
        return RunStatus(run_id, run_dir, "failed", error=_error_line(error_path), steps=steps)
    summary = (run_dir / "summary.json").exists()
    if summary and (not analysis or (run_dir / "analysis.json").exists()):
        return RunStatus(run_id, run_dir, "done", steps=steps)
    if summary or has_checkpoint(run_dir):
        return RunStatus(run_id, run_dir, "interrupted", step=_last_step(run_dir), steps=steps)
    return RunStatus(run_id, run_dir, "pending", steps=steps)


def sweep_status(sweep_dir: str | Path) -> list[RunStatus]:
    """The state of every run in the sweep folder's manifest, in manifest order."""
    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    analysis = bool(manifest.get("analysis", {}).get("enabled", True))
    return [
        run_status(sweep_dir / r["dir"], r["run_id"], analysis=analysis,
                   steps=r.get("config", {}).get("steps"))
        for r in manifest["runs"]
    ]


def count_states(statuses: list[RunStatus]) -> dict[str, int]:
    """Number of runs in each state (every state present, zeros included)."""
    counts = dict.fromkeys(STATES, 0)
    for s in statuses:
        counts[s.state] += 1
    return counts


def _error_line(path: Path) -> str:
    try:
        record: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        return f"unreadable {ERROR_FILE}: {e}"
    message = str(record.get("message", "")).strip().splitlines()
    first = message[0] if message else ""
    return f"[{record.get('stage', '?')}] {record.get('type', 'Error')}: {first}"


def _last_step(run_dir: Path) -> int | None:
    """The step of the last line of metrics.jsonl (cheap: reads the file's tail only)."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return None
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65536))
        lines = f.read().splitlines()
    for line in reversed(lines):
        try:
            step = json.loads(line).get("step")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            continue
        if isinstance(step, int):
            return step
    return None
