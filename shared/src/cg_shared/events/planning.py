"""Events produced by the planning service."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from cg_shared.events import topics
from cg_shared.events.envelope import EventPayload, event_type


class YearlyAmount(BaseModel):
    model_config = ConfigDict(frozen=True)
    fiscal_year: int
    amount_krw: int


class ProgramCodes(BaseModel):
    """Program budget classification (회계 → 분야 → 부문 → 정책사업 → 단위사업 → 세부사업 → 편성목)."""

    model_config = ConfigDict(frozen=True)
    account: str | None = None
    field: str | None = None
    sector: str | None = None
    policy_program: str | None = None
    unit_program: str | None = None
    detail_program: str | None = None
    object_code: str | None = None


class PlanItemData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    item_id: str
    title_ko: str
    title_en: str = ""
    origin: str  # resident | civic_group | department
    policy_field: str | None = None
    responsible_department: str | None = None
    partner_organisations: list[str] = []
    target_groups: list[str] = []
    requested_budget: list[YearlyAmount] = []
    program_codes: ProgramCodes = ProgramCodes()
    linked_project_ids: list[str] = []
    # Additive (optional) fields: organisations that applied for the item (civic-group proposers), the
    # proposals it came from, and its place in the borough — for registry projects and recusal.
    applicant_organisations: list[str] = []
    source_proposal_ids: list[str] = []
    dong: str | None = None
    description: str = ""


@event_type(
    "kr.seoul.cg.planning.plan.drafted.v1",
    topic=topics.PLANNING_PLAN,
    description="A plan entered DRAFTING.",
)
class PlanDrafted(EventPayload):
    plan_id: str
    sgg_code: str
    kind: str  # master | annual
    fiscal_year: int | None = None
    title_ko: str


@event_type(
    "kr.seoul.cg.planning.plan.submitted.v1",
    topic=topics.PLANNING_PLAN,
    description="A plan was submitted for committee review; the committee puts it on its next agenda.",
)
class PlanSubmitted(EventPayload):
    plan_id: str
    sgg_code: str
    kind: str
    fiscal_year: int | None = None
    title_ko: str
    title_en: str = ""
    submitted_at: datetime
    # Organisations that are applicants or partners of the plan's items: used for recusal.
    applicant_organisations: list[str] = []
    partner_organisations: list[str] = []
    item_count: int = 0
    subject_kind: str = "plan"


@event_type(
    "kr.seoul.cg.planning.plan.adopted.v1",
    topic=topics.PLANNING_PLAN,
    description="The committee's valid decision adopted the plan; carries its items for budget and registry.",
)
class PlanAdopted(EventPayload):
    plan_id: str
    sgg_code: str
    kind: str
    fiscal_year: int | None = None
    title_ko: str
    decision_id: str
    items: list[PlanItemData] = []


@event_type(
    "kr.seoul.cg.planning.plan.revision_requested.v1",
    topic=topics.PLANNING_PLAN,
    description="The plan went back to REVISION (rejected or invalid committee decision).",
)
class PlanRevisionRequested(EventPayload):
    plan_id: str
    sgg_code: str
    decision_id: str | None = None
    reasons: list[str] = []


@event_type(
    "kr.seoul.cg.planning.plan.evaluated.v1",
    topic=topics.PLANNING_PLAN,
    description="Yearly evaluation of a plan, including the city's grade (가/나/다).",
)
class PlanEvaluated(EventPayload):
    plan_id: str
    sgg_code: str
    fiscal_year: int
    grade: str | None = None  # 가 | 나 | 다
    item_completion_rate: float | None = None
    participants: int | None = None
    # Additive (optional): which evaluation record, what kind of plan, KPI achievement and events counted.
    evaluation_id: str | None = None
    kind: str | None = None
    kpi_achievement_rate: float | None = None
    deliberation_events: int | None = None


@event_type(
    "kr.seoul.cg.planning.plan_item.created.v1",
    topic=topics.PLANNING_PLAN_ITEM,
    description="A plan item was created.",
)
class PlanItemCreated(EventPayload):
    plan_id: str
    sgg_code: str
    item: PlanItemData


@event_type(
    "kr.seoul.cg.planning.plan_item.updated.v1",
    topic=topics.PLANNING_PLAN_ITEM,
    description="A plan item changed.",
)
class PlanItemUpdated(EventPayload):
    plan_id: str
    sgg_code: str
    item: PlanItemData


@event_type(
    "kr.seoul.cg.planning.plan_item.funded.v1",
    topic=topics.PLANNING_PLAN_ITEM,
    description="Planning recorded that an item received money from a finalised allocation.",
)
class PlanItemFunded(EventPayload):
    plan_id: str
    sgg_code: str
    item_id: str
    allocation_id: str
    fiscal_year: int
    amount_krw: int
