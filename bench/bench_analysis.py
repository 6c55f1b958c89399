"""Analysis speed: the vectorised shuffle baseline, and a whole `bimt analyze` of a run.

1. Shuffle baseline. 10,000 shuffles × 2 metrics (isolated fraction, cluster size) on a
   20×20 grid with 100 important neurons in 8 clusters (compact blobs, like a BIMT network),
   in both modes. Median of --reps runs of `shuffle_test`, against
   - a plain Python loop over shuffles that calls the same numpy kernels one shuffle at a time
     (isolates the gain of vectorising across shuffles), all 10,000 shuffles;
   - a pure-Python loop over shuffles and neurons (as in the tests' brute force), on
     --brute-shuffles shuffles, scaled to 10,000.
   Target: <= 2 s for 10,000 shuffles × 2 metrics on 2 cores.

2. Whole analysis. `analyze_run` of a 20-task (cog20) 400-neuron (20×20) run: cold (force:
   task variance, clusters, 2 × 10,000 shuffles, lesions) and warm (everything cached). The
   run is `--run DIR` if given, else runs/bench-analysis, trained here with the trainer's API
   (`--train-steps` BIMT steps) when it does not exist yet.

Usage: python bench/bench_analysis.py [--reps 5] [--run DIR] [--train-steps 1000] [--skip-run]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from bimt.analysis.analyze import analyze_run
from bimt.analysis.anatomy import _KERNELS, _layout, shuffle_positions, shuffle_test
from bimt.model import Grid2D

N_SHUFFLES = 10_000


def blob_layout(seed: int = 0) -> np.ndarray:
    """100 important slots in 8 compact clusters on a 20×20 grid (label -1 elsewhere)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.divmod(np.arange(400), 20)
    centres = rng.uniform(4, 16, size=(8, 2))
    dist = np.abs(rows[:, None] - centres[None, :, 0]) + np.abs(cols[:, None] - centres[None, :, 1])
    nearest = dist.argmin(axis=1)
    order = np.argsort(dist.min(axis=1) + rng.uniform(0, 0.5, 400))[:100]
    labels = np.full(400, -1)
    labels[order] = nearest[order]
    return labels


def loop_over_shuffles(labels, geometry, mode, seed=0):
    """Same protocol and kernels, one shuffle per Python iteration."""
    lay = _layout(labels, geometry)
    rng = np.random.default_rng(seed)
    m, n = lay.slots.size, len(lay.coords)
    out = np.empty((N_SHUFFLES, 2))
    for s in range(N_SHUFFLES):
        pos = shuffle_positions(m, n, lay.slots, 1, mode, rng)
        out[s] = [k(lay, pos)[0] for k in _KERNELS.values()]
    return out


def brute_metrics(grid: np.ndarray) -> tuple[float, float]:
    rows, cols = grid.shape
    cells = [(r, c) for r in range(rows) for c in range(cols) if grid[r, c] >= 0]
    isolated = 0
    for r, c in cells:
        same = any(
            grid[r + dr, c + dc] == grid[r, c]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols
        )
        isolated += not same
    sizes = []
    for lab in {int(grid[r, c]) for r, c in cells}:
        pts = [(r, c) for r, c in cells if grid[r, c] == lab]
        rs, cs = [p[0] for p in pts], [p[1] for p in pts]
        sizes.append(statistics.pvariance(rs) + statistics.pvariance(cs))
    return isolated / len(cells), sum(sizes) / len(sizes)


def brute_loop(labels, n_shuffles, seed=0):
    rng = np.random.default_rng(seed)
    slots = np.flatnonzero(labels >= 0)
    for _ in range(n_shuffles):
        layout = np.full(400, -1)
        layout[slots[np.argsort(rng.random(slots.size))]] = labels[slots]
        brute_metrics(layout.reshape(20, 20))


def timed(fn, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def bench_shuffles(reps: int, brute_shuffles: int) -> None:
    labels, geom = blob_layout(), Grid2D(20, 20)
    print(
        f"## shuffle baseline: {N_SHUFFLES} shuffles x 2 metrics, 20x20 grid, "
        f"{(labels >= 0).sum()} important neurons in {len(set(labels[labels >= 0]))} clusters"
    )
    res = shuffle_test(labels, geom, N_SHUFFLES)
    for name, r in res.items():
        print(
            f"   {name}: observed {r.observed:.4g}, shuffles {r.mean:.4g} ± {r.std:.3g}, "
            f"p = {r.p_value:.2g}"
        )
    medians = {}
    for mode in ("positions", "scatter"):
        vec, runs = timed(lambda m=mode: shuffle_test(labels, geom, N_SHUFFLES, mode=m), reps)
        loop, _ = timed(lambda m=mode: loop_over_shuffles(labels, geom, m), 1)
        medians[mode] = vec
        print(
            f"{mode:>9}: vectorised median {vec:.3f} s of {reps} "
            f"({', '.join(f'{t:.3f}' for t in runs)}); Python loop over shuffles with the same "
            f"kernels {loop:.2f} s (x{loop / vec:.0f})"
        )
    brute_one, _ = timed(lambda: brute_loop(labels, brute_shuffles), 1)
    brute = brute_one * N_SHUFFLES / brute_shuffles
    print(
        f"pure-Python loop (positions): {brute_one:.2f} s for {brute_shuffles} shuffles, "
        f"scaled {brute:.0f} s for {N_SHUFFLES} (x{brute / medians['positions']:.0f})"
    )


def ensure_run(run: Path | None, steps: int) -> tuple[Path, str]:
    if run is not None:
        return run, "given"
    path = Path("runs/bench-analysis")
    if (path / "summary.json").is_file():
        return path, "existing runs/bench-analysis"
    from bimt.training import TrainConfig, train

    cfg = TrainConfig(steps=steps, eval_every=0, checkpoint_every=0, snapshot_every=0, seed=0)
    t = time.perf_counter()
    train(cfg, path, progress=False)
    took = time.perf_counter() - t
    return path, f"trained here: cog20, 2d 20x20, bimt, {steps} steps ({took:.0f} s)"


def bench_run(run: Path | None, steps: int) -> None:
    path, origin = ensure_run(run, steps)
    print(f"## bimt analyze of {path} ({origin})")
    t = time.perf_counter()
    result = analyze_run(path, n_shuffles=N_SHUFFLES, force=True)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    analyze_run(path, n_shuffles=N_SHUFFLES)
    warm = time.perf_counter() - t
    k = None if result["clusters"] is None else result["clusters"]["n_clusters"]
    print(
        f"cold (force) {cold:.1f} s, warm (cached) {warm:.2f} s; mean accuracy "
        f"{result['accuracy']['mean_primary']:.3f}, {result['sparsity']['active_neurons']} "
        f"active neurons, {k} clusters"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--brute-shuffles", type=int, default=100)
    p.add_argument("--run", type=Path, default=None)
    p.add_argument("--train-steps", type=int, default=1000)
    p.add_argument("--skip-run", action="store_true", help="only the shuffle benchmark")
    args = p.parse_args()
    print(
        f"# bench_analysis: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cpus, torch threads {torch.get_num_threads()}, numpy {np.__version__}"
    )
    bench_shuffles(args.reps, args.brute_shuffles)
    if not args.skip_run:
        bench_run(args.run, args.train_steps)


if __name__ == "__main__":
    main()
