"""Working groups (분과) of a committee and their members."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.committees import service as committees
from cg_committee.common import ensure_writer
from cg_committee.members import service as members
from cg_committee.members.models import Member
from cg_committee.working_groups.models import WorkingGroup, WorkingGroupMember
from cg_committee.working_groups.schemas import (
    WorkingGroupCreate,
    WorkingGroupMemberRead,
    WorkingGroupMembership,
    WorkingGroupRead,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.http import Conflict, NotFound
from cg_shared.i18n import msg
from cg_shared.rows import get_or_404


async def _working_group_read(session: AsyncSession, group: WorkingGroup) -> WorkingGroupRead:
    rows = (
        await session.execute(
            select(WorkingGroupMember, Member)
            .join(Member, Member.id == WorkingGroupMember.member_id)
            .where(WorkingGroupMember.working_group_id == group.id)
            .order_by(WorkingGroupMember.role, Member.name_ko)
        )
    ).all()
    return WorkingGroupRead(
        id=group.id,
        committee_id=group.committee_id,
        name_ko=group.name_ko,
        name_en=group.name_en,
        purpose=group.purpose,
        created_at=group.created_at,
        members=[
            WorkingGroupMemberRead(
                member_id=m.id, name_ko=m.name_ko, seat_kind=rules.SeatKind(m.seat_kind), role=wgm.role
            )
            for wgm, m in rows
        ],
    )


async def _working_group(session: AsyncSession, group_id: str) -> WorkingGroup:
    return await get_or_404(
        session, WorkingGroup, group_id, msg("no working group with id {group_id}", group_id=group_id)
    )


async def create_working_group(
    *, session: AsyncSession, principal: Principal, committee_id: str, group_in: WorkingGroupCreate
) -> WorkingGroupRead:
    committee = await committees.get_row(session, committee_id)
    ensure_writer(principal, committee.sgg_code)
    group = WorkingGroup(
        committee_id=committee_id,
        name_ko=group_in.name_ko,
        name_en=group_in.name_en or "",
        purpose=group_in.purpose,
        created_by=principal.sub,
    )
    session.add(group)
    await session.flush()
    read = await _working_group_read(session, group)
    record_audit(
        session,
        actor=principal,
        action="working_group.create",
        entity_type="working_group",
        entity_id=group.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def list_working_groups(*, session: AsyncSession, committee_id: str) -> list[WorkingGroupRead]:
    await committees.get_row(session, committee_id)
    groups = (
        await session.execute(
            select(WorkingGroup)
            .where(WorkingGroup.committee_id == committee_id)
            .order_by(WorkingGroup.name_ko)
        )
    ).scalars()
    return [await _working_group_read(session, g) for g in groups]


async def get_working_group(*, session: AsyncSession, group_id: str) -> WorkingGroupRead:
    return await _working_group_read(session, await _working_group(session, group_id))


async def put_working_group_member(
    *,
    session: AsyncSession,
    principal: Principal,
    group_id: str,
    member_id: str,
    membership_in: WorkingGroupMembership,
) -> WorkingGroupRead:
    group = await _working_group(session, group_id)
    committee = await committees.get_row(session, group.committee_id)
    ensure_writer(principal, committee.sgg_code)
    member = await session.get(Member, member_id)
    today = today_seoul()
    if member is None or member.committee_id != committee.id:
        raise NotFound(msg("no member {member_id} in this committee", member_id=member_id))
    if not members.facts(member).is_seated(today, await members.rules_on(session, committee.id, today)):
        raise Conflict(
            msg("member {member_id} is not seated today", member_id=member_id), slug="member-not-seated"
        )
    link = await session.get(WorkingGroupMember, (group.id, member.id))
    before = {"role": link.role} if link else None
    if link is None:
        session.add(
            WorkingGroupMember(working_group_id=group.id, member_id=member.id, role=membership_in.role.value)
        )
    else:
        link.role = membership_in.role.value
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="working_group.member.put",
        entity_type="working_group",
        entity_id=group.id,
        sgg_code=committee.sgg_code,
        before=before,
        after={"member_id": member.id, "role": membership_in.role.value},
    )
    return await _working_group_read(session, group)


async def remove_working_group_member(
    *, session: AsyncSession, principal: Principal, group_id: str, member_id: str
) -> None:
    group = await _working_group(session, group_id)
    committee = await committees.get_row(session, group.committee_id)
    ensure_writer(principal, committee.sgg_code)
    link = await session.get(WorkingGroupMember, (group.id, member_id))
    if link is None:
        raise NotFound(
            msg(
                "member {member_id} is not in working group {group_id}",
                member_id=member_id,
                group_id=group_id,
            )
        )
    await session.delete(link)
    record_audit(
        session,
        actor=principal,
        action="working_group.member.remove",
        entity_type="working_group",
        entity_id=group.id,
        sgg_code=committee.sgg_code,
        before={"member_id": member_id, "role": link.role},
    )
