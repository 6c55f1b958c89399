"""Deterministic random streams derived from one run seed.

Every random quantity of a run is a pure function of ``(run seed, stream, index)`` so that a
resumed run draws exactly the batches the uninterrupted run would have drawn, without saving any
generator state. Streams are separated with ``numpy.random.SeedSequence`` spawn keys.
"""

from __future__ import annotations

import numpy as np

# Stream ids are part of the on-disk reproducibility contract: never renumber them.
STREAMS: dict[str, int] = {"data": 0, "eval": 1, "model": 2}


def derive(seed: int, stream: str, *index: int) -> int:
    """A 63-bit integer seed for ``stream`` (and e.g. the step or the task index).

    ``derive(seed, "data", s)`` seeds the training batch of step ``s``; ``derive(seed, "eval", i)``
    the held-out set of task ``i``; ``derive(seed, "model")`` the weight initialisation.
    """
    if stream not in STREAMS:
        raise ValueError(f"unknown seed stream {stream!r}; known streams: {sorted(STREAMS)}")
    if seed < 0 or any(i < 0 for i in index):
        raise ValueError(f"seed and indices must be non-negative, got {seed}, {index}")
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(STREAMS[stream], *index))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
