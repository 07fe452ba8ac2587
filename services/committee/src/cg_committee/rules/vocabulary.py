"""The committee rules' vocabulary: seat, subject, majority, attendance, vote and term kinds, the
ordinance settings, a member's facts, a rule check, and the integer-exact share arithmetic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class SeatKind(StrEnum):
    CIVILIAN_APPOINTED = "civilian_appointed"
    CIVILIAN_OPEN_CALL = "civilian_open_call"
    COUNCILLOR = "councillor"
    OFFICIAL = "official"
    EXPERT = "expert"


CIVILIAN_SEATS = frozenset({SeatKind.CIVILIAN_APPOINTED, SeatKind.CIVILIAN_OPEN_CALL})


class SubjectKind(StrEnum):
    PLAN = "plan"
    AGENDA = "agenda"
    ORDINANCE = "ordinance"
    OTHER = "other"


class MajorityKind(StrEnum):
    SIMPLE = "simple"  # more than half of the basis
    TWO_THIRDS = "two_thirds"  # at least two thirds of the basis


class MajorityBasis(StrEnum):
    PRESENT_AND_VOTING = "present_and_voting"  # yes + no; abstentions are not votes cast
    PRESENT = "present"  # everyone present at the vote (abstaining counts against)
    SEATED = "seated"  # every seated member (absolute majority)


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    PROXY = "proxy"


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class TermStatus(StrEnum):
    FUTURE = "future"  # appointed, term not started yet
    SERVING = "serving"
    CARRY_OVER = "carry_over"  # past term end, serving until replaced (ordinance allows it)
    EXPIRED = "expired"  # past term end and the ordinance has no carry-over: the seat is vacant
    LEFT = "left"  # resigned, dismissed or replaced


SEATED_STATUSES = frozenset({TermStatus.SERVING, TermStatus.CARRY_OVER})


class Rule(StrEnum):
    """Stable rule names: they appear in problem+json bodies, composition reports and decisions."""

    SIZE_CAP = "size_cap"
    CIVILIAN_MAJORITY = "civilian_majority"
    CO_CHAIRS = "co_chairs"
    CIVILIAN_CO_CHAIR = "civilian_co_chair"
    MAX_RENEWALS = "max_renewals"
    TERM_LENGTH = "term_length"
    CARRY_OVER = "carry_over"
    TERM_ENDING = "term_ending"
    PROXY_ALLOWED = "proxy_allowed"
    QUORUM = "quorum"
    MAJORITY = "majority"
    RECUSAL = "recusal"
    VOTER_PRESENT = "voter_present"
    VOTES_RECORDED = "votes_recorded"
    NOTICE = "notice"
    IN_SESSION = "in_session"


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"  # reported, never blocks (carry-over, terms ending soon)
    VIOLATION = "violation"


@dataclass(frozen=True)
class Ordinance:
    """A borough's committee ordinance settings; the defaults are the ones in DOMAIN.md."""

    size_cap: int = 30
    civilian_min_percent: int = 50
    civilian_strict: bool = True  # civilians strictly more than civilian_min_percent of seated members
    expert_counts_as_civilian: bool = False
    co_chair_count: int = 2
    civilian_co_chairs_min: int = 1
    term_years: int = 2
    max_renewals: int = 1
    carry_over: bool = True
    quorum_percent: int = 50
    quorum_strict: bool = True  # a majority of seated members present
    majority_basis: MajorityBasis = MajorityBasis.PRESENT_AND_VOTING
    majorities: Mapping[str, MajorityKind] = field(
        default_factory=lambda: {SubjectKind.ORDINANCE.value: MajorityKind.TWO_THIRDS}
    )
    term_end_warning_days: int = 60
    proxy_allowed: bool = False
    notice_days: int = 7  # a regular meeting's public notice
    extraordinary_notice_days: int = 1  # the shorter notice of an extraordinary (urgent) meeting

    def required_notice_days(self, meeting_kind: str) -> int:
        return self.extraordinary_notice_days if meeting_kind == "extraordinary" else self.notice_days

    def required_majority(self, subject_kind: str) -> MajorityKind:
        return MajorityKind(self.majorities.get(subject_kind, MajorityKind.SIMPLE))

    def is_civilian(self, seat_kind: SeatKind | str) -> bool:
        kind = SeatKind(seat_kind)
        return kind in CIVILIAN_SEATS or (kind is SeatKind.EXPERT and self.expert_counts_as_civilian)


def share_holds(part: int, whole: int, percent: int, *, strict: bool) -> bool:
    """``part`` is more than (strict) or at least ``percent`` % of ``whole``; integer-exact."""
    if strict:
        return part * 100 > percent * whole
    return part * 100 >= percent * whole


def minimum_for_share(whole: int, percent: int, *, strict: bool) -> int:
    """The smallest ``part`` for which :func:`share_holds` is true (for messages: "16 required")."""
    base = percent * whole
    return base // 100 + 1 if strict else -(-base // 100)


# --- terms -----------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


def default_term_end(term_start: date, term_years: int) -> date:
    """Last day of a term (inclusive): a 2-year term from 2025-01-01 ends on 2026-12-31."""
    return add_years(term_start, term_years) - timedelta(days=1)


def term_status(
    *, term_start: date, term_end: date | None, left_on: date | None, as_of: date, carry_over: bool
) -> TermStatus:
    """``term_end`` is None for an ex-officio member: seated while in office, until they leave."""
    if left_on is not None and left_on <= as_of:
        return TermStatus.LEFT
    if term_start > as_of:
        return TermStatus.FUTURE
    if term_end is None or term_end >= as_of:
        return TermStatus.SERVING
    return TermStatus.CARRY_OVER if carry_over else TermStatus.EXPIRED


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know about one member (no names or contact data beyond a label)."""

    id: str
    seat_kind: SeatKind
    term_start: date
    term_end: date | None  # None: ex officio, no fixed term
    left_on: date | None = None
    renewals: int = 0
    is_co_chair: bool = False
    label: str = ""
    affiliations: tuple[str, ...] = ()
    ex_officio: bool = False

    def status(self, as_of: date, ordinance: Ordinance) -> TermStatus:
        return term_status(
            term_start=self.term_start,
            term_end=self.term_end,
            left_on=self.left_on,
            as_of=as_of,
            carry_over=ordinance.carry_over,
        )

    def is_seated(self, as_of: date, ordinance: Ordinance) -> bool:
        return self.status(as_of, ordinance) in SEATED_STATUSES


@dataclass(frozen=True)
class RuleCheck:
    rule: Rule
    severity: Severity
    detail: str
    member_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.severity is not Severity.VIOLATION
