"""Pure committee rules: composition, terms, quorum, majorities, recusal and decision validity.

Nothing here touches the database, the clock or the network: the service layer gathers the facts
(who is seated, who is present, who voted how, the ordinance in force on the day) and asks these
functions for a verdict. Shares are compared in integer arithmetic (``part * 100 > percent * whole``)
so a boundary such as 15 of 30 can never be decided by a floating-point rounding.

One package, three modules: :mod:`.vocabulary`, :mod:`.composition`, :mod:`.decision`; every name is
re-exported here, so ``rules.X`` reads the same everywhere."""

from __future__ import annotations

from cg_committee.rules.composition import (
    CompositionResult,
    appointment_violations,
    civilian_majority_check,
    co_chair_violations,
    composition,
    normalise_organisation,
    recusals,
    renewal_violation,
    seated_members,
)
from cg_committee.rules.decision import (
    DecisionEvaluation,
    Session,
    TallyCounts,
    composition_at_vote,
    counts_as_present,
    evaluate_decision,
    majority_reached,
    notice_check,
    quorum_met,
    session_check,
)
from cg_committee.rules.vocabulary import (
    CIVILIAN_SEATS,
    SEATED_STATUSES,
    AttendanceStatus,
    MajorityBasis,
    MajorityKind,
    MemberFacts,
    Ordinance,
    Rule,
    RuleCheck,
    SeatKind,
    Severity,
    SubjectKind,
    TermStatus,
    VoteChoice,
    add_years,
    default_term_end,
    minimum_for_share,
    share_holds,
    term_status,
)

__all__ = [
    "CIVILIAN_SEATS",
    "SEATED_STATUSES",
    "AttendanceStatus",
    "CompositionResult",
    "DecisionEvaluation",
    "MajorityBasis",
    "MajorityKind",
    "MemberFacts",
    "Ordinance",
    "Rule",
    "RuleCheck",
    "SeatKind",
    "Session",
    "Severity",
    "SubjectKind",
    "TallyCounts",
    "TermStatus",
    "VoteChoice",
    "add_years",
    "appointment_violations",
    "civilian_majority_check",
    "co_chair_violations",
    "composition",
    "composition_at_vote",
    "counts_as_present",
    "default_term_end",
    "evaluate_decision",
    "majority_reached",
    "minimum_for_share",
    "normalise_organisation",
    "notice_check",
    "quorum_met",
    "recusals",
    "renewal_violation",
    "seated_members",
    "session_check",
    "share_holds",
    "term_status",
]
