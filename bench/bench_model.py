"""Benchmark: SpatialRNN training step and BIMT relocation (cog20 shapes).

    .venv/bin/python bench/bench_model.py [--repeats 30] [--threads 2] [--batches 8]

Prints medians over repeats, all measured in this one run, and the ratios against the
targets written up in BENCHMARKS.md ("Model and swaps"):

- training step (forward + backward + Adam; N = 400 on 20×20, n_in 53, n_out 17, B = 64,
  on real cog20 batches: T = the batch's longest trial, masked cross-entropy over the valid
  steps): SpatialRNN given ``lengths=batch.length`` (padded steps skipped, as the trainer
  runs it) vs a plain autograd loop over all T steps of all rows, target >= 1.5×; also
  SpatialRNN without lengths, so that the gain from skipping is visible; and the step's
  matmul FLOP rate as a fraction of torch.matmul's GFLOP/s, measured on the step's own matmul
  shapes and on a large square product, target >= 40%;
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

import bimt
from bimt.model import Grid2D, SpatialRNN, connection_cost, naive_relocate, reference_forward
from bimt.model import relocate as fast_relocate

N_SIDE, N_IN, N_OUT, BATCH, STEPS = 20, 53, 17, 64, 32
N = N_SIDE * N_SIDE


def _times(fn: Callable[[], object], repeats: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _med_min(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), min(times)


def _step_flops(rows: float | None = None, running: float | None = None) -> float:
    """Matmul FLOPs of one training step (2 per multiply-add); elementwise work not counted.

    ``rows``: row-steps computed (with lengths: the valid ones, P; default T·B); ``running``:
    row-steps at t >= 1 (with lengths P − r_0; default (T − 1)·B).
    """
    rows = STEPS * BATCH if rows is None else rows
    running = (STEPS - 1) * BATCH if running is None else running
    input_proj = 2 * rows * (N_IN + 1) * N  # forward; backward needs [dW_in | db] only
    recurrent = 2 * running * N * N  # forward h W^T for t >= 1
    readout = 2 * rows * N * N_OUT
    return (
        input_proj * 2  # forward + [dW_in | db]
        + recurrent * 3  # forward, δ propagation, dW
        + readout * 3  # forward, dH, dW_out
    )


def _step_matmuls() -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """(a shape, b shape, count) of every matmul in one step, as the fast path issues them."""
    tb = STEPS * BATCH
    return [
        ((tb, N_IN + 1), (N_IN + 1, N), 1),  # input projection, bias folded in
        ((N, tb), (tb, N_IN + 1), 1),  # [dW_in | db]
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

    return flops / statistics.median(_times(run, repeats)) / 1e9


def _matmul_rate_square(size: int, repeats: int) -> float:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen)
    b = torch.randn(size, size, generator=gen)
    return 2 * size**3 / statistics.median(_times(lambda: torch.matmul(a, b), repeats)) / 1e9


def _cog20_batches(n: int) -> list:
    """``n`` cog20 training batches of size BATCH (seeds 0 … n−1), as the trainer draws them."""
    suite = bimt.make_suite("cog20")
    assert (suite.n_inputs, suite.n_outputs) == (N_IN, N_OUT)
    return [suite.sample(BATCH, seed=s) for s in range(n)]


def _train_step_fn(forward: Callable, batches: list, lam: float = 0.0, fused: bool = False,
                   lengths: bool = False) -> Callable[[], None]:
    """One training step per call, cycling through ``batches``; masked cross-entropy."""
    model = SpatialRNN(N_IN, N_OUT, Grid2D(N_SIDE, N_SIDE), seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    calls = [0]

    def step() -> None:
        b = batches[calls[0] % len(batches)]
        calls[0] += 1
        opt.zero_grad(set_to_none=True)
        logits = forward(model, b.inputs, lengths=b.length) if lengths else forward(model,
                                                                                    b.inputs)
        loss = F.cross_entropy(logits[b.mask], b.labels[b.mask])
        if lam:
            loss = loss + lam * connection_cost(model, 1.0)
        loss.backward()
        opt.step()

    return step


def _row_steps(batches: list) -> tuple[float, float, float, float]:
    """Mean over batches of (T, mean trial length, valid row-steps, valid row-steps at t >= 1)."""
    t = statistics.mean(b.inputs.shape[0] for b in batches)
    mean_len = statistics.mean(float(b.length.mean()) for b in batches)
    rows = statistics.mean(float(b.length.sum()) for b in batches)
    running = statistics.mean(float(b.length.sum() - (b.length > 0).sum()) for b in batches)
    return t, mean_len, rows, running


def _interleaved(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, list[float]]:
    """Times per function, alternating them so that machine noise hits all of them alike."""
    for fn in fns.values():
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


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
    parser.add_argument("--batches", type=int, default=8, help="cog20 batches to cycle through")
    parser.add_argument("--naive-candidates", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads = {torch.get_num_threads()}, float32, CPU")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (timings assume an idle machine)")
    print(f"shapes: N = {N} ({N_SIDE}x{N_SIDE}), n_in {N_IN}, n_out {N_OUT}, B {BATCH}, T {STEPS}")

    # --- training step -------------------------------------------------------------------
    batches = _cog20_batches(args.batches)
    t_mean, len_mean, rows, running = _row_steps(batches)
    assert t_mean == STEPS, f"cog20 batches of {BATCH} are {t_mean} steps long, not {STEPS}"
    print(f"{args.batches} cog20 batches: T = {t_mean:g}, mean trial {len_mean:.2f} steps, "
          f"padding {1 - len_mean / t_mean:.1%} of row-steps (skipped with lengths)")
    call = SpatialRNN.__call__
    raw = _interleaved(
        {
            "reference": _train_step_fn(reference_forward, batches),
            "spatial": _train_step_fn(call, batches, lengths=True),
            "spatial, no lengths": _train_step_fn(call, batches),
            "spatial+cost": _train_step_fn(call, batches, lam=1e-5, lengths=True),
            "reference fused": _train_step_fn(reference_forward, batches, fused=True),
            "spatial fused": _train_step_fn(call, batches, fused=True, lengths=True),
        },
        args.repeats,
    )
    st = {k: _med_min(v) for k, v in raw.items()}
    flops, dense_flops = _step_flops(rows, running), _step_flops()
    rate_mm_shapes = _matmul_rate_at_step_shapes(args.repeats)
    rate_mm_square = _matmul_rate_square(2048, max(5, args.repeats // 3))
    print("\n## training step (forward + backward + Adam): median (min) over repeats, ms")
    labels = {
        "reference": "reference autograd loop",
        "spatial": "SpatialRNN, lengths",
        "spatial, no lengths": "SpatialRNN, no lengths",
        "spatial+cost": "SpatialRNN+cost, lengths",
        "reference fused": "reference, Adam(fused)",
        "spatial fused": "SpatialRNN, Adam(fused)",
    }
    for k, label in labels.items():
        print(f"{label:26s}{st[k][0] * 1e3:8.2f}  ({st[k][1] * 1e3:.2f})")
    for suffix, ref, fast in (
        ("", "reference", "spatial"),
        (", no lengths", "reference", "spatial, no lengths"),
        (", fused", "reference fused", "spatial fused"),
    ):
        med = st[ref][0] / st[fast][0]
        low = st[ref][1] / st[fast][1]
        print(f"speed-up{suffix:18s}{med:8.2f}x ({low:.2f}x on mins)   (target >= 1.5)")
    rate_step = flops / st["spatial"][0] / 1e9
    rate_step_min = flops / st["spatial"][1] / 1e9
    print(f"step matmul FLOPs         {flops / 1e9:8.3f} GFLOP with lengths "
          f"({dense_flops / 1e9:.3f} without)")
    print(f"step rate                 {rate_step:8.1f} GFLOP/s ({rate_step_min:.1f} on min)")
    for name, rate in (("step's shapes", rate_mm_shapes), ("2048^2 square", rate_mm_square)):
        print(
            f"matmul, {name}     {rate:8.1f} GFLOP/s  -> step at {rate_step / rate:6.1%}"
            f" ({rate_step_min / rate:.1%} on min)  (target >= 40%)"
        )

    # --- relocation ----------------------------------------------------------------------
    base = _relocation_model()
    swaps = fast_relocate(copy.deepcopy(base), top_k=30)
    fast_models = iter([copy.deepcopy(base) for _ in range(args.repeats + 3)])
    t_reloc = _med_min(_times(lambda: fast_relocate(next(fast_models), top_k=30), args.repeats))
    k_naive = args.naive_candidates
    naive_models = iter([copy.deepcopy(base) for _ in range(4)])
    t_naive_k = _med_min(
        _times(lambda: naive_relocate(next(naive_models), top_k=k_naive), 3, warmup=1)
    )
    scale = 30 / k_naive
    print("\n## relocation (top_k = 30, N = 400): median (min)")
    print(
        f"relocate                  {t_reloc[0] * 1e3:8.2f} ms ({t_reloc[1] * 1e3:.2f})"
        f"  [{swaps} swaps]"
    )
    print(
        f"naive_relocate, {k_naive} cands   {t_naive_k[0]:8.3f} s  ({t_naive_k[1]:.3f})  -> "
        f"x{scale:g} = {t_naive_k[0] * scale:.2f} s for 30 candidates (scaled)"
    )
    print(
        f"speed-up                  {t_naive_k[0] * scale / t_reloc[0]:8.0f}x "
        f"({t_naive_k[1] * scale / t_reloc[1]:.0f}x on mins)   (target >= 300)"
    )
    print(
        f"relocation / 200 steps    {t_reloc[0] / (200 * st['spatial'][0]):8.3%} "
        f"({t_reloc[1] / (200 * st['spatial'][1]):.3%} on mins)   (target <= 2%)"
    )
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
