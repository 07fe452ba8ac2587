"""Participation and tokenism figures of a plan (pure: computed from plain facts).

The depth of each deliberation kind follows the IAP2 spectrum (inform 0 … empower 4); the flags follow
the rubric of the domain notes: tokenism risk when the deepest participation is ≤ 2 (involve) and no
record says the input changed the item; "public-led" when a department item has no partner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

ORIGINS = ("resident", "civic_group", "department")
PROPOSAL_STATUSES = ("submitted", "accepted", "merged", "rejected")

IAP2_DEPTH: dict[str, int] = {
    "department_review": 0,  # officials only: residents are at best informed
    "survey": 1,
    "hearing": 1,
    "online_consultation": 1,
    "forum": 2,
    "workshop": 2,
    "working_group": 3,  # residents co-write the item with officials
    "other": 1,
}


@dataclass(frozen=True)
class ItemFacts:
    item_id: str
    title_ko: str
    origin: str
    partner_count: int


@dataclass(frozen=True)
class DeliberationFacts:
    item_id: str
    kind: str
    participants: int
    changed_item: bool


@dataclass(frozen=True)
class ItemParticipation:
    item_id: str
    title_ko: str
    origin: str
    deliberation_events: int
    participants: int
    changed_by_input: bool
    iap2_depth: int
    tokenism_risk: bool
    public_led: bool


@dataclass(frozen=True)
class PlanMetrics:
    items_total: int
    items_by_origin: dict[str, int]
    origin_shares: dict[str, float | None]
    deliberation_events: int
    participants: int
    deliberation_events_per_item: float | None
    participants_per_item: float | None
    items_changed_by_input: int
    share_items_changed_by_input: float | None
    proposals_received: int
    proposals_by_status: dict[str, int]
    share_proposals_accepted: float | None
    items_without_deliberation: list[str]
    public_led_items: int
    tokenism_risk_items: int
    items: list[ItemParticipation]


def share(part: int, whole: int) -> float | None:
    """A ratio rounded for display; None (not 0) when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def compute_metrics(
    *, items: list[ItemFacts], deliberations: list[DeliberationFacts], proposal_statuses: list[str]
) -> PlanMetrics:
    per_item: dict[str, list[DeliberationFacts]] = {i.item_id: [] for i in items}
    for record in deliberations:
        if record.item_id in per_item:
            per_item[record.item_id].append(record)

    rows: list[ItemParticipation] = []
    for item in items:
        records = per_item[item.item_id]
        depth = max((IAP2_DEPTH.get(r.kind, 1) for r in records), default=0)
        changed = any(r.changed_item for r in records)
        rows.append(
            ItemParticipation(
                item_id=item.item_id,
                title_ko=item.title_ko,
                origin=item.origin,
                deliberation_events=len(records),
                participants=sum(r.participants for r in records),
                changed_by_input=changed,
                iap2_depth=depth,
                tokenism_risk=depth <= 2 and not changed,
                public_led=item.origin == "department" and item.partner_count == 0,
            )
        )

    total = len(items)
    by_origin = Counter(i.origin for i in items)
    events = sum(r.deliberation_events for r in rows)
    participants = sum(r.participants for r in rows)
    changed_items = sum(1 for r in rows if r.changed_by_input)
    statuses = Counter(proposal_statuses)
    screened = sum(statuses[s] for s in ("accepted", "merged", "rejected"))
    return PlanMetrics(
        items_total=total,
        items_by_origin={o: by_origin.get(o, 0) for o in ORIGINS},
        origin_shares={o: share(by_origin.get(o, 0), total) for o in ORIGINS},
        deliberation_events=events,
        participants=participants,
        deliberation_events_per_item=round(events / total, 2) if total else None,
        participants_per_item=round(participants / total, 2) if total else None,
        items_changed_by_input=changed_items,
        share_items_changed_by_input=share(changed_items, total),
        proposals_received=len(proposal_statuses),
        proposals_by_status={s: statuses.get(s, 0) for s in PROPOSAL_STATUSES},
        # A merged proposal's content went into the plan too: it counts as taken up.
        share_proposals_accepted=share(statuses["accepted"] + statuses["merged"], screened),
        items_without_deliberation=[r.item_id for r in rows if r.deliberation_events == 0],
        public_led_items=sum(1 for r in rows if r.public_led),
        tokenism_risk_items=sum(1 for r in rows if r.tokenism_risk),
        items=rows,
    )
