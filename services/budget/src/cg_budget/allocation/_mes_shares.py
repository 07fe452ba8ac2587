"""Shares of one MES run: voters in classes of equal exact shares, and how a purchase moves them.

Part of the engine described in :mod:`._mes`; :mod:`._mes_afford` evaluates projects on these shares and
:mod:`._mes_run` plays the rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd as _gcd
from math import inf

from ._mes_records import FIX, NEVER, Eval, Money, bitset, hinge_sum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._mes import MesEngine


class Shares:
    """The shares of one MES run.

    Class ``c`` holds the exact share ``num[c] * fac[ep[c]] / den`` (scaled money): all class values share
    the denominator ``den``; when a payment needs a finer denominator, ``den`` and the per-epoch factors
    are multiplied instead of every class value. ``vf`` / ``bf`` are the float shadows per class / voter
    (``inf`` for exhausted voters, whose share is exactly 0). Classes never change once created, so a list
    of class ids is a snapshot of shares. In certifying runs ``ha`` / ``hd`` hold each class's growth
    bound (fixed point, see ``FIX``).
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
        self.ha = [FIX, 0]
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
                    self.ha.append(m * FIX)
                    self.hd.append(0)
                cid.append(c)
            self.cid = cid
            self.bf = [self.vf[c] for c in cid]
        else:
            self.cid = [0] * n
            self.bf = [self.vf[0]] * n
        self.zero = (1 << n) - 1 if start <= 0 else 0  # bitset of exhausted voters
        # certifying runs: first round each voter paid all it had, and the classes created that way
        self.first_poor = ([0] * n if start <= 0 else [NEVER] * n) if certify else []
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

    # ------------------------------------------------------------------ purchase

    def buy(self, p: int, ev: Eval, round_no: int) -> None:
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
            self.zero |= bitset(exhausted, eng.groups)
        if self.certify and self.poor_classes:
            first, poor_classes = self.first_poor, self.poor_classes
            for i in sup:
                if cid[i] in poor_classes and first[i] == NEVER:
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
        a, d = hinge_sum(self.ha[c], self.hd[c], u * fall, fall_delay)
        if v > pay:
            return self._new_class(v - pay, a, d)
        if v < pay:
            self.poor_classes.add(len(self.num))  # the class created below
            if a:
                # paid everything: money can only come back once growth covers the shortfall
                d += ((pay - v) * FIX * FIX) // (self.den * a)
            else:
                a, d = 0, 0
        return self._new_class(0, a, d)
