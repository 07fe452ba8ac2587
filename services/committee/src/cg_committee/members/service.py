"""Member use cases: appoint, change, renew, depart, co-chairs; the mapping to the pure rules."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import ensure_writer, is_secretariat, rule_conflict, unprocessable
from cg_committee.members.models import Member
from cg_committee.members.schemas import (
    CoChairsRead,
    CoChairsUpdate,
    DepartureCreate,
    MemberContact,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    RenewalCreate,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.events.committee import MemberAppointed
from cg_shared.http import Conflict, Page, PageParams, check_if_match
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page
from cg_shared.rows import bump_version, get_or_404

# The hard rules an appointment can break, as the API documents them.
RULE_409_DOC = (
    "409 with `rule` (and type …/problems/rules/<rule>) when the appointment would break a hard rule: "
    "`size_cap`, `civilian_majority`, `term_length`."
)

# Councillors and officials sit by virtue of their office unless the secretariat says otherwise.
EX_OFFICIO_BY_DEFAULT = frozenset({rules.SeatKind.COUNCILLOR, rules.SeatKind.OFFICIAL})


def facts(member: Member) -> rules.MemberFacts:
    return rules.MemberFacts(
        id=member.id,
        seat_kind=rules.SeatKind(member.seat_kind),
        term_start=member.term_start,
        term_end=member.term_end,
        left_on=member.left_on,
        renewals=member.renewals,
        is_co_chair=member.is_co_chair,
        label=member.name_ko,
        affiliations=tuple(member.affiliations or ()),
        ex_officio=member.ex_officio,
    )


def to_read(member: Member, *, ordinance: rules.Ordinance, as_of: date, with_contact: bool) -> MemberRead:
    return MemberRead(
        id=member.id,
        committee_id=member.committee_id,
        name_ko=member.name_ko,
        name_en=member.name_en,
        seat_kind=rules.SeatKind(member.seat_kind),
        civilian=ordinance.is_civilian(member.seat_kind),
        position_title=member.position_title,
        affiliations=list(member.affiliations or []),
        first_term_start=member.first_term_start,
        term_start=member.term_start,
        term_end=member.term_end,
        ex_officio=member.ex_officio,
        renewals=member.renewals,
        status=facts(member).status(as_of, ordinance),
        left_on=member.left_on,
        left_reason=member.left_reason,
        replaces_member_id=member.replaces_member_id,
        replaced_by_member_id=member.replaced_by_member_id,
        application_id=member.application_id,
        is_co_chair=member.is_co_chair,
        version=member.version,
        contact=(
            MemberContact(email=member.email, phone=member.phone, user_sub=member.user_sub)
            if with_contact
            else None
        ),
    )


def audit_view(member: Member) -> dict[str, object]:
    # The audit trail keeps contact changes too: it is readable by smg_admin only.
    return {
        "name_ko": member.name_ko,
        "name_en": member.name_en,
        "seat_kind": member.seat_kind,
        "position_title": member.position_title,
        "user_sub": member.user_sub,
        "email": member.email,
        "phone": member.phone,
        "affiliations": list(member.affiliations or []),
        "term_start": member.term_start,
        "term_end": member.term_end,
        "ex_officio": member.ex_officio,
        "renewals": member.renewals,
        "left_on": member.left_on,
        "left_reason": member.left_reason,
        "is_co_chair": member.is_co_chair,
        "version": member.version,
    }


async def rules_on(session: AsyncSession, committee_id: str, on: date) -> rules.Ordinance:
    return committees.to_rules(await committees.ordinance_at(session, committee_id, on))


async def committee_members(session: AsyncSession, committee_id: str) -> list[Member]:
    return list(
        (
            await session.execute(
                select(Member).where(Member.committee_id == committee_id).order_by(Member.name_ko, Member.id)
            )
        ).scalars()
    )


async def get_row(session: AsyncSession, member_id: str, *, for_update: bool = False) -> Member:
    return await get_or_404(
        session,
        Member,
        member_id,
        msg("no member with id {member_id}", member_id=member_id),
        for_update=for_update,
    )


def _term(member_in: MemberCreate, term_start: date, ordinance: rules.Ordinance) -> tuple[bool, date | None]:
    """Whether the seat is held ex officio, and the term's end (checked against the ordinance's length)."""
    ex_officio = (
        member_in.ex_officio
        if member_in.ex_officio is not None
        else member_in.seat_kind in EX_OFFICIO_BY_DEFAULT
    )
    if ex_officio and member_in.seat_kind in rules.CIVILIAN_SEATS:
        raise unprocessable("body.ex_officio", "a civilian seat is never held ex officio")
    longest = rules.default_term_end(term_start, ordinance.term_years)
    # Ex officio: seated while in office; the ordinance's term length and renewal limit do not apply.
    term_end: date | None = member_in.term_end if ex_officio else (member_in.term_end or longest)
    if term_end is not None and term_end < term_start:
        raise unprocessable("body.term_end", "must not be before term_start")
    if not ex_officio and term_end is not None and term_end > longest:
        raise rule_conflict(
            rules.Rule.TERM_LENGTH.value,
            msg(
                "a term from {term_start} may end on {longest} at the latest ({term_years}-year terms)",
                term_start=term_start,
                longest=longest,
                term_years=ordinance.term_years,
            ),
        )
    return ex_officio, term_end


def _replaced(
    members: list[Member], member_in: MemberCreate, term_start: date, ordinance: rules.Ordinance
) -> Member | None:
    """The seated member the new one replaces on term_start, if the body names one."""
    if not member_in.replaces_member_id:
        return None
    replaced = next((m for m in members if m.id == member_in.replaces_member_id), None)
    if replaced is None:
        raise unprocessable("body.replaces_member_id", "not a member of this committee")
    if not facts(replaced).is_seated(term_start, ordinance):
        raise Conflict(
            msg(
                "member {replaced_id} is not seated on {term_start}, so cannot be replaced then",
                replaced_id=replaced.id,
                term_start=term_start,
            ),
            slug="member-not-seated",
        )
    return replaced


def _ensure_composition(
    members: list[Member],
    member_in: MemberCreate,
    term_start: date,
    ordinance: rules.Ordinance,
    replaced: Member | None,
) -> None:
    seated = rules.seated_members([facts(m) for m in members], term_start, ordinance)
    violations = rules.appointment_violations(
        seated=seated,
        new_seat_kind=member_in.seat_kind,
        ordinance=ordinance,
        leaving_ids=[replaced.id] if replaced else [],
    )
    if violations:
        first = violations[0]
        raise rule_conflict(
            first.rule.value,
            msg("appointment refused: {detail}", detail=first.detail),
            violations=[{"rule": v.rule.value, "detail": v.detail} for v in violations],
        )


def _retire_replaced(
    session: AsyncSession, *, committee: Committee, actor: Principal, replaced: Member, member: Member
) -> None:
    before = audit_view(replaced)
    replaced.left_on = member.term_start
    replaced.left_reason = "replaced"
    replaced.replaced_by_member_id = member.id
    replaced.is_co_chair = False
    bump_version(replaced)
    record_audit(
        session,
        actor=actor,
        action="member.replace",
        entity_type="member",
        entity_id=replaced.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=audit_view(replaced),
    )


def _announce_appointment(
    session: AsyncSession, *, committee: Committee, actor: Principal, member: Member
) -> None:
    add_to_outbox(
        session,
        MemberAppointed(
            committee_id=committee.id,
            member_id=member.id,
            sgg_code=committee.sgg_code,
            seat_kind=member.seat_kind,
            term_start=member.term_start,
            term_end=member.term_end,
            renewals=0,
            ex_officio=member.ex_officio,
        ),
        subject=member.id,
    )
    record_audit(
        session,
        actor=actor,
        action="member.appoint",
        entity_type="member",
        entity_id=member.id,
        sgg_code=committee.sgg_code,
        after=audit_view(member),
    )


async def appoint_row(
    session: AsyncSession,
    *,
    committee: Committee,
    actor: Principal,
    member_in: MemberCreate,
    application_id: str | None = None,
) -> Member:
    term_start = member_in.term_start or today_seoul()
    ordinance = await rules_on(session, committee.id, term_start)
    ex_officio, term_end = _term(member_in, term_start, ordinance)
    members = await committee_members(session, committee.id)
    replaced = _replaced(members, member_in, term_start, ordinance)
    _ensure_composition(members, member_in, term_start, ordinance, replaced)
    member = Member(
        committee_id=committee.id,
        name_ko=member_in.name_ko,
        name_en=member_in.name_en or "",
        seat_kind=member_in.seat_kind.value,
        position_title=member_in.position_title,
        user_sub=member_in.user_sub,
        email=member_in.email,
        phone=member_in.phone,
        affiliations=list(member_in.affiliations),
        first_term_start=term_start,
        term_start=term_start,
        term_end=term_end,
        ex_officio=ex_officio,
        renewals=0,
        replaces_member_id=replaced.id if replaced else None,
        application_id=application_id,
        is_co_chair=False,
        created_by=actor.sub,
    )
    session.add(member)
    await session.flush()
    if replaced is not None:
        _retire_replaced(session, committee=committee, actor=actor, replaced=replaced, member=member)
    _announce_appointment(session, committee=committee, actor=actor, member=member)
    return member


async def read_today(session: AsyncSession, committee: Committee, member: Member) -> MemberRead:
    """A member as its committee's secretary sees it today (contact details included)."""
    today = today_seoul()
    return to_read(
        member, ordinance=await rules_on(session, committee.id, today), as_of=today, with_contact=True
    )


