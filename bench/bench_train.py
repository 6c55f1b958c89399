"""Training speed for the headline config (20 tasks, 20x20 grid, BIMT, batch 64).

    python bench/bench_train.py               # where a step's time goes (about a minute)
    python bench/bench_train.py --to-target   # wall time to 90% mean accuracy (10+ minutes)

The first part prints medians of the pieces of a step (batch sampling, forward+backward+Adam,
relocation, one evaluation of the held-out set) at 1 and 2 torch threads, and their ratio. The
second trains the headline config (evaluating every 250 steps) with `bimt train` in a child
process, stops it when the mean primary accuracy reaches the target or at the cap, and prints
the step and time of the crossing, steps per second and the accuracy curve.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from bimt.model import relocate
from bimt.training import TrainConfig
from bimt.training.builders import build_model, build_suite
from bimt.training.evaluation import evaluate, make_eval_set
from bimt.training.seeds import derive
from bimt.training.trainer import train_step


def _median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def step_breakdown(threads: int, repeats: int) -> dict[str, float]:
    torch.set_num_threads(threads)
    cfg = TrainConfig()
    suite = build_suite(cfg)
    model = build_model(cfg, suite)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = [suite.sample(cfg.batch_size, derive(0, "data", i)) for i in range(repeats)]
    eval_set = make_eval_set(suite, cfg.eval_trials, cfg.seed)
    return {
        "sample": _median_ms(lambda i: suite.sample(cfg.batch_size, derive(0, "data", i)),
                             repeats),
        "step": _median_ms(lambda i: train_step(model, opt, batches[i], lam=cfg.lam, A=cfg.A),
                           repeats),
        "relocate": _median_ms(lambda i: relocate(model, opt, top_k=cfg.top_k), 5),
        "evaluate": _median_ms(lambda i: evaluate(model, suite, eval_set), 3),
    }


def breakdown(repeats: int) -> None:
    cfg = TrainConfig()
    print(f"headline config: {cfg.n_hidden} neurons ({cfg.geometry}), batch {cfg.batch_size}, "
          f"{cfg.eval_trials} eval trials x 20 tasks; medians in ms")
    one, two = step_breakdown(1, repeats), step_breakdown(2, repeats)
    print(f"{'piece':10s} {'1 thread':>10s} {'2 threads':>10s} {'2t/1t':>7s}")
    for key in one:
        print(f"{key:10s} {one[key]:10.1f} {two[key]:10.1f} {two[key] / one[key]:7.2f}")
    per_step = one["sample"] + one["step"] + one["relocate"] / cfg.swap_every
    per_step += one["evaluate"] / cfg.eval_every
    print(f"amortised per step at 1 thread (sample + step + relocate/{cfg.swap_every} + "
          f"evaluate/{cfg.eval_every}): {per_step:.1f} ms -> {1e3 / per_step:.1f} steps/s; "
          f"{cfg.steps} steps ~ {cfg.steps * per_step / 6e4:.1f} min")


def to_target(target: float, cap_min: float, out: Path) -> None:
    args = [sys.executable, "-c", "from bimt.cli import main; main()", "train", "--out",
            str(out), "--eval-every", "250", "--snapshot-every", "0", "--no-progress"]
    print("running:", " ".join(args[3:]), flush=True)
    start = time.perf_counter()
    child = subprocess.Popen(args)
    crossed, rows = None, []
    try:
        while child.poll() is None and time.perf_counter() - start < 60 * cap_min:
            time.sleep(2)
            metrics = out / "metrics.jsonl"
            if metrics.exists():
                rows = [json.loads(x) for x in metrics.read_text().splitlines() if x.strip()]
            crossed = next((r for r in rows if r["mean_accuracy"] >= target), None)
            if crossed:
                break
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait()
    for r in rows:
        print(f"step {r['step']:6d}  {r['elapsed_s']:7.1f} s  mean acc {r['mean_accuracy']:.3f}"
              f"  strict {r['mean_strict_accuracy']:.3f}  swaps {r['swaps']:4d}  wiring "
              f"{r['wiring_length']:8.1f}")
    last = rows[-1] if rows else None
    if last and last["step"] > 0:
        print(f"steps/s: {last['step'] / last['train_time_s']:.1f} (optimisation only), "
              f"{last['step'] / last['elapsed_s']:.1f} (with evaluation)")
    if crossed:
        print(f"reached {target:.0%} mean primary accuracy at step {crossed['step']} after "
              f"{crossed['elapsed_s']:.0f} s ({crossed['elapsed_s'] / 60:.1f} min)")
    else:
        best = max((r["mean_accuracy"] for r in rows), default=float("nan"))
        print(f"did not reach {target:.0%} within the {cap_min:g} min cap; best {best:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--to-target", action="store_true")
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--cap-min", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.to_target:
        out = args.out or Path(tempfile.mkdtemp(prefix="bench_train_")) / "run"
        to_target(args.target, args.cap_min, out)
    else:
        breakdown(args.repeats)


if __name__ == "__main__":
    main()
