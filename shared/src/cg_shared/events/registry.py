"""Events produced by the registry service (topic ``cg.registry.project``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from cg_shared.events import topics
from cg_shared.events.envelope import EventPayload, event_type


class FundingLineData(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: str  # smg_grant | borough | national | private
    fiscal_year: int
    amount_krw: int


class ProjectSnapshot(EventPayload):
    """The project as other services need it for read models (no personal data)."""

    project_id: str
    code: str
    title_ko: str
    title_en: str = ""
    sgg_code: str | None = None  # None = city-wide
    policy_field: str | None = None
    origin: str = "department"  # resident | civic_group | department
    status: str = "planned"
    lead_department: str | None = None
    partner_organisations: list[str] = []
    target_groups: list[str] = []
    start_date: date | None = None
    end_date: date | None = None
    total_krw: int = 0
    funding_lines: list[FundingLineData] = []
    plan_item_id: str | None = None
    parent_id: str | None = None  # parent project (accountability tree)
    progress_pct: int = 0  # percent done, rolled up from milestones and child projects
    version: int = 1


@event_type(
    "kr.seoul.cg.registry.project.registered.v1",
    topic=topics.REGISTRY_PROJECT,
    description="A CG project was registered (via the API, a bulk import or from an adopted plan item).",
)
class ProjectRegistered(ProjectSnapshot):
    pass


@event_type(
    "kr.seoul.cg.registry.project.updated.v1",
    topic=topics.REGISTRY_PROJECT,
    description="A project changed; carries the full new snapshot and the names of the changed fields.",
)
class ProjectUpdated(ProjectSnapshot):
    changed_fields: list[str] = []


@event_type(
    "kr.seoul.cg.registry.project.assessed.v1",
    topic=topics.REGISTRY_PROJECT,
    description="A CG assessment (tokenism rubric) was recorded for a project.",
)
class ProjectAssessed(EventPayload):
    project_id: str
    sgg_code: str | None = None
    iap2_level: int
    arnstein_rung: int
    scores: dict[str, int]
    tokenism_risk: bool
    public_led: bool


@event_type(
    "kr.seoul.cg.registry.project.duplicate_suspected.v1",
    topic=topics.REGISTRY_PROJECT,
    description="Duplicate detection found a candidate above the threshold.",
)
class ProjectDuplicateSuspected(EventPayload):
    project_id: str
    candidate_id: str
    sgg_code: str | None = None
    score: float
    reasons: list[str]


@event_type(
    "kr.seoul.cg.registry.project.deleted.v1",
    topic=topics.REGISTRY_PROJECT,
    description=(
        "A project registered in error was deleted from the registry; read models should drop it "
        "(its history and audit trail stay in the registry)."
    ),
)
class ProjectDeleted(EventPayload):
    project_id: str
    code: str
    sgg_code: str | None = None
    version: int = 1
