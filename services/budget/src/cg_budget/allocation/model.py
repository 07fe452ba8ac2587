"""Neutral data model of the participatory allocation engine.

The rules in :mod:`cg_budget.allocation.rules` never see a file format: they work on an
:class:`Election` (integer project costs, an integer budget and one ballot per voter) and return an
:class:`Outcome` whose per-project :class:`ProjectExplanation` says, in structured form and in Korean and
English, why each project was or was not funded.

Money is exact. The rules compute on integers: an election's costs and budget are integer multiples of
``10 ** -scale`` currency units (``scale`` = 0 for KRW in the platform; 2 for a Pabulib file with amounts
like ``1647263.73``). Amounts people see (explanations, the outcome's cost) are converted back to the
currency: an ``int`` when ``scale`` is 0 and a :class:`decimal.Decimal` otherwise. Shares of money (a
voter's virtual budget, a payment per supporter) are exact :class:`fractions.Fraction` values; they are
only rounded when turned into human text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Literal

#: How a ballot values a project. ``points`` are the cumulative/score points (1 for approval and ordinal).
Utility = Literal["cost", "points", "cardinality"]

BallotKind = Literal["approval", "cumulative", "scoring", "ordinal"]


class TieBreaking(StrEnum):
    """Deterministic tie-breaking orders (the first project in the order wins a tie).

    ``lexicographic`` is the pabutools default (``lexico_tie_breaking``): the smaller project id as a *string*
    wins (so ``"1000" < "420"``). ``min_cost_max_votes`` is the order recommended by equalshares.net: the
    cheaper project wins, then the one with more supporters, then the lexicographic order.
    """

    LEXICOGRAPHIC = "lexicographic"
    MIN_COST_MAX_VOTES = "min_cost_max_votes"


@dataclass(frozen=True, slots=True)
class Election:
    """A participatory-budgeting election in neutral form.

    ``costs`` is ordered as on the ballot paper (the order of the Pabulib PROJECTS section); that order is
    the documented order of printed outputs. Each ballot maps a project id to the voter's points for it:
    1 for approval and ordinal ballots (ordinal ballots are read approval-like: a ranked project is
    supported), the points for cumulative and score ballots. Projects absent from a ballot have 0 points.
    """

    budget: int
    costs: Mapping[str, int]
    ballots: Sequence[Mapping[str, int]]
    kind: BallotKind = "approval"
    #: money is counted in units of ``10 ** -scale`` of the currency
    scale: int = 0

    def __post_init__(self) -> None:
        if self.scale < 0:
            raise ValueError("scale must be non-negative")
        if self.budget < 0:
            raise ValueError("budget must be non-negative")
        for pid, cost in self.costs.items():
            if cost < 0:
                raise ValueError(f"project {pid!r} has a negative cost")
        checked: set[int] = set()  # identical ballot objects (interned by the parser) are checked once
        for index, ballot in enumerate(self.ballots):
            if id(ballot) in checked:
                continue
            checked.add(id(ballot))
            unknown = [pid for pid in ballot if pid not in self.costs]
            if unknown:
                raise ValueError(f"ballot {index} names unknown projects {unknown[:3]!r}")

    def amount(self, units: int) -> int | Decimal:
        """An amount in the election's units as currency (exact)."""
        return amount(units, self.scale)

    def share(self, units: Fraction) -> Fraction:
        """A share of money in the election's units as an exact fraction of the currency."""
        return units / 10**self.scale if self.scale else units

    @property
    def default_utility(self) -> Utility:
        """Cost utilities for approval/ordinal ballots, the voter's points for cumulative/score ballots."""
        return "cost" if self.kind in ("approval", "ordinal") else "points"

    def scores(self) -> dict[str, int]:
        """Total support per project: approvals (approval, ordinal) or the sum of points (cumulative, score)."""
        totals = dict.fromkeys(self.costs, 0)
        for ballot in self.ballots:
            for pid, points in ballot.items():
                totals[pid] += points
        return totals

    def supporter_counts(self) -> dict[str, int]:
        """Number of voters giving a project a positive number of points."""
        counts = dict.fromkeys(self.costs, 0)
        for ballot in self.ballots:
            for pid, points in ballot.items():
                if points > 0:
                    counts[pid] += 1
        return counts


