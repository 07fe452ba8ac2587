"""Use cases of capacity building and the per-borough capacity indicator.

The indicator feeds the "starting conditions" dimension of the CG rubric (capacity support, a
coordinator): it counts what was recorded over the 365 days up to today in Seoul, and scores four
conditions, one point each (see docs/capacity.md):

* at least one active support organisation (중간지원조직);
* at least one CG coordinator (협치지원관) in them;
* at least half of the seated committee members trained in the window;
* at least :data:`RESIDENT_TRAINEES_FOR_POINT` resident participations in the window (one cohort of a
  주민자치학교).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.capacity.models import CapacityActivity, CapacityParticipant, SupportOrganisation
from cg_committee.capacity.schemas import (
    ActivityCreate,
    ActivityKind,
    ActivityRead,
    CapacityIndicator,
    Operation,
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    ParticipantIn,
    ParticipantKind,
    ParticipantRead,
    ParticipantsAdd,
)
from cg_committee.committees.models import Committee
from cg_committee.common import ensure_writer, is_secretariat
from cg_committee.members.models import Member
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.events.committee import CapacityTrainingRecorded, TraineeCount
from cg_shared.fields import ensure_known_sgg
from cg_shared.http import Conflict, FieldError, NotFound, Page, PageParams, Unprocessable
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_date

WINDOW_DAYS = 365
RESIDENT_TRAINEES_FOR_POINT = 30
TRAINED_MEMBER_SHARE_FOR_POINT = 0.5


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _minutes(hours: float) -> int:
    return round(hours * 60)


# --- support organisations -------------------------------------------------------------------------


def _org_read(org: SupportOrganisation, today: date) -> OrganisationRead:
    return OrganisationRead(
        id=org.id,
        sgg_code=org.sgg_code,
        name_ko=org.name_ko,
        name_en=org.name_en,
        kind=OrganisationKind(org.kind),
        operation=Operation(org.operation),
        established_on=org.established_on,
        closed_on=org.closed_on,
        active=org.closed_on is None or org.closed_on > today,
        staff_count=org.staff_count,
        coordinator_count=org.coordinator_count,
        url=org.url,
        note=org.note,
        created_at=org.created_at,
    )


async def create_organisation(
    *, session: AsyncSession, principal: Principal, org_in: OrganisationCreate
) -> OrganisationRead:
    ensure_known_sgg(org_in.sgg_code, field="body.sgg_code")
    ensure_writer(principal, org_in.sgg_code)
    if org_in.established_on and org_in.closed_on and org_in.closed_on < org_in.established_on:
        raise Unprocessable(
            msg("an organisation cannot close before it was established"),
            errors=[FieldError(field="body.closed_on", message=msg("before established_on"))],
        )
    taken = await session.scalar(
        select(SupportOrganisation.id).where(
            SupportOrganisation.sgg_code == org_in.sgg_code, SupportOrganisation.name_ko == org_in.name_ko
        )
    )
    if taken is not None:
        raise Conflict(
            msg("the borough already has an organisation named {name}", name=org_in.name_ko),
            slug="duplicate-organisation",
        )
    org = SupportOrganisation(**org_in.model_dump(mode="python"), created_by=principal.sub)
    session.add(org)
    await session.flush()
    read = _org_read(org, today_seoul())
    record_audit(
        session,
        actor=principal,
        action="support_organisation.created",
        entity_type="support_organisation",
        entity_id=org.id,
        sgg_code=org.sgg_code,
        after=read.model_dump(mode="json"),
    )
    return read


async def list_organisations(*, session: AsyncSession, sgg_code: str | None) -> list[OrganisationRead]:
    stmt = select(SupportOrganisation).order_by(SupportOrganisation.sgg_code, SupportOrganisation.name_ko)
    if sgg_code is not None:
        stmt = stmt.where(SupportOrganisation.sgg_code == sgg_code)
    today = today_seoul()
    return [_org_read(o, today) for o in (await session.execute(stmt)).scalars()]


# --- activities and participants -------------------------------------------------------------------


def _activity_read(
    act: CapacityActivity,
    *,
    count: int,
    minutes: int,
    participants: list[CapacityParticipant] | None = None,
    show_names: bool = False,
) -> ActivityRead:
    return ActivityRead(
        id=act.id,
        sgg_code=act.sgg_code,
        kind=ActivityKind(act.kind),
        title_ko=act.title_ko,
        title_en=act.title_en,
        topic=act.topic,
        held_on=act.held_on,
        hours=_hours(act.minutes),
        provider=act.provider,
        support_organisation_id=act.support_organisation_id,
        participant_count=count,
        person_hours=_hours(minutes),
        participants=[
            ParticipantRead(
                id=p.id,
                participant_kind=ParticipantKind(p.participant_kind),
                member_id=p.member_id,
                # Residents are private persons: their names stay with the secretariat.
                display_name=p.display_name if show_names else None,
                hours=_hours(p.minutes),
                completed=p.completed,
            )
            for p in participants or []
        ],
        created_at=act.created_at,
    )


async def create_activity(
    *, session: AsyncSession, principal: Principal, activity_in: ActivityCreate
) -> ActivityRead:
    ensure_known_sgg(activity_in.sgg_code, field="body.sgg_code")
    ensure_writer(principal, activity_in.sgg_code)
    if activity_in.held_on > today_seoul():
        raise Unprocessable(
            msg(
                "record an activity once it took place: {held_on} is after today", held_on=activity_in.held_on
            ),
            errors=[FieldError(field="body.held_on", message=msg("in the future (Seoul date)"))],
        )
    if activity_in.support_organisation_id is not None:
        org = await session.get(SupportOrganisation, activity_in.support_organisation_id)
        if org is None or org.sgg_code != activity_in.sgg_code:
            raise Unprocessable(
                msg("no support organisation of this borough with that id"),
                errors=[
                    FieldError(
                        field="body.support_organisation_id",
                        message=msg("not an organisation of the borough"),
                    )
                ],
            )
    values = activity_in.model_dump(mode="python", exclude={"hours"})
    act = CapacityActivity(**values, minutes=_minutes(activity_in.hours), created_by=principal.sub)
    session.add(act)
    await session.flush()
    read = _activity_read(act, count=0, minutes=0)
    record_audit(
        session,
        actor=principal,
        action="capacity_activity.created",
        entity_type="capacity_activity",
        entity_id=act.id,
        sgg_code=act.sgg_code,
        after=read.model_dump(mode="json"),
    )
    return read


async def _load_activity(
    session: AsyncSession, activity_id: str, *, for_update: bool = False
) -> CapacityActivity:
    act = await session.get(CapacityActivity, activity_id, with_for_update=for_update)
    if act is None:
        raise NotFound(msg("no capacity activity with id {activity_id}", activity_id=activity_id))
    return act


async def _participants(session: AsyncSession, activity_id: str) -> list[CapacityParticipant]:
    rows = await session.execute(
        select(CapacityParticipant)
        .where(CapacityParticipant.activity_id == activity_id)
        .order_by(CapacityParticipant.created_at, CapacityParticipant.id)
    )
    return list(rows.scalars())


def _field_problem(detail: str, field: str, message: str) -> Unprocessable:
    return Unprocessable(detail, errors=[FieldError(field=field, message=message)])


async def _check_member(session: AsyncSession, act: CapacityActivity, p: ParticipantIn, where: str) -> None:
    """A participant named by member_id must sit on this borough's committee."""
    member = (
        await session.execute(
            select(Member)
            .join(Committee, Committee.id == Member.committee_id)
            .where(Member.id == p.member_id, Committee.sgg_code == act.sgg_code)
        )
    ).scalar_one_or_none()
    if member is None:
        raise _field_problem(
            msg("{member_id} is not a member of this borough's committee", member_id=p.member_id),
            f"{where}.member_id",
            msg("not a member of the committee"),
        )


