"""Period-duration distributions, reduced to finite supports at a given dt.

neurogym draws a duration and floors it to a multiple of dt. Every distribution used by the
suites is then uniform over a finite set of multiples of dt, so a period is represented by
that support and sampled by a uniform index — which vectorises across rows and tasks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fixed:
    """A constant duration in ms."""

    ms: int

    def bounds(self) -> tuple[int, ...]:
        return (self.ms,)

    def support(self, dt: int) -> tuple[int, ...]:
        return (self.ms,)


@dataclass(frozen=True)
class Uniform:
    """neurogym's `uniform(lo, hi)` floored to dt: every multiple of dt in [lo, hi)."""

    lo: int
    hi: int

    def bounds(self) -> tuple[int, ...]:
        return (self.lo, self.hi)

    def support(self, dt: int) -> tuple[int, ...]:
        return tuple(range(self.lo, self.hi, dt))


@dataclass(frozen=True)
class Choice:
    """A uniform choice among the given durations."""

    values: tuple[int, ...]

    def bounds(self) -> tuple[int, ...]:
        return self.values

    def support(self, dt: int) -> tuple[int, ...]:
        return self.values


Duration = Fixed | Uniform | Choice


def divisors(n: int) -> list[int]:
    """Positive divisors of n, ascending."""
    return [d for d in range(1, n + 1) if n % d == 0]


