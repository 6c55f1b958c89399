"""One table of every run of a sweep, and the Pareto figures drawn from it.

`collect_rows(sweep_dir)` gives one row (a flat dict) per run of the manifest, in its order:

- `run_id`, `state` (see `bimt.sweep.status`), `run_dir` (relative to the sweep folder);
- every TrainConfig field under its own name (`method`, `lam`, `seed`, ...), from the run's
  `config.json` when it has one, else from the manifest;
- every scalar of `summary.json` as `summary.<key>` and of `analysis.json` as
  `analysis.<key>`, nested dicts flattened with dots (`summary.accuracy.go`); lists (e.g. the
  shuffle distributions) are left out, the table holds scalars only;
- the Pareto coordinates `error` (1 − mean per-task primary accuracy), `active_neurons` and
  `wiring_length`, empty where the run has not produced them.

`write_table` writes it as `runs.csv` and `runs.parquet`; `write_pareto_figures` draws error
against active neurons and against wiring length, per method, with each method's front.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bimt.sweep.status import sweep_status

PARETO_AXES = (
    ("active_neurons", "active neurons"),
    ("wiring_length", "wiring length"),
)


def collect_rows(sweep_dir: str | Path) -> list[dict[str, Any]]:
    """One flat row per run of the sweep in `sweep_dir` (see the module docstring)."""
    from bimt.sweep.execute import read_manifest

    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    states = {s.run_id: s.state for s in sweep_status(sweep_dir)}
    rows = []
    for entry in manifest["runs"]:
        run_dir = sweep_dir / entry["dir"]
        config = _read_json(run_dir / "config.json") or entry.get("config", {})
        summary = _read_json(run_dir / "summary.json") or {}
        analysis = _read_json(run_dir / "analysis.json") or {}
        row: dict[str, Any] = {
            "run_id": entry["run_id"],
            "state": states.get(entry["run_id"], "pending"),
            "run_dir": entry["dir"],
        }
        row.update({k: _cell(v) for k, v in config.items()})
        row.update(flatten(summary, "summary."))
        row.update(flatten(analysis, "analysis."))
        row.update(pareto_values(summary, analysis))
        rows.append(row)
    return rows


def pareto_values(summary: Mapping[str, Any], analysis: Mapping[str, Any]) -> dict[str, Any]:
    """The Pareto coordinates of one run: error, active neurons, wiring length (None if absent).

    error = 1 − mean over tasks of the primary per-task accuracy (DECISIONS.md).
    """
    from bimt.analysis.pareto import error_from_accuracy

    accuracy = summary.get("accuracy")
    error = error_from_accuracy(accuracy) if isinstance(accuracy, dict) and accuracy else None
    sparsity = analysis.get("sparsity", {}) if isinstance(analysis, Mapping) else {}
    return {
        "error": error,
        "active_neurons": _number(sparsity.get("active_neurons")),
        "wiring_length": _number(
            sparsity.get("wiring_length", summary.get("wiring_length"))
        ),
    }


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalars of a nested dict under dotted keys; lists and other containers are left out."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif value is None or isinstance(value, bool | int | float | str):
            out[name] = value
    return out


def columns_of(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of the rows, in first-seen order."""
    return list(dict.fromkeys(k for row in rows for k in row))


def write_table(rows: Sequence[Mapping[str, Any]], sweep_dir: str | Path) -> tuple[Path, Path]:
    """Write the rows as `runs.csv` and `runs.parquet` in `sweep_dir`; returns both paths.

    Missing values are empty in the CSV and null in the Parquet file. Floats are written in
    Python's round-trip form, so reading the CSV back gives the values of summary.json exactly.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    sweep_dir = Path(sweep_dir)
    cols = columns_of(rows)
    csv_path = sweep_dir / "runs.csv"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=cols, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in cols})
    table = pa.table({k: _arrow_column([row.get(k) for row in rows]) for k in cols})
    parquet_path = sweep_dir / "runs.parquet"
    pq.write_table(table, parquet_path)
    return csv_path, parquet_path


def write_pareto_figures(
    rows: Sequence[Mapping[str, Any]], sweep_dir: str | Path
) -> list[Path]:
    """Draw error against each Pareto axis (per method, with fronts) into `sweep_dir`.

    Writes `pareto-active-neurons.png` and `pareto-wiring-length.png` with
    `bimt.plots.pareto.pareto_plot` (wiring length on a log axis: it spans decades across λ).
    Runs without the coordinate (unfinished, failed, or not analysed) are left out; a figure
    with no point is not written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bimt.plots.pareto import pareto_plot

    sweep_dir = Path(sweep_dir)
    written = []
    for key, label in PARETO_AXES:
        points: dict[str, tuple[list[float], list[float]]] = {}
        for r in rows:
            if _finite(r.get(key)) and _finite(r.get("error")):
                xs, es = points.setdefault(str(r.get("method")), ([], []))
                xs.append(float(r[key]))
                es.append(float(r["error"]))
        if not points:
            continue
        fig = pareto_plot(points, xlabel=label, logx=key == "wiring_length")
        path = sweep_dir / f"pareto-{key.replace('_', '-')}.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def _arrow_column(values: list[Any]) -> Any:
    import pyarrow as pa

    present = [v for v in values if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if present and numbers and not all(isinstance(v, int) for v in present):
        # ints and floats mixed (e.g. lam 0 and 1e-5) -> one float column
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if present and len({type(v) for v in present}) > 1:
        return pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.array(values)


def _cell(value: Any) -> Any:
    """A config value as a table cell (lists as JSON text)."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
