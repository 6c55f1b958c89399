"""``train_ensemble``: K independent networks trained as one stack, each with its own run.

Per optimizer step ``s``, for the members still training: each member's batch is the one the
single trainer draws, ``suite.sample(batch_size, derive(seed, "data", s))`` (drawn once per
distinct seed and task list); the batches are stacked [K, T, B, …] (zero-padded, masked, to the
longest) with each member's own ``lengths``; one batched forward (``StackedRNN``) that skips
every member's padded steps as the single trainer does, per member loss = masked cross-entropy +
λ_k(s)·connection_cost(A_k), checked for NaN/inf before the backward exactly as the single
trainer does; one backward of the sum (members' gradients are independent); then, per member,
its own gradient clipping, its own Adam step, its own weight check, relocation, evaluation,
snapshot and checkpoint — the single trainer's own code on the member, which is a view into the
stack. A member that diverges gets the single trainer's message in ``error.json`` and leaves
the stack; the others go on.

What "the same as trained alone" means (tests/ensemble/test_ensemble_equivalence.py): on CPU
in float32 a member's weights, swaps and evaluation metrics equal those of ``bimt.train`` on
the same config bit for bit. The recurrence is the single network's own code
(``bimt.model.recurrence``, K = 1 there); members whose batches have equal sorted lengths share
one packed call, the others run in calls of their own, so every member's products have the
shapes they have alone, and ``bmm`` runs the same BLAS kernel per entry as ``mm``; the rest is
elementwise. (The logged training-loss means are sums in another order: equal to ~1e-7
relative.) Not guaranteed, though seen equal in the tests: the read-out is ``baddbmm`` here and
``addmm`` alone, and torch computes batched products under 400 multiply-adds with its own plain
loop instead of BLAS (toy sizes only). Such a difference starts at float rounding (~1e-7
relative); Adam carries it forward, the recurrence amplifies it over training, and a relocation
decision near a tie could flip on it — then the member is a different, equally valid run.
Padding a member's batch to a longer T does not matter: only valid row-steps are computed. On a
GPU, batched and single kernels differ (and cuBLAS picks algorithms by shape), so expect
agreement to float tolerance, not bits.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from bimt.ensemble.loss import member_cross_entropy
from bimt.ensemble.member import Member, after_step, begin, diverge, finish, open_member
from bimt.ensemble.packing import EnsembleError, check_compatible
from bimt.ensemble.stacked import StackedRNN
from bimt.training import Run, TrainConfig, load_run
from bimt.training.bookkeeping import torch_threads
from bimt.training.builders import build_suite
from bimt.training.progress import TrainProgress
from bimt.training.seeds import derive


def train_ensemble(
    configs: Sequence[TrainConfig],
    out_dirs: Sequence[str | Path],
    *,
    resume: bool = False,
    progress: bool = True,
    threads: int | None = 1,
) -> list[Run]:
    """Train ``configs[k]`` into ``out_dirs[k]`` for every k, as one batched ensemble.

    The configs must agree on ``packing.SHARED_FIELDS`` (EnsembleError names the first field
    that differs); seeds, method, λ, A, schedule, lr, swaps and the rest may differ. Each
    directory ends up as ``bimt.train`` would leave it. ``resume=True`` continues every member
    from its own checkpoint (members at different steps join the stack when the ensemble
    reaches their step; finished members are skipped). ``threads`` as in ``bimt.train``.

    Returns one Run per member, in order. A member that diverged (NaN/inf loss or weights) is
    returned unfinished (``run.finished`` is False, ``run.summary`` empty) and its directory
    holds ``error.json`` with the single trainer's TrainingDiverged message; its last good
    checkpoint is intact. Raises EnsembleError for incompatible configs or repeated
    directories, and what ``bimt.train`` raises for a bad directory or suite, before training.
    """
    configs = list(configs)
    outs = [Path(p) for p in out_dirs]
    if len(configs) != len(outs):
        raise EnsembleError(f"got {len(configs)} configs but {len(outs)} out_dirs; give one "
                            f"run directory per config")
    check_compatible(configs)
    resolved = [p.resolve() for p in outs]
    if len(set(resolved)) != len(resolved):
        dup = next(p for p in outs if resolved.count(p.resolve()) > 1)
        raise EnsembleError(f"run directory {dup} is given more than once; each member needs "
                            f"its own directory")
    with torch_threads(threads):
        return _train_ensemble(configs, outs, resume=resume, progress=progress)


def _train_ensemble(configs: list[TrainConfig], outs: list[Path], *, resume: bool,
                    progress: bool) -> list[Run]:
    suites = [build_suite(c) for c in configs]  # every member's task list checked, nothing written
    suite = suites[0]
    members = [open_member(i, c, o, suite, resume=resume)
               for i, (c, o) in enumerate(zip(configs, outs, strict=True))]
    training = [m for m in members if m.status == "training"]
    session_start = time.perf_counter()

    def elapsed_fn(m: Member):
        return lambda: m.elapsed0 + time.perf_counter() - session_start

    for m in training:
        begin(m, suite, elapsed_fn(m)())
    if training:
        _loop(training, suite, session_start, elapsed_fn, progress)
    runs: list[Run] = []
    for m in members:
        if m.status == "training":
            finish(m, suite, elapsed_fn(m)())
        if m.status == "finished":
            runs.append(load_run(m.out))
        else:
            print(f"{m.out}: {m.error}", file=sys.stderr)
            runs.append(load_run(m.out, allow_unfinished=True))
    return runs


def _loop(training: list[Member], suite, session_start: float, elapsed_fn, progress: bool
          ) -> None:
    steps = training[0].config.steps
    device = training[0].model.w_rec.device
    stack = StackedRNN([m.model for m in training])
    first = min(m.start for m in training)
    bar = TrainProgress(steps, first, enabled=progress, label=f"ensemble of {len(training)}")
    try:
        for s in range(first, steps):
            alive = [j for j, m in enumerate(training) if m.status == "training" and m.start <= s]
            if not alive:
                break
            if alive != stack.active:
                stack.restack(alive)
            group = [training[j] for j in alive]
            batches = _batches(group, suite, s, device)
            t0 = time.perf_counter()
            losses, ces = _step(stack, group, batches, s)
            shared = (time.perf_counter() - t0) / len(group)
            done = s + 1
            for m, loss, ce in zip(group, losses, ces, strict=True):
                if m.status == "training":
                    after_step(m, suite, done, loss, ce, shared, elapsed_fn(m))
            live = [(lo, m.last_row) for m, lo in zip(group, losses, strict=True)
                    if m.status == "training"]
            if live:
                accs = [r["mean_accuracy"] for _, r in live if r is not None]
                bar.update(done, sum(lo for lo, _ in live) / len(live),
                           sum(accs) / len(accs) if accs else None)
    finally:
        bar.close()


def _batches(group: list[Member], suite, s: int, device: torch.device):
    """Each member's step-s batch, stacked [K, T, B, …], and its lengths [K, B]; one draw per
    distinct seed/tasks."""
    drawn: dict[tuple, object] = {}
    batches = []
    for m in group:
        key = (m.config.seed, None if m.config.tasks is None else tuple(m.tasks))
        if key not in drawn:
            drawn[key] = suite.sample(m.config.batch_size, seed=derive(m.config.seed, "data", s),
                                      tasks=m.sample_tasks).to(device)
        batches.append(drawn[key])
    lengths = torch.stack([torch.as_tensor(b.length, device=device) for b in batches])
    steps = max(b.inputs.shape[0] for b in batches)
    if all(b.inputs.shape[0] == steps for b in batches):
        return (torch.stack([b.inputs for b in batches]), torch.stack([b.labels for b in batches]),
                torch.stack([b.mask for b in batches]), lengths)
    k, (_, batch, n_in) = len(batches), batches[0].inputs.shape
    inputs = batches[0].inputs.new_zeros((k, steps, batch, n_in))
    labels = batches[0].labels.new_zeros((k, steps, batch))
    mask = batches[0].mask.new_zeros((k, steps, batch))
    for j, b in enumerate(batches):
        t = b.inputs.shape[0]
        inputs[j, :t], labels[j, :t], mask[j, :t] = b.inputs, b.labels, b.mask
    return inputs, labels, mask, lengths


def _step(stack: StackedRNN, group: list[Member], batches, s: int
          ) -> tuple[list[float], list[float]]:
    """One optimizer step for every member of ``group`` (= the stack's active members)."""
    inputs, labels, mask, lengths = batches
    for m in group:
        m.optimizer.zero_grad(set_to_none=True)
    stack.clear_grads()
    dev, dtype = inputs.device, stack.stack["w_rec"].dtype
    lams = [m.lam(s) for m in group]
    logits = stack.forward(inputs, lengths)  # each member skips its own padded steps
    ce = member_cross_entropy(logits, labels, mask, group[0].config.fix_weight)
    lam_t = torch.tensor(lams, dtype=dtype, device=dev)
    if any(lam > 0.0 for lam in lams):
        cost = stack.connection_cost(torch.stack([m.factor for m in group]))
        loss = ce + lam_t * cost
    else:
        cost, loss = torch.zeros_like(ce), ce
    loss_v, ce_v = loss.detach().tolist(), ce.detach().tolist()
    finite = torch.isfinite(loss.detach()).tolist()
    for j, m in enumerate(group):
        if not finite[j]:
            quantity = ("the cross-entropy" if not torch.isfinite(ce[j]) else
                        "the connection cost")
            diverge(m, quantity, loss_v[j], s + 1)
    keep = torch.tensor(finite, device=dev)
    if keep.any():
        # A diverged member's loss is left out: the others' gradients are independent of it.
        torch.where(keep, loss, torch.zeros((), dtype=dtype, device=dev)).sum().backward()
        stack.hand_out_grads()
        for m in group:
            if m.status != "training":
                continue
            if m.config.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(m.model.parameters(), m.config.grad_clip)
            m.optimizer.step()
        for m, bad in zip(group, stack.first_nonfinite(), strict=True):
            if m.status == "training" and bad is not None:
                diverge(m, f"weight {bad}", float("nan"), s + 1)
    return loss_v, ce_v


__all__ = ["EnsembleError", "train_ensemble"]
