"""Benchmark: wall time of a small real sweep with 1 and with 2 local workers.

    .venv/bin/python bench/bench_sweep.py [--repeats 2] [--steps 200] [--runs 4]

Runs the same sweep (`--runs` tiny-but-real trainings: 1D line of 64 neurons, 3 tasks, batch
32, `--steps` steps, each analysed with 200 shuffles) into a fresh folder with the local
executor, with 1 worker and with 2 workers, alternating, `--repeats` times each. Prints the
median wall time of each and the ratio t(1 worker) / t(2 workers), all measured in this one run,
plus the sum of the runs' own training times (their summary.json) to show where the time goes.
Written up in BENCHMARKS.md ("Sweeps").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bimt.sweep import expand_sweep, run_sweep
from bimt.sweep.execute import usable_cores


def sweep_data(steps: int, runs: int) -> dict:
    return {
        "name": "bench",
        "base": {
            "geometry": "1d", "n_hidden": 64, "tasks": ["go", "rtgo", "anti"],
            "steps": steps, "batch_size": 32, "top_k": 16, "swap_every": 50,
            "eval_every": 0, "eval_trials": 16, "checkpoint_every": 100, "snapshot_every": 0,
        },
        "grid": {"method": ["bimt"], "seed": list(range(runs))},
        "analysis": {"n_shuffles": 200},
    }


def timed_sweep(data: dict, workers: int, root: Path) -> tuple[float, float]:
    """(wall seconds of the sweep, sum of the runs' own training seconds)."""
    sweep = expand_sweep(data)
    folder = Path(tempfile.mkdtemp(dir=root))
    t0 = time.perf_counter()
    outcomes = run_sweep(sweep, folder, executor="local", workers=workers)
    wall = time.perf_counter() - t0
    bad = [o for o in outcomes if o["outcome"] != "trained"]
    if bad:
        raise RuntimeError(f"benchmark runs did not all train: {bad}")
    train = sum(
        json.loads((folder / "runs" / r.run_id / "summary.json").read_text())["wall_time_s"]
        for r in sweep.runs
    )
    return wall, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    data = sweep_data(args.steps, args.runs)
    cores = usable_cores()
    print(f"sweep of {args.runs} runs ({args.steps} steps, 1D 64 neurons, 3 tasks), "
          f"{cores} usable cores, {os.cpu_count()} CPUs")
    walls: dict[int, list[float]] = {1: [], 2: []}
    trains: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeats):
            for workers in (1, 2):
                wall, train = timed_sweep(data, workers, Path(tmp))
                walls[workers].append(wall)
                trains[workers].append(train)
                print(f"  repeat {rep + 1}, {workers} worker(s): {wall:.1f} s wall, "
                      f"sum of run training times {train:.1f} s")
    med = {w: statistics.median(v) for w, v in walls.items()}
    for w in (1, 2):
        print(f"{w} worker(s), threads/worker {max(1, cores // w)}: median wall "
              f"{med[w]:.1f} s; median sum of training times {statistics.median(trains[w]):.1f} s")
    print(f"speed-up t(1 worker) / t(2 workers): {med[1] / med[2]:.2f}x")


if __name__ == "__main__":
    main()