async def _participant(
    session: AsyncSession, act: CapacityActivity, p: ParticipantIn, where: str, seen: set[str]
) -> CapacityParticipant:
    """One checked participant row: a member once per activity, a resident by name, hours within the activity."""
    if p.participant_kind is ParticipantKind.COMMITTEE_MEMBER and not p.member_id:
        raise _field_problem(
            msg("a committee member is named by member_id"),
            f"{where}.member_id",
            msg("required for committee members"),
        )
    if p.member_id:
        await _check_member(session, act, p, where)
        if p.member_id in seen:
            raise Conflict(
                msg("member {member_id} is already recorded for this activity", member_id=p.member_id),
                slug="duplicate-participant",
            )
        seen.add(p.member_id)
    elif not p.display_name:
        raise _field_problem(
            msg("a participant who is not a member needs a display_name"),
            f"{where}.display_name",
            msg("required without member_id"),
        )
    minutes = act.minutes if p.hours is None else _minutes(p.hours)
    if minutes > act.minutes:
        raise _field_problem(
            msg("more hours than the activity lasted ({hours} h)", hours=_hours(act.minutes)),
            f"{where}.hours",
            msg("longer than the activity"),
        )
    return CapacityParticipant(
        activity_id=act.id,
        participant_kind=p.participant_kind.value,
        member_id=p.member_id,
        display_name=p.display_name,
        minutes=minutes,
        completed=p.completed,
    )


