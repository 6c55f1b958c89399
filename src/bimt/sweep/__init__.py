"""Sweeps: expand a grid of training configs, run it (local workers or SLURM), tabulate it.

```python
sweep = load_sweep("sweeps/pareto-2d.toml")       # Sweep: validated runs with stable ids
outcomes = run_sweep(sweep, "runs/pareto-2d", workers=2)   # skips/resumes/records failures
statuses = sweep_status("runs/pareto-2d")         # done / running / failed / ... per run
rows = collect_rows("runs/pareto-2d")             # one flat dict per run
write_table(rows, "runs/pareto-2d")               # runs.csv, runs.parquet
write_pareto_figures(rows, "runs/pareto-2d")      # error vs active neurons / wiring length
```

Layout of a sweep folder: `sweep.json` (the manifest), `runs/<run_id>/` (one run directory
each), `.submitit/` (job logs), and after `bimt pareto` the table and figures.
"""

from bimt.sweep.aggregate import collect_rows, write_pareto_figures, write_table
from bimt.sweep.execute import SlurmOptions, Submission, make_executor, run_sweep
from bimt.sweep.spec import (
    NON_RESULT_FIELDS,
    Sweep,
    SweepRun,
    SweepSpecError,
    expand_sweep,
    load_sweep,
    run_id,
)
from bimt.sweep.status import RunStatus, count_states, sweep_status

__all__ = [
    "NON_RESULT_FIELDS",
    "RunStatus",
    "SlurmOptions",
    "Submission",
    "Sweep",
    "SweepRun",
    "SweepSpecError",
    "collect_rows",
    "count_states",
    "expand_sweep",
    "load_sweep",
    "make_executor",
    "run_id",
    "run_sweep",
    "sweep_status",
    "write_pareto_figures",
    "write_table",
]
