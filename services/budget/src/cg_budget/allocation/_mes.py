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
:mod:`._completion`) gallops with probes and bisects when one fails; where the purchase order changes at
nearly every step it uses plain exact runs instead. Skipped shares always provably give the outcome of
the run that certified them.
"""

from __future__ import annotations

from math import gcd as _gcd

from ._mes_records import Money, RunResult, bitset
from ._mes_run import Run
from .model import Election, TieBreaking, Utility

# Modules of the engine: ._mes_records (what runs record, certificate arithmetic), ._mes_shares (classes of
# equal shares, purchases), ._mes_afford (rho of one project), ._mes_run (rounds and certificates).


class MesEngine:
    """An election compiled for repeated exact MES runs with one utility model and tie-breaking order."""

    def __init__(self, election: Election, *, utility: Utility, tie_breaking: TieBreaking) -> None:
        self.election = election
        self.utility = utility
        ids = list(election.costs)
        self.ids = ids
        self.n = n = len(election.ballots)
        costs = [election.costs[pid] for pid in ids]
        self.costs = costs
        # Voters with the same ballot stay alike in every run: one *group* of m voters is one voter with
        # m times the share and m times the utility (it pays m * min(b, rho * u), the same rho), so the
        # engine works on groups; counts shown to people (supporters, paid in full) are of voters.
        # Grouping pays off with point utilities (cumulative and score ballots: the engine compares
        # per-utility shares anyway); with cost utilities it would turn every project's equal utilities
        # into unequal ones and measured slower (bench/pb), so there each voter is its own group.
        if utility == "points":
            voters, utils, real, mult = _point_groups(election, ids)
        else:
            voters, utils, real, mult = _single_voters(election, ids, costs, utility)
        self.mult = mult
        self.groups = len(mult)
        self.grouped = self.groups < n  # some group holds more than one voter
        self.supporters_of = voters
        self._index_projects(voters, utils, real)
        #: per project the greatest common divisor of its supporters' utilities
        self.level_gcd = [_gcd(*(lu for lu, _ in levels)) if levels else 1 for levels in self.levels]
        self.scaled_cost = [c * n for c in costs]
        # pabutools: projects with positive total utility and positive cost take part in MES; those with
        # positive utility and zero cost are funded up front; projects nobody values are ignored.
        self.eligible = [p for p in range(len(ids)) if self.total_u[p] > 0 and costs[p] > 0]
        self.free = [p for p in range(len(ids)) if self.total_u[p] > 0 and costs[p] == 0]
        self.rank = _ranks(ids, costs, self.supporters, tie_breaking)

    def _index_projects(self, voters: list[list[int]], utils: list[list[int]], real: list[list[int]]) -> None:
        """Per project: bitsets of its supporting groups by utility level, and the counts shown to people."""
        groups, mult = self.groups, self.mult
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
        for p in range(len(self.ids)):
            us = utils[p]
            distinct = sorted(set(us))
            bits = bitset(voters[p], groups)
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
                self.levels.append(tuple((u, bitset(vs, groups)) for u, vs in sorted(by_u.items())))
            self.supporters.append(sum(mult[g] for g in voters[p]) if self.grouped else len(voters[p]))
            self.group_count.append(len(voters[p]))
            self.point_levels.append(len(set(real[p])))
            self.total_u.append(sum(us))
            self.max_u.append(max(real[p], default=0))

    def run(self, share: Money, *, certify: bool = False, step: int = 1) -> RunResult:
        """MES with every voter starting at ``share`` (scaled money: the real share times ``n``).

        With ``certify`` the result also tells how many further completion steps of ``step`` scaled units
        provably give the same outcome (module docstring).
        """
        result = Run(self, share, certify).execute(step)
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
        return Run(self, share, True).execute(step, reference, distance)


_Supporters = tuple[list[list[int]], list[list[int]], list[list[int]], list[int]]


def _point_groups(election: Election, ids: list[str]) -> _Supporters:
    """Voters with identical ballots as one group: per project the supporting groups, their utilities
    (the group's size times the points) and one voter's points; and each group's size."""
    index = {pid: i for i, pid in enumerate(ids)}
    voters: list[list[int]] = [[] for _ in ids]
    utils: list[list[int]] = [[] for _ in ids]
    real: list[list[int]] = [[] for _ in ids]  # utility of one voter of each supporting group
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
    return voters, utils, real, mult


def _single_voters(election: Election, ids: list[str], costs: list[int], utility: Utility) -> _Supporters:
    """Each voter its own group: per project the supporting voters, their utilities and each one's."""
    index = {pid: i for i, pid in enumerate(ids)}
    voters: list[list[int]] = [[] for _ in ids]
    utils: list[list[int]] = [[] for _ in ids]
    real: list[list[int]] = [[] for _ in ids]
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
    return voters, utils, real, [1] * len(election.ballots)


def _ranks(ids: list[str], costs: list[int], supporters: list[int], tie_breaking: TieBreaking) -> list[int]:
    if tie_breaking is TieBreaking.LEXICOGRAPHIC:
        order = sorted(range(len(ids)), key=lambda p: ids[p])
    else:
        order = sorted(range(len(ids)), key=lambda p: (costs[p], -supporters[p], ids[p]))
    rank = [0] * len(ids)
    for position, p in enumerate(order):
        rank[p] = position
    return rank
