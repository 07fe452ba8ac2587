"""Decision rules: quorum, majorities, public notice, the session window, and a decision's validity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cg_committee.rules.composition import civilian_majority_check
from cg_committee.rules.vocabulary import (
    AttendanceStatus,
    MajorityBasis,
    MajorityKind,
    Ordinance,
    Rule,
    RuleCheck,
    Severity,
    VoteChoice,
    minimum_for_share,
    share_holds,
)

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


def _validity_checks(
    *,
    seated: set[str],
    present: set[str],
    recused: set[str],
    choices: Mapping[str, VoteChoice],
    ordinance: Ordinance,
) -> list[RuleCheck]:
    """Quorum at the vote, no recused member voting, votes only by present seated members, any vote at all."""
    recused_voters = tuple(sorted(m for m in choices if m in recused))
    absent_voters = tuple(sorted(m for m in choices if m not in present))
    need = minimum_for_share(len(seated), ordinance.quorum_percent, strict=ordinance.quorum_strict)
    has_quorum = quorum_met(present=len(present), seated=len(seated), ordinance=ordinance)
    return [
        RuleCheck(
            Rule.QUORUM,
            Severity.OK if has_quorum else Severity.VIOLATION,
            f"{len(present)} of {len(seated)} seated members present at the vote; at least {need} required",
        ),
        RuleCheck(
            Rule.RECUSAL,
            Severity.VIOLATION if recused_voters else Severity.OK,
            (
                f"{len(recused_voters)} recused member(s) voted"
                if recused_voters
                else f"no recused member voted ({len(recused)} recused)"
            ),
            recused_voters,
        ),
        RuleCheck(
            Rule.VOTER_PRESENT,
            Severity.VIOLATION if absent_voters else Severity.OK,
            (
                f"{len(absent_voters)} vote(s) by members not present and seated at the vote"
                if absent_voters
                else "every vote was cast by a member present at the vote"
            ),
            absent_voters,
        ),
        RuleCheck(
            Rule.VOTES_RECORDED,
            Severity.OK if choices else Severity.VIOLATION,
            f"{len(choices)} named vote(s) recorded",
        ),
    ]


def _majority(
    *,
    subject_kind: str,
    seated: set[str],
    present: set[str],
    tally: Counter[VoteChoice],
    ordinance: Ordinance,
) -> tuple[MajorityKind, bool, RuleCheck]:
    """The required majority for the subject kind, whether it was reached, and the check explaining it."""
    yes, no, abstain = tally[VoteChoice.YES], tally[VoteChoice.NO], tally[VoteChoice.ABSTAIN]
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
    check = RuleCheck(
        Rule.MAJORITY,
        Severity.OK,
        f"{yes} yes, {no} no, {abstain} abstain; {kind.value.replace('_', ' ')} majority of "
        f"{basis.value.replace('_', ' ')} ({basis_count}) {'reached' if adopted else 'not reached'}",
    )
    return kind, adopted, check


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
    tally = Counter(choices.values())
    checks: list[RuleCheck] = list(procedure)
    checks += _validity_checks(
        seated=seated, present=present, recused=recused, choices=choices, ordinance=ordinance
    )
    kind, adopted, majority_check = _majority(
        subject_kind=subject_kind, seated=seated, present=present, tally=tally, ordinance=ordinance
    )
    checks.append(majority_check)
    return DecisionEvaluation(
        valid=all(c.ok for c in checks),
        adopted=adopted,
        required_majority=kind,
        tally=TallyCounts(
            seated=len(seated),
            present=len(present),
            yes=tally[VoteChoice.YES],
            no=tally[VoteChoice.NO],
            abstain=tally[VoteChoice.ABSTAIN],
            recused=len(recused),
            recused_voted=sum(1 for m in choices if m in recused),
        ),
        checks=tuple(checks),
    )


def counts_as_present(status: AttendanceStatus | str, ordinance: Ordinance) -> bool:
    status = AttendanceStatus(status)
    return status is AttendanceStatus.PRESENT or (
        status is AttendanceStatus.PROXY and ordinance.proxy_allowed
    )
