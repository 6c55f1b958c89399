"""Task-generation throughput: bimt's vectorised suites against neurogym 2.3.1's `Dataset`.

Method (tasks-spec §5.3). One process, one run, repetitions interleaved (bimt, neurogym,
bimt, ...) so that load from other processes hits both sides alike; the first batch of each
side is a warm-up and is not timed.

- bimt: `make_suite("cog20", profile="paper").sample(64, seed)` with a new seed per batch;
  every batch holds 64 whole trials.
- neurogym: the 20 `yang19` envs (`ngym.make(f"yang19.{task}-v0", dim_ring=16)`, default noise)
  under `ScheduleEnvs(envs, RandomSchedule(20), env_input=True)`, fed to
  `Dataset(env, batch_size=64, seq_len=32)`; 32 steps hold the longest trial. A neurogym "trial"
  is one completed `new_trial()` call on a batch row's env, counted through the schedule's
  call counter. That includes each row's last trial, which the 32-step window cuts short, so
  the count favours neurogym.
- Mod-Cog (82 tasks): bimt only. The Mod-Cog source is not a package and does not import on
  neurogym 2.3.1 without shims (tasks-spec §3.0), so there is no reference in this run.

`--stages` times `sample(64, seed)` stage by stage (the steps of `TaskSuite.sample`, called
one by one; medians over batches), `--profile` prints cProfile's top entries.

Usage: python bench/bench_tasks.py [--reps 7] [--seconds 0.5] [--stages] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import platform
import pstats
import statistics
import time
import warnings

import numpy as np
import torch

import bimt

TASKS = (
    "go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti", "dm1", "dm2", "ctxdm1", "ctxdm2",
    "multidm", "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm",
    "dms", "dnms", "dmc", "dnmc",
)  # fmt: skip
BATCH = 64
SEQ_LEN = 32  # the longest yang19 trial at dt = 100 ms


def neurogym_dataset():
    """neurogym's 20-task `Dataset` of 64 rows of 32 steps, and a trial counter over its rows."""
    import neurogym as ngym
    from neurogym.utils.scheduler import RandomSchedule
    from neurogym.wrappers.block import ScheduleEnvs

    envs = [ngym.make(f"yang19.{task}-v0", dim_ring=16) for task in TASKS]
    env = ScheduleEnvs(envs, RandomSchedule(len(envs)), env_input=True)
    data = ngym.Dataset(env, batch_size=BATCH, seq_len=SEQ_LEN)
    # `ScheduleEnvs.new_trial` calls its schedule once per trial, so the schedules of the 64 row
    # copies count the trials made.
    return data, lambda: sum(row.schedule.total_count for row in data.envs)


def timed(make_batch, count, seconds: float) -> float:
    """Trials per second of `make_batch()` over at least `seconds` of wall time."""
    n0, t0 = count(), time.perf_counter()
    while True:
        make_batch()
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return (count() - n0) / elapsed


def bimt_sampler(suite):
    """A `make_batch` for `suite.sample(64, seed)` with a fresh seed per call, and its counter."""
    state = {"seed": 0, "trials": 0}

    def make_batch():
        batch = suite.sample(BATCH, state["seed"])
        state["seed"] += 1
        state["trials"] += int(batch.length.shape[0])

    return make_batch, lambda: state["trials"]


def run(reps: int, seconds: float) -> dict[str, list[float]]:
    """Interleaved repetitions; returns trials/s per repetition for each generator."""
    cog20 = bimt_sampler(bimt.make_suite("cog20", profile="paper"))
    modcog = bimt_sampler(bimt.make_suite("modcog"))
    data, ng_count = neurogym_dataset()
    sides = {
        "bimt cog20": cog20,
        "neurogym yang19 Dataset": (lambda: next(data), ng_count),
        "bimt modcog (82)": modcog,
    }
    for make_batch, _ in sides.values():
        make_batch()  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(reps):
        for name, (make_batch, count) in sides.items():
            rates[name].append(timed(make_batch, count, seconds))
    return rates


def machine() -> str:
    """One line naming the machine and the library versions."""
    import neurogym

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"neurogym {neurogym.__version__}, torch threads {torch.get_num_threads()}"
    )


