"""Kafka topics: one per producing service and aggregate (message key = aggregate id), with their configs.

:data:`TOPIC_SPECS` is the one declaration of every topic's partitions and broker configs. The services
and the test harness create topics from it (``cg_shared.messaging.broker.ensure_topics``) and the Strimzi
``KafkaTopic`` manifests in ``deploy/`` are generated from / checked against it.

No topic is compacted: every domain topic mixes state snapshots with facts that a later snapshot of the
same key does not repeat (``cg.registry.project`` carries ``project.assessed`` and
``project.duplicate-suspected`` next to the project snapshots; ``cg.planning.plan_item`` carries
``plan-item.funded``), so compaction would silently drop facts consumers still need. A topic that
carries only snapshots of its key may set ``compacted=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

DAY_MS = 24 * 3600 * 1000
DOMAIN_RETENTION_MS = 14 * DAY_MS  # replay a consumer after a multi-day outage; the DB stays the record
DEAD_LETTER_RETENTION_MS = 30 * DAY_MS  # time to investigate and replay
MAX_MESSAGE_BYTES = 1_048_576


@dataclass(frozen=True)
class TopicSpec:
    name: str
    kind: str  # "domain" | "dead-letter"
    partitions: int
    retention_ms: int
    compacted: bool = False
    min_insync_replicas: int = 2  # with replication 3 and acks=all: one broker may be down, none lost
    max_message_bytes: int = MAX_MESSAGE_BYTES
    extra: dict[str, str] = field(default_factory=dict)

    def configs(self, replication: int) -> dict[str, str]:
        """Broker topic configs; ``min.insync.replicas`` capped by the replication actually used."""
        return {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(-1 if self.compacted else self.retention_ms),
            "min.insync.replicas": str(max(1, min(self.min_insync_replicas, replication - 1 or 1))),
            "max.message.bytes": str(self.max_message_bytes),
            **self.extra,
        }


TOPIC_SPECS: dict[str, TopicSpec] = {
    **{t: TopicSpec(t, "domain", partitions=6, retention_ms=DOMAIN_RETENTION_MS) for t in EVENT_TOPICS},
    **{
        t: TopicSpec(t, "dead-letter", partitions=3, retention_ms=DEAD_LETTER_RETENTION_MS)
        for t in DEAD_LETTER_TOPICS
    },
}
PRODUCTION_REPLICATION = 3

# What each service consumes (its consumer group reads these). Kept here so the code, the
# Kubernetes ACLs and the docs are checked against one list.
CONSUMES: dict[str, tuple[str, ...]] = {
    "registry": (PLANNING_PLAN, BUDGET_ALLOCATION),
    "committee": (PLANNING_PLAN,),
    "planning": (REGISTRY_PROJECT, COMMITTEE_DECISION, BUDGET_REQUEST, BUDGET_ALLOCATION, BUDGET_ENVELOPE),
    "budget": (PLANNING_PLAN,),
}
