"""The event catalogue is complete and current (issue 7 §4).

- docs/asyncapi.yaml is exactly what the payload models generate (run `make asyncapi` after a change);
- every produced event type is listed in it;
- every produced event type is consumed by some service, or documented as external-only (for borough
  IT, webhooks, open-data subscribers) with the reason;
- every consumed type lives on a topic the consuming service declares in topics.CONSUMES.
"""

from __future__ import annotations

import importlib

import yaml

from cg_shared import asyncapi
from cg_shared.events import EVENT_TYPES, topics
from cg_shared.testing.helpers import repo_root

SERVICES = ("registry", "committee", "planning", "budget")

# Produced for consumers outside the platform (borough IT over Kafka/webhooks, dashboards, auditors).
EXTERNAL_ONLY: dict[str, str] = {
    "kr.seoul.cg.registry.project.assessed.v1": "tokenism dashboards and open-data subscribers",
    "kr.seoul.cg.registry.project.duplicate_suspected.v1": "SMG coordination office alerting",
    "kr.seoul.cg.committee.committee.established.v1": "public portal",
    "kr.seoul.cg.committee.member.appointed.v1": "public portal",
    "kr.seoul.cg.committee.member.term_ended.v1": "secretariat notifications",
    "kr.seoul.cg.committee.meeting.scheduled.v1": "public notice / calendar subscribers",
    "kr.seoul.cg.committee.meeting.held.v1": "participation dashboards",
    "kr.seoul.cg.planning.plan.drafted.v1": "public portal",
    "kr.seoul.cg.planning.plan.revision_requested.v1": "committee secretariat and proposers (portal notifications)",
    "kr.seoul.cg.planning.plan_item.created.v1": "public portal",
    "kr.seoul.cg.planning.plan_item.updated.v1": "public portal",
    "kr.seoul.cg.planning.plan_item.funded.v1": "public portal",
    "kr.seoul.cg.budget.cycle.opened.v1": "borough IT (e-Hojo integration)",
    "kr.seoul.cg.budget.envelope.set.v1": "borough IT",
    "kr.seoul.cg.budget.request.created.v1": "borough IT",
    "kr.seoul.cg.budget.election.closed.v1": "public portal",
    "kr.seoul.cg.budget.appropriation.imported.v1": "borough IT reconciliation",
    # Not consumed inside the platform yet: the registry could record funding lines from the awards.
    "kr.seoul.cg.budget.smg_award.decided.v1": "borough IT and SMG programme dashboards (webhooks)",
    "kr.seoul.cg.committee.capacity_training.recorded.v1": "CG assessment dashboards (starting conditions)",
}


def _consumed() -> dict[str, set[str]]:
    consumed: dict[str, set[str]] = {}
    for service in SERVICES:
        handlers = importlib.import_module(f"cg_{service}.consumers").handlers
        for sub in handlers.subscriptions:
            consumed.setdefault(sub.event_type, set()).add(service)
    return consumed


def test_asyncapi_document_is_current() -> None:
    path = repo_root() / "docs" / "asyncapi.yaml"
    assert path.read_text(encoding="utf-8") == asyncapi.render(), (
        "docs/asyncapi.yaml is stale: run `make asyncapi`"
    )


def test_every_produced_type_is_in_the_asyncapi_document() -> None:
    doc = yaml.safe_load((repo_root() / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    listed = {m["name"] for m in doc["components"]["messages"].values()}
    missing = set(EVENT_TYPES) - listed
    assert not missing, f"event types missing from docs/asyncapi.yaml: {sorted(missing)}"


def test_every_produced_type_is_consumed_or_external() -> None:
    consumed = _consumed()
    orphans = sorted(t for t in EVENT_TYPES if t not in consumed and t not in EXTERNAL_ONLY)
    assert not orphans, f"produced but neither consumed nor documented as external-only: {orphans}"
    stale = sorted(t for t in EXTERNAL_ONLY if t not in EVENT_TYPES)
    assert not stale, f"EXTERNAL_ONLY lists unknown types: {stale}"


def test_consumers_read_only_declared_topics() -> None:
    for event_type, services in _consumed().items():
        topic = EVENT_TYPES[event_type].topic
        for service in services:
            assert topic in topics.CONSUMES[service], f"{service} consumes {event_type} but not {topic}"


def test_declared_consumed_topics_are_exactly_the_handlers_topics() -> None:
    """``topics.CONSUMES`` (which the Kafka ACLs, topic creation and AsyncAPI read) says no more and no less
    than what each service's handlers subscribe to: a topic declared but never handled was read access
    granted for nothing (budget declared three and handled one)."""
    for service in topics.CONSUMES:
        handlers = importlib.import_module(f"cg_{service}.consumers").handlers
        assert set(topics.CONSUMES[service]) == handlers.topics(), service
