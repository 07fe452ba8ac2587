"""Assessment use cases: record a rubric scoring, derive the flags, keep the project's summary current."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.assessments.models import Assessment
from cg_registry.assessments.rubric import DIMENSIONS, Iap2Level, arnstein_band, tokenism_risk
from cg_registry.assessments.schemas import AssessmentCreate, AssessmentRead
from cg_registry.domain import is_public_led
from cg_registry.projects import service as projects
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.db import utcnow
from cg_shared.events.registry import ProjectAssessed
from cg_shared.messaging import add_to_outbox


def to_read(row: Assessment) -> AssessmentRead:
    return AssessmentRead(
        id=row.id,
        project_id=row.project_id,
        iap2_level=row.iap2_level,
        iap2_name=Iap2Level(row.iap2_level).name.lower(),
        arnstein_rung=row.arnstein_rung,
        arnstein_band=arnstein_band(row.arnstein_rung),
        scores={name: getattr(row, name) for name in DIMENSIONS},
        tokenism_risk=row.tokenism_risk,
        public_led=row.public_led,
        note=row.note,
        assessed_by=row.assessed_by,
        assessed_at=row.assessed_at,
    )


async def assess(
    *, session: AsyncSession, principal: Principal, project_id: str, assessment_in: AssessmentCreate
) -> tuple[AssessmentRead, int]:
    """Record an assessment; returns it and the project's new version (the project summary changed)."""
    project = await projects.load(session, project_id, for_update=True)
    # The borough's CG officers and its committee secretariat assess their own borough's projects.
    ensure_role(principal, Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY)
    ensure_borough(principal, project.sgg_code)
    before = await projects.read(session, project)
    scores = assessment_in.scores.model_dump()
    scores["participation_depth"] = int(assessment_in.iap2_level)
    row = Assessment(
        project_id=project.id,
        iap2_level=int(assessment_in.iap2_level),
        arnstein_rung=assessment_in.arnstein_rung,
        tokenism_risk=tokenism_risk(
            participation_depth=scores["participation_depth"], feedback=scores["feedback"]
        ),
        public_led=is_public_led(project.origin, project.partners or []),
        note=assessment_in.note,
        assessed_by=principal.sub,
        assessed_at=utcnow(),
        **scores,
    )
    session.add(row)
    project.iap2_level = row.iap2_level
    project.tokenism_risk = row.tokenism_risk
    project.assessed_at = row.assessed_at
    await session.flush()
    read = to_read(row)
    record_audit(
        session,
        actor=principal,
        action="project.assess",
        entity_type="assessment",
        entity_id=row.id,
        sgg_code=project.sgg_code,
        after=read.model_dump(mode="json"),
    )
    add_to_outbox(
        session,
        ProjectAssessed(
            project_id=project.id,
            sgg_code=project.sgg_code,
            iap2_level=row.iap2_level,
            arnstein_rung=row.arnstein_rung,
            scores=read.scores,
            tokenism_risk=row.tokenism_risk,
            public_led=row.public_led,
        ),
        subject=project.id,
    )
    # The project's own representation changed (assessment summary): new version, history, updated event.
    after = await projects.publish_update(
        session,
        project=project,
        actor=principal,
        action="assessed",
        before=before,
        audit_action="project.update",
    )
    return read, after.version


async def list_for_project(*, session: AsyncSession, project_id: str) -> list[AssessmentRead]:
    await projects.load(session, project_id)
    rows = await session.execute(
        select(Assessment)
        .where(Assessment.project_id == project_id)
        .order_by(Assessment.assessed_at.desc(), Assessment.id)
    )
    return [to_read(r) for r in rows.scalars()]
