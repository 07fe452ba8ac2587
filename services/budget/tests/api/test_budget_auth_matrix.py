"""Every mutating budget endpoint refuses missing, expired and forged tokens, wrong roles and the wrong
borough with 401/403 problem+json, and writes nothing when it does."""

from __future__ import annotations

from typing import Any

import pytest

from cg_shared.testing.helpers import auth, token

from ..conftest import OFFICER, OTHER_OFFICER, Kit, plan_adopted, resident

pytestmark = pytest.mark.postgres

BAD_CALLERS: dict[str, tuple[dict[str, str], int]] = {
    "no token": ({}, 401),
    "expired": (auth("borough_officer", "11200", ttl_s=-60), 401),
    "bad signature": ({"Authorization": f"Bearer {token('borough_officer', '11200', secret='x' * 40)}"}, 401),
    "committee member": (auth("committee_member", "11200"), 403),
    "other borough": (OTHER_OFFICER, 403),
}


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def _an_open_election_and_a_webhook(kit: Kit) -> tuple[str, str, str, str]:
    """A cycle in allocation with a plan's request on the ballot of an open election, and a webhook:
    (cycle id, request id, election id, webhook id)."""
    cycle = await kit.open_cycle()
    [rid, *_] = await kit.adopt_plan(plan_adopted(items=2))
    await kit.to_allocation(cycle["id"])
    envelope = await kit.set_envelope(cycle["id"], "borough", 100_000_000)
    election = (
        await kit.client.post(
            "/v1/elections",
            json={
                "cycle_id": cycle["id"],
                "title_ko": "투표",
                "request_ids": [rid],
                "envelope_id": envelope["id"],
            },
            headers=OFFICER,
        )
    ).json()
    hook = (
        await kit.client.post(
            "/v1/webhooks", json={"url": "https://gu.example.kr/h", "event_types": ["*"]}, headers=OFFICER
        )
    ).json()
    return cycle["id"], rid, election["id"], hook["id"]


def _mutating_calls(cid: str, rid: str, eid: str, hook_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """One call of every write endpoint, with a body each would accept from the right caller."""
    csv_import = "account,field,sector,policy_program,unit_program,detail_program,amount_krw\n일반회계,080,084,a,b,c,1\n"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/cycles", {"json": {"sgg_code": "11200", "fiscal_year": 2031}}),
        ("POST", f"/v1/cycles/{cid}/transitions", {"json": {"to": "BILL_SUBMITTED"}}),
        ("POST", f"/v1/cycles/{cid}/supplementary-budgets", {"json": {"title": "추경"}}),
        (
            "PUT",
            f"/v1/cycles/{cid}/envelopes/borough",
            {"json": {"amount_krw": 1}, "headers": {"If-Match": "*"}},
        ),
        ("PUT", f"/v1/cycles/{cid}/envelopes/integrated", {"json": {"amount_krw": 1}}),
        ("POST", f"/v1/cycles/{cid}/envelopes/smg_grant/formula", {"json": {}}),
        (
            "POST",
            "/v1/requests",
            {"json": {"sgg_code": "11200", "fiscal_year": 2030, "title_ko": "x", "amount_krw": 1}},
        ),
        ("PATCH", f"/v1/requests/{rid}", {"json": {"feasibility": "feasible"}, "headers": {"If-Match": "*"}}),
        (
            "POST",
            "/v1/elections",
            {"json": {"cycle_id": cid, "title_ko": "x", "request_ids": [rid], "budget_krw": 1}},
        ),
        (
            "POST",
            f"/v1/elections/{eid}/ballots/imports",
            {
                "json": {"ballots": [{"voter_id": "p1", "choices": [rid]}]},
                "headers": {"Idempotency-Key": "k"},
            },
        ),
        ("POST", f"/v1/elections/{eid}/close", {}),
        (
            "POST",
            f"/v1/cycles/{cid}/allocations",
            {"json": {"method": "formula", "envelope_kind": "borough", "lines": [{"request_id": rid}]}},
        ),
        (
            "POST",
            "/v1/imports",
            {
                "params": {"kind": "appropriation", "sgg_code": "11200", "fiscal_year": 2030},
                "content": csv_import.encode(),
                "headers": {"Content-Type": "text/csv", "Idempotency-Key": "k"},
            },
        ),
        (
            "POST",
            "/v1/webhooks",
            {"json": {"url": "https://x.kr/h", "event_types": ["*"], "sgg_code": "11200"}},
        ),
        ("PATCH", f"/v1/webhooks/{hook_id}", {"json": {"active": False}, "headers": {"If-Match": "*"}}),
    ]
    return calls


async def test_mutating_endpoints_refuse_unauthorised_callers(kit: Kit) -> None:
    cid, rid, eid, hook_id = await _an_open_election_and_a_webhook(kit)
    calls = _mutating_calls(cid, rid, eid, hook_id)
    audit_before = await kit.count("audit_log")
    outbox_before = await kit.count("outbox")
    for method, url, kwargs in calls:
        for who, (headers, expected) in BAD_CALLERS.items():
            extra = dict(kwargs)
            extra["headers"] = {**kwargs.get("headers", {}), **headers}
            r = await kit.client.request(method, url, **extra)
            assert r.status_code == expected, f"{method} {url} as {who}: {r.status_code} {r.text}"
            assert r.headers["content-type"].startswith("application/problem+json")
    # Residents may only cast ballots; officers may not vote.
    for method, url, kwargs in calls:
        r = await kit.client.request(
            method, url, **{**kwargs, "headers": {**kwargs.get("headers", {}), **resident(7)}}
        )
        assert r.status_code == 403, f"{method} {url} as resident: {r.status_code}"
    assert (
        await kit.client.post(f"/v1/elections/{eid}/ballots", json={"choices": [rid]}, headers=OFFICER)
    ).status_code == 403
    assert await kit.count("audit_log") == audit_before
    assert await kit.count("outbox") == outbox_before
    # The right role of the right borough succeeds.
    ok = await kit.client.post(f"/v1/elections/{eid}/ballots", json={"choices": [rid]}, headers=resident(7))
    assert ok.status_code == 201