class ReasonCode(StrEnum):
    """Why a project was funded or not (stable codes for APIs and tests)."""

    GREEDY_FUNDED = "greedy_funded"
    GREEDY_DID_NOT_FIT = "greedy_did_not_fit"
    GREEDY_BELOW_THRESHOLD = "greedy_below_threshold"
    GREEDY_STOPPED = "greedy_stopped"
    GREEDY_EXCLUDED = "greedy_excluded"
    MES_FUNDED = "mes_funded"
    MES_FUNDED_FREE = "mes_funded_free"
    MES_SUPPORTERS_SHORT = "mes_supporters_short"
    NO_SUPPORT = "no_support"


@dataclass(frozen=True, slots=True)
class ProjectExplanation:
    """Structured reason for one project's result.

    Money fields are in the election's currency. ``max_payment`` is the most a single supporter paid
    (MES, per unit of utility times the utility of a one-unit supporter for point utilities);
    ``available`` is what the supporters still held when the project was found unaffordable;
    ``remaining_budget`` is the real budget left when greedy reached the project.
    """

    project_id: str
    selected: bool
    reason_code: ReasonCode
    cost: int | Decimal
    support: int
    position: int | None = None
    round: int | None = None
    max_payment: Fraction | None = None
    paid_in_full: int | None = None
    available: Fraction | None = None
    remaining_budget: int | Decimal | None = None
    text_en: str = ""
    text_ko: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form: exact fractions and decimal amounts are written as strings (``"1234/7"``,
        ``"1647263.73"``); whole amounts stay integers."""
        out: dict[str, object] = {
            "project_id": self.project_id,
            "selected": self.selected,
            "reason_code": self.reason_code.value,
            "cost": json_amount(self.cost),
            "support": self.support,
        }
        for key in ("position", "round", "paid_in_full"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.remaining_budget is not None:
            out["remaining_budget"] = json_amount(self.remaining_budget)
        for key in ("max_payment", "available"):
            value = getattr(self, key)
            if value is not None:
                out[key] = str(value)
        out["text_en"] = self.text_en
        out["text_ko"] = self.text_ko
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of a rule: funded projects in selection order, their total cost and the explanations.

    ``explanations`` is keyed by project id in ballot-paper order. ``per_voter_budget`` is the virtual share
    of one voter that produced a Method-of-Equal-Shares outcome (``None`` for greedy). ``notes`` carries
    rule-level remarks (completion steps, the comparison vote of add1-comparison).
    """

    rule: str
    selected: tuple[str, ...]
    cost: int
    explanations: Mapping[str, ProjectExplanation] = field(default_factory=dict)
    per_voter_budget: Fraction | None = None
    notes: tuple[str, ...] = ()
    #: ``cost`` is in units of ``10 ** -scale`` (the election's); ``per_voter_budget`` is in currency
    scale: int = 0

    @property
    def amount(self) -> int | Decimal:
        """The total cost in the currency (exact)."""
        return amount(self.cost, self.scale)

    def selected_in_paper_order(self, paper_order: Sequence[str]) -> list[str]:
        """The funded ids in the order of ``paper_order`` (the PROJECTS section of a Pabulib file)."""
        chosen = set(self.selected)
        return [pid for pid in paper_order if pid in chosen]


def amount(units: int, scale: int) -> int | Decimal:
    """``units * 10 ** -scale`` exactly: an ``int`` for scale 0, else a ``Decimal`` with ``scale`` places."""
    return units if scale == 0 else Decimal(units).scaleb(-scale)


def json_amount(value: int | Decimal) -> int | str:
    """Whole amounts as JSON integers, others as exact decimal strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else format(value, "f")
    return value


def money_text(value: Fraction | int | Decimal) -> str:
    """Human rendering of an exact amount: integers as is, other amounts rounded to two decimals."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.quantize(Decimal('0.01')):,}"
    if isinstance(value, int) or value.denominator == 1:
        return f"{int(value):,}"
    cents = round(value * 100)
    return f"{Decimal(cents).scaleb(-2):,}"
