"""Open calls: residents apply, the secretariat shortlists, rejects or appoints."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.applications.models import Application
from cg_committee.applications.schemas import (
    ApplicationAppointment,
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
)
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import ensure_writer, is_secretariat
from cg_committee.members import service as members
from cg_committee.members.schemas import (
    MemberCreate,
    MemberRead,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.http import Conflict, Forbidden, Page, PageParams
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page
from cg_shared.rows import bump_version, get_or_404


async def _application(
    session: AsyncSession, application_id: str, *, for_update: bool = False
) -> Application:
    return await get_or_404(
        session,
        Application,
        application_id,
        msg("no application with id {application_id}", application_id=application_id),
        for_update=for_update,
    )


async def apply(
    *, session: AsyncSession, principal: Principal, committee_id: str, application_in: ApplicationCreate
) -> ApplicationRead:
    committee = await committees.get_row(session, committee_id)
    ensure_role(principal, Role.RESIDENT)
    active = await session.scalar(
        select(Application.id).where(
            Application.committee_id == committee_id,
            Application.applicant_sub == principal.sub,
            Application.status.in_([ApplicationStatus.SUBMITTED.value, ApplicationStatus.SHORTLISTED.value]),
        )
    )
    if active is not None:
        raise Conflict(
            "you already have an application in progress for this committee",
            slug="application-exists",
            extra={"application_id": active},
        )
    row = Application(
        committee_id=committee_id,
        applicant_sub=principal.sub,
        name_ko=application_in.name_ko,
        name_en=application_in.name_en or "",
        email=application_in.email,
        phone=application_in.phone,
        affiliations=list(application_in.affiliations),
        statement=application_in.statement,
        status=ApplicationStatus.SUBMITTED.value,
    )
    session.add(row)
    await session.flush()
    read = ApplicationRead.model_validate(row)
    record_audit(
        session,
        actor=principal,
        action="application.submit",
        entity_type="application",
        entity_id=row.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def list_applications(
    *,
    session: AsyncSession,
    principal: Principal,
    committee_id: str,
    status: ApplicationStatus | None,
    page: PageParams,
) -> Page[ApplicationRead]:
    committee = await committees.get_row(session, committee_id)
    ensure_writer(principal, committee.sgg_code)
    stmt = select(Application).where(Application.committee_id == committee_id)
    if status is not None:
        stmt = stmt.where(Application.status == status.value)
    stmt = keyset(stmt, sort=Application.id, tiebreak=Application.id, page=page, parse=str)
    rows = list((await session.execute(stmt)).scalars())
    return make_page(rows, page=page, key=lambda a: [a.id, a.id], read=ApplicationRead.model_validate)


async def get_application(
    *, session: AsyncSession, principal: Principal, application_id: str
) -> ApplicationRead:
    row = await _application(session, application_id)
    committee = await committees.get_row(session, row.committee_id)
    if not (is_secretariat(principal, committee.sgg_code) or principal.sub == row.applicant_sub):
        raise Forbidden("only the applicant and the borough's secretariat may read an application")
    return ApplicationRead.model_validate(row)


async def _decide_application(
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    *,
    allowed_from: set[ApplicationStatus],
    to: ApplicationStatus,
    action: str,
) -> tuple[Application, Committee]:
    row = await _application(session, application_id, for_update=True)
    committee = await committees.get_row(session, row.committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if ApplicationStatus(row.status) not in allowed_from:
        raise Conflict(
            msg(
                "the application is {status}; it must be {allowed}",
                status=row.status,
                allowed=" or ".join(sorted(s.value for s in allowed_from)),
            ),
            slug="application-state",
        )
    before = ApplicationRead.model_validate(row).model_dump()
    row.status = to.value
    row.decided_by = principal.sub
    bump_version(row)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action=action,
        entity_type="application",
        entity_id=row.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=ApplicationRead.model_validate(row).model_dump(),
    )
    return row, committee


async def shortlist(*, session: AsyncSession, principal: Principal, application_id: str) -> ApplicationRead:
    row, _ = await _decide_application(
        session,
        principal,
        application_id,
        allowed_from={ApplicationStatus.SUBMITTED},
        to=ApplicationStatus.SHORTLISTED,
        action="application.shortlist",
    )
    return ApplicationRead.model_validate(row)


async def reject(*, session: AsyncSession, principal: Principal, application_id: str) -> ApplicationRead:
    row, _ = await _decide_application(
        session,
        principal,
        application_id,
        allowed_from={ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED},
        to=ApplicationStatus.REJECTED,
        action="application.reject",
    )
    return ApplicationRead.model_validate(row)


async def appoint_applicant(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    appointment_in: ApplicationAppointment,
) -> MemberRead:
    row, committee = await _decide_application(
        session,
        principal,
        application_id,
        allowed_from={ApplicationStatus.SHORTLISTED},
        to=ApplicationStatus.APPOINTED,
        action="application.appoint",
    )
    member = await members.appoint_row(
        session,
        committee=committee,
        actor=principal,
        member_in=MemberCreate(
            name_ko=row.name_ko,
            name_en=row.name_en or None,
            seat_kind=rules.SeatKind.CIVILIAN_OPEN_CALL,
            user_sub=row.applicant_sub,
            email=row.email,
            phone=row.phone,
            affiliations=list(row.affiliations or []),
            term_start=appointment_in.term_start,
            term_end=appointment_in.term_end,
        ),
        application_id=row.id,
    )
    row.member_id = member.id
    return await members.read_today(session, committee, member)
