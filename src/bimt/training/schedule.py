"""The λ schedules: how strongly the connection cost is weighted at each optimizer step.

``constant``: λ at every step.

``three-phase`` (the BIMT notebooks' pattern): λ, then 10·λ, then λ again, over the thirds of
training. With ``steps = N`` and the 0-based index ``s`` of the optimizer step being taken, the
boundaries are ``b1 = N // 3`` and ``b2 = (2 * N) // 3``: steps ``s < b1`` use λ, steps
``b1 <= s < b2`` use 10·λ, steps ``s >= b2`` use λ. For N = 3000: 0–999, 1000–1999, 2000–2999.
"""

from __future__ import annotations

SCHEDULES = ("constant", "three-phase")
MIDDLE_FACTOR = 10.0


def lam_at(step: int, steps: int, lam: float, schedule: str = "constant") -> float:
    """λ used for the optimizer step with 0-based index ``step`` of a run of ``steps`` steps."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; accepted: {', '.join(SCHEDULES)}")
    if not 0 <= step < steps:
        raise ValueError(f"step must be in [0, {steps}), got {step}")
    if schedule == "constant":
        return lam
    b1, b2 = steps // 3, (2 * steps) // 3
    return lam * MIDDLE_FACTOR if b1 <= step < b2 else lam
