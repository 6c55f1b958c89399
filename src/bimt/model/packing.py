"""Packing a padded batch step-major, so that the recurrence touches valid row-steps only.

Trials shorter than the batch's T are padding after their last valid step. With the rows of a
batch in descending length order (a stable sort), the rows still running at step t are the
first r_t of them, and the packed layout puts step t's running rows at rows
``offsets[t] … offsets[t] + r_t`` of a [P, F] matrix (P = Σ_t r_t = Σ_b length_b): every step is
one contiguous block, and step t's rows are a prefix of step t − 1's block, which is all the
recurrence needs (``bimt.model.recurrence``). The same layout as ``torch.nn.utils.rnn``'s
PackedSequence, built here for K networks at once and with the sort kept per network.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch


def check_lengths(lengths: torch.Tensor | np.ndarray | None, shape: tuple[int, ...],
                  steps: int, device: torch.device) -> torch.Tensor | None:
    """``lengths`` as an int64 tensor on ``device`` after checking it: integers of ``shape``
    ([B] or [K, B]) in [0, steps]. None stays None."""
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths, device=device)
    if lengths.dtype.is_floating_point or lengths.dtype.is_complex or lengths.dtype == torch.bool:
        raise TypeError(f"lengths must hold integers (valid steps per row), got {lengths.dtype}")
    if tuple(lengths.shape) != tuple(shape):
        names = ", ".join(f"{n}={v}" for n, v in zip(("K", "B")[-len(shape):], shape,
                                                      strict=True))
        raise ValueError(f"lengths must have shape [{names}] (one per row), got "
                         f"{tuple(lengths.shape)}")
    if lengths.numel() and (int(lengths.min()) < 0 or int(lengths.max()) > steps):
        raise ValueError(f"lengths must lie in [0, T={steps}], got values in "
                         f"[{int(lengths.min())}, {int(lengths.max())}]")
    return lengths.to(torch.int64)


class Packing:
    """The packed layout of K networks' batches [K, T, B, F] whose sorted lengths are equal.

    ``counts[t]`` = r_t, the rows running at step t (the same for the K networks);
    ``offsets[t]`` = Σ_{s<t} r_s; ``rows`` = P. ``index`` [K·P] says which row of the flattened
    [K·T·B, F] input each packed row is (None: no padding and rows already in order, so packing
    is a plain view). Build with ``Packing.of(lengths, steps)``.
    """

    def __init__(self, counts: list[int], index: torch.Tensor | None, k: int, steps: int,
                 batch: int) -> None:
        self.counts, self.index = counts, index
        self.k, self.steps, self.batch = k, steps, batch
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()
        self.rows = self.offsets[-1]

    @classmethod
    def of(cls, lengths: torch.Tensor | None, k: int, steps: int, batch: int,
           device: torch.device | None = None) -> Packing:
        """Packing for ``lengths`` [K, B] (checked ints; None = every row runs all T steps).
        Raises ValueError if the networks' sorted lengths differ (see ``group_by_lengths``)."""
        if lengths is None:
            return cls([batch] * steps, None, k, steps, batch)
        order = torch.sort(lengths, dim=1, descending=True, stable=True).indices
        ranked = lengths.gather(1, order)
        if not bool((ranked == ranked[:1]).all()):
            raise ValueError("the networks of one Packing need equal sorted lengths; split them "
                             "with group_by_lengths")
        counts = (ranked[0].unsqueeze(0) > torch.arange(steps, device=lengths.device)[:, None])
        counts = counts.sum(1).tolist()
        if counts == [batch] * steps and torch.equal(
                order, torch.arange(batch, device=lengths.device).expand_as(order)):
            return cls(counts, None, k, steps, batch)
        dev = lengths.device
        c = torch.tensor(counts, device=dev)
        step_of = torch.repeat_interleave(torch.arange(steps, device=dev), c)  # [P]
        start = torch.cumsum(c, 0) - c
        rank_of = torch.arange(int(c.sum()), device=dev) - start[step_of]  # [P]
        base = torch.arange(k, device=dev)[:, None] * (steps * batch) + step_of * batch
        index = (base + order[:, rank_of]).reshape(-1)
        return cls(counts, index, k, steps, batch)

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """x [K, T, B, F] -> [K, P, F], the running row-steps in packed order."""
        f = x.shape[-1]
        if self.index is None:
            return x.reshape(self.k, self.rows, f)
        return x.reshape(-1, f).index_select(0, self.index).view(self.k, self.rows, f)

    def unpack(self, x: torch.Tensor, fill: torch.Tensor | None = None) -> torch.Tensor:
        """x [K, P, F] -> [K, T, B, F], padded row-steps set to ``fill`` [K, F] (None: 0)."""
        f = x.shape[-1]
        if self.index is None:
            return x.reshape(self.k, self.steps, self.batch, f)
        total = self.k * self.steps * self.batch
        if fill is None:
            base = x.new_zeros(total, f)
        else:
            base = fill.unsqueeze(1).expand(self.k, self.steps * self.batch, f).reshape(total, f)
        out = base.index_copy(0, self.index, x.reshape(-1, f))
        return out.view(self.k, self.steps, self.batch, f)

    def previous_rows(self, device: torch.device | None = None) -> torch.Tensor | slice:
        """For packed rows of steps t >= 1 (rows offsets[1] …), the row of the same trial at
        step t − 1: a slice when every step has the same rows, else an index [P − r_0]."""
        if len(set(self.counts)) <= 1:
            return slice(0, self.rows - (self.counts[0] if self.counts else 0))
        prev = np.repeat(self.counts[:-1], self.counts[1:])
        return (torch.arange(self.offsets[1], self.rows) - torch.from_numpy(prev)).to(device)


