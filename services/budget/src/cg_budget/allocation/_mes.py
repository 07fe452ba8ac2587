"""Exact engine of the Method of Equal Shares (MES) and of its add1 completion.

Representation
--------------
* Money is scaled by the number of voters ``n``: a project of cost ``c`` costs ``c * n`` scaled units, so an
  initial share ``B / n + k`` becomes the integer ``B + k * n``.
* Voters with the same remaining share belong to one *class*; a voter stores its class id. All rich
  supporters of a bought project pay the same ``rho * u``, so a purchase maps each class of payers to one
  new class, computed once. Class values are exact integers over one common denominator, refined (by
  per-epoch factors, not by touching every value) when a payment needs it.
* Each voter has a float shadow of its share. Floats only *propose*: the supporters paying all they have
  are guessed by a float fixed point (``q = (cost - their money) / others``), then the guess is verified
  exactly for every supporter whose float lies within a relative ``1e-9`` of the exact payment, with an
  exact sorted walk as fallback. Every decision is taken on exact integers and fractions.
* Bitsets (Python integers) count exhausted supporters with ``int.bit_count``.
* With point utilities, voters with identical ballots form one *group*: m voters act as one voter with m
  times the share and m times each utility (it pays ``m * min(b, rho * u)``, so every ``rho`` is the
  same). The engine's "voters" are groups; growth bounds scale with m; counts shown to people
  (supporters, paid in full) are of voters.

One MES round follows pabutools exactly: a project whose supporters hold less than its cost is dropped;
otherwise its affordability ``rho`` is the least value with ``sum(min(b_i, rho * u_i)) >= cost``; the project
with the smallest ``rho`` is bought, ties going to the lowest tie-breaking rank; each supporter pays
``min(b_i, rho * u_i)``. Stale ``rho`` values are lower bounds (shares only shrink during a run), so only
projects whose bound does not exceed the current best are re-evaluated, as pabutools does.

add1 without re-running every step
----------------------------------
pabutools' completion re-runs MES for every share ``t0, t0 + 1, t0 + 2, ...``. A *certifying* run at share
``t`` also proves how far the share may grow with exactly the same sequence of purchases, from facts
that hold along a fixed purchase sequence:

1. Shares never fall when ``t`` grows and every ``rho`` never rises (``rho`` is non-increasing in the
   shares; a payer keeps ``max(0, b - rho * u)``). So each round's winner stays affordable, projects
   unaffordable at a larger share are unaffordable below it, and a voter that never paid all it had
   gains at least the whole increase of ``t``.
2. ``rho`` is a *convex*, non-increasing function of the vector of shares (the least ``rho`` of a convex
   set). A subgradient is ``-1 / D`` for each supporter paying all it has (``D`` = the others' total
   utility), hence ``rho(b + delta) >= rho(b) - sum_poor(delta_i) / D`` for any growth ``delta >= 0``.
3. The growth of every share is bounded by a *hinge* ``alpha * max(0, tau - delay)`` (fixed point,
   rounded safely): ``1 * tau`` at the start; a paying class adds ``u`` times the bound of the winner's
   ``rho`` decrease (fact 2); a class that paid everything regains money only once that covers its
   shortfall, which delays its hinge.

``MesEngine.run(certify=True)`` turns facts 2-3 into a forward horizon (a competitor's lower-bound line
must stay above the winner's ``rho``; a dropped project must not reach the price of any later winner and
must stay unaffordable at the end). ``MesEngine.probe`` checks a whole range ``[t, T]`` with one run at
``T``: by fact 1 every competitor's ``rho`` between the two shares is above a line rising back from its
value at ``T``, every winner's ``rho`` below the ``rho`` of its reference supporters with the guaranteed
growth added; the difference is concave, so checking both ends suffices. The completion (in
:mod:`.rules`) gallops with probes and bisects when one fails; where the purchase order changes at
nearly every step it uses plain exact runs instead. Skipped shares always provably give the outcome of
the run that certified them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, inf
from math import gcd as _gcd
from operator import truediv

from .model import Election, TieBreaking, Utility

Money = int | Fraction
_ZERO = Fraction(0)
_SLACK = 1e-9  # relative float margin; float errors here are below 1e-15
# Growth bounds of certifying runs are fixed-point integers with this scale, rounded in the safe direction
# (slopes up, delays and horizons down), so the certificate stays rigorous without Fraction arithmetic.
_FIX = 1 << 64
_NEVER = 1 << 30


def _hinge_sum(a1: int, d1: int, a2: int, d2: int) -> tuple[int, int]:
    """A single hinge above ``a1 * max(0, x - d1) + a2 * max(0, x - d2)``."""
    if not a1:
        return a2, d2
    if not a2:
        return a1, d1
    return a1 + a2, min(d1, d2)


class _Eval:
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
        # rho(t + tau) >= rho - (fall / _FIX) * max(0, tau - fall_delay / _FIX)
        self.fall = fall
        self.fall_delay = fall_delay
        # certifying runs: the supporters paying all they have, and the others' total utility
        self.poor = poor
        self.denom = denom


class _Short:
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
        guess = (cost - contrib) / denom * (1 + _SLACK)
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
    #: certifying runs, per voter: the first round in which it paid all it had (``_NEVER`` if none)
    first_poor: list[int] = field(default_factory=list)


class _Horizon:
    """The largest share increase ``tau`` (scaled money, fixed point ``_FIX``) known to keep the outcome.

    A constraint ``tau <= x`` (or ``tau < x``) is recorded as ``floor(x * _FIX)`` (minus one unit when
    strict), which can only shorten the jump.
    """

    __slots__ = ("limit",)

    def __init__(self) -> None:
        self.limit: int | None = None

    @staticmethod
    def bound(delay: int, gap: Fraction | int, slope: int, *, strict: bool) -> int:
        """``tau < / <= delay / _FIX + gap / (slope / _FIX)`` in fixed point (``gap >= 0``, ``slope > 0``)."""
        g = Fraction(gap)
        x = delay + (g.numerator * _FIX * _FIX) // (g.denominator * slope)
        return x - 1 if strict else x

    def add(self, x: int) -> None:
        if self.limit is None or x < self.limit:
            self.limit = x

    def steps(self, step: int) -> int | None:
        """Largest ``j >= 0`` with ``tau = j * step`` meeting every constraint (``None``: unbounded)."""
        if self.limit is None:
            return None
        return max(self.limit, 0) // (step * _FIX)


def _bitset(indices: Sequence[int], n: int) -> int:
    """Bitset of voter indices, built through a bytearray (linear, unlike repeated big-int ``|=``)."""
    buf = bytearray((n + 7) >> 3)
    for i in indices:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


class MesEngine:
    """An election compiled for repeated exact MES runs with one utility model and tie-breaking order."""

    def __init__(self, election: Election, *, utility: Utility, tie_breaking: TieBreaking) -> None:
        self.election = election
        self.utility = utility
        ids = list(election.costs)
        self.ids = ids
        self.n = n = len(election.ballots)
        index = {pid: i for i, pid in enumerate(ids)}
        costs = [election.costs[pid] for pid in ids]
        self.costs = costs
        by_points = utility == "points"
        # Voters with the same ballot stay alike in every run: one *group* of m voters is one voter with
        # m times the share and m times the utility (it pays m * min(b, rho * u), the same rho), so the
        # engine works on groups; counts shown to people (supporters, paid in full) are of voters.
        # Grouping pays off with point utilities (cumulative and score ballots: the engine compares
        # per-utility shares anyway); with cost utilities it would turn every project's equal utilities
        # into unequal ones and measured slower (bench/pb), so there each voter is its own group.
        voters: list[list[int]] = [[] for _ in ids]
        utils: list[list[int]] = [[] for _ in ids]
        real: list[list[int]] = [[] for _ in ids]  # utility of one voter of each supporting group
        if by_points:
            group_of: dict[tuple[tuple[int, int], ...], int] = {}
            mult: list[int] = []
            for ballot in election.ballots:
                key = tuple(sorted((index[pid], points) for pid, points in ballot.items() if points > 0))
                g = group_of.get(key)
                if g is None:
                    g = group_of[key] = len(mult)
                    mult.append(1)
                    for p, points in key:
                        voters[p].append(g)
                        real[p].append(points)
                else:
                    mult[g] += 1
            for p, supporters in enumerate(voters):
                utils[p] = [mult[g] * u for g, u in zip(supporters, real[p], strict=True)]
        else:
            mult = [1] * n
            for voter, ballot in enumerate(election.ballots):
                for pid, points in ballot.items():
                    if points > 0:
                        voters[index[pid]].append(voter)
            # one utility per project: its cost, or 1 (a free project is worth nothing under cost utilities)
            for p, supporters in enumerate(voters):
                u = costs[p] if utility == "cost" else 1
                if u > 0:
                    utils[p] = real[p] = [u] * len(supporters)
                else:
                    voters[p] = []
        self.mult = mult
        self.groups = groups = len(mult)
        self.grouped = groups < n  # some group holds more than one voter
        self.supporters_of = voters
        #: per project the utility of each supporting group, or None when all of them have the same one
        self.utils_of: list[list[int] | None] = []
        self.uniform_u: list[int] = []
        self.bits: list[int] = []
        self.levels: list[tuple[tuple[int, int], ...]] = []
        #: supporting voters (not groups) per project, and the number of distinct points they gave
        self.supporters: list[int] = []
        self.point_levels: list[int] = []
        self.group_count: list[int] = []
        self.total_u: list[int] = []
        self.max_u: list[int] = []  # largest utility of one voter
        for p in range(len(ids)):
            us = utils[p]
            distinct = sorted(set(us))
            bits = _bitset(voters[p], groups)
            self.bits.append(bits)
            if len(distinct) <= 1:
                # one utility for every supporting group (single voters with equal utilities, mostly)
                self.utils_of.append(None)
                self.uniform_u.append(distinct[0] if distinct else 0)
                self.levels.append(((distinct[0], bits),) if distinct else ())
            else:
                self.utils_of.append(us)
                self.uniform_u.append(0)
                by_u: dict[int, list[int]] = {}
                for v, u in zip(voters[p], us, strict=True):
                    by_u.setdefault(u, []).append(v)
                self.levels.append(tuple((u, _bitset(vs, groups)) for u, vs in sorted(by_u.items())))
            self.supporters.append(sum(mult[g] for g in voters[p]) if self.grouped else len(voters[p]))
            self.group_count.append(len(voters[p]))
            self.point_levels.append(len(set(real[p])))
            self.total_u.append(sum(us))
            self.max_u.append(max(real[p], default=0))
        #: per project the greatest common divisor of its supporters' utilities
        self.level_gcd = [_gcd(*(lu for lu, _ in levels)) if levels else 1 for levels in self.levels]
        self.scaled_cost = [c * n for c in costs]
        # pabutools: projects with positive total utility and positive cost take part in MES; those with
        # positive utility and zero cost are funded up front; projects nobody values are ignored.
        self.eligible = [p for p in range(len(ids)) if self.total_u[p] > 0 and costs[p] > 0]
        self.free = [p for p in range(len(ids)) if self.total_u[p] > 0 and costs[p] == 0]
        self.rank = _ranks(ids, costs, self.supporters, tie_breaking)

    def run(self, share: Money, *, certify: bool = False, step: int = 1) -> RunResult:
        """MES with every voter starting at ``share`` (scaled money: the real share times ``n``).

        With ``certify`` the result also tells how many further completion steps of ``step`` scaled units
        provably give the same outcome (module docstring).
        """
        result = _Run(self, share, certify).execute(step)
        assert result is not None
        return result

    def probe(
        self, share: Money, reference: RunResult, reference_share: Money, *, step: int = 1
    ) -> RunResult | None:
        """Certifying run at a larger ``share`` that follows ``reference``'s purchases.

        Returns ``None`` unless every share between ``reference_share`` and ``share`` provably gives the
        same purchases. Along a fixed purchase sequence shares only grow with the initial share and every
        ``rho`` only falls, so between the two shares each round's winner stays below a falling line
        (``RunResult.winner_bounds``) and each competitor above a line rising back from its ``rho`` at
        ``share``; both lines are checked at both ends (their difference is concave). Projects
        unaffordable at ``share`` are unaffordable below it, and nothing else may be affordable at the
        end. On success the result is the exact run at ``share``.
        """
        distance = share - reference_share
        return _Run(self, share, True).execute(step, reference, distance)


class _Run:
    """State of one MES run.

    Class ``c`` holds the exact share ``num[c] * fac[ep[c]] / den`` (scaled money): all class values share
    the denominator ``den``; when a payment needs a finer denominator, ``den`` and the per-epoch factors
    are multiplied instead of every class value. ``vf`` / ``bf`` are the float shadows per class / voter
    (``inf`` for exhausted voters, whose share is exactly 0). Classes never change once created, so a list
    of class ids is a snapshot of shares. In certifying runs ``ha`` / ``hd`` hold each class's growth
    bound (fixed point, see ``_FIX``).
    """

    __slots__ = (
        "bf",
        "certify",
        "cid",
        "den",
        "eng",
        "ep",
        "fac",
        "first_poor",
        "ha",
        "hd",
        "num",
        "poor_classes",
        "vf",
        "zero",
    )

    def __init__(self, eng: MesEngine, share: Money, certify: bool) -> None:
        self.eng = eng
        self.certify = certify
        n = eng.groups
        start = Fraction(share)
        self.den = start.denominator
        self.fac = [1]
        # class 0: the initial share of a single voter (growth bound 1 * tau); class 1: exhausted voters
        # of plain runs; then the initial share of each larger group (m times the share, growth m * tau)
        self.num = [start.numerator, 0]
        self.ep = [0, 0]
        self.vf = [float(start) if start > 0 else inf, inf]
        self.ha = [_FIX, 0]
        self.hd = [0, 0]
        if eng.grouped:
            first: dict[int, int] = {1: 0}
            cid = []
            for m in eng.mult:
                c = first.get(m)
                if c is None:
                    c = first[m] = len(self.num)
                    self.num.append(m * start.numerator)
                    self.ep.append(0)
                    self.vf.append(float(m * start) if start > 0 else inf)
                    self.ha.append(m * _FIX)
                    self.hd.append(0)
                cid.append(c)
            self.cid = cid
            self.bf = [self.vf[c] for c in cid]
        else:
            self.cid = [0] * n
            self.bf = [self.vf[0]] * n
        self.zero = (1 << n) - 1 if start <= 0 else 0  # bitset of exhausted voters
        # certifying runs: first round each voter paid all it had, and the classes created that way
        self.first_poor = ([0] * n if start <= 0 else [_NEVER] * n) if certify else []
        self.poor_classes: set[int] = set()

    # ------------------------------------------------------------------ helpers

    def _units(self, voter: int) -> int:
        c = self.cid[voter]
        return self.num[c] * self.fac[self.ep[c]]

    def _value(self, c: int) -> int:
        return self.num[c] * self.fac[self.ep[c]]

    def _new_class(self, units: int, a: int = 0, d: int = 0) -> int:
        self.num.append(units)
        self.ep.append(len(self.fac) - 1)
        self.vf.append(units / self.den if units > 0 else inf)
        self.ha.append(a)
        self.hd.append(d)
        return len(self.num) - 1

    def _refine(self, m: int) -> None:
        """Multiply the common denominator by ``m`` (existing classes keep their numerators)."""
        if m != 1:
            self.den *= m
            self.fac = [f * m for f in self.fac]
            self.fac.append(1)

    def _growth(self, classes: Sequence[int], grow: int = 0, delay: int = 0) -> tuple[int, int]:
        """One hinge bounding the summed growth of voters in ``classes`` (one entry per voter)."""
        ha, hd = self.ha, self.hd
        for c in classes:
            a = ha[c]
            if a:
                d = hd[c]
                if not grow or d < delay:
                    delay = d
                grow += a
        return grow, delay

    def _zero_voters(self, p: int) -> list[int]:
        """The exhausted supporters of ``p``."""
        bf = self.bf
        return [i for i in self.eng.supporters_of[p] if bf[i] == inf]

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, p: int) -> _Eval | _Short:
        eng = self.eng
        cost = eng.scaled_cost[p]
        sup = eng.supporters_of[p]
        zmask = eng.bits[p] & self.zero
        z = zmask.bit_count()
        bf = self.bf
        utils = eng.utils_of[p]
        if utils is None:
            u = eng.uniform_u[p]
            rest = eng.group_count[p] - z
            if not rest:
                return self._short(p, [], 0)
            q = cost / rest
            if min(map(bf.__getitem__, sup)) > q * (1 + _SLACK):
                # every supporter with money can pay the equal split: settled without sorting
                return self._eval(p, Fraction(cost, rest * u), [], z, rest * u)
            # the supporters paying all they have are those below the payment q, which solves
            # q = (cost - their money) / (the others); iterate on floats (q only grows), verify exactly
            while True:
                poor = [i for i in sup if bf[i] < q]
                if len(poor) >= rest:
                    break
                q_next = (cost - sum(map(bf.__getitem__, poor))) / (rest - len(poor))
                if q_next <= q:
                    break
                q = q_next
            result = self._check_uniform(p, poor, q, rest, u, z)
            return result if result is not None else self._exact_uniform(p, rest, u, z)
        denom = eng.total_u[p]
        if z:
            denom -= sum(lu * (lbits & zmask).bit_count() for lu, lbits in eng.levels[p])
        if not denom:
            return self._short(p, [], 0)
        q = cost / denom
        if min(map(truediv, map(bf.__getitem__, sup), utils)) > q * (1 + _SLACK):
            return self._eval(p, Fraction(cost, denom), [], z, denom)
        pairs = list(zip(sup, utils, strict=True))
        while True:
            poor_pairs = [(i, w) for i, w in pairs if bf[i] < q * w]
            used = sum(w for _, w in poor_pairs)
            if used >= denom:
                break
            q_next = (cost - sum(bf[i] for i, _ in poor_pairs)) / (denom - used)
            if q_next <= q:
                break
            q = q_next
        result = self._check_points(p, pairs, poor_pairs, q, denom, z)
        return result if result is not None else self._exact_points(p, pairs, denom, z)

    def _short(self, p: int, poor: Sequence[int], units: int) -> _Short:
        if not self.certify:
            return _Short(Fraction(units, self.den), 0, 0)
        cid = self.cid
        grow, delay = self._growth([cid[i] for i in (*self._zero_voters(p), *poor)])
        return _Short(Fraction(units, self.den), grow, delay)

    def _eval(self, p: int, rho: Fraction, poor: Sequence[int], z: int, denom: int) -> _Eval:
        if not self.certify:
            return _Eval(rho, z + len(poor), 0, 0, paying=poor)
        cid = self.cid
        voters = [*self._zero_voters(p), *poor] if z else list(poor)
        grow, delay = self._growth([cid[i] for i in voters])
        # the fall of rho is the paying-in-full supporters' growth over the others' utility, rounded up
        return _Eval(rho, z + len(poor), -(-grow // denom), delay, voters, denom, poor)

    def _check_uniform(
        self, p: int, poor: list[int], q: float, rest: int, u: int, z: int
    ) -> _Eval | _Short | None:
        """Exact result for the float guess ``poor``; ``None`` if the guess is not exactly right."""
        units = self._units
        cost_units = self.eng.scaled_cost[p] * self.den
        num, fac, ep = self.num, self.fac, self.ep
        contrib = sum([num[c] * fac[ep[c]] for c in map(self.cid.__getitem__, poor)])
        rich = rest - len(poor)
        if rich <= 0:
            return self._short(p, poor, contrib) if contrib < cost_units else None
        need = cost_units - contrib  # the exact payment is need / rich (units)
        pay = need / (rich * self.den)
        lo, hi = pay * (1 - _SLACK), pay * (1 + _SLACK)
        bf = self.bf
        for i in poor:
            if bf[i] >= lo and units(i) * rich >= need:
                return None
        for i in self.eng.supporters_of[p]:
            b = bf[i]
            if q <= b <= hi and units(i) * rich < need:
                return None
        return self._eval(p, Fraction(need, rich * u * self.den), poor, z, rich * u)

    def _exact_uniform(self, p: int, rest: int, u: int, z: int) -> _Eval | _Short:
        """The pabutools walk over exact shares (used only when floats cannot decide)."""
        units = self._units
        live = sorted((i for i in self.eng.supporters_of[p] if self.bf[i] != inf), key=units)
        cost_units = self.eng.scaled_cost[p] * self.den
        contrib = 0
        for pos, i in enumerate(live):
            v = units(i)
            if cost_units - contrib <= v * rest:
                return self._eval(
                    p, Fraction(cost_units - contrib, rest * u * self.den), live[:pos], z, rest * u
                )
            contrib += v
            rest -= 1
        return self._short(p, live, contrib)

    def _check_points(
        self,
        p: int,
        pairs: list[tuple[int, int]],
        poor_pairs: list[tuple[int, int]],
        q: float,
        denom: int,
        z: int,
    ) -> _Eval | _Short | None:
        units = self._units
        cost_units = self.eng.scaled_cost[p] * self.den
        contrib = sum(units(i) for i, _ in poor_pairs)
        rich = denom - sum(w for _, w in poor_pairs)
        poor = [i for i, _ in poor_pairs]
        if rich <= 0:
            return self._short(p, poor, contrib) if contrib < cost_units else None
        need = cost_units - contrib  # rho = need / rich (units per utility point)
        rho_f = need / (rich * self.den)
        lo, hi = rho_f * (1 - _SLACK), rho_f * (1 + _SLACK)
        bf = self.bf
        for i, w in poor_pairs:
            if bf[i] >= lo * w and units(i) * rich >= need * w:
                return None
        for i, w in pairs:
            b = bf[i]
            if q * w <= b <= hi * w and units(i) * rich < need * w:
                return None
        return self._eval(p, Fraction(need, rich * self.den), poor, z, rich)

    def _exact_points(self, p: int, pairs: list[tuple[int, int]], denom: int, z: int) -> _Eval | _Short:
        units = self._units
        live = sorted(
            ((i, w) for i, w in pairs if self.bf[i] != inf), key=lambda iw: Fraction(units(iw[0]), iw[1])
        )
        cost_units = self.eng.scaled_cost[p] * self.den
        contrib = 0
        for pos, (i, w) in enumerate(live):
            v = units(i)
            if (cost_units - contrib) * w <= v * denom:
                poor = [j for j, _ in live[:pos]]
                return self._eval(p, Fraction(cost_units - contrib, denom * self.den), poor, z, denom)
            contrib += v
            denom -= w
        return self._short(p, [i for i, _ in live], contrib)

    # ------------------------------------------------------------------ purchase

    def buy(self, p: int, ev: _Eval, round_no: int) -> None:
        eng = self.eng
        rho = ev.rho
        sup = eng.supporters_of[p]
        utils = eng.utils_of[p]
        # every payment rho * u must be a whole number of units: refine the denominator if needed. With
        # rho = a / b (lowest terms) the payment a * u * den / b needs b / gcd(b, u * den); over all
        # utilities u the least common multiple of those is b / gcd(b, den * gcd(all u)).
        a, b = rho.numerator, rho.denominator
        self._refine(b // _gcd(b, self.den * eng.level_gcd[p]))
        den = self.den
        pays = {lu: a * lu * den // b for lu, _ in eng.levels[p]}
        cid, bf, vf = self.cid, self.bf, self.vf
        exhausted: list[int] = []
        fall, fall_delay = ev.fall, ev.fall_delay
        if utils is None:
            u = eng.uniform_u[p]
            pay = pays[u]
            plain: dict[int, int] = {}
            for i in sup:
                c = cid[i]
                nc = plain.get(c)
                if nc is None:
                    nc = plain[c] = self._pay_class(c, u, pay, fall, fall_delay)
                if nc != c:
                    cid[i] = nc
                    if bf[i] != inf and vf[nc] == inf:
                        exhausted.append(i)
                    bf[i] = vf[nc]
        else:
            trans: dict[tuple[int, int], int] = {}
            for i, u in zip(sup, utils, strict=True):
                c = cid[i]
                key = (c, u)
                nc = trans.get(key)
                if nc is None:
                    nc = trans[key] = self._pay_class(c, u, pays[u], fall, fall_delay)
                if nc != c:
                    cid[i] = nc
                    if bf[i] != inf and vf[nc] == inf:
                        exhausted.append(i)
                    bf[i] = vf[nc]
        if exhausted:
            self.zero |= _bitset(exhausted, eng.groups)
        if self.certify and self.poor_classes:
            first, poor_classes = self.first_poor, self.poor_classes
            for i in sup:
                if cid[i] in poor_classes and first[i] == _NEVER:
                    first[i] = round_no
            poor_classes.clear()

    def _pay_class(self, c: int, u: int, pay: int, fall: int, fall_delay: int) -> int:
        """Class of the members of ``c`` after paying ``min(share, pay)`` (``pay`` in units)."""
        v = self.num[c] * self.fac[self.ep[c]]
        if not self.certify:
            if v == 0:
                return c
            return self._new_class(v - pay) if v > pay else 1
        # growth bound after paying: own growth plus u times the fall bound of rho
        a, d = _hinge_sum(self.ha[c], self.hd[c], u * fall, fall_delay)
        if v > pay:
            return self._new_class(v - pay, a, d)
        if v < pay:
            self.poor_classes.add(len(self.num))  # the class created below
            if a:
                # paid everything: money can only come back once growth covers the shortfall
                d += ((pay - v) * _FIX * _FIX) // (self.den * a)
            else:
                a, d = 0, 0
        return self._new_class(0, a, d)

    # ------------------------------------------------------------------ dropped projects (certifying runs)

    def _limit_can_win(self, p: int, snapshot: list[int], price: Fraction) -> int | None:
        """Horizon keeping ``p`` from reaching ``rho <= price`` with the shares of ``snapshot``.

        ``sum(min(b_i, price * u_i))`` is what the supporters could pay at that price; it grows only
        through supporters below the price cap.
        """
        eng = self.eng
        utils = eng.utils_of[p]
        den = self.den
        capped_u = 0
        below: list[int] = []
        total = 0
        value, vf = self._value, self.vf
        pf = float(price)
        for j, c in enumerate(snapshot):
            w = utils[j] if utils is not None else eng.uniform_u[p]
            f = vf[c]
            if f != inf and f > pf * w * (1 + _SLACK):
                capped_u += w
                continue
            v = value(c)
            if v >= price * w * den:
                capped_u += w
            else:
                total += v
                below.append(c)
        shortfall = Fraction(eng.scaled_cost[p] * den - total, den) - price * capped_u
        grow, delay = self._growth(below)
        if not grow:
            return None
        return _Horizon.bound(delay, shortfall, grow, strict=True)

    def _limit_short_at_end(self, p: int) -> int | None:
        cid = self.cid
        classes = [cid[i] for i in self.eng.supporters_of[p]]
        total = sum(self._value(c) for c in classes)
        grow, delay = self._growth(classes)
        if not grow:
            return None
        return _Horizon.bound(
            delay, Fraction(self.eng.scaled_cost[p] * self.den - total, self.den), grow, strict=True
        )

    # ------------------------------------------------------------------ one run

    def execute(self, step: int, reference: RunResult | None = None, distance: Money = 0) -> RunResult | None:
        """One run; with ``reference`` a probe ``distance`` scaled units above the reference share."""
        eng = self.eng
        rank = eng.rank
        certify = self.certify
        # heap of (lower bound of rho, rank, project); pabutools starts from cost / total utility, which
        # bounds rho from below for every share (sum(min(b, rho * u)) <= rho * total utility)
        heap = [(Fraction(eng.scaled_cost[p], eng.total_u[p]), rank[p], p) for p in eng.eligible]
        heapq.heapify(heap)
        fall: dict[int, tuple[int, int]] = {}
        horizon = _Horizon() if certify else None
        # certifying runs: (simple limit, project, round, shares of its supporters when dropped)
        drops: list[tuple[int, int, int, list[int]]] = []
        winners_rho: list[Fraction] = []
        forced = reference.selected if reference is not None else []
        done: set[int] = set()
        result = RunResult(selected=[])
        round_no = 0
        while heap and eng.n:
            round_no += 1
            best = -1
            best_eval: _Eval | None = None
            best_rho = _ZERO
            visited: list[tuple[Fraction, int, int]] = []
            if round_no <= len(forced):
                # probe: the reference's winner must still win against every competitor
                assert reference is not None
                best = forced[round_no - 1]
                bound_then = reference.winner_bounds[round_no - 1]
                ref_rho = bound_then.rho
                # at every share in between the winner's rho is at most this decreasing convex bound
                # (rho of the reference shares raised where they must grow); its value at the probe:
                low_end = bound_then.upper(distance)
                ref_first = reference.first_poor
                mult = eng.mult
                ev_best = self.evaluate(best)
                if isinstance(ev_best, _Short):  # pragma: no cover - shares only grew
                    return None
                best_eval, best_rho = ev_best, ev_best.rho
                done.add(best)
                while heap and heap[0][0] <= ref_rho:
                    bound, rk, p = heapq.heappop(heap)
                    if p in done:
                        continue
                    ev = self.evaluate(p)
                    if isinstance(ev, _Short):
                        self._record_drop(p, ev, round_no, result, drops)
                        continue
                    # going back to the reference share, this competitor's rho rises at least by the
                    # number of its paying-in-full supporters that never paid in full there (they lose
                    # at least the whole decrease) over the others' utility (convexity of rho)
                    rise = Fraction(sum(mult[i] for i in ev.poor if ref_first[i] >= round_no), ev.denom)
                    wins_tie = rk < rank[best]
                    for mine, theirs in ((ev.rho + rise * distance, ref_rho), (ev.rho, low_end)):
                        if mine < theirs or (mine == theirs and wins_tie):
                            return None
                    visited.append((ev.rho, rk, p))
                    fall[p] = (ev.fall, ev.fall_delay)
            else:
                while heap:
                    bound, rk, p = heap[0]
                    if best >= 0 and bound > best_rho:
                        break
                    heapq.heappop(heap)
                    if p in done:
                        continue
                    ev = self.evaluate(p)
                    if isinstance(ev, _Short):
                        self._record_drop(p, ev, round_no, result, drops)
                        continue
                    visited.append((ev.rho, rk, p))
                    if certify:
                        # lower bound of this project's rho for larger shares, valid in every later round
                        fall[p] = (ev.fall, ev.fall_delay)
                    if best < 0 or ev.rho < best_rho or (ev.rho == best_rho and rk < rank[best]):
                        best, best_eval, best_rho = p, ev, ev.rho
                if best >= 0 and reference is not None:
                    return None  # something beyond the reference's purchases became affordable
            if best < 0 or best_eval is None:
                break
            done.add(best)
            for entry in visited:
                if entry[2] != best:
                    heapq.heappush(heap, entry)
            if horizon is not None:
                brank = rank[best]
                for bound, rk, p in heap:
                    slope, delay = fall.get(p, (0, 0))
                    if slope and p not in done:
                        # bound - slope * max(0, tau - delay) must stay >= best_rho (> if p wins ties)
                        horizon.add(_Horizon.bound(delay, bound - best_rho, slope, strict=rk < brank))
            result.selected.append(best)
            winners_rho.append(best_rho)
            result.bought[best] = BoughtRecord(
                round=round_no,
                rho=best_rho,
                pay=best_rho * eng.max_u[best],
                supporters=eng.supporters[best],
                paid_in_full=self._paid_in_full(best, best_eval),
            )
            if certify:
                result.winner_bounds.append(self._winner_bound(best, best_eval, round_no))
            self.buy(best, best_eval, round_no)
        if len(result.selected) < len(forced):  # pragma: no cover - the winners stay affordable
            return None
        if horizon is not None:
            self._limit_drops(horizon, drops, winners_rho)
            result.stable_steps = horizon.steps(step)
            result.first_poor = self.first_poor
        return result

    def _paid_in_full(self, p: int, ev: _Eval) -> int:
        """Voters (not groups) supporting ``p`` that pay all they have: exhausted ones and ``ev.paying``."""
        if not self.eng.grouped:
            return ev.poor_count
        mult = self.eng.mult
        return sum(mult[i] for i in self._zero_voters(p)) + sum(mult[i] for i in ev.paying)

    def _winner_bound(self, p: int, ev: _Eval, round_no: int) -> WinnerBound:
        """The reference data bounding the winner's ``rho`` at larger shares (certifying runs)."""
        eng = self.eng
        utils = eng.utils_of[p]
        first, units, mult = self.first_poor, self._units, eng.mult
        if utils is None:
            u = eng.uniform_u[p]
            poor = [(units(i), mult[i] if first[i] >= round_no else 0, u) for i in ev.poor]
        else:
            util_of = dict(zip(eng.supporters_of[p], utils, strict=True))
            poor = [(units(i), mult[i] if first[i] >= round_no else 0, util_of[i]) for i in ev.poor]
        return WinnerBound(ev.rho, eng.scaled_cost[p] * self.den, self.den, ev.denom, poor)

    def _record_drop(
        self,
        p: int,
        ev: _Short,
        round_no: int,
        result: RunResult,
        drops: list[tuple[int, int, int, list[int]]],
    ) -> None:
        result.dropped[p] = DroppedRecord(round_no, ev.available)
        if self.certify and ev.grow:
            # simplest sufficient condition: its supporters stay short of the cost
            simple = _Horizon.bound(
                ev.grow_delay, self.eng.scaled_cost[p] - ev.available, ev.grow, strict=True
            )
            drops.append((simple, p, round_no, [self.cid[i] for i in self.eng.supporters_of[p]]))

    def _limit_drops(
        self, horizon: _Horizon, drops: list[tuple[int, int, int, list[int]]], winners_rho: list[Fraction]
    ) -> None:
        """Constraints of dropped projects, refined lazily where the simple one would bind.

        A project dropped in round ``r`` keeps the outcome if it cannot win any later round — it cannot
        reach ``rho`` at most the largest later winner's ``rho`` — and stays unaffordable at the end.
        Either that pair or the simple "stays short in round r" suffices, so the larger limit is used.
        """
        later_max: list[Fraction] = list(winners_rho)
        for r in range(len(later_max) - 2, -1, -1):
            later_max[r] = max(later_max[r], later_max[r + 1])
        drops.sort(key=lambda d: d[0])
        for simple, p, round_no, snapshot in drops:
            if horizon.limit is not None and simple >= horizon.limit:
                break
            limit = simple
            if round_no <= len(winners_rho):
                by_price = self._limit_can_win(p, snapshot, later_max[round_no - 1])
                at_end = self._limit_short_at_end(p)
                if by_price is None:
                    refined = at_end
                elif at_end is None:
                    refined = by_price
                else:
                    refined = min(by_price, at_end)
                if refined is None:
                    continue  # neither can ever change: no constraint
                limit = max(limit, refined)
            horizon.add(limit)


def _ranks(ids: list[str], costs: list[int], supporters: list[int], tie_breaking: TieBreaking) -> list[int]:
    if tie_breaking is TieBreaking.LEXICOGRAPHIC:
        order = sorted(range(len(ids)), key=lambda p: ids[p])
    else:
        order = sorted(range(len(ids)), key=lambda p: (costs[p], -supporters[p], ids[p]))
    rank = [0] * len(ids)
    for position, p in enumerate(order):
        rank[p] = position
    return rank
