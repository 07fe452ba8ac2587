"""A small, real world per service, built through its own API, so path parameters point at real rows.

Fuzzing and the auth matrix are only meaningful past the 404s: ``seed_<service>`` creates one of each
resource as the people who may create them and returns ``{path parameter name: id}`` plus a few
extra keys (``_etag:<name>``) the suites need. Bodies come from the OpenAPI examples wherever the
services publish them, with example ids replaced by real ones (:func:`fill_ids`).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from cg_shared.clock import today_seoul
from tests.contract.apps import OTHER_SGG, ROLE_HEADERS, SGG

ADMIN = ROLE_HEADERS["smg_admin"]
OFFICER = ROLE_HEADERS["borough_officer"]
SECRETARY = ROLE_HEADERS["committee_secretary"]
RESIDENT = ROLE_HEADERS["resident"]

World = dict[str, Any]


class SeedError(AssertionError):
    pass


def ok(response: httpx.Response, *expected: int) -> dict[str, Any]:
    wanted = expected or (200, 201)
    if response.status_code not in wanted:
        raise SeedError(
            f"seeding {response.request.method} {response.request.url.path} → {response.status_code}: "
            f"{response.text[:800]}"
        )
    return response.json() if response.content else {}


def example_body(spec: dict[str, Any], method: str, path: str, index: int = 0) -> Any:
    """The ``index``-th example of the operation's JSON request body (content example or schema examples)."""
    op = spec["paths"][path][method.lower()]
    content = (op.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return None
    if "example" in content:
        return copy.deepcopy(content["example"])
    if content.get("examples"):
        values = list(content["examples"].values())
        return copy.deepcopy(values[min(index, len(values) - 1)].get("value"))
    schema = content.get("schema", {})
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return copy.deepcopy(examples[min(index, len(examples) - 1)])
    if isinstance(examples, dict) and examples:
        return copy.deepcopy(examples)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    return None


def fill_ids(value: Any, world: World) -> Any:
    """Replace every ``<name>_id`` the world knows (at any depth) with the world's real id."""
    if isinstance(value, dict):
        return {
            k: (world[k] if k.endswith("_id") and k in world and isinstance(v, str) else fill_ids(v, world))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [fill_ids(v, world) for v in value]
    return value


def etag(response: httpx.Response) -> str:
    return response.headers.get("ETag", "*")


def uniq(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# --- registry ------------------------------------------------------------------------------------------


async def seed_registry(client: httpx.AsyncClient, spec: dict[str, Any]) -> World:
    body = example_body(spec, "POST", "/v1/projects") or {}
    body.update({"title_ko": f"성수동 협치 공간 {uniq()}", "sgg_code": SGG})
    body.pop("code", None)
    project = ok(await client.post("/v1/projects", json=body, headers=OFFICER))
    other = ok(
        await client.post(
            "/v1/projects",
            json={"title_ko": f"강남 마을 사업 {uniq()}", "sgg_code": OTHER_SGG, "total_krw": 1000},
            headers=ADMIN,
        )
    )
    progress = ok(
        await client.post(
            f"/v1/projects/{project['id']}/milestones",
            json={"title_ko": "공간 임대 계약", "due_date": "2026-03-31"},
            headers={**OFFICER, "If-Match": "*"},
        )
    )
    return {
        "project_id": project["id"],
        "milestone_id": progress["milestones"][0]["id"],
        "sgg_code": SGG,
        "_other:project_id": other["id"],
    }


# --- planning ------------------------------------------------------------------------------------------


async def seed_planning(client: httpx.AsyncClient, spec: dict[str, Any]) -> World:
    world: World = {"sgg_code": SGG}
    plan_body = example_body(spec, "POST", "/v1/plans") or {}
    # The example's term (2026–2028) matches the example item's requested years; one world per database.
    plan_body.update({"sgg_code": SGG, "kind": "master"})
    plan = ok(await client.post("/v1/plans", json=plan_body, headers=OFFICER))
    world["plan_id"] = plan["id"]
    world["fiscal_year"] = plan_body["term_start_year"]
    item_body = fill_ids(example_body(spec, "POST", "/v1/plans/{plan_id}/items"), world)
    item = ok(await client.post(f"/v1/plans/{plan['id']}/items", json=item_body, headers=OFFICER))
    world["item_id"] = item["id"]
    delib_body = example_body(spec, "POST", "/v1/items/{item_id}/deliberations")
    delib = ok(await client.post(f"/v1/items/{item['id']}/deliberations", json=delib_body, headers=OFFICER))
    world["deliberation_id"] = delib["id"]
    proposal_body = fill_ids(example_body(spec, "POST", "/v1/proposals"), world)
    proposal = ok(await client.post("/v1/proposals", json=proposal_body, headers=RESIDENT))
    world["proposal_id"] = proposal["id"]
    # The proposer's inbox: a real notification when proposing made one; otherwise an id nobody owns,
    # which is all the refusals (anonymous 401, someone else's notification) need.
    inbox = ok(await client.get("/v1/me/notifications", headers=RESIDENT))
    world["notification_id"] = inbox["items"][0]["id"] if inbox["items"] else str(uuid.uuid4())
    other_plan = ok(
        await client.post(
            "/v1/plans",
            json={**plan_body, "sgg_code": OTHER_SGG, "title_ko": "강남구 기본계획"},
            headers=ADMIN,
        )
    )
    world["_other:plan_id"] = other_plan["id"]
    return world


# --- committee -----------------------------------------------------------------------------------------

COMMITTEE_MEMBER_SUB = "sec-member"  # the committee_member identity of ROLE_HEADERS casts this member's votes


async def seed_committee(client: httpx.AsyncClient, spec: dict[str, Any]) -> World:
    world: World = {"sgg_code": SGG}
    body = example_body(spec, "POST", "/v1/committees") or {}
    body["sgg_code"] = SGG
    committee = ok(await client.post("/v1/committees", json=body, headers=OFFICER))
    cid = world["committee_id"] = committee["id"]
    other = ok(
        await client.post(
            "/v1/committees",
            json={**body, "sgg_code": OTHER_SGG, "name_ko": "강남구 민관협치위원회"},
            headers=ADMIN,
        )
    )
    world["_other:committee_id"] = other["id"]
    member_body = example_body(spec, "POST", "/v1/committees/{committee_id}/members") or {}
    members = []
    for n, (seat, sub) in enumerate(
        [
            ("civilian_appointed", COMMITTEE_MEMBER_SUB),
            ("civilian_appointed", None),
            ("civilian_open_call", None),
            ("official", None),
        ]
    ):
        m = {
            **member_body,
            "name_ko": f"위원{n}",
            "seat_kind": seat,
            "term_start": "2026-01-01",
            "email": f"member{n}@example.kr",
        }
        if sub:
            m["user_sub"] = sub
        members.append(ok(await client.post(f"/v1/committees/{cid}/members", json=m, headers=SECRETARY)))
    world["member_id"] = members[0]["id"]
    world["_members"] = [m["id"] for m in members]
    world["_other:member_id"] = ok(
        await client.post(
            f"/v1/committees/{other['id']}/members",
            json={**member_body, "name_ko": "강남 위원", "term_start": "2026-01-01"},
            headers=ADMIN,
        )
    )["id"]
    application = ok(
        await client.post(
            f"/v1/committees/{cid}/applications",
            json=example_body(spec, "POST", "/v1/committees/{committee_id}/applications"),
            headers=RESIDENT,
        )
    )
    world["application_id"] = application["id"]
    group = ok(
        await client.post(
            f"/v1/committees/{cid}/working-groups",
            json=example_body(spec, "POST", "/v1/committees/{committee_id}/working-groups"),
            headers=SECRETARY,
        )
    )
    world["group_id"] = group["id"]
    activity = ok(
        await client.post(
            "/v1/capacity/activities",
            json=example_body(spec, "POST", "/v1/capacity/activities"),
            headers=SECRETARY,
        )
    )
    world["activity_id"] = activity["id"]
    meeting_body = example_body(spec, "POST", "/v1/committees/{committee_id}/meetings") or {}
    meeting = ok(await client.post(f"/v1/committees/{cid}/meetings", json=meeting_body, headers=SECRETARY))
    world["meeting_id"] = meeting["id"]
    item = ok(
        await client.post(
            f"/v1/meetings/{meeting['id']}/agenda-items",
            json=example_body(spec, "POST", "/v1/meetings/{meeting_id}/agenda-items"),
            headers=SECRETARY,
        )
    )
    world["item_id"] = world["agenda_item_id"] = item["id"]
    motion = ok(
        await client.post(
            f"/v1/agenda-items/{item['id']}/motions",
            json=example_body(spec, "POST", "/v1/agenda-items/{item_id}/motions"),
            headers=SECRETARY,
        )
    )
    world["motion_id"] = motion["id"]
    # A held meeting with a decision, so decision and minutes endpoints have something real.
    held = ok(
        await client.post(
            f"/v1/committees/{cid}/meetings",
            json={
                **meeting_body,
                "title_ko": "지난 회의",
                "starts_at": "2026-03-10T14:00:00+09:00",
                "ends_at": "2026-03-10T16:00:00+09:00",
                "notice_on": "2026-03-01",
            },
            headers=SECRETARY,
        )
    )
    present = [{"member_id": m, "status": "present"} for m in world["_members"]]
    attendance = await client.put(
        f"/v1/meetings/{held['id']}/attendance",
        json={"entries": present},
        headers={**SECRETARY, "If-Match": "*"},
    )
    ok(attendance)
    held_item = ok(
        await client.post(
            f"/v1/meetings/{held['id']}/agenda-items",
            json={"title_ko": "지난 안건", "subject_kind": "agenda"},
            headers=SECRETARY,
        )
    )
    ok(
        await client.post(
            f"/v1/agenda-items/{held_item['id']}/votes",
            json={
                "votes": [{"member_id": m, "choice": "yes"} for m in world["_members"]],
                "cast_at": "2026-03-10T14:50:00+09:00",  # recorded after the meeting, as cast in session
            },
            headers=SECRETARY,
        )
    )
    decision = ok(
        await client.post(
            f"/v1/meetings/{held['id']}/decisions",
            json={"agenda_item_id": held_item["id"], "voted_at": "2026-03-10T15:00:00+09:00"},
            headers=SECRETARY,
        )
    )
    world["decision_id"] = decision["id"]
    world["_held:meeting_id"] = held["id"]
    return world


# --- budget --------------------------------------------------------------------------------------------

PB_FILE = """META
key;value
description;reliability suite
country;Korea
unit;Seongdong-gu
instance;2027
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
1;60;3;공유공간
2;50;2;청년센터
3;30;2;마을정원
VOTES
voter_id;vote
1;1,2
2;1,3
3;1
4;2,3
"""


async def seed_budget(client: httpx.AsyncClient, spec: dict[str, Any]) -> World:
    world: World = {"sgg_code": SGG, "kind": "borough", "number": 1}
    body = example_body(spec, "POST", "/v1/cycles") or {}
    cycle = ok(await client.post("/v1/cycles", json={**body, "sgg_code": SGG}, headers=OFFICER))
    cid = world["cycle_id"] = cycle["id"]
    world["fiscal_year"] = cycle["fiscal_year"]
    other = ok(
        await client.post(
            "/v1/cycles", json={**body, "sgg_code": OTHER_SGG, "title_ko": "강남구 협치 예산"}, headers=ADMIN
        )
    )
    world["_other:cycle_id"] = other["id"]
    envelope = ok(
        await client.put(
            f"/v1/cycles/{cid}/envelopes/borough",
            json=example_body(spec, "PUT", "/v1/cycles/{cycle_id}/envelopes/{kind}"),
            headers={**OFFICER, "If-Match": "*"},
        )
    )
    world["envelope_id"] = envelope["id"]
    request_body = example_body(spec, "POST", "/v1/requests") or {}
    requests_ = [
        ok(
            await client.post(
                "/v1/requests",
                json={**request_body, "title_ko": f"협치 사업 {n}", "amount_krw": 10_000_000 * (n + 1)},
                headers=OFFICER,
            )
        )
        for n in range(3)
    ]
    world["request_id"] = requests_[0]["id"]
    world["_requests"] = [r["id"] for r in requests_]
    election = ok(
        await client.post(
            "/v1/elections",
            json={
                **(example_body(spec, "POST", "/v1/elections") or {}),
                "cycle_id": cid,
                "envelope_id": envelope["id"],
                "request_ids": world["_requests"],
                "rule": "greedy",
                "max_length": 3,
            },
            headers=OFFICER,
        )
    )
    world["election_id"] = election["id"]
    ok(
        await client.post(
            f"/v1/elections/{election['id']}/ballots",
            json={"choices": world["_requests"][:2]},
            headers=RESIDENT,
        )
    )
    webhook = ok(
        await client.post("/v1/webhooks", json=example_body(spec, "POST", "/v1/webhooks"), headers=OFFICER)
    )
    world["webhook_id"] = webhook["id"]
    ping = ok(await client.post(f"/v1/webhooks/{webhook['id']}/ping", headers=OFFICER), 202)
    world["delivery_id"] = ping["id"]
    programme = ok(await client.post("/v1/smg/programmes", json=open_programme_body(), headers=ADMIN))
    world["programme_id"] = programme["id"]
    application = ok(
        await client.post(
            f"/v1/smg/programmes/{programme['id']}/applications",
            json={"sgg_code": SGG, "title_ko": f"마을 공동체 공모 {uniq()}", "requested_krw": 10_000_000},
            headers=OFFICER,
        )
    )
    world["application_id"] = application["id"]
    return world


def open_programme_body() -> dict[str, Any]:
    """An SMG grant programme whose call is open today (Seoul) for thirty days."""
    today = today_seoul()
    return {
        "code": uniq("SMG-"),
        "title_ko": "마을공동체 공모사업",
        "fiscal_year": today.year + 1,
        "pool_krw": 500_000_000,
        "call_opens_on": today.isoformat(),
        "call_closes_on": (today + timedelta(days=30)).isoformat(),
    }


SEEDERS: dict[str, Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[World]]] = {
    "registry": seed_registry,
    "planning": seed_planning,
    "committee": seed_committee,
    "budget": seed_budget,
}
