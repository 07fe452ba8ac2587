"""Events produced by the budget service (CGFBS)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from cg_shared.events import topics
from cg_shared.events.envelope import EventPayload, event_type


@event_type(
    "kr.seoul.cg.budget.cycle.opened.v1",
    topic=topics.BUDGET_CYCLE,
    description="A fiscal-year budget cycle was opened for a borough (or SMG).",
)
class CycleOpened(EventPayload):
    cycle_id: str
    sgg_code: str
    fiscal_year: int
    level: str = "borough"  # borough | smg


@event_type(
    "kr.seoul.cg.budget.envelope.set.v1",
    topic=topics.BUDGET_ENVELOPE,
    description="An envelope amount was set (SMG grant, borough CG funds, integrated pool).",
)
class EnvelopeSet(EventPayload):
    envelope_id: str
    cycle_id: str
    sgg_code: str
    kind: str  # smg_grant | borough | integrated
    amount_krw: int


@event_type(
    "kr.seoul.cg.budget.request.created.v1",
    topic=topics.BUDGET_REQUEST,
    description="A budget request was opened for an adopted plan item.",
)
class RequestCreated(EventPayload):
    request_id: str
    cycle_id: str | None = None
    sgg_code: str
    plan_id: str
    plan_item_id: str
    fiscal_year: int
    amount_krw: int


@event_type(
    "kr.seoul.cg.budget.request.executed.v1",
    topic=topics.BUDGET_REQUEST,
    description=(
        "An execution import changed what was spent on a budget request (matched by its program codes; "
        "requests sharing a code with another are left out, their spending cannot be told apart)."
    ),
)
class RequestExecuted(EventPayload):
    request_id: str
    sgg_code: str
    fiscal_year: int
    plan_id: str | None = None
    plan_item_id: str | None = None
    import_id: str
    allocated_krw: int
    executed_krw: int  # spent so far on the request's program codes
    completed: bool  # the allocation is spent in full (executed ≥ allocated)


@event_type(
    "kr.seoul.cg.budget.election.closed.v1",
    topic=topics.BUDGET_ELECTION,
    description="A participatory election closed and its outcome was computed.",
)
class ElectionClosed(EventPayload):
    election_id: str
    cycle_id: str
    sgg_code: str
    rule: str
    ballot_count: int
    selected_request_ids: list[str]
    cost_krw: int
    # Added (optional): the funded ids as on the ballot paper; for elections imported from Pabulib files
    # these are the file's project ids, which have no budget request.
    selected_project_keys: list[str] = []


class AllocationLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    request_id: str
    plan_id: str | None = None
    plan_item_id: str | None = None
    linked_project_ids: list[str] = []
    envelope_id: str | None = None
    source: str = "borough"  # smg_grant | borough | national | private — for registry funding lines
    amount_krw: int
    # Added (optional): which kind of envelope the money came from (smg_grant | borough | integrated).
    envelope_kind: str | None = None


@event_type(
    "kr.seoul.cg.budget.allocation.finalized.v1",
    topic=topics.BUDGET_ALLOCATION,
    description="An allocation was finalised: planning marks items funded, registry adds funding lines.",
)
class AllocationFinalized(EventPayload):
    allocation_id: str
    cycle_id: str
    sgg_code: str
    fiscal_year: int
    method: str  # formula | election:<rule>
    lines: list[AllocationLine]
    total_krw: int


@event_type(
    "kr.seoul.cg.budget.appropriation.imported.v1",
    topic=topics.BUDGET_APPROPRIATION,
    description="Borough IT imported appropriations / execution figures.",
)
class AppropriationImported(EventPayload):
    import_id: str
    sgg_code: str
    fiscal_year: int
    kind: str  # appropriation | execution
    row_count: int
    total_krw: int


@event_type(
    "kr.seoul.cg.budget.smg_award.decided.v1",
    topic=topics.BUDGET_ENVELOPE,
    description=(
        "SMG decided a borough's application to a grant programme (공모사업): awarded (with the amount) "
        "or rejected (with the reason). Project-by-project SMG money, outside the borough's plan."
    ),
)
class SmgAwardDecided(EventPayload):
    application_id: str
    programme_id: str
    programme_code: str
    sgg_code: str
    fiscal_year: int
    outcome: str  # awarded | rejected
    award_krw: int
    plan_item_id: str | None = None
    reason: str = ""


@event_type(
    "kr.seoul.cg.budget.block_grant.assigned.v1",
    topic=topics.BUDGET_ENVELOPE,
    description=(
        "Money of SMG's integrated (block) grant to a borough was put on one of the borough's adopted "
        "plan items (through the item's budget request for that fiscal year)."
    ),
)
class BlockGrantAssigned(EventPayload):
    block_grant_id: str
    use_id: str
    sgg_code: str
    fiscal_year: int
    request_id: str
    plan_id: str
    plan_item_id: str
    amount_krw: int
