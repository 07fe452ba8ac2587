"""Pure committee rules: composition, terms, quorum, majorities, recusal and decision validity.

Nothing here touches the database, the clock or the network: the service layer gathers the facts
(who is seated, who is present, who voted how, the ordinance in force on the day) and asks these
functions for a verdict. Shares are compared in integer arithmetic (``part * 100 > percent * whole``)
so a boundary such as 15 of 30 can never be decided by a floating-point rounding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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


def seated_members(members: Iterable[MemberFacts], as_of: date, ordinance: Ordinance) -> list[MemberFacts]:
    return [m for m in members if m.is_seated(as_of, ordinance)]


def civilian_majority_check(civilians: int, seated: int, ordinance: Ordinance) -> RuleCheck:
    need = minimum_for_share(seated, ordinance.civilian_min_percent, strict=ordinance.civilian_strict)
    relation = "more than" if ordinance.civilian_strict else "at least"
    detail = (
        f"{civilians} civilians of {seated} seated members; {relation} "
        f"{ordinance.civilian_min_percent}% means at least {need}"
    )
    holds = seated > 0 and share_holds(
        civilians, seated, ordinance.civilian_min_percent, strict=ordinance.civilian_strict
    )
    return RuleCheck(Rule.CIVILIAN_MAJORITY, Severity.OK if holds else Severity.VIOLATION, detail)


def appointment_violations(
    *,
    seated: Sequence[MemberFacts],
    new_seat_kind: SeatKind,
    ordinance: Ordinance,
    leaving_ids: Iterable[str] = (),
) -> list[RuleCheck]:
    """Hard rules an appointment must not break (the caller refuses it with 409 naming the rule).

    ``seated`` are the members seated on the new term's first day; ``leaving_ids`` those the new
    member replaces. Appointments may come in any order while a committee is being formed (officials
    and councillors are often seated ex officio on the first day, before the open call for civilians
    ends), so the civilian majority does not have to hold after every single appointment: a
    non-civilian appointment is refused only when it makes the majority unreachable, i.e. when even
    filling every remaining seat under the size cap with civilians could not restore it. Whether the
    majority holds today is what the composition report (and each decision's record) says.
    """
    leaving = set(leaving_ids)
    after = [m for m in seated if m.id not in leaving]
    seated_after = len(after) + 1
    violations: list[RuleCheck] = []
    if seated_after > ordinance.size_cap:
        violations.append(
            RuleCheck(
                Rule.SIZE_CAP,
                Severity.VIOLATION,
                f"the appointment would seat {seated_after} members; the ordinance allows at most "
                f"{ordinance.size_cap}",
            )
        )
    if not ordinance.is_civilian(new_seat_kind):
        non_civilians = sum(1 for m in after if not ordinance.is_civilian(m.seat_kind)) + 1
        best = civilian_majority_check(
            max(ordinance.size_cap - non_civilians, 0), ordinance.size_cap, ordinance
        )
        if not best.ok:
            violations.append(
                RuleCheck(
                    Rule.CIVILIAN_MAJORITY,
                    Severity.VIOLATION,
                    f"a {new_seat_kind.value} appointment would leave {non_civilians} non-civilian seats; "
                    f"even with every other seat under the cap civilian there would be {best.detail}",
                )
            )
    return violations


def renewal_violation(*, renewals_so_far: int, ordinance: Ordinance) -> RuleCheck | None:
    if renewals_so_far + 1 > ordinance.max_renewals:
        return RuleCheck(
            Rule.MAX_RENEWALS,
            Severity.VIOLATION,
            f"the member's term was already renewed {renewals_so_far} time(s); the ordinance allows "
            f"{ordinance.max_renewals}",
        )
    return None


def co_chair_violations(
    *, chosen: Sequence[MemberFacts], ordinance: Ordinance, complete: bool
) -> list[RuleCheck]:
    """Co-chair rules; ``complete`` is False while designating (fewer than the full number is allowed)."""
    out: list[RuleCheck] = []
    count = len(chosen)
    if count > ordinance.co_chair_count or (complete and count != ordinance.co_chair_count):
        out.append(
            RuleCheck(
                Rule.CO_CHAIRS,
                Severity.VIOLATION,
                f"{count} co-chair(s) designated; the ordinance requires {ordinance.co_chair_count}",
                tuple(m.id for m in chosen),
            )
        )
    civilians = sum(1 for m in chosen if ordinance.is_civilian(m.seat_kind))
    full = count >= ordinance.co_chair_count
    if (complete or full) and civilians < ordinance.civilian_co_chairs_min:
        out.append(
            RuleCheck(
                Rule.CIVILIAN_CO_CHAIR,
                Severity.VIOLATION,
                f"{civilians} civilian co-chair(s); the ordinance requires at least "
                f"{ordinance.civilian_co_chairs_min}",
                tuple(m.id for m in chosen),
            )
        )
    return out


@dataclass(frozen=True)
class CompositionResult:
    as_of: date
    seated: tuple[MemberFacts, ...]
    by_seat_kind: Mapping[str, int]
    civilians: int
    vacancies: int
    checks: tuple[RuleCheck, ...]
    carry_over: tuple[MemberFacts, ...]
    ending_soon: tuple[MemberFacts, ...]
    expired: tuple[MemberFacts, ...]

    @property
    def violations(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if c.severity is Severity.VIOLATION)

    @property
    def compliant(self) -> bool:
        return not self.violations


def composition(members: Sequence[MemberFacts], *, as_of: date, ordinance: Ordinance) -> CompositionResult:
    """Check every composition rule for the members seated on ``as_of``."""
    seated = seated_members(members, as_of, ordinance)
    by_kind = {kind.value: 0 for kind in SeatKind}
    for m in seated:
        by_kind[m.seat_kind.value] += 1
    civilians = sum(1 for m in seated if ordinance.is_civilian(m.seat_kind))
    checks: list[RuleCheck] = []

    size_ok = len(seated) <= ordinance.size_cap
    checks.append(
        RuleCheck(
            Rule.SIZE_CAP,
            Severity.OK if size_ok else Severity.VIOLATION,
            f"{len(seated)} seated members; the ordinance allows at most {ordinance.size_cap}",
        )
    )
    checks.append(civilian_majority_check(civilians, len(seated), ordinance))

    co_chairs = [m for m in seated if m.is_co_chair]
    co_chair_problems = co_chair_violations(chosen=co_chairs, ordinance=ordinance, complete=True)
    problem_rules = {c.rule for c in co_chair_problems}
    checks.extend(co_chair_problems)
    if Rule.CO_CHAIRS not in problem_rules:
        checks.append(RuleCheck(Rule.CO_CHAIRS, Severity.OK, f"{len(co_chairs)} co-chairs designated", ()))
    if Rule.CIVILIAN_CO_CHAIR not in problem_rules:
        checks.append(RuleCheck(Rule.CIVILIAN_CO_CHAIR, Severity.OK, "a civilian co-chair is designated", ()))

    over_renewed = tuple(m.id for m in seated if not m.ex_officio and m.renewals > ordinance.max_renewals)
    checks.append(
        RuleCheck(
            Rule.MAX_RENEWALS,
            Severity.VIOLATION if over_renewed else Severity.OK,
            f"{len(over_renewed)} member(s) renewed more than {ordinance.max_renewals} time(s)",
            over_renewed,
        )
    )
    # Ex-officio members sit while they hold their office: no term length and no renewals apply.
    too_long = tuple(
        m.id
        for m in seated
        if not m.ex_officio
        and m.term_end is not None
        and m.term_end > default_term_end(m.term_start, ordinance.term_years)
    )
    checks.append(
        RuleCheck(
            Rule.TERM_LENGTH,
            Severity.VIOLATION if too_long else Severity.OK,
            f"{len(too_long)} member(s) with a term longer than {ordinance.term_years} year(s)",
            too_long,
        )
    )

    carry = tuple(m for m in seated if m.status(as_of, ordinance) is TermStatus.CARRY_OVER)
    expired = tuple(m for m in members if m.status(as_of, ordinance) is TermStatus.EXPIRED)
    checks.append(
        RuleCheck(
            Rule.CARRY_OVER,
            Severity.WARNING if carry or expired else Severity.OK,
            f"{len(carry)} member(s) serving past their term end until replaced; "
            f"{len(expired)} seat(s) vacant because the term ended without carry-over",
            tuple(m.id for m in carry + expired),
        )
    )
    horizon = as_of + timedelta(days=ordinance.term_end_warning_days)
    ending = tuple(
        sorted(
            (m for m in seated if m.term_end is not None and as_of <= m.term_end <= horizon),
            key=lambda m: (m.term_end or as_of, m.id),
        )
    )
    checks.append(
        RuleCheck(
            Rule.TERM_ENDING,
            Severity.WARNING if ending else Severity.OK,
            f"{len(ending)} term(s) end within {ordinance.term_end_warning_days} days",
            tuple(m.id for m in ending),
        )
    )
    return CompositionResult(
        as_of=as_of,
        seated=tuple(seated),
        by_seat_kind=by_kind,
        civilians=civilians,
        vacancies=max(ordinance.size_cap - len(seated), 0),
        checks=tuple(checks),
        carry_over=carry,
        ending_soon=ending,
        expired=expired,
    )


# --- recusal ---------------------------------------------------------------------------------


def normalise_organisation(name: str) -> str:
    """Compare organisation names the way people write them: NFKC, case-folded, single spaces.

    Full-width letters and decomposed Hangul jamo compose to the same string; legal-form prefixes
    such as (사) are *not* stripped, because two different bodies can differ only by them.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def recusals(
    members: Iterable[MemberFacts], subject_organisations: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Member id → the subject's organisations (as written on the subject) the member is affiliated with."""
    wanted: dict[str, str] = {}
    for org in subject_organisations:
        key = normalise_organisation(org)
        if key:
            wanted.setdefault(key, org)
    out: dict[str, tuple[str, ...]] = {}
    for m in members:
        hits = sorted({wanted[k] for k in (normalise_organisation(a) for a in m.affiliations) if k in wanted})
        if hits:
            out[m.id] = tuple(hits)
    return out


# --- quorum, majority, validity --------------------------------------------------------------


def quorum_met(*, present: int, seated: int, ordinance: Ordinance) -> bool:
    return seated > 0 and share_holds(
        present, seated, ordinance.quorum_percent, strict=ordinance.quorum_strict
    )


def majority_reached(*, yes: int, basis_count: int, kind: MajorityKind) -> bool:
    if basis_count <= 0:
        return False
    if kind is MajorityKind.TWO_THIRDS:
        return yes * 3 >= basis_count * 2
    return yes * 2 > basis_count


@dataclass(frozen=True)
class TallyCounts:
    seated: int
    present: int
    yes: int
    no: int
    abstain: int
    recused: int
    recused_voted: int


@dataclass(frozen=True)
class DecisionEvaluation:
    valid: bool
    adopted: bool
    required_majority: MajorityKind
    tally: TallyCounts
    checks: tuple[RuleCheck, ...]

    @property
    def outcome(self) -> str:
        return "adopted" if self.adopted else "rejected"

    @property
    def reasons(self) -> list[str]:
        """One line per check, failures first: what a reader of the record needs."""
        ordered = sorted(self.checks, key=lambda c: c.ok)
        return [f"{c.rule.value}: {'ok' if c.ok else 'FAILED'} — {c.detail}" for c in ordered]


def notice_check(*, notice_on: date, meeting_day: date, meeting_kind: str, ordinance: Ordinance) -> RuleCheck:
    """Public notice (공고): at least the ordinance's days between the notice and the meeting day."""
    required = ordinance.required_notice_days(meeting_kind)
    given = (meeting_day - notice_on).days
    return RuleCheck(
        Rule.NOTICE,
        Severity.OK if given >= required else Severity.VIOLATION,
        f"{meeting_kind} meeting announced on {notice_on.isoformat()}, {given} day(s) before it; "
        f"the ordinance requires {required}",
    )


@dataclass(frozen=True)
class Session:
    """When a meeting is in session: from its start until it ends (``ends_at``) or is closed as held."""

    starts_at: datetime
    ends_at: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return moment >= self.starts_at and (self.ends_at is None or moment <= self.ends_at)

    def describe(self) -> str:
        end = self.ends_at.isoformat() if self.ends_at is not None else "its close"
        return f"{self.starts_at.isoformat()} to {end}"


def session_check(*, session: Session, cast_at: Mapping[str, datetime], voted_at: datetime) -> RuleCheck:
    """Votes count only when cast while the meeting is in session, and the vote itself is taken then."""
    outside = tuple(sorted(member for member, moment in cast_at.items() if not session.contains(moment)))
    problems: list[str] = []
    if outside:
        problems.append(f"{len(outside)} vote(s) cast outside the session")
    if not session.contains(voted_at):
        problems.append(f"the vote was taken at {voted_at.isoformat()}, outside the session")
    detail = (
        "; ".join(problems) + f" (in session {session.describe()})"
        if problems
        else f"every vote cast while the meeting was in session ({session.describe()})"
    )
    return RuleCheck(Rule.IN_SESSION, Severity.VIOLATION if problems else Severity.OK, detail, outside)


def composition_at_vote(*, civilians: int, seated: int, ordinance: Ordinance) -> RuleCheck:
    """The civilian majority on the day of a vote, for the decision's record.

    A warning, not a violation: the ordinance makes the majority a rule of composition, not a
    condition of each decision, but a decision taken by a committee without it is worth flagging.
    """
    check = civilian_majority_check(civilians, seated, ordinance)
    if check.ok:
        return check
    return RuleCheck(Rule.CIVILIAN_MAJORITY, Severity.WARNING, f"at the vote: {check.detail}")


def evaluate_decision(
    *,
    subject_kind: str,
    seated_ids: Iterable[str],
    present_ids: Iterable[str],
    votes: Mapping[str, VoteChoice],
    recused_ids: Iterable[str],
    ordinance: Ordinance,
    procedure: Sequence[RuleCheck] = (),
) -> DecisionEvaluation:
    """Validity (quorum at the time of the vote, votes only by present seated members, no recused
    member voting, at least one vote recorded) and outcome (the required majority by subject kind).

    ``present_ids`` already applies the proxy rule (a proxy counts as present only where the
    ordinance allows proxies). ``procedure`` are the meeting's own checks (public notice, votes in
    session): a decision taken without due notice or outside the session is invalid too. A valid
    decision may still be a rejection; an invalid one is never acted upon, whatever its outcome.
    """
    seated = set(seated_ids)
    present = set(present_ids) & seated
    recused = set(recused_ids) & seated
    choices = {member: VoteChoice(choice) for member, choice in votes.items()}
    yes = sum(1 for c in choices.values() if c is VoteChoice.YES)
    no = sum(1 for c in choices.values() if c is VoteChoice.NO)
    abstain = sum(1 for c in choices.values() if c is VoteChoice.ABSTAIN)
    recused_voters = tuple(sorted(m for m in choices if m in recused))
    absent_voters = tuple(sorted(m for m in choices if m not in present))

    checks: list[RuleCheck] = list(procedure)
    need = minimum_for_share(len(seated), ordinance.quorum_percent, strict=ordinance.quorum_strict)
    has_quorum = quorum_met(present=len(present), seated=len(seated), ordinance=ordinance)
    checks.append(
        RuleCheck(
            Rule.QUORUM,
            Severity.OK if has_quorum else Severity.VIOLATION,
            f"{len(present)} of {len(seated)} seated members present at the vote; at least {need} required",
        )
    )
    checks.append(
        RuleCheck(
            Rule.RECUSAL,
            Severity.VIOLATION if recused_voters else Severity.OK,
            (
                f"{len(recused_voters)} recused member(s) voted"
                if recused_voters
                else f"no recused member voted ({len(recused)} recused)"
            ),
            recused_voters,
        )
    )
    checks.append(
        RuleCheck(
            Rule.VOTER_PRESENT,
            Severity.VIOLATION if absent_voters else Severity.OK,
            (
                f"{len(absent_voters)} vote(s) by members not present and seated at the vote"
                if absent_voters
                else "every vote was cast by a member present at the vote"
            ),
            absent_voters,
        )
    )
    checks.append(
        RuleCheck(
            Rule.VOTES_RECORDED,
            Severity.OK if choices else Severity.VIOLATION,
            f"{len(choices)} named vote(s) recorded",
        )
    )
    kind = ordinance.required_majority(subject_kind)
    basis = ordinance.majority_basis
    if basis is MajorityBasis.PRESENT_AND_VOTING:
        basis_count = yes + no
    elif basis is MajorityBasis.PRESENT:
        basis_count = len(present)
    else:
        basis_count = len(seated)
    adopted = majority_reached(yes=yes, basis_count=basis_count, kind=kind)
    # The majority check explains the outcome; a rejection is a valid result, never a violation.
    checks.append(
        RuleCheck(
            Rule.MAJORITY,
            Severity.OK,
            f"{yes} yes, {no} no, {abstain} abstain; {kind.value.replace('_', ' ')} majority of "
            f"{basis.value.replace('_', ' ')} ({basis_count}) {'reached' if adopted else 'not reached'}",
        )
    )
    valid = all(c.ok for c in checks)
    return DecisionEvaluation(
        valid=valid,
        adopted=adopted,
        required_majority=kind,
        tally=TallyCounts(
            seated=len(seated),
            present=len(present),
            yes=yes,
            no=no,
            abstain=abstain,
            recused=len(recused),
            recused_voted=len(recused_voters),
        ),
        checks=tuple(checks),
    )


def counts_as_present(status: AttendanceStatus | str, ordinance: Ordinance) -> bool:
    status = AttendanceStatus(status)
    return status is AttendanceStatus.PRESENT or (
        status is AttendanceStatus.PROXY and ordinance.proxy_allowed
    )
