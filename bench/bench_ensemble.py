"""Benchmark: K networks trained as one ensemble vs K sequential single runs (headline size).

    .venv/bin/python bench/bench_ensemble.py [--steps 40] [--k 8] [--threads 1]
        [--scaling 1,2,4,8,16] [--scaling-steps 4] [--device cpu|cuda]

Written up in BENCHMARKS.md ("Ensembles"). Both measurements in this one run:

1. Throughput ratio. K = 8 configs of the headline size (cog20, 20×20 = 400 hidden, batch 64;
   four seeds × two λ, so pairs share their batches as a λ sweep does) trained for ``--steps``
   steps, first one after another with ``bimt.train``, then as one ``train_ensemble``. Whole
   runs, wall-clock, in the same process: sampling, optimizer steps, relocations (every 20
   steps: 10× the headline rate, so they are not under-weighted), evaluation (at step 0 and the
   end, 32 trials per task) and checkpoint/model/summary writes. Also the trainers' own
   ``train_time_s`` (optimizer steps + relocations), whose ratio is the training-loop speed-up.
2. Scaling with K: median seconds per member-step of the ensemble's step alone (forward,
   backward, K Adam steps, checks) over ``--scaling-steps`` steps after one warm-up, against
   the single trainer's ``train_step`` on the same K batches (mean per step).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from bimt.ensemble import StackedRNN, train_ensemble
from bimt.ensemble.member import open_member
from bimt.ensemble.trainer import _batches, _step
from bimt.training import TrainConfig, train
from bimt.training.builders import build_model, build_suite
from bimt.training.seeds import derive
from bimt.training.trainer import train_step

HEADLINE = dict(suite="cog20", geometry="2d", n_hidden=400, batch_size=64, method="bimt",
                swap_every=20, eval_trials=32, snapshot_every=0)


def sync(device: torch.device) -> None:
    """Wait for queued kernels, so a timer reads finished work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def configs(k: int, steps: int, device: str = "cpu") -> list[TrainConfig]:
    lams = (1e-5, 3e-5)
    return [TrainConfig(**HEADLINE, steps=steps, eval_every=steps, checkpoint_every=steps,
                        seed=i // 2, lam=lams[i % 2], device=device) for i in range(k)]


def throughput(k: int, steps: int, threads: int, device: str = "cpu") -> dict[str, float]:
    cfgs = configs(k, steps, device)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # Warm-up (imports, first calls, suite tables) outside the timings, for both sides.
        warm = configs(2, 1, device)
        train(warm[0], root / "warm", progress=False, threads=threads)
        train_ensemble(warm, [root / "warm0", root / "warm1"], progress=False, threads=threads)
        t0 = time.perf_counter()
        alone = [train(c, root / f"alone{i}", progress=False, threads=threads)
                 for i, c in enumerate(cfgs)]
        t_alone = time.perf_counter() - t0
        t0 = time.perf_counter()
        ens = train_ensemble(cfgs, [root / f"ens{i}" for i in range(k)], progress=False,
                             threads=threads)
        t_ens = time.perf_counter() - t0
        same = all(
            all(torch.equal(a, b) for a, b in zip(x.model().state_dict().values(),
                                                 y.model().state_dict().values(), strict=True))
            for x, y in zip(alone, ens, strict=True))
        return {
            "wall_alone": t_alone, "wall_ens": t_ens,
            "train_alone": sum(r.summary["train_time_s"] for r in alone),
            "train_ens": sum(r.summary["train_time_s"] for r in ens),
            "swaps": sum(r.summary["swaps"] for r in ens), "identical": same,
        }


def scaling(ks: list[int], n_steps: int, threads: int,
            device: str = "cpu") -> list[tuple[int, float, float]]:
    torch.set_num_threads(threads)
    dev = torch.device(device)
    rows = []
    for k in ks:
        cfgs = [TrainConfig(**HEADLINE, steps=1000, seed=i, lam=1e-5, device=device)
                for i in range(k)]
        suite = build_suite(cfgs[0])
        with tempfile.TemporaryDirectory() as tmp:
            members = [open_member(i, c, Path(tmp) / f"m{i}", suite, resume=False)
                       for i, c in enumerate(cfgs)]
            stack = StackedRNN([m.model for m in members])
            times = []
            for s in range(n_steps + 1):
                batches = _batches(members, suite, s, dev)
                sync(dev)
                t0 = time.perf_counter()
                _step(stack, members, batches, s)
                sync(dev)
                times.append(time.perf_counter() - t0)
        ens = statistics.median(times[1:]) / k
        # The single side steps on the members' own batches (with lengths, a step's work
        # depends on its batch's trial lengths): mean over the K batches of step s.
        model = build_model(cfgs[0], suite).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        single = []
        for s in range(n_steps + 1):
            total = 0.0
            for c in cfgs:
                batch = suite.sample(64, seed=derive(c.seed, "data", s)).to(dev)
                sync(dev)
                t0 = time.perf_counter()
                train_step(model, opt, batch, lam=1e-5, A=1.0)
                sync(dev)
                total += time.perf_counter() - t0
            single.append(total / k)
        rows.append((k, ens, statistics.median(single[1:])))
        print(f"  K={k:2d}: ensemble {ens * 1e3:7.2f} ms per member-step, single "
              f"{rows[-1][2] * 1e3:7.2f} ms per step, ratio {rows[-1][2] / ens:5.2f}x",
              flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--scaling", default="1,2,4,8,16")
    ap.add_argument("--scaling-steps", type=int, default=4)
    ap.add_argument("--device", default="cpu", help="torch device of both sides, e.g. cuda")
    args = ap.parse_args()
    print(f"{platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}, torch {torch.__version__}, threads {args.threads}, "
          f"device {args.device}")
    r = throughput(args.k, args.steps, args.threads, args.device)
    print(f"throughput, K={args.k}, {args.steps} steps each:")
    print(f"  whole runs: {args.k} single runs {r['wall_alone']:.1f} s, ensemble "
          f"{r['wall_ens']:.1f} s, ratio {r['wall_alone'] / r['wall_ens']:.2f}x")
    print(f"  train_time_s (steps + relocations): single {r['train_alone']:.1f} s, ensemble "
          f"{r['train_ens']:.1f} s, ratio {r['train_alone'] / r['train_ens']:.2f}x")
    print(f"  swaps made {r['swaps']}, members identical to single runs: {r['identical']}")
    print("scaling (median per member-step of the training step alone):")
    scaling([int(x) for x in args.scaling.split(",")], args.scaling_steps, args.threads,
            args.device)


if __name__ == "__main__":
    main()
