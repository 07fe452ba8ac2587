"""The rounds of one MES run, and the certificate of a certifying run (see :mod:`._mes`).

Each round evaluates the projects whose lower bound of ``rho`` does not exceed the price to beat and buys
the cheapest (:meth:`Run.execute`). A certifying run also records how far the share may grow with the
same purchases; a probe (a run following a reference run's purchases) checks a whole range of shares.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction
from math import inf

from ._mes_afford import Affordability
from ._mes_records import (
    SLACK,
    ZERO,
    BoughtRecord,
    DroppedRecord,
    Eval,
    Horizon,
    Money,
    RunResult,
    Short,
    WinnerBound,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._mes import MesEngine


@dataclass(slots=True)
class _Probe:
    """One round of a probe: the reference's winner and what bounds it between the two shares."""

    ref_rho: Fraction  # the winner's rho at the reference share
    low_end: Fraction  # an upper bound of the winner's rho at the probe's share
    ref_first: list[int]  # per group, the first round it paid all it had at the reference share
    distance: Money  # scaled units between the reference share and the probe's


class Run(Affordability):
    """One MES run: the share state, the heap of lower bounds of ``rho`` and what the run records."""

    __slots__ = ("done", "drops", "fall", "heap", "horizon", "result", "winners_rho")

    def __init__(self, eng: MesEngine, share: Money, certify: bool) -> None:
        super().__init__(eng, share, certify)
        # heap of (lower bound of rho, rank, project); pabutools starts from cost / total utility, which
        # bounds rho from below for every share (sum(min(b, rho * u)) <= rho * total utility)
        self.heap = [(Fraction(eng.scaled_cost[p], eng.total_u[p]), eng.rank[p], p) for p in eng.eligible]
        heapq.heapify(self.heap)
        #: certifying runs: per evaluated project the hinge bounding the fall of its rho at larger shares
        self.fall: dict[int, tuple[int, int]] = {}
        self.horizon = Horizon() if certify else None
        #: certifying runs: (simple limit, project, round, shares of its supporters when dropped)
        self.drops: list[tuple[int, int, int, list[int]]] = []
        self.winners_rho: list[Fraction] = []
        self.done: set[int] = set()
        self.result = RunResult(selected=[])

    # ------------------------------------------------------------------ one run

    def execute(self, step: int, reference: RunResult | None = None, distance: Money = 0) -> RunResult | None:
        """The run; with ``reference`` a probe ``distance`` scaled units above the reference share.

        A probe returns ``None`` unless every share in between provably gives the reference's purchases.
        """
        forced = reference.selected if reference is not None else []
        heap, result = self.heap, self.result
        round_no = 0
        while heap and self.eng.n:
            round_no += 1
            if round_no <= len(forced):
                assert reference is not None
                won = self._forced_round(round_no, reference, distance)
                if won is None:
                    return None  # a competitor might win this round somewhere between the two shares
            else:
                won = self._scan(round_no, -1, None, None)
                if won is not None and reference is not None:
                    return None  # something beyond the reference's purchases became affordable
            if won is None:
                break
            self._purchase(won[0], won[1], round_no)
        if len(result.selected) < len(forced):  # pragma: no cover - the winners stay affordable
            return None
        if self.horizon is not None:
            self._limit_drops(self.horizon)
            result.stable_steps = self.horizon.steps(step)
            result.first_poor = self.first_poor
        return result

    def _forced_round(self, round_no: int, reference: RunResult, distance: Money) -> tuple[int, Eval] | None:
        """A probe's round: the reference's winner, if no competitor can beat it between the two shares."""
        best = reference.selected[round_no - 1]
        ev_best = self.evaluate(best)
        if isinstance(ev_best, Short):  # pragma: no cover - shares only grew
            return None
        self.done.add(best)
        bound_then = reference.winner_bounds[round_no - 1]
        # at every share in between the winner's rho is at most this decreasing convex bound (rho of the
        # reference shares raised where they must grow); its value at the probe is `low_end`
        probe = _Probe(bound_then.rho, bound_then.upper(distance), reference.first_poor, distance)
        return self._scan(round_no, best, ev_best, probe)

    def _scan(
        self, round_no: int, best: int, best_eval: Eval | None, probe: _Probe | None
    ) -> tuple[int, Eval] | None:
        """Evaluate the projects whose lower bound of ``rho`` does not exceed the price to beat.

        Without ``probe`` the cheapest affordable project wins (``None``: none is affordable). In a probe
        the winner ``best`` is fixed and every competitor must lose to it at both ends of the range
        (``None``: one might not). Evaluated competitors go back on the heap with their exact ``rho``.
        """
        heap, done, fall, rank, mult = self.heap, self.done, self.fall, self.eng.rank, self.eng.mult
        certify = self.certify
        visited: list[tuple[Fraction, int, int]] = []
        best_rho = best_eval.rho if best_eval is not None else ZERO
        limit = probe.ref_rho if probe is not None else best_rho
        while heap:
            bound, rk, p = heap[0]
            if best >= 0 and bound > limit:
                break
            heapq.heappop(heap)
            if p in done:
                continue
            ev = self.evaluate(p)
            if isinstance(ev, Short):
                self._record_drop(p, ev, round_no)
                continue
            visited.append((ev.rho, rk, p))
            if certify:
                # lower bound of this project's rho for larger shares, valid in every later round
                fall[p] = (ev.fall, ev.fall_delay)
            if probe is not None:
                # going back to the reference share, this competitor's rho rises at least by the number
                # of its paying-in-full supporters that never paid in full there (they lose at least the
                # whole decrease) over the others' utility (convexity of rho)
                rise = Fraction(sum(mult[i] for i in ev.poor if probe.ref_first[i] >= round_no), ev.denom)
                wins_tie = rk < rank[best]
                for mine, theirs in (
                    (ev.rho + rise * probe.distance, probe.ref_rho),
                    (ev.rho, probe.low_end),
                ):
                    if mine < theirs or (mine == theirs and wins_tie):
                        return None
            elif best < 0 or ev.rho < best_rho or (ev.rho == best_rho and rk < rank[best]):
                best, best_eval, best_rho = p, ev, ev.rho
                limit = best_rho
        if best < 0 or best_eval is None:
            return None
        for entry in visited:
            if entry[2] != best:
                heapq.heappush(heap, entry)
        return best, best_eval

    def _purchase(self, best: int, ev: Eval, round_no: int) -> None:
        """Buy the round's winner: record it, bound the horizon by the competitors left, pay."""
        eng, result = self.eng, self.result
        best_rho = ev.rho
        self.done.add(best)
        if self.horizon is not None:
            self._limit_competitors(self.horizon, best, best_rho)
        result.selected.append(best)
        self.winners_rho.append(best_rho)
        result.bought[best] = BoughtRecord(
            round=round_no,
            rho=best_rho,
            pay=best_rho * eng.max_u[best],
            supporters=eng.supporters[best],
            paid_in_full=self._paid_in_full(best, ev),
        )
        if self.certify:
            result.winner_bounds.append(self._winner_bound(best, ev, round_no))
        self.buy(best, ev, round_no)

    def _limit_competitors(self, horizon: Horizon, best: int, best_rho: Fraction) -> None:
        """Every competitor's lower-bound line must stay above the winner's rho at larger shares."""
        done, fall = self.done, self.fall
        brank = self.eng.rank[best]
        for bound, rk, p in self.heap:
            slope, delay = fall.get(p, (0, 0))
            if slope and p not in done:
                # bound - slope * max(0, tau - delay) must stay >= best_rho (> if p wins ties)
                horizon.add(Horizon.bound(delay, bound - best_rho, slope, strict=rk < brank))

    def _paid_in_full(self, p: int, ev: Eval) -> int:
        """Voters (not groups) supporting ``p`` that pay all they have: exhausted ones and ``ev.paying``."""
        if not self.eng.grouped:
            return ev.poor_count
        mult = self.eng.mult
        return sum(mult[i] for i in self._zero_voters(p)) + sum(mult[i] for i in ev.paying)

    def _winner_bound(self, p: int, ev: Eval, round_no: int) -> WinnerBound:
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
            if f != inf and f > pf * w * (1 + SLACK):
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
        return Horizon.bound(delay, shortfall, grow, strict=True)

    def _limit_short_at_end(self, p: int) -> int | None:
        cid = self.cid
        classes = [cid[i] for i in self.eng.supporters_of[p]]
        total = sum(self._value(c) for c in classes)
        grow, delay = self._growth(classes)
        if not grow:
            return None
        return Horizon.bound(
            delay, Fraction(self.eng.scaled_cost[p] * self.den - total, self.den), grow, strict=True
        )

    def _record_drop(self, p: int, ev: Short, round_no: int) -> None:
        self.result.dropped[p] = DroppedRecord(round_no, ev.available)
        if self.certify and ev.grow:
            # simplest sufficient condition: its supporters stay short of the cost
            simple = Horizon.bound(
                ev.grow_delay, self.eng.scaled_cost[p] - ev.available, ev.grow, strict=True
            )
            self.drops.append((simple, p, round_no, [self.cid[i] for i in self.eng.supporters_of[p]]))

    def _limit_drops(self, horizon: Horizon) -> None:
        """Constraints of dropped projects, refined lazily where the simple one would bind.

        A project dropped in round ``r`` keeps the outcome if it cannot win any later round — it cannot
        reach ``rho`` at most the largest later winner's ``rho`` — and stays unaffordable at the end.
        Either that pair or the simple "stays short in round r" suffices, so the larger limit is used.
        """
        drops, winners_rho = self.drops, self.winners_rho
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
