"""Who may call each mutating endpoint, and how to build a request that succeeds (the auth-matrix table).

One row per (service, METHOD, path) of the OpenAPI documents. ``allowed`` names the roles besides
``smg_admin`` (who may do everything) by letter: O borough_officer, S committee_secretary,
M committee_member, R resident. ``scoped`` says the endpoint acts for a borough: an allowed
borough-scoped role of another borough must be refused. ``success`` describes one call by a right role
of the right borough that must succeed (and be audited); ``None`` where no valid call can be built
without the event bus (the refusals are still checked).

The rows follow the services' READMEs; the auth-matrix test fails for an endpoint without a row, so a
new endpoint cannot slip past the matrix.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cg_shared.testing.helpers import auth
from tests.contract.apps import OTHER_SGG, SGG
from tests.contract.world import (
    ADMIN,
    OFFICER,
    PB_FILE,
    SECRETARY,
    World,
    example_body,
    fill_ids,
    ok,
    open_programme_body,
    uniq,
)

# Writes open to anyone by design, outside the matrix: the development sign-in (mounted only with
# CG_AUTH_MODE=dev; tests/security/test_request_guards.py checks the token it issues is accepted).
ANONYMOUS_WRITES = {("POST", "/v1/dev/token")}

LETTERS = {"O": "borough_officer", "S": "committee_secretary", "M": "committee_member", "R": "resident"}
Prepare = Callable[[httpx.AsyncClient, dict[str, Any], World], Awaitable[dict[str, Any]]]
BodyFn = Callable[[dict[str, Any], World], Any]


@dataclass(frozen=True)
class Success:
    """A call that must succeed: as ``role`` (letter, or A for smg_admin) of the world's borough."""

    role: str = ""  # default: the first allowed role
    prepare: Prepare | None = None  # creates what the call needs; returns overrides of the world
    body: BodyFn | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: tuple[int, ...] = (200, 201, 204)


@dataclass(frozen=True)
class Policy:
    allowed: str
    scoped: bool = True
    body: BodyFn | None = None  # default: the OpenAPI example with the world's ids
    files: Callable[[World], dict[str, Any]] | None = None
    params: Callable[[World], dict[str, Any]] | None = None
    success: Success | None = Success()
    # Further callers that must be refused with 403 (e.g. a resident of another borough).
    extra_refusals: tuple[tuple[str, dict[str, str]], ...] = ()

    @property
    def roles(self) -> list[str]:
        return [LETTERS[c] for c in self.allowed]


def example(spec: dict[str, Any], world: World, method: str, path: str) -> Any:
    return fill_ids(example_body(spec, method, path), world)


def const(value: Any) -> BodyFn:
    return lambda spec, world: value


# --- registry ------------------------------------------------------------------------------------------

CSV_IMPORT = "title_ko,sgg_code,total_krw\n가져온 협치 사업 {n},11200,5000000\n"


