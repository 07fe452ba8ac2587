"""What an MES run records, and the fixed-point arithmetic of its certificates (see :mod:`._mes`).

A run reports each purchase (:class:`BoughtRecord`) and each project found unaffordable
(:class:`DroppedRecord`); a certifying run also records per round what bounds the winner's ``rho`` at
larger shares (:class:`WinnerBound`) and the largest share increase known to keep the outcome
(:class:`Horizon`). :class:`Eval` and :class:`Short` are one project's evaluation in one round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil

Money = int | Fraction
ZERO = Fraction(0)
SLACK = 1e-9  # relative float margin; float errors here are below 1e-15
# Growth bounds of certifying runs are fixed-point integers with this scale, rounded in the safe direction
# (slopes up, delays and horizons down), so the certificate stays rigorous without Fraction arithmetic.
FIX = 1 << 64
NEVER = 1 << 30


def hinge_sum(a1: int, d1: int, a2: int, d2: int) -> tuple[int, int]:
    """A single hinge above ``a1 * max(0, x - d1) + a2 * max(0, x - d2)``."""
    if not a1:
        return a2, d2
    if not a2:
        return a1, d1
    return a1 + a2, min(d1, d2)


class Eval:
    """An affordable project: its ``rho`` and the hinge bounding how fast ``rho`` can fall."""

    __slots__ = ("denom", "fall", "fall_delay", "paying", "poor", "poor_count", "rho")

    def __init__(
        self,
        rho: Fraction,
        poor_count: int,
        fall: int = 0,
        fall_delay: int = 0,
        poor: Sequence[int] = (),
        denom: int = 0,
        paying: Sequence[int] = (),
    ) -> None:
        self.rho = rho
        # the supporters (groups) with money left that pay all of it
        self.paying = paying
        self.poor_count = poor_count
        # rho(t + tau) >= rho - (fall / FIX) * max(0, tau - fall_delay / FIX)
        self.fall = fall
        self.fall_delay = fall_delay
        # certifying runs: the supporters paying all they have, and the others' total utility
        self.poor = poor
        self.denom = denom


class Short:
    """An unaffordable project: what its supporters hold, and the hinge bounding its growth."""

    __slots__ = ("available", "grow", "grow_delay")

    def __init__(self, available: Money, grow: int, grow_delay: int) -> None:
        self.available = available
        self.grow = grow
        self.grow_delay = grow_delay


@dataclass(slots=True)
class BoughtRecord:
    """What happened when a project was bought (scaled money)."""

    round: int
    rho: Fraction
    pay: Fraction  # rho * (largest utility of a supporter): the largest payment asked of one supporter
    supporters: int
    paid_in_full: int


@dataclass(slots=True)
class DroppedRecord:
    """A project found unaffordable: its supporters held ``available`` (scaled) in round ``round``."""

    round: int
    available: Money


@dataclass(slots=True)
class WinnerBound:
    """The winner of one round of a certifying run, enough to bound its ``rho`` at larger shares.

    A voter that has never paid all it had keeps at least the whole increase of the initial share (a
    payer with money left pays ``rho * u``, and ``rho`` only falls as shares grow). Voters who were rich
    stay rich, so the winner's ``rho`` at a share larger by ``x`` is at most its ``rho`` with the
    paying-in-full supporters' shares raised by ``x`` where they never paid in full (``upper``).
    """

    rho: Fraction
    cost_units: int  # cost * n * den
    den: int
    rich_utility: int
    #: paying-in-full supporters: (share in units of 1/den, guaranteed growth per unit of share increase
    #: - the group's size if it never paid in full so far, else 0 -, utility)
    poor: list[tuple[int, int, int]]

    def upper(self, distance: Money) -> Fraction:
        """An upper bound of the winner's ``rho`` when the initial share is larger by ``distance``."""
        if not self.poor or distance <= 0:
            return self.rho
        den = self.den
        step_units = distance * den
        # float walk for a guess, then an exact check that the guess (rounded up) is feasible
        shares = sorted(
            (((b + g * step_units) / den, u) for b, g, u in self.poor),
            key=lambda bu: bu[0] / bu[1],
        )
        cost = self.cost_units / den
        denom = self.rich_utility + sum(u for _, u in shares)
        contrib = 0.0
        for b, u in shares:
            if (cost - contrib) * u <= b * denom:
                break
            contrib += b
            denom -= u
        guess = (cost - contrib) / denom * (1 + SLACK)
        scale = 1 << 40
        num = ceil(guess * den * scale)  # candidate rho = num / (scale * den)
        paid = sum(min((b + g * step_units) * scale, num * u) for b, g, u in self.poor)
        if paid + num * self.rich_utility >= self.cost_units * scale:
            return min(self.rho, Fraction(num, scale * den))
        return self.rho  # pragma: no cover - the guess is above the exact value by construction


@dataclass(slots=True)
class RunResult:
    """One MES run at a given initial share."""

    selected: list[int]
    bought: dict[int, BoughtRecord] = field(default_factory=dict)
    dropped: dict[int, DroppedRecord] = field(default_factory=dict)
    #: further completion steps with provably the same outcome (certifying runs; ``None``: unbounded)
    stable_steps: int | None = None
    #: certifying runs, per round: what bounds the winner's rho at larger shares
    winner_bounds: list[WinnerBound] = field(default_factory=list)
    #: certifying runs, per voter: the first round in which it paid all it had (``NEVER`` if none)
    first_poor: list[int] = field(default_factory=list)


class Horizon:
    """The largest share increase ``tau`` (scaled money, fixed point ``FIX``) known to keep the outcome.

    A constraint ``tau <= x`` (or ``tau < x``) is recorded as ``floor(x * FIX)`` (minus one unit when
    strict), which can only shorten the jump.
    """

    __slots__ = ("limit",)

    def __init__(self) -> None:
        self.limit: int | None = None

    @staticmethod
    def bound(delay: int, gap: Fraction | int, slope: int, *, strict: bool) -> int:
        """``tau < / <= delay / FIX + gap / (slope / FIX)`` in fixed point (``gap >= 0``, ``slope > 0``)."""
        g = Fraction(gap)
        x = delay + (g.numerator * FIX * FIX) // (g.denominator * slope)
        return x - 1 if strict else x

    def add(self, x: int) -> None:
        if self.limit is None or x < self.limit:
            self.limit = x

    def steps(self, step: int) -> int | None:
        """Largest ``j >= 0`` with ``tau = j * step`` meeting every constraint (``None``: unbounded)."""
        if self.limit is None:
            return None
        return max(self.limit, 0) // (step * FIX)


def bitset(indices: Sequence[int], n: int) -> int:
    """Bitset of voter indices, built through a bytearray (linear, unlike repeated big-int ``|=``)."""
    buf = bytearray((n + 7) >> 3)
    for i in indices:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")
