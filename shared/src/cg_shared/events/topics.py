"""Kafka topic names: one per producing service and aggregate (message key = aggregate id)."""

from __future__ import annotations

REGISTRY_PROJECT = "cg.registry.project"

COMMITTEE_COMMITTEE = "cg.committee.committee"
COMMITTEE_MEMBER = "cg.committee.member"
COMMITTEE_MEETING = "cg.committee.meeting"
COMMITTEE_DECISION = "cg.committee.decision"

PLANNING_PLAN = "cg.planning.plan"
PLANNING_PLAN_ITEM = "cg.planning.plan_item"
PLANNING_PROPOSAL = "cg.planning.proposal"

BUDGET_CYCLE = "cg.budget.cycle"
BUDGET_ENVELOPE = "cg.budget.envelope"
BUDGET_REQUEST = "cg.budget.request"
BUDGET_ELECTION = "cg.budget.election"
BUDGET_ALLOCATION = "cg.budget.allocation"
BUDGET_APPROPRIATION = "cg.budget.appropriation"

SERVICES = ("registry", "committee", "planning", "budget")


def dead_letter_topic(service: str) -> str:
    return f"cg.dlq.{service}"


EVENT_TOPICS: tuple[str, ...] = (
    REGISTRY_PROJECT,
    COMMITTEE_COMMITTEE,
    COMMITTEE_MEMBER,
    COMMITTEE_MEETING,
    COMMITTEE_DECISION,
    PLANNING_PLAN,
    PLANNING_PLAN_ITEM,
    PLANNING_PROPOSAL,
    BUDGET_CYCLE,
    BUDGET_ENVELOPE,
    BUDGET_REQUEST,
    BUDGET_ELECTION,
    BUDGET_ALLOCATION,
    BUDGET_APPROPRIATION,
)
DEAD_LETTER_TOPICS: tuple[str, ...] = tuple(dead_letter_topic(s) for s in SERVICES)
ALL_TOPICS: tuple[str, ...] = EVENT_TOPICS + DEAD_LETTER_TOPICS

# What each service consumes (its consumer group reads these). Kept here so the code, the
# Kubernetes ACLs and the docs are checked against one list.
CONSUMES: dict[str, tuple[str, ...]] = {
    "registry": (PLANNING_PLAN, PLANNING_PLAN_ITEM, BUDGET_ALLOCATION),
    "committee": (PLANNING_PLAN,),
    "planning": (REGISTRY_PROJECT, COMMITTEE_DECISION, BUDGET_REQUEST, BUDGET_ALLOCATION),
    "budget": (PLANNING_PLAN, PLANNING_PLAN_ITEM, REGISTRY_PROJECT),
}
