"""Committee use cases: establish (one per borough), read, update, versioned ordinance settings."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda import adoption
from cg_committee.committees.models import Committee, OrdinanceVersion
from cg_committee.committees.schemas import (
    CommitteeCreate,
    CommitteeRead,
    CommitteeUpdate,
    OrdinanceCreate,
    OrdinanceRead,
    OrdinanceSettings,
)
from cg_committee.common import ensure_writer
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.events.committee import CommitteeEstablished
from cg_shared.fields import ensure_known_sgg
from cg_shared.http import Conflict, NotFound, Page, PageParams, check_if_match
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page
from cg_shared.rows import bump_version, get_or_404

# The ordinance's settings are named once, by the pure rule's dataclass; the table's columns and the
# API's OrdinanceSettings carry the same names (tests/unit/test_committee_ordinance_vocabulary.py).
ORDINANCE_SETTINGS = tuple(f.name for f in dataclasses.fields(rules.Ordinance))


def to_rules(row: OrdinanceVersion) -> rules.Ordinance:
    values = {name: getattr(row, name) for name in ORDINANCE_SETTINGS}
    values["majority_basis"] = rules.MajorityBasis(row.majority_basis)
    values["majorities"] = {str(k): rules.MajorityKind(v) for k, v in row.majorities.items()}
    return rules.Ordinance(**values)


def _ordinance_row(
    committee_id: str, settings: OrdinanceSettings, *, effective_from: date, reference: str, actor: str
) -> OrdinanceVersion:
    data = settings.model_dump(mode="json", include=set(OrdinanceSettings.model_fields))
    return OrdinanceVersion(
        committee_id=committee_id,
        effective_from=effective_from,
        reference=reference,
        created_by=actor,
        **data,
    )


async def get_row(session: AsyncSession, committee_id: str, *, for_update: bool = False) -> Committee:
    return await get_or_404(
        session,
        Committee,
        committee_id,
        msg("no committee with id {committee_id}", committee_id=committee_id),
        for_update=for_update,
    )


async def ordinance_at(session: AsyncSession, committee_id: str, on: date) -> OrdinanceVersion:
    """The ordinance version in force on ``on``; before the first version, the first version applies."""
    row: OrdinanceVersion | None = await session.scalar(
        select(OrdinanceVersion)
        .where(OrdinanceVersion.committee_id == committee_id, OrdinanceVersion.effective_from <= on)
        .order_by(OrdinanceVersion.effective_from.desc())
        .limit(1)
    )
    if row is None:
        row = await session.scalar(
            select(OrdinanceVersion)
            .where(OrdinanceVersion.committee_id == committee_id)
            .order_by(OrdinanceVersion.effective_from)
            .limit(1)
        )
    if row is None:  # every committee is created with its first version; this is a broken database
        raise NotFound(msg("committee {committee_id} has no ordinance settings", committee_id=committee_id))
    return row


async def _read(session: AsyncSession, committee: Committee) -> CommitteeRead:
    read = CommitteeRead.model_validate(committee)
    read.ordinance = OrdinanceRead.model_validate(await ordinance_at(session, committee.id, today_seoul()))
    return read


async def establish(
    *, session: AsyncSession, principal: Principal, committee_in: CommitteeCreate
) -> CommitteeRead:
    ensure_known_sgg(committee_in.sgg_code, field="body.sgg_code")
    ensure_writer(principal, committee_in.sgg_code)
    existing = await session.scalar(select(Committee.id).where(Committee.sgg_code == committee_in.sgg_code))
    if existing is not None:
        raise Conflict(
            msg(
                "borough {sgg_code} already has a committee ({existing})",
                sgg_code=committee_in.sgg_code,
                existing=existing,
            ),
            slug="committee-exists",
            extra={"committee_id": existing},
        )
    committee = Committee(
        sgg_code=committee_in.sgg_code,
        name_ko=committee_in.name_ko,
        name_en=committee_in.name_en or "",
        description=committee_in.description,
        established_on=committee_in.established_on,
        created_by=principal.sub,
    )
    session.add(committee)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent request for the same borough won the unique constraint.
        raise Conflict(
            msg("borough {sgg_code} already has a committee", sgg_code=committee_in.sgg_code),
            slug="committee-exists",
        ) from exc
    session.add(
        _ordinance_row(
            committee.id,
            committee_in.ordinance,
            effective_from=committee_in.established_on,
            reference=committee_in.ordinance_reference,
            actor=principal.sub,
        )
    )
    await session.flush()
    # Plans submitted before the committee existed wait for it (see consumers.py).
    await adoption.adopt_orphan_agenda_items(session=session, committee=committee, actor=principal)
    read = await _read(session, committee)
    add_to_outbox(
        session,
        CommitteeEstablished(
            committee_id=committee.id,
            sgg_code=committee.sgg_code,
            name_ko=committee.name_ko,
            name_en=committee.name_en,
        ),
        subject=committee.id,
    )
    record_audit(
        session,
        actor=principal,
        action="committee.establish",
        entity_type="committee",
        entity_id=committee.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def get(*, session: AsyncSession, committee_id: str) -> CommitteeRead:
    return await _read(session, await get_row(session, committee_id))


async def list_committees(
    *, session: AsyncSession, sgg_code: str | None, page: PageParams
) -> Page[CommitteeRead]:
    stmt = select(Committee)
    if sgg_code:
        stmt = stmt.where(Committee.sgg_code == sgg_code)
    stmt = keyset(stmt, sort=Committee.sgg_code, tiebreak=Committee.id, page=page, parse=str)
    rows = list((await session.execute(stmt)).scalars())
    today = today_seoul()
    reads: dict[str, CommitteeRead] = {}
    for row in rows[: page.limit]:
        read = CommitteeRead.model_validate(row)
        read.ordinance = OrdinanceRead.model_validate(await ordinance_at(session, row.id, today))
        reads[row.id] = read
    return make_page(rows, page=page, key=lambda r: [r.sgg_code, r.id], read=lambda r: reads[r.id])


async def update(
    *,
    session: AsyncSession,
    principal: Principal,
    committee_id: str,
    committee_in: CommitteeUpdate,
    if_match: str | None,
) -> CommitteeRead:
    committee = await get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, committee.version)
    before = CommitteeRead.model_validate(committee).model_dump()
    for name, value in committee_in.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(committee, name, value)
    bump_version(committee)
    await session.flush()
    read = await _read(session, committee)
    record_audit(
        session,
        actor=principal,
        action="committee.update",
        entity_type="committee",
        entity_id=committee.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=read.model_dump(exclude={"ordinance"}),
    )
    return read


async def add_ordinance_version(
    *, session: AsyncSession, principal: Principal, committee_id: str, ordinance_in: OrdinanceCreate
) -> OrdinanceRead:
    committee = await get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    clash = await session.scalar(
        select(OrdinanceVersion.id).where(
            OrdinanceVersion.committee_id == committee_id,
            OrdinanceVersion.effective_from == ordinance_in.effective_from,
        )
    )
    if clash is not None:
        raise Conflict(
            msg(
                "an ordinance version effective from {effective_from} already exists",
                effective_from=ordinance_in.effective_from,
            ),
            slug="ordinance-version-exists",
            extra={"ordinance_id": clash},
        )
    row = _ordinance_row(
        committee_id,
        ordinance_in,
        effective_from=ordinance_in.effective_from,
        reference=ordinance_in.reference,
        actor=principal.sub,
    )
    session.add(row)
    await session.flush()
    read = OrdinanceRead.model_validate(row)
    record_audit(
        session,
        actor=principal,
        action="committee.ordinance.add",
        entity_type="committee_ordinance",
        entity_id=row.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def list_ordinances(*, session: AsyncSession, committee_id: str) -> list[OrdinanceRead]:
    await get_row(session, committee_id)
    rows = (
        await session.execute(
            select(OrdinanceVersion)
            .where(OrdinanceVersion.committee_id == committee_id)
            .order_by(OrdinanceVersion.effective_from)
        )
    ).scalars()
    return [OrdinanceRead.model_validate(r) for r in rows]


async def ordinance_in_force(*, session: AsyncSession, committee_id: str, on: date | None) -> OrdinanceRead:
    await get_row(session, committee_id)
    return OrdinanceRead.model_validate(await ordinance_at(session, committee_id, on or today_seoul()))
