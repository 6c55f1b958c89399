"""`TaskDef`: the static description of one task, from which every family builds trials."""

from __future__ import annotations

from dataclasses import dataclass

from bimt.tasks.timing import Duration

FAMILIES = ("reach", "dm", "dlydm", "match")

ALL_PERIODS = ("fixation", "stimulus", "stim1", "sample", "delay", "stim2", "test", "decision")
N_SLOTS = 5  # the longest family (dlydm, match) has five periods


@dataclass(frozen=True)
class TaskDef:
    """One task: its family, flavour, timing and the switches its family generator reads.

    `timing` lists (period, Duration) in trial order. `delay_by_modality`, when set, replaces
    the delay distribution by one fixed delay per modality (Mod-Cog's per-instance match
    delays). `integrate`/`seq` are Mod-Cog's int and seq directions (0 = off).
    """

    name: str
    family: str
    flavor: str  # "neurogym" or "modcog"
    timing: tuple[tuple[str, Duration], ...]
    anti: bool = False
    reaction: bool = False
    w_mod: tuple[int, int] = (1, 1)
    stim_mod: tuple[bool, bool] = (True, True)
    matchto: str = "sample"
    matchgo: bool = True
    integrate: int = 0
    seq: int = 0
    label_bug: bool = False
    fixation_until_decision: bool = True
    noise_all_channels: bool = True
    delay_by_modality: tuple[int, int] | None = None

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.timing)

    def supports(self, dt: int, modality: int = 0) -> dict[str, tuple[int, ...]]:
        """Possible durations (ms) of each period at `dt` for a trial of the given modality."""
        out = {p: d.support(dt) for p, d in self.timing}
        if self.delay_by_modality is not None:
            out["delay"] = (self.delay_by_modality[modality],)
        return out