async def save(
    session: AsyncSession,
    principal: Principal,
    committee: Committee,
    member: Member,
    *,
    action: str,
    before: dict[str, object],
) -> None:
    """Bump the member's version, flush and write the audit row of a change."""
    bump_version(member)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action=action,
        entity_type="member",
        entity_id=member.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=audit_view(member),
    )


async def appoint(
    *, session: AsyncSession, principal: Principal, committee_id: str, member_in: MemberCreate
) -> MemberRead:
    # The committee row lock serialises appointments: two concurrent ones cannot both pass the cap.
    committee = await committees.get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    member = await appoint_row(session, committee=committee, actor=principal, member_in=member_in)
    return await read_today(session, committee, member)


async def get(*, session: AsyncSession, principal: Principal | None, member_id: str) -> MemberRead:
    member = await get_row(session, member_id)
    committee = await committees.get_row(session, member.committee_id)
    today = today_seoul()
    return to_read(
        member,
        ordinance=await rules_on(session, committee.id, today),
        as_of=today,
        with_contact=is_secretariat(principal, committee.sgg_code),
    )


async def list_members(
    *,
    session: AsyncSession,
    principal: Principal | None,
    committee_id: str,
    status: str,
    as_of: date | None,
    page: PageParams,
) -> Page[MemberRead]:
    committee = await committees.get_row(session, committee_id)
    day = as_of or today_seoul()
    ordinance = await rules_on(session, committee_id, day)
    stmt = select(Member).where(Member.committee_id == committee_id)
    not_left = or_(Member.left_on.is_(None), Member.left_on > day)
    if status == "seated":
        stmt = stmt.where(Member.term_start <= day, not_left)
        if not ordinance.carry_over:
            stmt = stmt.where(or_(Member.term_end.is_(None), Member.term_end >= day))
    elif status == "former":
        gone = and_(Member.left_on.is_not(None), Member.left_on <= day)
        # Without carry-over, a member whose term ended is out even if nobody replaced them.
        stmt = stmt.where(gone if ordinance.carry_over else or_(gone, Member.term_end < day))
    stmt = keyset(stmt, sort=Member.name_ko, tiebreak=Member.id, page=page, parse=str)
    rows = list((await session.execute(stmt)).scalars())
    contact = is_secretariat(principal, committee.sgg_code)
    return make_page(
        rows,
        page=page,
        key=lambda m: [m.name_ko, m.id],
        read=lambda m: to_read(m, ordinance=ordinance, as_of=day, with_contact=contact),
    )


