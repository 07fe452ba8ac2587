"""Pure rules: composition, terms, quorum, majorities, recusal, decision validity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cg_committee import rules
from cg_committee.rules import (
    MajorityKind,
    MemberFacts,
    Ordinance,
    Rule,
    SeatKind,
    Severity,
    TermStatus,
    VoteChoice,
)

DEFAULT = Ordinance()
TODAY = date(2026, 11, 27)


def member(n: int, kind: SeatKind, **kw: object) -> MemberFacts:
    fields: dict[str, object] = {"term_start": date(2025, 6, 1), "term_end": date(2027, 5, 31), **kw}
    return MemberFacts(id=f"{kind.value}-{n}", seat_kind=kind, **fields)  # type: ignore[arg-type]


def seated(civilians: int, officials: int, **kw: object) -> list[MemberFacts]:
    return [member(i, SeatKind.CIVILIAN_APPOINTED, **kw) for i in range(civilians)] + [
        member(i, SeatKind.OFFICIAL, **kw) for i in range(officials)
    ]


# --- appointment (hard rules) ------------------------------------------------------------------


def test_sixteenth_official_with_fourteen_civilians_breaks_the_civilian_majority() -> None:
    board = seated(14, 15)
    violations = rules.appointment_violations(
        seated=board, new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT
    )
    assert [v.rule for v in violations] == [Rule.CIVILIAN_MAJORITY]
    assert "14 civilians of 30 seated" in violations[0].detail
    assert "at least 16" in violations[0].detail


def test_appointment_that_keeps_the_majority_is_allowed_and_exactly_half_is_not() -> None:
    assert (
        rules.appointment_violations(
            seated=seated(16, 13), new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT
        )
        == []
    )
    half = rules.appointment_violations(
        seated=seated(15, 14), new_seat_kind=SeatKind.COUNCILLOR, ordinance=DEFAULT
    )
    assert [v.rule for v in half] == [Rule.CIVILIAN_MAJORITY]  # 15 of 30 is not *more* than half


def test_a_civilian_is_never_refused_for_the_majority_rule_but_the_cap_holds() -> None:
    assert (
        rules.appointment_violations(
            seated=seated(2, 20), new_seat_kind=SeatKind.CIVILIAN_OPEN_CALL, ordinance=DEFAULT
        )
        == []
    )
    full = rules.appointment_violations(
        seated=seated(20, 10), new_seat_kind=SeatKind.CIVILIAN_APPOINTED, ordinance=DEFAULT
    )
    assert [v.rule for v in full] == [Rule.SIZE_CAP]


def test_replacement_frees_the_seat_it_takes_over() -> None:
    board = seated(20, 10)
    out = rules.appointment_violations(
        seated=board, new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT, leaving_ids=["official-0"]
    )
    assert out == []


def test_experts_count_as_civilians_only_when_the_ordinance_says_so() -> None:
    board = [*seated(14, 14), member(0, SeatKind.EXPERT)]
    strict = rules.appointment_violations(seated=board, new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT)
    assert [v.rule for v in strict] == [Rule.CIVILIAN_MAJORITY]
    lenient = Ordinance(expert_counts_as_civilian=True)
    # 15 of 30 is still not more than half; with one official fewer it holds.
    assert (
        rules.appointment_violations(
            seated=board[:-2] + board[-1:], new_seat_kind=SeatKind.OFFICIAL, ordinance=lenient
        )
        == []
    )


@given(
    civilians=st.integers(0, 40),
    others=st.integers(0, 40),
    kind=st.sampled_from(list(SeatKind)),
    percent=st.integers(0, 100),
    strict=st.booleans(),
)
def test_an_appointment_is_refused_for_the_majority_only_when_it_becomes_unreachable(
    civilians: int, others: int, kind: SeatKind, percent: int, strict: bool
) -> None:
    ordinance = Ordinance(size_cap=100, civilian_min_percent=percent, civilian_strict=strict)
    board = seated(civilians, others)
    violations = rules.appointment_violations(seated=board, new_seat_kind=kind, ordinance=ordinance)
    refused_for_majority = Rule.CIVILIAN_MAJORITY in {v.rule for v in violations}
    if ordinance.is_civilian(kind):
        assert not refused_for_majority
        return
    # Reachable: some number of civilians, added up to the cap, makes the majority hold.
    non_civilians = others + 1
    reachable = any(
        rules.share_holds(c, c + non_civilians, percent, strict=strict)
        for c in range(civilians, max(ordinance.size_cap - non_civilians, civilians) + 1)
        if c + non_civilians <= ordinance.size_cap
    )
    assert refused_for_majority == (not reachable)


def test_officials_may_be_seated_before_any_civilian_while_the_committee_forms() -> None:
    # The ex-officio seats are often filled on the first day, before the open call for civilians ends.
    assert rules.appointment_violations(seated=[], new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT) == []
    fourteen = seated(0, 14)  # cap 30: 14 non-civilians still leave room for 16 civilians
    assert (
        rules.appointment_violations(seated=fourteen[:13], new_seat_kind=SeatKind.OFFICIAL, ordinance=DEFAULT)
        == []
    )
    fifteenth = rules.appointment_violations(
        seated=fourteen, new_seat_kind=SeatKind.COUNCILLOR, ordinance=DEFAULT
    )
    assert [v.rule for v in fifteenth] == [Rule.CIVILIAN_MAJORITY]
    assert "15 civilians of 30 seated" in fifteenth[0].detail


def test_a_meeting_needs_the_notice_its_kind_requires() -> None:
    day = date(2027, 8, 20)
    two_days = rules.notice_check(
        notice_on=date(2027, 8, 18), meeting_day=day, meeting_kind="regular", ordinance=DEFAULT
    )
    assert two_days.rule is Rule.NOTICE and not two_days.ok
    assert "2 day(s) before it; the ordinance requires 7" in two_days.detail
    week = rules.notice_check(
        notice_on=date(2027, 8, 13), meeting_day=day, meeting_kind="regular", ordinance=DEFAULT
    )
    assert week.ok
    urgent = rules.notice_check(
        notice_on=date(2027, 8, 19), meeting_day=day, meeting_kind="extraordinary", ordinance=DEFAULT
    )
    assert urgent.ok  # the ordinance's shorter notice for an extraordinary meeting (1 day by default)
    same_day = rules.notice_check(
        notice_on=day, meeting_day=day, meeting_kind="extraordinary", ordinance=DEFAULT
    )
    assert not same_day.ok


def test_votes_outside_the_session_invalidate_the_decision() -> None:
    starts = datetime(2027, 8, 20, 5, 0, tzinfo=UTC)  # 14:00 in Seoul
    session = rules.Session(starts_at=starts, ends_at=starts + timedelta(hours=2))
    inside = {"a": starts + timedelta(minutes=30), "b": starts + timedelta(hours=2)}
    assert rules.session_check(session=session, cast_at=inside, voted_at=starts + timedelta(hours=1)).ok
    early = rules.session_check(
        session=session,
        cast_at={**inside, "c": starts - timedelta(seconds=1)},
        voted_at=starts + timedelta(hours=1),
    )
    assert not early.ok and early.member_ids == ("c",)
    late_vote = rules.session_check(session=session, cast_at=inside, voted_at=starts + timedelta(hours=3))
    assert not late_vote.ok and "outside the session" in late_vote.detail
    open_ended = rules.Session(starts_at=starts)
    assert open_ended.contains(starts + timedelta(days=1)) and not open_ended.contains(
        starts - timedelta(minutes=1)
    )
    evaluation = rules.evaluate_decision(
        subject_kind="plan",
        seated_ids=["a", "b", "c"],
        present_ids=["a", "b", "c"],
        votes={"a": VoteChoice.YES, "b": VoteChoice.YES, "c": VoteChoice.YES},
        recused_ids=[],
        ordinance=DEFAULT,
        procedure=(early,),
    )
    assert evaluation.adopted and not evaluation.valid
    assert evaluation.reasons[0].startswith("in_session: FAILED")


@given(whole=st.integers(0, 500), percent=st.integers(0, 100), strict=st.booleans())
def test_minimum_for_share_is_the_smallest_part_that_holds(whole: int, percent: int, strict: bool) -> None:
    need = rules.minimum_for_share(whole, percent, strict=strict)
    assert rules.share_holds(need, whole, percent, strict=strict)
    if need > 0:
        assert not rules.share_holds(need - 1, whole, percent, strict=strict)


# --- terms -------------------------------------------------------------------------------------


def test_default_term_end_is_the_day_before_the_anniversary() -> None:
    assert rules.default_term_end(date(2025, 1, 1), 2) == date(2026, 12, 31)
    assert rules.default_term_end(date(2024, 2, 29), 2) == date(2026, 2, 27)  # no 29 Feb in 2026


@pytest.mark.parametrize(
    ("left_on", "as_of", "carry_over", "expected"),
    [
        (None, date(2024, 12, 31), True, TermStatus.FUTURE),
        (None, date(2025, 6, 1), True, TermStatus.SERVING),
        (None, date(2026, 12, 31), True, TermStatus.SERVING),
        (None, date(2027, 1, 1), True, TermStatus.CARRY_OVER),
        (None, date(2027, 1, 1), False, TermStatus.EXPIRED),
        (date(2027, 3, 1), date(2027, 2, 1), True, TermStatus.CARRY_OVER),
        (date(2027, 3, 1), date(2027, 3, 1), True, TermStatus.LEFT),
    ],
)
def test_term_status(left_on: date | None, as_of: date, carry_over: bool, expected: TermStatus) -> None:
    status = rules.term_status(
        term_start=date(2025, 1, 1),
        term_end=date(2026, 12, 31),
        left_on=left_on,
        as_of=as_of,
        carry_over=carry_over,
    )
    assert status is expected


def test_renewal_limit() -> None:
    assert rules.renewal_violation(renewals_so_far=0, ordinance=DEFAULT) is None
    problem = rules.renewal_violation(renewals_so_far=1, ordinance=DEFAULT)
    assert problem is not None and problem.rule is Rule.MAX_RENEWALS


# --- composition report ------------------------------------------------------------------------


def test_composition_reports_carry_over_and_terms_ending_within_the_warning_window() -> None:
    ended = member(90, SeatKind.CIVILIAN_APPOINTED, term_start=date(2023, 1, 1), term_end=date(2024, 12, 31))
    soon = member(
        91, SeatKind.CIVILIAN_APPOINTED, term_start=date(2025, 1, 15), term_end=TODAY + timedelta(days=60)
    )
    later = member(
        92, SeatKind.CIVILIAN_APPOINTED, term_start=date(2025, 3, 1), term_end=TODAY + timedelta(days=61)
    )
    gone = member(
        93,
        SeatKind.CIVILIAN_APPOINTED,
        term_start=date(2023, 1, 1),
        term_end=date(2024, 12, 31),
        left_on=date(2025, 1, 1),
    )
    board = [*seated(10, 5), ended, soon, later, gone]
    result = rules.composition(board, as_of=TODAY, ordinance=DEFAULT)
    assert [m.id for m in result.carry_over] == [ended.id]
    assert [m.id for m in result.ending_soon] == [soon.id]
    assert len(result.seated) == 18
    checks = {c.rule: c for c in result.checks}
    assert checks[Rule.CARRY_OVER].severity is Severity.WARNING
    assert checks[Rule.TERM_ENDING].severity is Severity.WARNING
    assert checks[Rule.TERM_ENDING].member_ids == (soon.id,)
    assert result.vacancies == 12


def test_composition_without_carry_over_makes_the_seat_vacant() -> None:
    ended = member(90, SeatKind.CIVILIAN_APPOINTED, term_start=date(2023, 1, 1), term_end=date(2024, 12, 31))
    result = rules.composition(
        [*seated(3, 1, term_end=date(2027, 12, 31)), ended],
        as_of=TODAY,
        ordinance=Ordinance(carry_over=False),
    )
    assert [m.id for m in result.expired] == [ended.id]
    assert len(result.seated) == 4


def test_composition_flags_minority_co_chairs_and_over_renewal() -> None:
    board = seated(10, 12)
    board[0] = MemberFacts(**{**board[0].__dict__, "renewals": 2})
    board[-1] = MemberFacts(**{**board[-1].__dict__, "is_co_chair": True})
    board[-2] = MemberFacts(**{**board[-2].__dict__, "is_co_chair": True})
    result = rules.composition(board, as_of=TODAY, ordinance=DEFAULT)
    failed = {c.rule for c in result.violations}
    assert failed == {Rule.CIVILIAN_MAJORITY, Rule.CIVILIAN_CO_CHAIR, Rule.MAX_RENEWALS}
    assert not result.compliant


def test_compliant_committee() -> None:
    board = seated(21, 9)
    board[0] = MemberFacts(**{**board[0].__dict__, "is_co_chair": True})
    board[-1] = MemberFacts(**{**board[-1].__dict__, "is_co_chair": True})
    result = rules.composition(board, as_of=date(2025, 6, 1), ordinance=DEFAULT)
    assert result.compliant, result.violations
    assert result.civilians == 21


def test_co_chair_designation() -> None:
    two_officials = [member(1, SeatKind.OFFICIAL), member(2, SeatKind.OFFICIAL)]
    assert [
        c.rule for c in rules.co_chair_violations(chosen=two_officials, ordinance=DEFAULT, complete=False)
    ] == [Rule.CIVILIAN_CO_CHAIR]
    assert rules.co_chair_violations(chosen=two_officials[:1], ordinance=DEFAULT, complete=False) == []
    three = [*two_officials, member(3, SeatKind.CIVILIAN_APPOINTED)]
    assert Rule.CO_CHAIRS in {
        c.rule for c in rules.co_chair_violations(chosen=three, ordinance=DEFAULT, complete=False)
    }


# --- quorum and majority -----------------------------------------------------------------------


def test_quorum_is_a_majority_of_seated_members() -> None:
    assert not rules.quorum_met(present=15, seated=30, ordinance=DEFAULT)
    assert rules.quorum_met(present=16, seated=30, ordinance=DEFAULT)
    assert not rules.quorum_met(present=0, seated=0, ordinance=DEFAULT)


@given(present=st.integers(0, 200), seated_count=st.integers(1, 200))
def test_default_quorum_matches_more_than_half(present: int, seated_count: int) -> None:
    assert rules.quorum_met(present=present, seated=seated_count, ordinance=DEFAULT) == (
        present > seated_count / 2
    )


@given(yes=st.integers(0, 100), basis=st.integers(0, 100))
def test_majorities(yes: int, basis: int) -> None:
    simple = rules.majority_reached(yes=yes, basis_count=basis, kind=MajorityKind.SIMPLE)
    two_thirds = rules.majority_reached(yes=yes, basis_count=basis, kind=MajorityKind.TWO_THIRDS)
    assert simple == (basis > 0 and yes > basis / 2)
    assert two_thirds == (basis > 0 and 3 * yes >= 2 * basis)
    if two_thirds and basis > 0:
        assert simple or (yes * 2 == basis)  # two thirds implies more than half except at basis 0


# --- recusal -----------------------------------------------------------------------------------


def test_recusal_matches_partner_and_applicant_organisations_loosely() -> None:
    people = [
        member(1, SeatKind.CIVILIAN_APPOINTED, affiliations=("성동  마을넷",)),
        member(2, SeatKind.CIVILIAN_APPOINTED, affiliations=("ＳＥＯＵＬ Youth Lab",)),
        member(3, SeatKind.OFFICIAL, affiliations=("성동구청",)),
    ]
    found = rules.recusals(people, ["성동 마을넷", "seoul youth lab"])
    assert found == {"civilian_appointed-1": ("성동 마을넷",), "civilian_appointed-2": ("seoul youth lab",)}


@given(name=st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=20))
def test_recusal_ignores_case_and_spacing(name: str) -> None:
    person = member(1, SeatKind.EXPERT, affiliations=(f"  {name.upper()} ",))
    assert rules.normalise_organisation(name) == rules.normalise_organisation(f" {name} ")
    hits = rules.recusals([person], [name.lower()])
    assert (person.id in hits) == (
        rules.normalise_organisation(name.upper()) == rules.normalise_organisation(name.lower())
    )


# --- decision validity -------------------------------------------------------------------------

SEATS = [f"m{i:02d}" for i in range(30)]


def _votes(yes: int, no: int = 0, abstain: int = 0, *, start: int = 0) -> dict[str, VoteChoice]:
    ids = SEATS[start : start + yes + no + abstain]
    return {
        mid: VoteChoice.YES if i < yes else VoteChoice.NO if i < yes + no else VoteChoice.ABSTAIN
        for i, mid in enumerate(ids)
    }


def _evaluate(
    present: int, votes: dict[str, VoteChoice], *, recused: tuple[str, ...] = (), kind: str = "plan"
) -> rules.DecisionEvaluation:
    return rules.evaluate_decision(
        subject_kind=kind,
        seated_ids=SEATS,
        present_ids=SEATS[:present],
        votes=votes,
        recused_ids=recused,
        ordinance=DEFAULT,
    )


def test_fifteen_of_thirty_present_is_not_a_valid_vote() -> None:
    result = _evaluate(15, _votes(9, 6))
    assert not result.valid
    assert result.tally.present == 15 and result.tally.seated == 30
    assert any(r.startswith("quorum: FAILED") for r in result.reasons)


def test_sixteen_present_and_nine_yes_is_valid_and_adopted() -> None:
    result = _evaluate(16, _votes(9, 7))
    assert result.valid and result.adopted and result.outcome == "adopted"
    assert result.tally.yes == 9


def test_abstentions_do_not_count_as_votes_cast() -> None:
    result = _evaluate(16, _votes(5, 4, 7))
    assert result.valid and result.adopted  # 5 of 9 votes cast


def test_a_valid_rejection() -> None:
    result = _evaluate(20, _votes(8, 9, 3))
    assert result.valid and not result.adopted and result.outcome == "rejected"


def test_recused_member_voting_invalidates_the_decision() -> None:
    votes = _votes(9, 7)
    clean = _evaluate(16, votes, recused=("m20",))  # recused but did not vote
    assert clean.valid and clean.tally.recused == 1 and clean.tally.recused_voted == 0
    dirty = _evaluate(16, votes, recused=("m00",))
    assert not dirty.valid
    assert dirty.tally.recused_voted == 1
    assert any(r.startswith("recusal: FAILED") for r in dirty.reasons)


def test_vote_by_an_absent_member_invalidates_and_no_votes_is_invalid() -> None:
    assert not _evaluate(16, _votes(9, 7, start=10)).valid  # m16..m25 were not present
    assert not _evaluate(16, {}).valid


def test_ordinance_subjects_need_two_thirds() -> None:
    assert not _evaluate(20, _votes(13, 7), kind="ordinance").adopted
    two_thirds = _evaluate(20, _votes(14, 7), kind="ordinance")
    assert two_thirds.adopted and two_thirds.required_majority is MajorityKind.TWO_THIRDS


def test_proxies_count_only_where_allowed() -> None:
    assert not rules.counts_as_present("proxy", DEFAULT)
    assert rules.counts_as_present("proxy", Ordinance(proxy_allowed=True))
    assert rules.counts_as_present("present", DEFAULT)
    assert not rules.counts_as_present("absent", Ordinance(proxy_allowed=True))


@given(
    present=st.integers(0, 30),
    yes=st.integers(0, 30),
    no=st.integers(0, 30),
    recused_index=st.one_of(st.none(), st.integers(0, 29)),
)
def test_validity_is_exactly_quorum_and_clean_voters(
    present: int, yes: int, no: int, recused_index: int | None
) -> None:
    votes = _votes(min(yes, 30), min(no, max(0, 30 - yes)))
    recused = () if recused_index is None else (SEATS[recused_index],)
    result = _evaluate(present, votes, recused=recused)
    voters = set(votes)
    expected = (
        present * 2 > 30 and voters <= set(SEATS[:present]) and not (voters & set(recused)) and bool(voters)
    )
    assert result.valid == expected
