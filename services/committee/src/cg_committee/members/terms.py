"""Composition compliance on a day and the term sweep (terms that ended leave their seats)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.committees.schemas import OrdinanceRead
from cg_committee.common import ensure_writer, is_secretariat
from cg_committee.members import service as member_service
from cg_committee.members.models import Member
from cg_committee.members.schemas import (
    CompositionRead,
    RuleCheckRead,
    TermEndedEntry,
    TermEntry,
    TermSweepRead,
)
from cg_shared.audit import SYSTEM_ACTOR, record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.events.committee import MemberTermEnded
from cg_shared.messaging import add_to_outbox


def _entries(members: Sequence[rules.MemberFacts], by_id: dict[str, Member], as_of: date) -> list[TermEntry]:
    return [
        TermEntry(
            member_id=m.id,
            name_ko=by_id[m.id].name_ko,
            seat_kind=m.seat_kind,
            term_end=m.term_end,
            days=abs((m.term_end - as_of).days),
        )
        for m in members
        if m.term_end is not None  # ex-officio members have no term to end
    ]


async def composition(
    *, session: AsyncSession, principal: Principal | None, committee_id: str, as_of: date | None
) -> CompositionRead:
    committee = await committees.get_row(session, committee_id)
    day = as_of or today_seoul()
    ordinance_row = await committees.ordinance_at(session, committee_id, day)
    ordinance = committees.to_rules(ordinance_row)
    members = await member_service.committee_members(session, committee_id)
    by_id = {m.id: m for m in members}
    result = rules.composition([member_service.facts(m) for m in members], as_of=day, ordinance=ordinance)
    checks = [
        RuleCheckRead(
            rule=c.rule, severity=c.severity, ok=c.ok, detail=c.detail, member_ids=list(c.member_ids)
        )
        for c in result.checks
    ]
    seated = len(result.seated)
    contact = is_secretariat(principal, committee.sgg_code)
    return CompositionRead(
        committee_id=committee.id,
        sgg_code=committee.sgg_code,
        as_of=day,
        ordinance=OrdinanceRead.model_validate(ordinance_row),
        seated_count=seated,
        by_seat_kind=dict(result.by_seat_kind),
        civilian_count=result.civilians,
        civilian_share=round(result.civilians / seated, 4) if seated else 0.0,
        vacancies=result.vacancies,
        compliant=result.compliant,
        rules=checks,
        violations=[c for c in checks if not c.ok],
        carry_over=_entries(result.carry_over, by_id, day),
        terms_ending_soon=_entries(result.ending_soon, by_id, day),
        expired_without_carry_over=_entries(result.expired, by_id, day),
        co_chairs=[
            member_service.to_read(by_id[m.id], ordinance=ordinance, as_of=day, with_contact=contact)
            for m in result.seated
            if m.is_co_chair
        ],
    )


async def term_sweep(
    *, session: AsyncSession, actor: Principal | str, committee_id: str, as_of: date | None = None
) -> TermSweepRead:
    """Emit ``member.term_ended`` once per ended term (idempotent: re-running reports nothing new).

    A term counts as ended when its last day is before ``as_of`` and the member was still in office
    on that day (someone who resigned earlier has no term end to report).
    """
    committee = await committees.get_row(session, committee_id, for_update=True)
    if isinstance(actor, Principal):
        ensure_writer(actor, committee.sgg_code)
    day = as_of or today_seoul()
    candidates = (
        await session.execute(
            select(Member)
            .where(
                Member.committee_id == committee_id,
                Member.term_end < day,
                or_(Member.left_on.is_(None), Member.left_on > Member.term_end),
                or_(Member.term_end_reported_for.is_(None), Member.term_end_reported_for != Member.term_end),
            )
            .order_by(Member.term_end, Member.id)
            .with_for_update()
        )
    ).scalars()
    ended: list[TermEndedEntry] = []
    for member in candidates:
        if member.term_end is None:  # excluded by the query (NULL < day is not true); for the type checker
            continue
        ordinance = await member_service.rules_on(session, committee_id, member.term_end + timedelta(days=1))
        still_serving = member.left_on is None or member.left_on > day
        carry_over = ordinance.carry_over and still_serving
        member.term_end_reported_for = member.term_end
        add_to_outbox(
            session,
            MemberTermEnded(
                committee_id=committee.id,
                member_id=member.id,
                sgg_code=committee.sgg_code,
                term_end=member.term_end,
                carry_over=carry_over,
            ),
            subject=member.id,
        )
        ended.append(TermEndedEntry(member_id=member.id, term_end=member.term_end, carry_over=carry_over))
    if ended:
        record_audit(
            session,
            actor=actor,
            action="member.term_sweep",
            entity_type="committee",
            entity_id=committee.id,
            sgg_code=committee.sgg_code,
            after={"as_of": day, "ended": [e.model_dump() for e in ended]},
        )
    return TermSweepRead(committee_id=committee.id, as_of=day, ended=ended)


async def committees_to_sweep(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(Committee.id).order_by(Committee.id))).scalars())


SWEEP_ACTOR = f"{SYSTEM_ACTOR}:term-sweep"