async def update(
    *,
    session: AsyncSession,
    principal: Principal,
    member_id: str,
    member_in: MemberUpdate,
    if_match: str | None,
) -> MemberRead:
    member = await get_row(session, member_id, for_update=True)
    committee = await committees.get_row(session, member.committee_id)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, member.version)
    before = audit_view(member)
    cleared: dict[str, object] = {
        "email": None,
        "phone": None,
        "user_sub": None,
        "name_en": "",
        "position_title": "",
        "affiliations": [],
    }
    for name, value in member_in.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(member, name, value)
        elif name in cleared:
            setattr(member, name, cleared[name])
        else:
            raise unprocessable(f"body.{name}", "cannot be cleared")
    await save(session, principal, committee, member, action="member.update", before=before)
    return await read_today(session, committee, member)


async def renew(
    *, session: AsyncSession, principal: Principal, member_id: str, renewal_in: RenewalCreate
) -> MemberRead:
    member = await get_row(session, member_id, for_update=True)
    committee = await committees.get_row(session, member.committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if member.left_on is not None:
        raise Conflict(
            msg(
                "member {member_id} left on {left_on}; appoint them anew",
                member_id=member.id,
                left_on=member.left_on,
            ),
            slug="member-left",
        )
    if member.ex_officio or member.term_end is None:
        raise Conflict(
            msg(
                "member {member_id} sits ex officio, for as long as they hold their office: there is no "
                "term to renew",
                member_id=member.id,
            ),
            slug="member-ex-officio",
        )
    new_start = renewal_in.term_start or member.term_end + timedelta(days=1)
    if new_start <= member.term_end:
        raise unprocessable(
            "body.term_start",
            msg("must be after the current term's end ({term_end})", term_end=member.term_end),
        )
    ordinance = await rules_on(session, committee.id, new_start)
    problem = rules.renewal_violation(renewals_so_far=member.renewals, ordinance=ordinance)
    if problem is not None:
        raise rule_conflict(problem.rule.value, msg("renewal refused: {detail}", detail=problem.detail))
    longest = rules.default_term_end(new_start, ordinance.term_years)
    new_end = renewal_in.term_end or longest
    if new_end < new_start:
        raise unprocessable("body.term_end", "must not be before term_start")
    if new_end > longest:
        raise rule_conflict(
            rules.Rule.TERM_LENGTH.value,
            msg(
                "a term from {new_start} may end on {longest} at the latest",
                new_start=new_start,
                longest=longest,
            ),
        )
    before = audit_view(member)
    member.term_start = new_start
    member.term_end = new_end
    member.renewals += 1
    await save(session, principal, committee, member, action="member.renew", before=before)
    add_to_outbox(
        session,
        MemberAppointed(
            committee_id=committee.id,
            member_id=member.id,
            sgg_code=committee.sgg_code,
            seat_kind=member.seat_kind,
            term_start=member.term_start,
            term_end=member.term_end,
            renewals=member.renewals,
        ),
        subject=member.id,
    )
    return await read_today(session, committee, member)


async def record_departure(
    *, session: AsyncSession, principal: Principal, member_id: str, departure_in: DepartureCreate
) -> MemberRead:
    member = await get_row(session, member_id, for_update=True)
    committee = await committees.get_row(session, member.committee_id)
    ensure_writer(principal, committee.sgg_code)
    if member.left_on is not None:
        raise Conflict(
            msg("member {member_id} already left on {left_on}", member_id=member.id, left_on=member.left_on),
            slug="member-left",
        )
    left_on = departure_in.left_on or today_seoul()
    if left_on < member.term_start:
        raise unprocessable(
            "body.left_on",
            msg("must not be before the term start ({term_start})", term_start=member.term_start),
        )
    before = audit_view(member)
    member.left_on = left_on
    member.left_reason = departure_in.reason.value
    member.is_co_chair = False
    await save(session, principal, committee, member, action="member.depart", before=before)
    return await read_today(session, committee, member)


async def set_co_chairs(
    *,
    session: AsyncSession,
    principal: Principal,
    committee_id: str,
    co_chairs_in: CoChairsUpdate,
    if_match: str | None,
) -> CoChairsRead:
    committee = await committees.get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, committee.version)
    today = today_seoul()
    ordinance = await rules_on(session, committee_id, today)
    members = await committee_members(session, committee_id)
    by_id = {m.id: m for m in members}
    wanted = list(dict.fromkeys(co_chairs_in.member_ids))
    for index, member_id in enumerate(wanted):
        candidate = by_id.get(member_id)
        if candidate is None or not facts(candidate).is_seated(today, ordinance):
            raise unprocessable(f"body.member_ids.{index}", "not a seated member of this committee")
    chosen = [facts(by_id[i]) for i in wanted]
    problems = rules.co_chair_violations(chosen=chosen, ordinance=ordinance, complete=False)
    if problems:
        raise rule_conflict(
            problems[0].rule.value, msg("co-chairs refused: {detail}", detail=problems[0].detail)
        )
    before = sorted(m.id for m in members if m.is_co_chair)
    for member in members:
        flag = member.id in wanted
        if member.is_co_chair != flag:
            member.is_co_chair = flag
            bump_version(member)
    bump_version(committee)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="committee.co_chairs.set",
        entity_type="committee",
        entity_id=committee.id,
        sgg_code=committee.sgg_code,
        before={"co_chairs": before},
        after={"co_chairs": sorted(wanted)},
    )
    return CoChairsRead(
        committee_id=committee.id,
        version=committee.version,
        co_chairs=[to_read(by_id[i], ordinance=ordinance, as_of=today, with_contact=True) for i in wanted],
    )
