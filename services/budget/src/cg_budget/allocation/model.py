"""Neutral data model of the participatory allocation engine.

The rules in :mod:`cg_budget.allocation.rules` never see a file format: they work on an
:class:`Election` (integer project costs, an integer budget and one ballot per voter) and return an
:class:`Outcome` whose per-project :class:`ProjectExplanation` says, in structured form and in Korean and
English, why each project was or was not funded.

Money is integer (KRW in the platform, the file's currency for Pabulib data). Amounts that are shares of
money (a voter's virtual budget, a payment per supporter) are exact :class:`fractions.Fraction` values; they
are only rounded when turned into human text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise ValueError("budget must be non-negative")
        for pid, cost in self.costs.items():
            if cost < 0:
                raise ValueError(f"project {pid!r} has a negative cost")
        for index, ballot in enumerate(self.ballots):
            unknown = [pid for pid in ballot if pid not in self.costs]
            if unknown:
                raise ValueError(f"ballot {index} names unknown projects {unknown[:3]!r}")

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
    cost: int
    support: int
    position: int | None = None
    round: int | None = None
    max_payment: Fraction | None = None
    paid_in_full: int | None = None
    available: Fraction | None = None
    remaining_budget: int | None = None
    text_en: str = ""
    text_ko: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form: exact fractions are written as strings (``"1234/7"``)."""
        out: dict[str, object] = {
            "project_id": self.project_id,
            "selected": self.selected,
            "reason_code": self.reason_code.value,
            "cost": self.cost,
            "support": self.support,
        }
        for key in ("position", "round", "paid_in_full", "remaining_budget"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
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

    def selected_in_paper_order(self, paper_order: Sequence[str]) -> list[str]:
        """The funded ids in the order of ``paper_order`` (the PROJECTS section of a Pabulib file)."""
        chosen = set(self.selected)
        return [pid for pid in paper_order if pid in chosen]


def money_text(amount: Fraction | int) -> str:
    """Human rendering of an exact amount: integers as is, fractions rounded to two decimals."""
    if isinstance(amount, int) or amount.denominator == 1:
        return f"{int(amount):,}"
    return f"{float(amount):,.2f}"