def group_by_lengths(lengths: torch.Tensor) -> list[list[int]]:
    """Indices of the networks of ``lengths`` [K, B] grouped by equal sorted lengths (so one
    ``Packing`` fits each group), groups in order of first appearance."""
    ranked = torch.sort(lengths, dim=1, descending=True).values.tolist()
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, key in enumerate(ranked):
        groups.setdefault(tuple(key), []).append(i)
    return list(groups.values())


def members(parts: Sequence[torch.Tensor], group: Sequence[int]) -> torch.Tensor:
    """The networks ``group`` of ``parts`` (= ``x.unbind(0)``) as one [len(group), …] tensor.

    Through ``unbind`` rather than indexing the stack per group: the backward of an index or a
    slice allocates a gradient of the whole stack per group (O(K²) work for K singletons),
    ``unbind``'s backward stacks the members' gradients once.
    """
    if len(group) == 1:
        return parts[group[0]].unsqueeze(0)
    return torch.stack([parts[i] for i in group])


def length_groups(lengths: torch.Tensor | None, tensors: Sequence[torch.Tensor], steps: int,
                  batch: int) -> Iterator[tuple[list[int], Packing, list[torch.Tensor]]]:
    """Per group of networks with equal sorted lengths (``group_by_lengths``; all K when
    ``lengths`` is None): the group, its Packing and each of ``tensors`` [K, …] cut to it."""
    k = tensors[0].shape[0]
    groups = [list(range(k))] if lengths is None else group_by_lengths(lengths)
    if len(groups) == 1:
        yield groups[0], Packing.of(lengths, k, steps, batch), list(tensors)
        return
    split = [x.unbind(0) for x in tensors]  # once for all groups: O(K) backward work
    for g in groups:
        yield g, Packing.of(lengths[g], len(g), steps, batch), [members(x, g) for x in split]


def stack_groups(parts: Sequence[torch.Tensor], groups: Sequence[Sequence[int]]) -> torch.Tensor:
    """Reassemble per-group results [K_g, …] into [K, …] in network order."""
    if len(parts) == 1:
        return parts[0]
    order = [i for g in groups for i in g]
    where = torch.tensor(np.argsort(order), device=parts[0].device)
    return torch.cat(list(parts)).index_select(0, where)
