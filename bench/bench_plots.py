"""Figure speed: the network drawing at full size, and the growth movie.

1. Network drawing of a 400-neuron 20×20 network (53 inputs, 17 outputs): draw + render to a
   150-dpi PNG in memory, median of --reps. Two weight sets: dense random weights (every one
   of the 160,000 recurrent weights nonzero, the worst case, as at initialisation) with every
   line drawn (`min_linewidth=0, max_lines=None`) and with the defaults (0.05 pt floor, at
   most 20,000 lines per matrix); and, if --run is given, that run's final weights.
2. Growth movie: render --frames frames of the same network drawing (movie size, fixed width
   scale) and write the GIF. With --run, the frames are that run's snapshots (the first
   --frames of them, evenly spaced); otherwise synthetic frames whose weights decay towards a
   sparse local network. Target: ~100 frames in under a minute.

Usage: python bench/bench_plots.py [--reps 3] [--frames 100] [--run RUN_DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from bimt.plots.movie import Frame, growth_movie
from bimt.plots.network import draw_network


def dense_weights(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(400, 53)), rng.normal(size=(400, 400)), rng.normal(size=(17, 400))


def synthetic_frames(n: int) -> list[Frame]:
    """Dense random weights fading into a sparse, local network over n frames."""
    w_in, w_rec, w_out = dense_weights(1)
    rc = np.stack(np.divmod(np.arange(400), 20), axis=1)
    dist = np.abs(rc[:, None, :] - rc[None, :, :]).sum(-1)
    local = np.exp(-dist / 1.5)
    frames = []
    for i in range(n):
        a = i / max(n - 1, 1)
        keep = (1 - a) + a * local
        frames.append(Frame(step=30 * i, w_in=w_in * (1 - 0.8 * a), w_rec=w_rec * keep,
                            w_out=w_out * (1 - 0.8 * a)))
    return frames


def time_drawing(w, reps: int, **kw) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fig = draw_network(*w, (20, 20), **kw)
        fig.savefig(io.BytesIO(), format="png", dpi=150)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--run", type=Path, default=None)
    args = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")

    dense = dense_weights()
    t_all = time_drawing(dense, args.reps, min_linewidth=0, max_lines=None)
    t_default = time_drawing(dense, args.reps)
    print(f"drawing, dense 400-neuron net, all 160,000 recurrent lines: {t_all:.2f} s (median)")
    print(f"drawing, dense 400-neuron net, defaults (floor, 20k cap):   {t_default:.2f} s "
          f"({t_all / t_default:.1f}x faster)")

    if args.run is not None:
        from bimt.plots.runio import run_geometry, snapshot_frames
        from bimt.training.rundir import load_run

        model = load_run(args.run).model()
        w = tuple(getattr(model, k).detach().numpy() for k in ("w_in", "w_rec", "w_out"))
        t_run = time_drawing(w, args.reps)
        print(f"drawing, trained run {args.run.name}, default floor:              {t_run:.2f} s")
        frames = snapshot_frames(args.run, max_frames=args.frames)
        geometry = run_geometry(args.run)
        source = f"{len(frames)} snapshots of {args.run.name}"
    else:
        frames = synthetic_frames(args.frames)
        geometry = (20, 20)
        source = f"{len(frames)} synthetic frames"

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "movie.gif"
        t0 = time.perf_counter()
        growth_movie(frames, geometry, out, fps=10)
        t_movie = time.perf_counter() - t0
        n_read = iio.imread(out, index=None).shape[0]
        size_mb = out.stat().st_size / 1e6
    print(f"movie, {source}: {t_movie:.1f} s ({t_movie / len(frames):.2f} s/frame), "
          f"{n_read} frames read back, {size_mb:.1f} MB GIF")


if __name__ == "__main__":
    main()
