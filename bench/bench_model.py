"""Benchmark: SpatialRNN training step and BIMT relocation (cog20 shapes).

    .venv/bin/python bench/bench_model.py [--repeats 30] [--threads 2]

Prints medians over repeats, all measured in this one run, and the ratios against the
targets written up in BENCHMARKS.md ("Model and swaps"):

- training step (forward + backward + Adam; N = 400 on 20×20, n_in 53, n_out 17, B = 64,
  T = 32, cross-entropy): SpatialRNN vs a plain autograd loop over time, target >= 1.5×;
  and the step's matmul FLOP rate as a fraction of torch.matmul's GFLOP/s, measured on the
  step's own matmul shapes and on a large square product, target >= 40%;
- relocation (top_k = 30, N = 400): relocate vs naive_relocate, target >= 300×, and its time
  as a fraction of 200 training steps, target <= 2%.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from bimt.model import Grid2D, SpatialRNN, connection_cost, naive_relocate, reference_forward
from bimt.model import relocate as fast_relocate

N_SIDE, N_IN, N_OUT, BATCH, STEPS = 20, 53, 17, 64, 32
N = N_SIDE * N_SIDE


def _median_time(fn: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _step_flops() -> float:
    """Matmul FLOPs of one training step (2 per multiply-add); elementwise work not counted."""
    tb = STEPS * BATCH
    input_proj = 2 * tb * N_IN * N  # forward; backward only needs dW_in (inputs need no grad)
    recurrent = 2 * (STEPS - 1) * BATCH * N * N  # forward h W^T for t >= 1
    readout = 2 * tb * N * N_OUT
    return (
        input_proj * 2  # forward + dW_in
        + recurrent * 3  # forward, δ propagation, dW
        + readout * 3  # forward, dH, dW_out
    )


def _step_matmuls() -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """(a shape, b shape, count) of every matmul in one step, as the fast path issues them."""
    tb = STEPS * BATCH
    return [
        ((tb, N_IN), (N_IN, N), 1),  # input projection
        ((N, tb), (tb, N_IN), 1),  # dW_in
        ((BATCH, N), (N, N), 2 * (STEPS - 1)),  # forward recurrence + δ propagation
        ((N, (STEPS - 1) * BATCH), ((STEPS - 1) * BATCH, N), 1),  # dW in one product
        ((tb, N), (N, N_OUT), 1),  # readout
        ((tb, N_OUT), (N_OUT, N), 1),  # dH
        ((N_OUT, tb), (tb, N), 1),  # dW_out
    ]


def _matmul_rate_at_step_shapes(repeats: int) -> float:
    """GFLOP/s of torch.matmul doing exactly the step's matmuls, back to back."""
    gen = torch.Generator().manual_seed(0)
    ops = [
        (torch.randn(a, generator=gen), torch.randn(b, generator=gen), count)
        for a, b, count in _step_matmuls()
    ]
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] * c for a, b, c in ops)

    def run() -> None:
        for a, b, count in ops:
            for _ in range(count):
                torch.matmul(a, b)

    return flops / _median_time(run, repeats) / 1e9


def _matmul_rate_square(size: int, repeats: int) -> float:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen)
    b = torch.randn(size, size, generator=gen)
    return 2 * size**3 / _median_time(lambda: torch.matmul(a, b), repeats) / 1e9


