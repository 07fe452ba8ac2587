"""Composition rules: who is seated, the civilian majority, appointments, renewals, co-chairs, and
conflict-of-interest recusal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cg_committee.rules.vocabulary import (
    MemberFacts,
    Ordinance,
    Rule,
    RuleCheck,
    SeatKind,
    Severity,
    TermStatus,
    default_term_end,
    minimum_for_share,
    share_holds,
)


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


def _co_chair_checks(seated: Sequence[MemberFacts], ordinance: Ordinance) -> list[RuleCheck]:
    co_chairs = [m for m in seated if m.is_co_chair]
    checks = co_chair_violations(chosen=co_chairs, ordinance=ordinance, complete=True)
    problem_rules = {c.rule for c in checks}
    if Rule.CO_CHAIRS not in problem_rules:
        checks.append(RuleCheck(Rule.CO_CHAIRS, Severity.OK, f"{len(co_chairs)} co-chairs designated", ()))
    if Rule.CIVILIAN_CO_CHAIR not in problem_rules:
        checks.append(RuleCheck(Rule.CIVILIAN_CO_CHAIR, Severity.OK, "a civilian co-chair is designated", ()))
    return checks


def _term_checks(seated: Sequence[MemberFacts], ordinance: Ordinance) -> list[RuleCheck]:
    """Renewal limit and term length; ex-officio members sit while they hold their office: neither applies."""
    over_renewed = tuple(m.id for m in seated if not m.ex_officio and m.renewals > ordinance.max_renewals)
    too_long = tuple(
        m.id
        for m in seated
        if not m.ex_officio
        and m.term_end is not None
        and m.term_end > default_term_end(m.term_start, ordinance.term_years)
    )
    return [
        RuleCheck(
            Rule.MAX_RENEWALS,
            Severity.VIOLATION if over_renewed else Severity.OK,
            f"{len(over_renewed)} member(s) renewed more than {ordinance.max_renewals} time(s)",
            over_renewed,
        ),
        RuleCheck(
            Rule.TERM_LENGTH,
            Severity.VIOLATION if too_long else Severity.OK,
            f"{len(too_long)} member(s) with a term longer than {ordinance.term_years} year(s)",
            too_long,
        ),
    ]


def _carry_over_check(carry: tuple[MemberFacts, ...], expired: tuple[MemberFacts, ...]) -> RuleCheck:
    return RuleCheck(
        Rule.CARRY_OVER,
        Severity.WARNING if carry or expired else Severity.OK,
        f"{len(carry)} member(s) serving past their term end until replaced; "
        f"{len(expired)} seat(s) vacant because the term ended without carry-over",
        tuple(m.id for m in carry + expired),
    )


def _ending_soon(seated: Sequence[MemberFacts], as_of: date, ordinance: Ordinance) -> tuple[MemberFacts, ...]:
    horizon = as_of + timedelta(days=ordinance.term_end_warning_days)
    return tuple(
        sorted(
            (m for m in seated if m.term_end is not None and as_of <= m.term_end <= horizon),
            key=lambda m: (m.term_end or as_of, m.id),
        )
    )


def composition(members: Sequence[MemberFacts], *, as_of: date, ordinance: Ordinance) -> CompositionResult:
    """Check every composition rule for the members seated on ``as_of``."""
    seated = seated_members(members, as_of, ordinance)
    by_kind = {kind.value: 0 for kind in SeatKind}
    for m in seated:
        by_kind[m.seat_kind.value] += 1
    civilians = sum(1 for m in seated if ordinance.is_civilian(m.seat_kind))
    size_ok = len(seated) <= ordinance.size_cap
    checks: list[RuleCheck] = [
        RuleCheck(
            Rule.SIZE_CAP,
            Severity.OK if size_ok else Severity.VIOLATION,
            f"{len(seated)} seated members; the ordinance allows at most {ordinance.size_cap}",
        ),
        civilian_majority_check(civilians, len(seated), ordinance),
        *_co_chair_checks(seated, ordinance),
        *_term_checks(seated, ordinance),
    ]
    carry = tuple(m for m in seated if m.status(as_of, ordinance) is TermStatus.CARRY_OVER)
    expired = tuple(m for m in members if m.status(as_of, ordinance) is TermStatus.EXPIRED)
    checks.append(_carry_over_check(carry, expired))
    ending = _ending_soon(seated, as_of, ordinance)
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