async def fresh_project(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    created = ok(
        await client.post(
            "/v1/projects", json={"title_ko": f"지울 사업 {uniq()}", "sgg_code": SGG}, headers=OFFICER
        )
    )
    return {"project_id": created["id"]}


async def fresh_milestone(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    view = ok(
        await client.post(
            f"/v1/projects/{world['project_id']}/milestones",
            json={"title_ko": f"지울 마일스톤 {uniq()}"},
            headers={**OFFICER, "If-Match": "*"},
        )
    )
    return {"milestone_id": view["milestones"][-1]["id"]}


REGISTRY: dict[tuple[str, str], Policy] = {
    ("POST", "/v1/projects"): Policy(
        "O", body=lambda spec, world: {**example(spec, world, "POST", "/v1/projects"), "sgg_code": SGG}
    ),
    ("PATCH", "/v1/projects/{project_id}"): Policy("O"),
    ("DELETE", "/v1/projects/{project_id}"): Policy("O", success=Success(prepare=fresh_project)),
    ("POST", "/v1/projects/{project_id}/assessments"): Policy("OS"),
    ("POST", "/v1/projects/{project_id}/milestones"): Policy("O"),
    ("PATCH", "/v1/projects/{project_id}/milestones/{milestone_id}"): Policy("O"),
    ("DELETE", "/v1/projects/{project_id}/milestones/{milestone_id}"): Policy(
        "O", success=Success(prepare=fresh_milestone)
    ),
    ("POST", "/v1/imports/projects"): Policy(
        "O",
        scoped=False,  # the borough is per row: a row of another borough is refused inside the report
        files=lambda world: {"file": ("projects.csv", CSV_IMPORT.format(n=uniq()).encode(), "text/csv")},
    ),
}


# --- planning ------------------------------------------------------------------------------------------


async def fresh_annual_plan(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    """An annual plan with one item and one deliberation, moved to DRAFTING (ready to submit).

    One per world: a master plan has one annual plan per year of its term."""
    plan = ok(
        await client.post(
            "/v1/plans",
            json={
                "sgg_code": SGG,
                "kind": "annual",
                "master_plan_id": world["plan_id"],
                "fiscal_year": world["fiscal_year"] + 1,
                "title_ko": f"실행계획 {uniq()}",
            },
            headers=OFFICER,
        )
    )
    item = ok(
        await client.post(
            f"/v1/plans/{plan['id']}/items",
            json=example(spec, world, "POST", "/v1/plans/{plan_id}/items"),
            headers=OFFICER,
        )
    )
    ok(
        await client.post(
            f"/v1/items/{item['id']}/deliberations",
            json=example_body(spec, "POST", "/v1/items/{item_id}/deliberations"),
            headers=OFFICER,
        )
    )
    for state in ("DELIBERATION", "DRAFTING"):
        ok(
            await client.post(
                f"/v1/plans/{plan['id']}/transitions",
                json={"to": state, "reason": "시험"},
                headers={**OFFICER, "If-Match": "*"},
            )
        )
    return {"plan_id": plan["id"], "item_id": item["id"]}


async def fresh_proposal(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    created = ok(
        await client.post(
            "/v1/proposals",
            json=example(spec, world, "POST", "/v1/proposals"),
            headers=auth("resident", sub=f"resident-{uniq()}"),
        )
    )
    return {"proposal_id": created["id"]}


def annual_plan_body(spec: dict[str, Any], world: World) -> dict[str, Any]:
    return {
        "sgg_code": SGG,
        "kind": "annual",
        "master_plan_id": world["plan_id"],
        "fiscal_year": world["fiscal_year"] + 2,
        "title_ko": f"연차 실행계획 {uniq()}",
    }


PLANNING: dict[tuple[str, str], Policy] = {
    ("POST", "/v1/plans"): Policy("O", body=annual_plan_body),
    ("PATCH", "/v1/plans/{plan_id}"): Policy("O"),
    ("POST", "/v1/plans/{plan_id}/transitions"): Policy(
        "O",
        body=const({"to": "DELIBERATION", "reason": "의제 발굴 완료"}),
    ),
    ("POST", "/v1/plans/{plan_id}/submit"): Policy(
        "O", body=const({"note": "정기회의 상정"}), success=Success(prepare=fresh_annual_plan)
    ),
    # Evaluations need an adopted plan in execution, which only a committee decision event produces.
    ("POST", "/v1/plans/{plan_id}/evaluation"): Policy("O", success=None),
    ("PATCH", "/v1/plans/{plan_id}/evaluation/{fiscal_year}"): Policy("", scoped=False, success=None),
    ("POST", "/v1/plans/{plan_id}/items"): Policy("O"),
    ("PATCH", "/v1/items/{item_id}"): Policy("O", body=const({"title_en": "Seongsu youth space (revised)"})),
    ("POST", "/v1/items/{item_id}/deliberations"): Policy("O"),
    ("POST", "/v1/proposals"): Policy(
        "R",
        scoped=False,
        success=Success(headers=auth("resident", sub="resident-proposer")),
    ),
    ("POST", "/v1/proposals/{proposal_id}/screening"): Policy(
        "O",
        body=const({"decision": "reject", "reason": "구 사무가 아닌 시 사무"}),
        success=Success(prepare=fresh_proposal),
    ),
    # Everyone's own inbox: no role is refused, only an anonymous caller (401). Marking one notification
    # needs a notification of the caller's, which only a planning event about their proposal creates.
    ("POST", "/v1/me/notifications/read-all"): Policy(
        "OSMR", scoped=False, body=const(None), success=Success(role="R")
    ),
    ("POST", "/v1/me/notifications/{notification_id}/read"): Policy(
        "OSMR", scoped=False, body=const(None), success=None
    ),
}


# --- committee -----------------------------------------------------------------------------------------


async def fresh_member(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    created = ok(
        await client.post(
            f"/v1/committees/{world['committee_id']}/members",
            json={
                "name_ko": f"새 위원 {uniq()}",
                "seat_kind": "civilian_appointed",
                "term_start": "2026-01-01",
            },
            headers=SECRETARY,
        )
    )
    return {"member_id": created["id"]}


async def fresh_application(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World, *, shortlist: bool = False
) -> dict[str, Any]:
    created = ok(
        await client.post(
            f"/v1/committees/{world['committee_id']}/applications",
            json={
                **example_body(spec, "POST", "/v1/committees/{committee_id}/applications"),
                "name_ko": "지원자",
            },
            headers=auth("resident", sub=f"applicant-{uniq()}"),
        )
    )
    if shortlist:
        ok(await client.post(f"/v1/applications/{created['id']}/shortlist", headers=SECRETARY))
    return {"application_id": created["id"]}


async def shortlisted_application(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World
) -> dict[str, Any]:
    return await fresh_application(client, spec, world, shortlist=True)


async def fresh_meeting(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World, *, present: bool = False
) -> dict[str, Any]:
    body = example_body(spec, "POST", "/v1/committees/{committee_id}/meetings") or {}
    meeting = ok(
        await client.post(
            f"/v1/committees/{world['committee_id']}/meetings",
            json={**body, "title_ko": f"회의 {uniq()}"},
            headers=SECRETARY,
        )
    )
    overrides: dict[str, Any] = {"meeting_id": meeting["id"]}
    if present:
        entries = [{"member_id": m, "status": "present"} for m in world["_members"]]
        ok(
            await client.put(
                f"/v1/meetings/{meeting['id']}/attendance",
                json={"entries": entries},
                headers={**SECRETARY, "If-Match": "*"},
            )
        )
        item = ok(
            await client.post(
                f"/v1/meetings/{meeting['id']}/agenda-items",
                json={"title_ko": f"안건 {uniq()}", "subject_kind": "agenda"},
                headers=SECRETARY,
            )
        )
        overrides["item_id"] = overrides["agenda_item_id"] = item["id"]
    return overrides


async def meeting_with_votes(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    overrides = await fresh_meeting(client, spec, world, present=True)
    ok(
        await client.post(
            f"/v1/agenda-items/{overrides['item_id']}/votes",
            json={"votes": [{"member_id": m, "choice": "yes"} for m in world["_members"]]},
            headers=SECRETARY,
        )
    )
    return overrides


async def present_meeting(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    return await fresh_meeting(client, spec, world, present=True)


async def plain_meeting(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    return await fresh_meeting(client, spec, world)


async def open_motion(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    overrides = await fresh_meeting(client, spec, world, present=True)
    motion = ok(
        await client.post(
            f"/v1/agenda-items/{overrides['item_id']}/motions",
            json={"text_ko": "원안대로 가결한다"},
            headers=SECRETARY,
        )
    )
    return {**overrides, "motion_id": motion["id"]}


async def meeting_with_minutes(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World, *, approved: bool = False
) -> dict[str, Any]:
    overrides = await fresh_meeting(client, spec, world)
    mid = overrides["meeting_id"]
    ok(
        await client.patch(
            f"/v1/meetings/{mid}", json={"status": "held"}, headers={**SECRETARY, "If-Match": "*"}
        )
    )
    ok(await client.post(f"/v1/meetings/{mid}/minutes", json={"body_ko": "회의록 초안"}, headers=SECRETARY))
    if approved:
        ok(await client.post(f"/v1/meetings/{mid}/minutes/approval", headers=SECRETARY))
    return overrides


async def draft_minutes(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    return await meeting_with_minutes(client, spec, world)


async def approved_minutes(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    return await meeting_with_minutes(client, spec, world, approved=True)


async def group_membership(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    overrides = await fresh_member(client, spec, world)
    ok(
        await client.put(
            f"/v1/working-groups/{world['group_id']}/members/{overrides['member_id']}",
            json={"role": "member"},
            headers=SECRETARY,
        )
    )
    return overrides


def votes_body(spec: dict[str, Any], world: World) -> dict[str, Any]:
    return {"votes": [{"member_id": world["member_id"], "choice": "yes"}]}


def attendance_body(spec: dict[str, Any], world: World) -> dict[str, Any]:
    return {"entries": [{"member_id": m, "status": "present"} for m in world["_members"]]}


def co_chairs_body(spec: dict[str, Any], world: World) -> dict[str, Any]:
    members = world["_members"]
    return {"member_ids": [members[1], members[3]]}  # a civilian and the official


COMMITTEE: dict[tuple[str, str], Policy] = {
    ("POST", "/v1/committees"): Policy(
        "OS",
        success=Success(
            role="A",
            body=lambda spec, world: {
                **example_body(spec, "POST", "/v1/committees"),
                "sgg_code": "11110",
                "name_ko": "종로구 민관협치위원회",
            },
        ),
    ),
    ("PATCH", "/v1/committees/{committee_id}"): Policy("OS"),
    ("POST", "/v1/committees/{committee_id}/ordinances"): Policy(
        "OS", body=const({"effective_from": "2027-01-01", "reference": "개정 조례", "size_cap": 30})
    ),
    ("POST", "/v1/committees/{committee_id}/members"): Policy(
        "OS",
        body=lambda spec, world: {
            **example_body(spec, "POST", "/v1/committees/{committee_id}/members"),
            "term_start": "2026-06-01",
        },
    ),
    ("PATCH", "/v1/members/{member_id}"): Policy("OS"),
    ("POST", "/v1/members/{member_id}/renewals"): Policy(
        "OS", body=const({}), success=Success(prepare=fresh_member)
    ),
    ("POST", "/v1/members/{member_id}/departure"): Policy("OS", success=Success(prepare=fresh_member)),
    ("PUT", "/v1/committees/{committee_id}/co-chairs"): Policy("OS", body=co_chairs_body),
    ("POST", "/v1/committees/{committee_id}/term-sweep"): Policy("OS"),
    ("POST", "/v1/committees/{committee_id}/applications"): Policy(
        "R", scoped=False, success=Success(headers=auth("resident", sub="applicant-matrix"))
    ),
    ("POST", "/v1/applications/{application_id}/shortlist"): Policy(
        "OS", success=Success(prepare=fresh_application)
    ),
    ("POST", "/v1/applications/{application_id}/rejection"): Policy(
        "OS", success=Success(prepare=fresh_application)
    ),
    ("POST", "/v1/applications/{application_id}/appointment"): Policy(
        "OS", success=Success(prepare=shortlisted_application)
    ),
    ("POST", "/v1/committees/{committee_id}/working-groups"): Policy("OS"),
    ("PUT", "/v1/working-groups/{group_id}/members/{member_id}"): Policy(
        "OS", success=Success(prepare=fresh_member)
    ),
    ("DELETE", "/v1/working-groups/{group_id}/members/{member_id}"): Policy(
        "OS", success=Success(prepare=group_membership)
    ),
    ("POST", "/v1/committees/{committee_id}/meetings"): Policy("OS"),
    ("POST", "/v1/capacity/activities"): Policy("OS"),
    ("POST", "/v1/capacity/activities/{activity_id}/participants"): Policy(
        "OS",
        body=lambda spec, world: {
            "participants": [{"participant_kind": "resident", "display_name": f"교육 참여 주민 {uniq()}"}]
        },
    ),
    ("POST", "/v1/capacity/support-organisations"): Policy(
        "OS",
        body=lambda spec, world: {
            **example_body(spec, "POST", "/v1/capacity/support-organisations"),
            "name_ko": f"마을자치센터 {uniq()}",
        },
    ),
    ("PATCH", "/v1/meetings/{meeting_id}"): Policy("OS", success=Success(prepare=plain_meeting)),
    ("PUT", "/v1/meetings/{meeting_id}/attendance"): Policy(
        "OS", body=attendance_body, success=Success(prepare=plain_meeting)
    ),
    ("POST", "/v1/meetings/{meeting_id}/agenda-items"): Policy("OS"),
    ("POST", "/v1/committees/{committee_id}/agenda-items"): Policy("OS"),
    ("PATCH", "/v1/agenda-items/{item_id}"): Policy("OS"),
    ("POST", "/v1/agenda-items/{item_id}/motions"): Policy("OS", success=Success(prepare=present_meeting)),
    # A committee member casts their own vote (the member whose user_sub is the token's sub).
    ("POST", "/v1/agenda-items/{item_id}/votes"): Policy(
        "OSM", body=votes_body, success=Success(role="M", prepare=present_meeting)
    ),
    ("POST", "/v1/motions/{motion_id}/votes"): Policy(
        "OSM", body=votes_body, success=Success(role="M", prepare=open_motion)
    ),
    ("POST", "/v1/meetings/{meeting_id}/decisions"): Policy(
        "OS",
        body=lambda spec, world: {"agenda_item_id": world["item_id"]},
        success=Success(prepare=meeting_with_votes),
    ),
    ("POST", "/v1/meetings/{meeting_id}/minutes"): Policy("OS", success=Success(prepare=plain_meeting)),
    ("PUT", "/v1/meetings/{meeting_id}/minutes"): Policy("OS", success=Success(prepare=draft_minutes)),
    ("POST", "/v1/meetings/{meeting_id}/minutes/approval"): Policy(
        "OS", success=Success(prepare=draft_minutes)
    ),
    ("POST", "/v1/meetings/{meeting_id}/minutes/publication"): Policy(
        "OS", success=Success(prepare=approved_minutes)
    ),
}


# --- budget --------------------------------------------------------------------------------------------


async def move_cycle(client: httpx.AsyncClient, cycle_id: str, *steps: tuple[str, str | None]) -> None:
    for to, effective_on in steps:
        body: dict[str, Any] = {"to": to, "note": "시험"}
        if effective_on:
            body["effective_on"] = effective_on
        ok(
            await client.post(
                f"/v1/cycles/{cycle_id}/transitions", json=body, headers={**OFFICER, "If-Match": "*"}
            )
        )


_past_years = iter(range(2026, 2000, -1))


async def enacted_cycle(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    """A cycle of a past fiscal year (one per call) taken through the legal steps to ENACTED."""
    year = next(_past_years)
    cycle = ok(
        await client.post(
            "/v1/cycles",
            json={"sgg_code": SGG, "fiscal_year": year, "title_ko": f"예산 {uniq()}"},
            headers=OFFICER,
        )
    )
    await move_cycle(
        client,
        cycle["id"],
        # Dated in order: a step cannot be backdated before the cycle's previous one.
        ("REQUESTS", f"{year - 1}-09-01"),
        ("ALLOCATION", f"{year - 1}-10-01"),
        ("BILL_SUBMITTED", f"{year - 1}-11-18"),
        ("ENACTED", f"{year - 1}-12-15"),
    )
    return {"cycle_id": cycle["id"]}


async def drafted_supplementary(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World
) -> dict[str, Any]:
    overrides = await enacted_cycle(client, spec, world)
    created = ok(
        await client.post(
            f"/v1/cycles/{overrides['cycle_id']}/supplementary-budgets",
            json=example_body(spec, "POST", "/v1/cycles/{cycle_id}/supplementary-budgets"),
            headers=OFFICER,
        )
    )
    return {**overrides, "number": created.get("number", 1)}


def election_body(spec: dict[str, Any], world: World) -> dict[str, Any]:
    return {
        **(example_body(spec, "POST", "/v1/elections") or {}),
        "cycle_id": world["cycle_id"],
        "envelope_id": world["envelope_id"],
        "request_ids": world["_requests"],
        "rule": "greedy",
        "max_length": 3,
        "title_ko": f"주민참여 투표 {uniq()}",
    }


async def fresh_webhook(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    created = ok(
        await client.post(
            "/v1/webhooks",
            json={"url": "https://gu.example.kr/deleted", "event_types": ["*"]},
            headers=OFFICER,
        )
    )
    return {"webhook_id": created["id"]}


async def fresh_election(client: httpx.AsyncClient, spec: dict[str, Any], world: World) -> dict[str, Any]:
    created = ok(await client.post("/v1/elections", json=election_body(spec, world), headers=OFFICER))
    return {"election_id": created["id"]}


async def closed_election_in_allocation(
    client: httpx.AsyncClient, spec: dict[str, Any], world: World
) -> dict[str, Any]:
    overrides = await fresh_election(client, spec, world)
    eid = overrides["election_id"]
    for n in range(3):
        ok(
            await client.post(
                f"/v1/elections/{eid}/ballots",
                json={"choices": world["_requests"][: n + 1]},
                headers=auth("resident", SGG, sub=f"voter-{uniq()}"),
            )
        )
    ok(await client.post(f"/v1/elections/{eid}/close", headers={**OFFICER, "If-Match": "*"}))
    cycle = ok(await client.get(f"/v1/cycles/{world['cycle_id']}"))
    steps = {"OPEN": [("REQUESTS", None), ("ALLOCATION", None)], "REQUESTS": [("ALLOCATION", None)]}
    await move_cycle(client, world["cycle_id"], *steps.get(cycle["status"], []))
    return overrides


def pb_upload(world: World) -> dict[str, Any]:
    return {"file": ("seongdong.pb", PB_FILE.encode(), "text/plain")}


BUDGET: dict[tuple[str, str], Policy] = {
    ("POST", "/v1/cycles"): Policy(
        "O",
        success=Success(
            body=const({"sgg_code": SGG, "fiscal_year": 2028, "title_ko": "2028 성동구 협치 예산"})
        ),
    ),
    ("POST", "/v1/cycles/{cycle_id}/transitions"): Policy(
        "O", body=const({"to": "REQUESTS", "note": "요구 접수"})
    ),
    ("POST", "/v1/cycles/{cycle_id}/supplementary-budgets"): Policy(
        "O", success=Success(prepare=enacted_cycle)
    ),
    ("POST", "/v1/cycles/{cycle_id}/supplementary-budgets/{number}/enact"): Policy(
        "O", body=const({"enacted_on": "2026-06-20"}), success=Success(prepare=drafted_supplementary)
    ),
    ("PUT", "/v1/cycles/{cycle_id}/envelopes/{kind}"): Policy("O"),
    # The SMG grant is the city's money: smg_admin only.
    ("POST", "/v1/cycles/{cycle_id}/envelopes/smg_grant/formula"): Policy("", scoped=False),
    ("POST", "/v1/requests"): Policy("O"),
    ("PATCH", "/v1/requests/{request_id}"): Policy("O"),
    ("POST", "/v1/elections"): Policy("O", body=election_body),
    ("POST", "/v1/elections/import-pb"): Policy(
        "O", files=pb_upload, params=lambda world: {"cycle_id": world["cycle_id"], "title_ko": "종이 투표"}
    ),
    # Residents cast their own ballot, only in the elections of the borough their token names.
    ("POST", "/v1/elections/{election_id}/ballots"): Policy(
        "R",
        scoped=False,
        body=lambda spec, world: {"choices": world["_requests"][:2]},
        success=Success(headers=auth("resident", SGG, sub="voter-matrix")),
        extra_refusals=(
            ("resident of another borough", auth("resident", OTHER_SGG, sub="voter-gangnam")),
            ("resident without a borough claim", auth("resident", sub="voter-nowhere")),
        ),
    ),
    ("POST", "/v1/elections/{election_id}/ballots/imports"): Policy(
        "O",
        body=lambda spec, world: {
            "ballots": [{"voter_id": f"P-{uniq()}", "choices": world["_requests"][:1]}]
        },
    ),
    ("POST", "/v1/elections/{election_id}/close"): Policy("O", success=Success(prepare=fresh_election)),
    # Any signed-in user may compute an outcome from a file: nothing is stored.
    ("POST", "/v1/pb/outcome"): Policy(
        "OSMR", scoped=False, files=pb_upload, params=lambda world: {"rule": "greedy"}
    ),
    ("POST", "/v1/cycles/{cycle_id}/allocations"): Policy(
        "O",
        body=lambda spec, world: {
            "method": "election",
            "election_id": world["election_id"],
            "envelope_kind": "borough",
        },
        success=Success(prepare=closed_election_in_allocation),
    ),
    ("POST", "/v1/imports"): Policy(
        "O",
        params=lambda world: {"kind": "appropriation", "sgg_code": SGG, "fiscal_year": world["fiscal_year"]},
    ),
    # SMG funding channels: the city announces programmes, decides applications and sets block grants;
    # a borough applies and puts its block grant on adopted plan items (those need planning's events).
    ("POST", "/v1/smg/programmes"): Policy(
        "", scoped=False, success=Success(body=lambda spec, world: open_programme_body())
    ),
    ("POST", "/v1/smg/programmes/{programme_id}/applications"): Policy(
        "O",
        body=lambda spec, world: {
            "sgg_code": SGG,
            "title_ko": f"공모 신청 {uniq()}",
            "requested_krw": 5_000_000,
        },
    ),
    ("POST", "/v1/smg/applications/{application_id}/decision"): Policy(
        "", scoped=False, body=const({"outcome": "rejected", "reason": "공모 취지와 다름"}), success=None
    ),
    ("PUT", "/v1/smg/block-grants/{sgg_code}/{fiscal_year}"): Policy(
        "", scoped=False, body=const({"amount_krw": 300_000_000})
    ),
    ("POST", "/v1/smg/block-grants/{sgg_code}/{fiscal_year}/uses"): Policy(
        "O", body=const({"request_id": "none", "amount_krw": 1_000_000}), success=None
    ),
    ("POST", "/v1/webhooks"): Policy("O"),
    ("PATCH", "/v1/webhooks/{webhook_id}"): Policy("O"),
    ("DELETE", "/v1/webhooks/{webhook_id}"): Policy("O", success=Success(prepare=fresh_webhook)),
    ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): Policy("O"),
    ("POST", "/v1/webhooks/{webhook_id}/ping"): Policy("O", success=Success(status=(202,))),
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): Policy(
        "O", success=Success(status=(202,))
    ),
}


POLICIES: dict[str, dict[tuple[str, str], Policy]] = {
    "registry": REGISTRY,
    "planning": PLANNING,
    "committee": COMMITTEE,
    "budget": BUDGET,
}


def request_id() -> str:
    return str(uuid.uuid4())


__all__ = ["ADMIN", "LETTERS", "POLICIES", "Policy", "Success"]