def _train_step_fn(forward: Callable, lam: float = 0.0, fused: bool = False) -> Callable[[], None]:
    model = SpatialRNN(N_IN, N_OUT, Grid2D(N_SIDE, N_SIDE), seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    gen = torch.Generator().manual_seed(1)
    inputs = torch.rand(STEPS, BATCH, N_IN, generator=gen)
    labels = torch.randint(0, N_OUT, (STEPS, BATCH), generator=gen)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        logits = forward(model, inputs)
        loss = F.cross_entropy(logits.reshape(-1, N_OUT), labels.reshape(-1))
        if lam:
            loss = loss + lam * connection_cost(model, 1.0)
        loss.backward()
        opt.step()

    return step


def _interleaved(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median time per function, alternating them so that machine noise hits both alike."""
    for fn in fns.values():
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def _relocation_model() -> SpatialRNN:
    """A 20×20 model with dense random recurrent weights: every candidate finds a swap."""
    model = SpatialRNN(N_IN, N_OUT, Grid2D(N_SIDE, N_SIDE), seed=0)
    with torch.no_grad():
        model.w_rec.normal_(0.0, 0.05, generator=torch.Generator().manual_seed(2))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--naive-candidates", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads = {torch.get_num_threads()}, float32, CPU")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (timings assume an idle machine)")
    print(f"shapes: N = {N} ({N_SIDE}x{N_SIDE}), n_in {N_IN}, n_out {N_OUT}, B {BATCH}, T {STEPS}")

    # --- training step -------------------------------------------------------------------
    step_times = _interleaved(
        {
            "reference": _train_step_fn(reference_forward),
            "spatial": _train_step_fn(SpatialRNN.__call__),
            "spatial+cost": _train_step_fn(SpatialRNN.__call__, lam=1e-5),
            "reference fused": _train_step_fn(reference_forward, fused=True),
            "spatial fused": _train_step_fn(SpatialRNN.__call__, fused=True),
        },
        args.repeats,
    )
    t_ref, t_fast = step_times["reference"], step_times["spatial"]
    t_ref_f, t_fast_f = step_times["reference fused"], step_times["spatial fused"]
    flops = _step_flops()
    rate_step = flops / t_fast / 1e9
    rate_mm_shapes = _matmul_rate_at_step_shapes(args.repeats)
    rate_mm_square = _matmul_rate_square(2048, max(5, args.repeats // 3))
    print("\n## training step (forward + backward + Adam), median seconds")
    print(f"reference autograd loop   {t_ref * 1e3:8.2f} ms")
    print(f"SpatialRNN                {t_fast * 1e3:8.2f} ms")
    print(f"SpatialRNN + cost (BIMT)  {step_times['spatial+cost'] * 1e3:8.2f} ms")
    print(f"speed-up                  {t_ref / t_fast:8.2f} x   (target >= 1.5)")
    print("with Adam(fused=True):")
    print(f"reference autograd loop   {t_ref_f * 1e3:8.2f} ms")
    print(f"SpatialRNN                {t_fast_f * 1e3:8.2f} ms")
    print(f"speed-up                  {t_ref_f / t_fast_f:8.2f} x   (target >= 1.5)")
    print(f"step matmul FLOPs         {flops / 1e9:8.3f} GFLOP")
    print(f"step rate                 {rate_step:8.1f} GFLOP/s")
    print(
        f"matmul, step's shapes     {rate_mm_shapes:8.1f} GFLOP/s  -> step at "
        f"{rate_step / rate_mm_shapes:6.1%} (target >= 40%)"
    )
    print(
        f"matmul, 2048^2 square     {rate_mm_square:8.1f} GFLOP/s  -> step at "
        f"{rate_step / rate_mm_square:6.1%} (target >= 40%)"
    )

    # --- relocation ----------------------------------------------------------------------
    base = _relocation_model()
    fast_models = [copy.deepcopy(base) for _ in range(args.repeats + 3)]
    it = iter(fast_models)
    swaps = fast_relocate(copy.deepcopy(base), top_k=30)
    t_reloc = _median_time(lambda: fast_relocate(next(it), top_k=30), args.repeats)
    k_naive = args.naive_candidates
    naive_models = [copy.deepcopy(base) for _ in range(4)]
    it_naive = iter(naive_models)
    t_naive_k = _median_time(lambda: naive_relocate(next(it_naive), top_k=k_naive), 3, warmup=1)
    t_naive = t_naive_k * 30 / k_naive
    print("\n## relocation (top_k = 30, N = 400), median seconds")
    print(f"relocate                  {t_reloc * 1e3:8.2f} ms  ({swaps} swaps)")
    print(
        f"naive_relocate, {k_naive} cands   {t_naive_k:8.3f} s   -> x{30 / k_naive:g} = "
        f"{t_naive:.2f} s for 30 (scaled)"
    )
    print(f"speed-up                  {t_naive / t_reloc:8.0f} x   (target >= 300)")
    print(f"relocation / 200 steps    {t_reloc / (200 * t_fast):8.3%}   (target <= 2%)")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
