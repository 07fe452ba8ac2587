"""Affordability of one project on the current shares: its ``rho``, or what its supporters lack.

Floats propose which supporters pay all they have; every decision is checked on exact integers (see
:mod:`._mes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import inf
from operator import truediv

from ._mes_records import SLACK, Eval, Short
from ._mes_shares import Shares


class Affordability(Shares):
    """Evaluation of projects in a run (the share state is :class:`~._mes_shares.Shares`)."""

    __slots__ = ()

    def evaluate(self, p: int) -> Eval | Short:
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
            if min(map(bf.__getitem__, sup)) > q * (1 + SLACK):
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
        if min(map(truediv, map(bf.__getitem__, sup), utils)) > q * (1 + SLACK):
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

    def _short(self, p: int, poor: Sequence[int], units: int) -> Short:
        if not self.certify:
            return Short(Fraction(units, self.den), 0, 0)
        cid = self.cid
        grow, delay = self._growth([cid[i] for i in (*self._zero_voters(p), *poor)])
        return Short(Fraction(units, self.den), grow, delay)

    def _eval(self, p: int, rho: Fraction, poor: Sequence[int], z: int, denom: int) -> Eval:
        if not self.certify:
            return Eval(rho, z + len(poor), 0, 0, paying=poor)
        cid = self.cid
        voters = [*self._zero_voters(p), *poor] if z else list(poor)
        grow, delay = self._growth([cid[i] for i in voters])
        # the fall of rho is the paying-in-full supporters' growth over the others' utility, rounded up
        return Eval(rho, z + len(poor), -(-grow // denom), delay, voters, denom, poor)

    def _check_uniform(
        self, p: int, poor: list[int], q: float, rest: int, u: int, z: int
    ) -> Eval | Short | None:
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
        lo, hi = pay * (1 - SLACK), pay * (1 + SLACK)
        bf = self.bf
        for i in poor:
            if bf[i] >= lo and units(i) * rich >= need:
                return None
        for i in self.eng.supporters_of[p]:
            b = bf[i]
            if q <= b <= hi and units(i) * rich < need:
                return None
        return self._eval(p, Fraction(need, rich * u * self.den), poor, z, rich * u)

    def _exact_uniform(self, p: int, rest: int, u: int, z: int) -> Eval | Short:
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
    ) -> Eval | Short | None:
        units = self._units
        cost_units = self.eng.scaled_cost[p] * self.den
        contrib = sum(units(i) for i, _ in poor_pairs)
        rich = denom - sum(w for _, w in poor_pairs)
        poor = [i for i, _ in poor_pairs]
        if rich <= 0:
            return self._short(p, poor, contrib) if contrib < cost_units else None
        need = cost_units - contrib  # rho = need / rich (units per utility point)
        rho_f = need / (rich * self.den)
        lo, hi = rho_f * (1 - SLACK), rho_f * (1 + SLACK)
        bf = self.bf
        for i, w in poor_pairs:
            if bf[i] >= lo * w and units(i) * rich >= need * w:
                return None
        for i, w in pairs:
            b = bf[i]
            if q * w <= b <= hi * w and units(i) * rich < need * w:
                return None
        return self._eval(p, Fraction(need, rich * self.den), poor, z, rich)

    def _exact_points(self, p: int, pairs: list[tuple[int, int]], denom: int, z: int) -> Eval | Short:
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