def load() -> str:
    """The 1/5/15-minute load averages (the machine is shared)."""
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def stage_times(n_batches: int = 2000) -> str:
    """Median µs per stage of `sample(64, seed)` on cog20, the steps of `TaskSuite.sample`
    called one by one (keep in step with it); the noise is the noisy draw minus the clean one,
    the packaging the whole `sample` minus the stages before it."""
    from bimt.tasks.generator import N_UNIFORMS, layout, sample_params
    from bimt.tasks.render import draw
    from bimt.tasks.taskdef import N_SLOTS

    suite = bimt.make_suite("cog20", profile="paper")
    tab, n_tasks = suite._tables, len(suite.task_names)
    clock = time.perf_counter
    rows: list[list[float]] = []
    for seed in range(n_batches + 100):
        t0 = clock()
        rng = np.random.default_rng(seed)
        tid = rng.integers(n_tasks, size=BATCH)
        q = (rng.random((BATCH, N_UNIFORMS)) * tab.ranges.take(tid, axis=0)).astype(np.int64)
        t1 = clock()
        params = sample_params(q, tid, tab, suite.dim_ring)
        dur = suite._durations(tid, q[:, 1], q[:, N_UNIFORMS - N_SLOTS :])
        noise = torch.Generator().manual_seed(int(rng.integers(2**62)))
        t2 = clock()
        lay, _ = layout(tab, tid, params, dur, suite.dim_ring, suite.dt)
        t3 = clock()
        draw(lay, suite.dim_ring, suite.dt, None)
        t4 = clock()
        draw(lay, suite.dim_ring, suite.dt, noise)
        t5 = clock()
        suite.sample(BATCH, seed)
        t6 = clock()
        rows.append([t1 - t0, t2 - t1, t3 - t2, t4 - t3, (t5 - t4) - (t4 - t3), t6 - t5])
    med = np.median(np.array(rows[100:]), axis=0) * 1e6
    before = med[0] + med[1] + med[2] + med[3] + med[4]
    stages = [
        ("`default_rng(seed)`, task ids, uniform block", med[0]),
        ("`sample_params`, durations, `torch.Generator` seed", med[1]),
        ("`layout`", med[2]),
        ("`draw` without noise", med[3]),
        ("input noise (`add_noise`)", med[4]),
        ("`Batch` packaging (rest of `sample`)", med[5] - before),
    ]
    lines = [
        f"stages of sample({BATCH}, seed), median of {n_batches} batches; whole sample "
        f"{med[5]:.0f} us; {load()}",
        "",
        "| stage | us | share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {v:.0f} | {v / med[5]:.0%} |" for name, v in stages]
    return "\n".join(lines)


def report(rates: dict[str, list[float]], reps: int, seconds: float) -> str:
    """The markdown table of medians and ratios."""
    reference = statistics.median(rates["neurogym yang19 Dataset"])
    lines = [
        f"{datetime.date.today().isoformat()}: {machine()}; {load()} after the run",
        f"{reps} interleaved repetitions of >= {seconds} s each; batch {BATCH}",
        "",
        "| generator | median trials/s | min | max | ratio to neurogym |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in rates.items():
        med = statistics.median(values)
        lines.append(
            f"| {name} | {med:,.0f} | {min(values):,.0f} | {max(values):,.0f} "
            f"| {med / reference:.1f}x |"
        )
    return "\n".join(lines)


def profile_sample(n_batches: int = 200) -> str:
    """Where `sample(64, seed)` spends its time: the top entries by own time."""
    suite = bimt.make_suite("cog20", profile="paper")
    suite.sample(BATCH, 0)
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(n_batches):
        suite.sample(BATCH, seed)
    prof.disable()
    out = pstats.Stats(prof).sort_stats("tottime")
    import io

    buffer = io.StringIO()
    out.stream = buffer
    out.print_stats(25)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions")
    parser.add_argument("--seconds", type=float, default=0.5, help="timed seconds per side and rep")
    parser.add_argument("--stages", action="store_true", help="also time sample's stages")
    parser.add_argument("--profile", action="store_true", help="also profile suite.sample")
    args = parser.parse_args()
    if args.reps < 1 or args.seconds <= 0:
        parser.error("--reps must be >= 1 and --seconds > 0")
    # gymnasium warns when a wrapper forwards `new_trial`, `ob`, `gt`; the warning is noise.
    warnings.filterwarnings("ignore", message=".*from other wrappers is deprecated")
    print(report(run(args.reps, args.seconds), args.reps, args.seconds))
    if args.stages:
        print(stage_times())
    if args.profile:
        print(profile_sample())


if __name__ == "__main__":
    main()