def _announce_training(
    session: AsyncSession,
    principal: Principal,
    act: CapacityActivity,
    everyone: list[CapacityParticipant],
    new: list[CapacityParticipant],
) -> None:
    """The event carries the running totals per participant kind; the audit row names what was added."""
    by_kind: Counter[str] = Counter()
    minutes_by_kind: Counter[str] = Counter()
    for person in everyone:
        by_kind[person.participant_kind] += 1
        minutes_by_kind[person.participant_kind] += person.minutes
    add_to_outbox(
        session,
        CapacityTrainingRecorded(
            activity_id=act.id,
            sgg_code=act.sgg_code,
            kind=act.kind,
            title_ko=act.title_ko,
            held_on=act.held_on,
            hours=_hours(act.minutes),
            trainees=[
                TraineeCount(
                    participant_kind=k, participants=by_kind[k], person_hours=_hours(minutes_by_kind[k])
                )
                for k in sorted(by_kind)
            ],
        ),
        subject=act.id,
    )
    record_audit(
        session,
        actor=principal,
        action="capacity_activity.participants_added",
        entity_type="capacity_activity",
        entity_id=act.id,
        sgg_code=act.sgg_code,
        after={"added": len(new), "by_kind": dict(Counter(person.participant_kind for person in new))},
    )


async def add_participants(
    *, session: AsyncSession, principal: Principal, activity_id: str, add_in: ParticipantsAdd
) -> ActivityRead:
    # Locked: the event carries running totals computed from the participants read here, so two
    # concurrent additions must not each miss the other's people.
    act = await _load_activity(session, activity_id, for_update=True)
    ensure_writer(principal, act.sgg_code)
    existing = await _participants(session, act.id)
    seen = {p.member_id for p in existing if p.member_id}
    new = [
        await _participant(session, act, p, f"body.participants[{n}]", seen)
        for n, p in enumerate(add_in.participants)
    ]
    session.add_all(new)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same member added concurrently
        raise Conflict(
            msg("a member is already recorded for this activity"), slug="duplicate-participant"
        ) from exc
    everyone = existing + new
    _announce_training(session, principal, act, everyone, new)
    return _activity_read(
        act,
        count=len(everyone),
        minutes=sum(person.minutes for person in everyone),
        participants=everyone,
        show_names=True,
    )


async def get_activity(
    *, session: AsyncSession, principal: Principal | None, activity_id: str
) -> ActivityRead:
    act = await _load_activity(session, activity_id)
    people = await _participants(session, act.id)
    return _activity_read(
        act,
        count=len(people),
        minutes=sum(p.minutes for p in people),
        participants=people,
        show_names=is_secretariat(principal, act.sgg_code),
    )


