"""Issue 7: a borough's whole CG year through the public REST APIs, the four services running as real
processes on PostgreSQL and talking only through the Tansu broker.

Scenario 1 (adoption): registry seeded → committee established → proposals → plan with deliberation
and a link to an existing project → submitted → agenda → vote with quorum and a recusal → plan adopted
→ budget requests → participatory election (MES) → allocation → items funded → registry funding lines,
new bottom-up projects, statistics and tokenism figures.
Scenario 2 (no quorum): the decision is invalid → the plan goes to REVISION → nothing is funded.

The expected money is worked out by hand from the ballots in ``demo.scenario`` (see BALLOTS) and
cross-checked against pabutools, the reference implementation of the Method of Equal Shares.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import method_of_equal_shares

from cg_shared.events import EVENT_TYPES, topics
from cg_shared.events.planning import PlanRevisionRequested
from demo.scenario import (
    BALLOTS,
    CIVILIANS,
    COUNCILLORS,
    DEPARTMENT_ITEM,
    ENVELOPE_KRW,
    ITEMS,
    OFFICIALS,
    OPEN_CALL,
    PROPOSALS,
    RECUSAL_ORGANISATION,
    CgApi,
    CgYear,
    CycleReport,
    RecordingNarrator,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.broker]

T = TypeVar("T")

SGG = "11200"  # Seongdong-gu, whose 2017 ordinance the committee roster follows
TIMEOUT_S = 120.0  # generous deadlines: the first run also waits for 1,126 seeded events to be consumed
FUNDED = ("youth_space", "care", "academy")  # MES with ₩30M per voter; the garden's 2 supporters can't pay


def _revision_type() -> str:
    return next(t for t, cls in EVENT_TYPES.items() if cls is PlanRevisionRequested)


@pytest.fixture
async def api(system) -> AsyncIterator[CgApi]:
    async with system.api() as client:
        yield client


async def _run(step: Awaitable[T], narrator: RecordingNarrator, system: Any) -> T:
    try:
        return await step
    except BaseException:
        # The story so far tells which cross-service step did not happen; the logs tell why.
        print("\n".join(narrator.lines))
        for service in ("registry", "committee", "planning", "budget"):
            print(f"--- {service} log (tail) ---\n{system.logs(service, tail=2000)}")
        raise


def test_expected_outcome_is_what_pabutools_computes() -> None:
    """The hand-worked MES outcome of the scenario's ballots equals the reference implementation's."""
    projects = {key: Project(key, spec.amount_krw) for key, spec in ITEMS.items()}
    instance = Instance(projects.values(), budget_limit=ENVELOPE_KRW)
    profile = ApprovalProfile([ApprovalBallot([projects[k] for k in ballot]) for ballot in BALLOTS])
    selected = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    assert sorted(p.name for p in selected) == sorted(FUNDED)


async def test_scenario_1_adopted_plan_is_funded_and_registered(system, api: CgApi) -> None:
    narrator = RecordingNarrator()
    year = CgYear(api, sgg_code=SGG, run_id="e2e-1", narrator=narrator, timeout_s=TIMEOUT_S)
    report: CycleReport = await _run(year.run_adoption_cycle(), narrator, system)
    print("\n".join(narrator.lines))
    before, after = report.registry_before, report.registry_after

    # The registry was seeded with the published aggregates (1,126 projects, ₩7,661,500 million).
    assert before.city["project_count"] == 1126
    assert before.city["total_krw"] == 7_661_500_000_000

    # Committee: Seongdong's composition — 21 civilians (2 by open call), 2 councillors, 7 officials.
    setup = report.committee
    assert setup.created
    composition = setup.composition
    assert composition["seated_count"] == 30
    assert {kind: n for kind, n in composition["by_seat_kind"].items() if n} == {
        "civilian_appointed": len(CIVILIANS),
        "civilian_open_call": len(OPEN_CALL),
        "councillor": len(COUNCILLORS),
        "official": len(OFFICIALS),
    }
    assert composition["compliant"], composition["violations"]
    assert any(m["civilian"] for m in composition["co_chairs"])
    assert setup.open_call_applications == 2
    assert setup.recusal_organisation == RECUSAL_ORGANISATION

    # Plan: 5 proposals (3 accepted, 1 merged, 1 rejected) + 1 department item linked to a project.
    plan = report.plan
    statuses = {}
    for key, proposal in plan.proposals.items():
        statuses[key] = (await api.get("planning", f"/v1/proposals/{proposal['id']}"))["status"]
    assert statuses == {
        p.key: {"accept": "accepted", "merge": "merged", "reject": "rejected"}[p.decision] for p in PROPOSALS
    }
    assert plan.items[DEPARTMENT_ITEM]["linked_project_ids"] == [report.linked_project_before["id"]]
    assert plan.deliberations == 6 and plan.participants == 353

    # Agenda and vote: the plan's partner organisation recuses exactly one member; quorum 25 of 30.
    item = report.vote.agenda_item
    assert item["origin"] == "planning" and item["subject_kind"] == "plan"
    assert item["subject_id"] == plan.plan["id"]
    assert [r["member_id"] for r in item["recusals"]] == [setup.recusal_member["id"]]
    decision = report.vote.decision
    assert decision["valid"] is True and decision["outcome"] == "adopted", decision["reasons"]
    expected_tally = {
        "seated": 30,
        "present": 25,
        "yes": 20,
        "no": 2,
        "abstain": 2,
        "recused": 1,
        "recused_voted": 0,
    }
    assert {k: decision["tally"][k] for k in expected_tally} == expected_tally
    assert decision["recused_member_ids"] == [setup.recusal_member["id"]]
    assert setup.recusal_member["id"] not in {v["member_id"] for v in decision["votes"]}
    assert report.plan_after_vote["state"] == "ADOPTED"
    assert report.plan_after_vote["decision_id"] == decision["id"]

    # Budget: one request per item at the item's amount; MES funds three of four; allocation = outcome.
    funding = report.funding
    assert {k: r["requested_krw"] for k, r in funding.requests.items()} == {
        k: s.amount_krw for k, s in ITEMS.items()
    }
    assert all(
        r["source"] == "plan" and r["fiscal_year"] == plan.fiscal_year for r in funding.requests.values()
    )
    assert funding.ballots == len(BALLOTS) and funding.election["ballot_count"] == len(BALLOTS)
    expected_krw = sum(ITEMS[k].amount_krw for k in FUNDED)
    assert sorted(funding.outcome["selected_request_ids"]) == sorted(
        funding.requests[k]["id"] for k in FUNDED
    )
    assert funding.outcome["cost_krw"] == expected_krw == 250_000_000
    assert funding.outcome["budget_krw"] == ENVELOPE_KRW
    assert funding.allocation["total_krw"] == expected_krw
    assert sorted(report.funded_keys) == sorted(FUNDED)
    assert {line["request_id"]: line["amount_krw"] for line in funding.allocation["lines"]} == {
        funding.requests[k]["id"]: ITEMS[k].amount_krw for k in FUNDED
    }

    # Planning marked exactly the funded items; the garden stays unfunded.
    assert {k: i["funded_krw"] for k, i in report.funded_items.items()} == {
        k: ITEMS[k].amount_krw for k in FUNDED
    }
    garden = await api.get("planning", f"/v1/items/{plan.items['garden']['id']}")
    assert garden["funded"] is False and garden["funded_krw"] == 0

    # The resident whose proposal became a funded item sees it in their timeline, fed by budget's events.
    followed = report.proposal_followed
    assert followed is not None and followed["stage"] == "funded"
    assert [s["stage"] for s in followed["timeline"]] == [
        "screened",
        "in_plan_item",
        "adopted",
        "requested",
        "funded",
    ]
    assert followed["timeline"][-1]["amount_krw"] == followed["timeline"][-2]["amount_krw"] > 0

    # Registry: the three bottom-up items are projects (the department item continues an existing one),
    # with a funding line per allocation line.
    assert set(report.new_projects) == {"youth_space", "care", "garden"}
    for key, project in report.new_projects.items():
        assert project["plan_item_id"] == plan.items[key]["id"]
        assert project["origin"] == ITEMS[key].origin
        assert project["sgg_code"] == SGG
        lines = [fl for fl in project["funding_lines"] if fl["allocation_id"] == funding.allocation["id"]]
        if key in FUNDED:
            assert [(fl["amount_krw"], fl["fiscal_year"]) for fl in lines] == [
                (ITEMS[key].amount_krw, plan.fiscal_year)
            ]
        else:
            assert lines == []
    linked_before, linked_after = report.linked_project_before, report.linked_project_after
    new_lines = [
        fl for fl in linked_after["funding_lines"] if fl["allocation_id"] == funding.allocation["id"]
    ]
    assert [fl["amount_krw"] for fl in new_lines] == [ITEMS[DEPARTMENT_ITEM].amount_krw]
    assert linked_after["total_krw"] == linked_before["total_krw"] + ITEMS[DEPARTMENT_ITEM].amount_krw

    # Statistics grow by exactly the allocated amount and the three new projects.
    assert after.borough_projects == before.borough_projects + 3
    assert after.borough["total_krw"] == before.borough["total_krw"] + expected_krw
    assert after.city["total_krw"] == before.city["total_krw"] + expected_krw
    assert after.city["project_count"] == before.city["project_count"] + 3
    source = funding.envelope["integrated_source"] or "smg_grant"

    def by_source(stats: dict[str, Any]) -> int:
        return next((b["amount_krw"] for b in stats["by_funding_source"] if b["source"] == source), 0)

    assert by_source(after.borough) == by_source(before.borough) + expected_krw

    def by_origin(stats: dict[str, Any], origin: str) -> int:
        return next((b["project_count"] for b in stats["by_origin"] if b["key"] == origin), 0)

    assert by_origin(after.borough, "resident") == by_origin(before.borough, "resident") + 2
    assert by_origin(after.borough, "civic_group") == by_origin(before.borough, "civic_group") + 1

    # Tokenism: the new projects are assessed from the plan's deliberation record; only the garden
    # (a workshop, no recorded effect of the input) is at risk.
    assert {k: a["tokenism_risk"] for k, a in report.assessments.items()} == {
        "youth_space": False,
        "care": False,
        "garden": True,
    }
    t_before, t_after = before.borough["tokenism"], after.borough["tokenism"]
    assert t_after["assessed_count"] == t_before["assessed_count"] + 3
    assert t_after["tokenism_risk_count"] == t_before["tokenism_risk_count"] + 1
    assert (
        t_after["public_led_count"] == t_before["public_led_count"]
    )  # bottom-up projects are not public-led
    assert t_after["public_led_share"] < t_before["public_led_share"]

    # Participation metrics of the committee and the plan.
    metrics = report.committee_metrics
    assert metrics["decisions"] == 1 and metrics["valid_decisions"] == 1 and metrics["meetings_held"] == 1
    assert metrics["civilian_seats"]["numerator"] == 21 and metrics["civilian_seats"]["denominator"] == 30
    assert (metrics["civilian_votes"]["numerator"], metrics["civilian_votes"]["denominator"]) == (20, 24)
    assert metrics["agenda_items_by_origin"].get("planning") == 1
    pm = report.plan_metrics
    assert pm["items_by_origin"] == {"resident": 2, "civic_group": 1, "department": 1}
    assert pm["deliberation_events"] == 6 and pm["participants"] == 353
    assert pm["proposals_received"] == 5 and pm["share_proposals_accepted"] == 0.8
    assert pm["items_changed_by_input"] == 2
    assert pm["tokenism_risk_items"] == 2 and pm["public_led_items"] == 1

    # Minutes are public once published.
    minutes = await api.get("committee", f"/v1/meetings/{report.vote.meeting['id']}/minutes")
    assert minutes["status"] == "published"


async def test_scenario_2_no_quorum_sends_the_plan_back_and_funds_nothing(system, api: CgApi) -> None:
    narrator = RecordingNarrator()
    year = CgYear(api, sgg_code=SGG, run_id="e2e-2", narrator=narrator, timeout_s=TIMEOUT_S)
    report = await _run(year.run_failed_quorum(), narrator, system)
    print("\n".join(narrator.lines))

    decision = report.vote.decision
    assert decision["valid"] is False
    assert decision["tally"]["present"] < decision["tally"]["seated"] // 2 + 1
    assert any("quorum" in reason.lower() for reason in decision["reasons"]), decision["reasons"]
    assert report.plan_after_vote["state"] == "REVISION"
    received = await api.get("planning", f"/v1/plans/{report.plan.plan['id']}/decisions")
    assert [(d["decision_id"], d["valid"]) for d in received] == [(decision["id"], False)]

    # Barrier: budget and registry have consumed the plan's revision_requested event (and, the topic
    # being keyed by plan, everything before it), so an absent effect is really absent.
    position = await system.find_event(topics.PLANNING_PLAN, _revision_type(), report.plan.plan["id"])
    await system.wait_consumed(position, ("cg-budget", "cg-registry"))

    assert await api.collect("budget", "/v1/requests", plan_id=report.plan.plan["id"]) == []
    for item in report.plan.items.values():
        assert (await api.get("registry", "/v1/projects", plan_item_id=item["id"]))["items"] == []
    cycles = await api.get("budget", "/v1/cycles", sgg_code=SGG, fiscal_year=report.plan.fiscal_year)
    assert cycles["items"] == []
    now = await year.registry_snapshot()
    assert (now.borough_projects, now.borough["total_krw"]) == (
        report.registry_before.borough_projects,
        report.registry_before.borough["total_krw"],
    )
    assert now.city["total_krw"] == report.registry_before.city["total_krw"]
