"""Mod-Cog (Khona et al. 2023, mikailkhona/Mod_Cog) tasks: its 20 base tasks and the
int (interval integration) and seq (sequence output) extensions.

Mod-Cog re-defines the three task classes, so its base tasks differ from neurogym's
(tasks-spec §3.1): go/anti carry a 500 ms delay, the delayed-DM delay is 500 ms, and each
match task holds two fixed delays, one per modality, drawn once per task instance. Fixation
input and noise follow neurogym's pre-June-2025 behaviour. Int and seq shift conventions are
kept per family exactly as in the source (§3.2–3.3):

- Reach int: the stimulus is shown at θ_k + integrate·0.01 rad/ms·delay (+π for anti), the
  label stays at k; delay ∈ {0, 100, …, 1100} ms per trial.
- Delayed-DM int: the target moves by integrate·0.01·500 = ±5 ring indices (delay fixed 500).
- Match int: the response moves by integrate·delay/100 ring indices; delay ∈ {0, …, 1100}.
- seq: at decision step t the label is the target moved by int(seq·t·0.01·dt) indices;
  decision lasts 1000 ms except in rtgo/rtanti seq (500 ms).

The source's label bug (`(1 + k) mod dim_ring`, so index 15 is labelled as fixation) is
reproduced only when `label_bug` is set.
"""

from __future__ import annotations

import zlib

import numpy as np

from bimt.tasks.cog20 import COG20, base_switches
from bimt.tasks.taskdef import TaskDef
from bimt.tasks.timing import Choice, Fixed, Uniform

OMEGA = 0.01  # Mod-Cog's `omega`: rad/ms for Reach int, ring indices/ms elsewhere
INT_DELAYS = tuple(range(0, 1200, 100))  # `np.random.choice(np.arange(0, 1200, 100))`
MATCH_DELAY_RANGE = (200, 1200)  # `np.random.uniform(200, 1200)`, drawn per instance

INT_BASES = (
    "dlygo", "dlyanti", "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm",
    "dms", "dnms", "dmc", "dnmc",
)  # fmt: skip

# README order: the 20 base tasks, int r/l pairs, all seqr, all seql.
MODCOG82 = (
    COG20
    + tuple(f"{b}{s}" for b in INT_BASES for s in ("intr", "intl"))
    + tuple(f"{b}seqr" for b in COG20)
    + tuple(f"{b}seql" for b in COG20)
)
MODCOG93 = MODCOG82 + tuple(f"{b}intseq" for b in INT_BASES)

_SUFFIXES = {"intseq": (1, 1), "intr": (1, 0), "intl": (-1, 0), "seqr": (0, 1), "seql": (0, -1)}


def split_name(name: str) -> tuple[str, int, int] | None:
    """(base, integrate, seq) of a Mod-Cog extension name, or None if it has no suffix."""
    for suffix, (integrate, seq) in _SUFFIXES.items():
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            if integrate and base not in INT_BASES:
                return None
            if base in COG20:
                return base, integrate, seq
            return None
    return None


def instance_delays(name: str, seed: int, dt: int) -> tuple[int, int]:
    """The two fixed delays (modality 0, modality 1) of a Mod-Cog match task instance.

    Drawn like Mod-Cog (uniform on [200, 1200) ms floored to dt), from a stream keyed by the
    suite's `modcog_seed` and the task name, so a suite is reproducible and a task's delays do
    not depend on which other tasks the suite holds.
    """
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    support = np.arange(*MATCH_DELAY_RANGE, dt)
    return tuple(int(v) for v in rng.choice(support, size=2))  # type: ignore[return-value]


def modcog_task(name: str, *, label_bug: bool, seed: int, dt: int) -> TaskDef:
    """A Mod-Cog task (a base name or `<base>intr|intl|seqr|seql|intseq`)."""
    parts = split_name(name)
    base, integrate, seq = parts if parts is not None else (name, 0, 0)
    sw = base_switches(base)
    family = sw["family"]
    decision = 1000 if seq else None
    by_modality = None
    if family == "reach":
        if sw["reaction"]:
            timing = (("fixation", Fixed(500)), ("decision", Fixed(500)))
        else:
            delay = Choice(INT_DELAYS) if integrate else Fixed(500)
            timing = (
                ("fixation", Fixed(500)),
                ("stimulus", Fixed(500)),
                ("delay", delay),
                ("decision", Fixed(decision or 500)),
            )
    elif family == "dm":
        timing = (
            ("fixation", Uniform(200, 500)),
            ("stimulus", Fixed(500)),
            ("decision", Fixed(decision or 200)),
        )
    elif family == "dlydm":
        timing = (
            ("fixation", Uniform(200, 500)),
            ("stim1", Fixed(500)),
            ("delay", Fixed(500)),
            ("stim2", Fixed(500)),
            ("decision", Fixed(decision or 200)),
        )
    else:
        if integrate:
            delay = Choice(INT_DELAYS)
        else:
            by_modality = instance_delays(name, seed, dt)
            delay = Choice(tuple(sorted(set(by_modality))))
        timing = (
            ("fixation", Fixed(300)),
            ("sample", Fixed(500)),
            ("delay", delay),
            ("test", Fixed(500)),
            ("decision", Fixed(decision or 900)),
        )
    return TaskDef(
        name=name,
        flavor="modcog",
        timing=timing,
        integrate=integrate,
        seq=seq,
        label_bug=label_bug,
        fixation_until_decision=True,
        noise_all_channels=True,
        delay_by_modality=by_modality,
        **sw,
    )