async def list_activities(
    *,
    session: AsyncSession,
    sgg_code: str | None,
    held_from: date | None,
    held_to: date | None,
    page: PageParams,
) -> Page[ActivityRead]:
    totals = (
        select(
            CapacityParticipant.activity_id,
            func.count().label("n"),
            func.coalesce(func.sum(CapacityParticipant.minutes), 0).label("m"),
        )
        .group_by(CapacityParticipant.activity_id)
        .subquery()
    )
    stmt: Any = select(
        CapacityActivity, func.coalesce(totals.c.n, 0), func.coalesce(totals.c.m, 0)
    ).outerjoin(totals, totals.c.activity_id == CapacityActivity.id)
    if sgg_code is not None:
        stmt = stmt.where(CapacityActivity.sgg_code == sgg_code)
    if held_from is not None:
        stmt = stmt.where(CapacityActivity.held_on >= held_from)
    if held_to is not None:
        stmt = stmt.where(CapacityActivity.held_on <= held_to)
    stmt = keyset(
        stmt,
        sort=CapacityActivity.held_on,
        tiebreak=CapacityActivity.id,
        page=page,
        parse=parse_date,
        descending=True,
    )
    rows = list(await session.execute(stmt))
    return make_page(
        rows,
        page=page,
        key=lambda r: [r[0].held_on.isoformat(), r[0].id],
        read=lambda r: _activity_read(r[0], count=int(r[1]), minutes=int(r[2])),
    )


# --- the indicator ---------------------------------------------------------------------------------


async def borough_indicators(
    session: AsyncSession, *, today: date, seated: Any, seated_counts: dict[str, int]
) -> dict[str, CapacityIndicator]:
    """Per borough code; ``seated`` is the boroughs table's SQL condition for a member seated today (it
    correlates with ``Committee``), ``seated_counts`` its counts, so both figures agree."""
    since = today - timedelta(days=WINDOW_DAYS - 1)
    window = (CapacityActivity.held_on >= since, CapacityActivity.held_on <= today)
    figures: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for code, n, minutes, residents in await session.execute(
        select(
            CapacityActivity.sgg_code,
            func.count(func.distinct(CapacityActivity.id)),
            func.coalesce(func.sum(CapacityParticipant.minutes), 0),
            func.count(CapacityParticipant.id).filter(
                CapacityParticipant.participant_kind == ParticipantKind.RESIDENT.value
            ),
        )
        .outerjoin(CapacityParticipant, CapacityParticipant.activity_id == CapacityActivity.id)
        .where(*window)
        .group_by(CapacityActivity.sgg_code)
    ):
        figures[code].update(sessions=n, minutes=minutes, residents=residents)
    for code, trained in await session.execute(
        select(Committee.sgg_code, func.count(func.distinct(Member.id)))
        .select_from(CapacityParticipant)
        .join(CapacityActivity, CapacityActivity.id == CapacityParticipant.activity_id)
        .join(Member, Member.id == CapacityParticipant.member_id)
        .join(Committee, Committee.id == Member.committee_id)
        .where(*window, seated)
        .group_by(Committee.sgg_code)
    ):
        figures[code]["trained"] = trained
    active = or_(SupportOrganisation.closed_on.is_(None), SupportOrganisation.closed_on > today)
    for code, orgs, coordinators in await session.execute(
        select(
            SupportOrganisation.sgg_code,
            func.count(),
            func.coalesce(func.sum(SupportOrganisation.coordinator_count), 0),
        )
        .where(active)
        .group_by(SupportOrganisation.sgg_code)
    ):
        figures[code].update(orgs=orgs, coordinators=coordinators)

    result = {}
    for code, seated_n in seated_counts.items():
        f = figures.get(code, {})
        trained = int(f.get("trained", 0))
        share = round(trained / seated_n, 4) if seated_n else 0.0
        orgs, coordinators, residents = (
            int(f.get("orgs", 0)),
            int(f.get("coordinators", 0)),
            int(f.get("residents", 0)),
        )
        score = (
            (orgs > 0)
            + (coordinators > 0)
            + (seated_n > 0 and share >= TRAINED_MEMBER_SHARE_FOR_POINT)
            + (residents >= RESIDENT_TRAINEES_FOR_POINT)
        )
        result[code] = CapacityIndicator(
            training_sessions=int(f.get("sessions", 0)),
            training_person_hours=_hours(int(f.get("minutes", 0))),
            trained_member_count=trained,
            trained_member_share=share,
            resident_trainee_count=residents,
            support_organisation_count=orgs,
            coordinator_count=coordinators,
            capacity_score=int(score),
        )
    return result
