"""Participatory elections over budget requests: ballots (online, paper), outcome by the engine, finalised
allocation, Pabulib import/export and the uploaded-file outcome endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
from typer.testing import CliRunner

from cg_budget.allocation import parse
from cg_shared import devtoken
from cg_shared.clock import now_utc
from cg_shared.testing.helpers import auth
from cg_shared.testing.shared_data import shared_file

from ..conftest import ADMIN, FY, OFFICER, OTHER_OFFICER, Kit, plan_adopted, resident

pytestmark = pytest.mark.postgres

# Costs (M KRW) of four requests and who approves what: 9 online + 3 paper voters, budget 60M.
AMOUNTS = [30_000_000, 20_000_000, 25_000_000, 10_000_000]
ONLINE = [[0, 1], [0, 1], [0, 1], [0], [0], [2, 3], [2, 3], [2], [1, 3]]
PAPER = [[2, 3], [2], [0, 2]]


async def _election(kit: Kit, **overrides: Any) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=4, amounts=AMOUNTS))
    await kit.to_allocation(cycle["id"])
    envelope = await kit.set_envelope(cycle["id"], "integrated", 60_000_000)
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    ids = [r["id"] for r in sorted(requests, key=lambda r: r["title_ko"])]
    body = {
        "cycle_id": cycle["id"],
        "title_ko": "2030 성동구 주민참여 투표",
        "request_ids": ids,
        "envelope_id": envelope["id"],
        "rule": "mes",
        "max_length": 2,
        **overrides,
    }
    r = await kit.client.post("/v1/elections", json=body, headers=OFFICER)
    assert r.status_code == 201, r.text
    return r.json(), ids, cycle


async def _online_ballots_follow_the_rules(kit: Kit, url: str, ids: list[str]) -> None:
    """One ballot per resident, checked against the rules, residents of the borough only."""
    again = await kit.client.post(f"{url}/ballots", json={"choices": [ids[3]]}, headers=resident(0))
    assert again.status_code == 409 and again.json()["type"].endswith("/already-voted")
    too_many = await kit.client.post(f"{url}/ballots", json={"choices": ids[:3]}, headers=resident(50))
    assert too_many.status_code == 422 and "at most 2" in too_many.json()["detail"]
    unknown = await kit.client.post(f"{url}/ballots", json={"choices": ["nope"]}, headers=resident(51))
    assert unknown.status_code == 422
    points = await kit.client.post(
        f"{url}/ballots", json={"choices": [ids[0]], "points": [1]}, headers=resident(52)
    )
    assert points.status_code == 422
    outsider = await kit.client.post(
        f"{url}/ballots", json={"choices": [ids[0]]}, headers=resident(53, "11680")
    )
    assert outsider.status_code == 403
    unplaced = await kit.client.post(
        f"{url}/ballots", json={"choices": [ids[0]]}, headers=auth("resident", sub="resident-54")
    )
    assert unplaced.status_code == 403 and "sgg_code" in unplaced.json()["detail"]
    officer = await kit.client.post(f"{url}/ballots", json={"choices": [ids[0]]}, headers=OFFICER)
    assert officer.status_code == 403
    mine = await kit.client.get(f"{url}/ballots/me", headers=resident(5))
    assert mine.json()["choices"] == [ids[2], ids[3]]


async def _paper_ballots_are_imported_once(kit: Kit, url: str, ids: list[str]) -> None:
    """CSV, Idempotency-Key required, a re-send changes nothing, a bad row is named."""
    csv = "voter_id,vote\n" + "".join(
        f"P-{k},{'|'.join(ids[i] for i in picks)}\n" for k, picks in enumerate(PAPER)
    )
    imports = f"{url}/ballots/imports"
    no_key = await kit.client.post(imports, content=csv, headers={**OFFICER, "Content-Type": "text/csv"})
    assert no_key.status_code == 428
    bad = await kit.client.post(
        imports,
        content=csv + f"P-9,{ids[0]}|{ids[1]}|{ids[2]}\n",
        headers={**OFFICER, "Content-Type": "text/csv", "Idempotency-Key": "paper-bad"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "row 4: choices"
    assert await kit.count("ballots", "channel = 'paper'") == 0
    headers = {**OFFICER, "Content-Type": "text/csv", "Idempotency-Key": "paper-1"}
    first = await kit.client.post(imports, content=csv, headers=headers)
    assert first.status_code == 201 and first.json()["imported"] == 3
    replay = await kit.client.post(imports, content=csv, headers=headers)
    assert replay.status_code == 201 and replay.headers.get("idempotent-replayed") == "true"
    other_officer_same_key = await kit.client.post(
        imports, content=csv, headers={**ADMIN, "Content-Type": "text/csv", "Idempotency-Key": "paper-1"}
    )
    assert other_officer_same_key.json()["replayed"] is True
    assert await kit.count("ballots") == len(ONLINE) + len(PAPER)
    json_dupe = await kit.client.post(
        imports,
        json={"ballots": [{"voter_id": "P-0", "choices": [ids[0]]}]},
        headers={**OFFICER, "Idempotency-Key": "paper-2", "Accept-Language": "en"},
    )
    assert json_dupe.status_code == 422 and "already counted" in json_dupe.text
    assert (await kit.client.post(f"{url}/close", headers=OTHER_OFFICER)).status_code == 403
    assert (await kit.client.get(f"{url}/outcome")).status_code == 404


async def _closing_computes_the_equal_shares_outcome(
    kit: Kit, url: str, ids: list[str], tmp_path: Any
) -> dict[str, Any]:
    """The outcome is pabutools' Method of Equal Shares on the very same profile (exported as .pb)."""
    closed = await kit.client.post(f"{url}/close", headers=OFFICER)
    assert closed.status_code == 200, closed.text
    outcome = closed.json()
    pb = (await kit.client.get(f"{url}/export.pb")).text
    path = tmp_path / "e.pb"
    path.write_text(pb, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    expected = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    assert sorted(outcome["selected"]) == sorted(str(p) for p in expected)
    assert outcome["cost_krw"] == sum(AMOUNTS[ids.index(k)] for k in outcome["selected"])
    assert outcome["ballot_count"] == 12 and outcome["selected_request_ids"] == outcome["selected"]
    explained = {e["project_id"]: e for e in outcome["explanations"]}
    assert set(explained) == set(ids)
    for key, e in explained.items():
        assert e["selected"] == (key in outcome["selected"])
        assert e["reason_code"] and e["text_ko"] and e["text_en"]
        assert e["request_id"] == key
    assert (await kit.client.get(f"{url}/outcome")).json()["selected"] == outcome["selected"]
    late = await kit.client.post(f"{url}/ballots", json={"choices": [ids[0]]}, headers=resident(99))
    assert late.status_code == 409
    closed_events = await kit.outbox_payloads("election.closed.v1")
    assert closed_events[0]["data"]["selected_request_ids"] == outcome["selected"]
    assert closed_events[0]["data"]["ballot_count"] == 12
    return dict(outcome)


async def test_election_to_outcome_to_allocation(kit: Kit, tmp_path: Any) -> None:
    election, ids, cycle = await _election(kit)
    assert election["budget_krw"] == 60_000_000 and election["status"] == "open"
    url = f"/v1/elections/{election['id']}"
    for n, picks in enumerate(ONLINE):
        r = await kit.client.post(
            f"{url}/ballots", json={"choices": [ids[i] for i in picks]}, headers=resident(n)
        )
        assert r.status_code == 201, r.text
    await _online_ballots_follow_the_rules(kit, url, ids)
    await _paper_ballots_are_imported_once(kit, url, ids)
    outcome = await _closing_computes_the_equal_shares_outcome(kit, url, ids, tmp_path)

    # Finalise: the outcome becomes money drawn from the election's envelope.
    alloc_url = f"/v1/cycles/{cycle['id']}/allocations"
    final = await kit.client.post(
        alloc_url, json={"method": "election", "election_id": election["id"]}, headers=OFFICER
    )
    assert final.status_code == 201, final.text
    allocation = final.json()
    assert allocation["method"] == "election:mes" and allocation["total_krw"] == outcome["cost_krw"]
    assert sorted(ln["request_id"] for ln in allocation["lines"]) == sorted(outcome["selected"])
    twice = await kit.client.post(
        alloc_url, json={"method": "election", "election_id": election["id"]}, headers=OFFICER
    )
    assert twice.status_code == 409
    [event] = await kit.outbox_payloads("allocation.finalized.v1")
    assert event["data"]["method"] == "election:mes" and event["data"]["total_krw"] == outcome["cost_krw"]
    for line in event["data"]["lines"]:
        assert line["plan_id"] and line["plan_item_id"] and line["linked_project_ids"]
        assert line["source"] == "smg_grant" and line["envelope_kind"] == "integrated"
    assert (await kit.client.get(url)).json()["status"] == "finalised"
    funded = (
        await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"], "status": "funded"})
    ).json()
    assert len(funded["items"]) == len(outcome["selected"])


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_one_ballot_per_resident_across_paper_and_online(kit: Kit) -> None:
    """A paper row naming the resident (resident_sub) shares the online ballot's key: whichever channel
    comes first counts, the other is refused, and nothing of a refused file is written."""
    election, ids, _ = await _election(kit)
    url = f"/v1/elections/{election['id']}"
    imports = f"{url}/ballots/imports"
    online = await kit.client.post(f"{url}/ballots", json={"choices": [ids[0]]}, headers=resident(1))
    assert online.status_code == 201, online.text

    def paper(key: str, rows: str) -> dict[str, Any]:
        return {
            "content": "voter_id,vote,resident_sub\n" + rows,
            "headers": {**OFFICER, "Content-Type": "text/csv", "Idempotency-Key": key},
        }

    voted_online = await kit.client.post(
        imports, **paper("p-1", f"P-1,{ids[1]},resident-1\nP-2,{ids[1]},resident-2\n")
    )
    assert voted_online.status_code == 422, voted_online.text
    assert voted_online.json()["errors"] == [
        {"field": "row 1: resident_sub", "message": "이 주민은 이미 투표했습니다 (온라인)"}
    ]
    twice = await kit.client.post(
        imports, **paper("p-2", f"P-3,{ids[1]},resident-3\nP-4,{ids[2]},resident-3\n")
    )
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["field"] == "row 2: resident_sub"
    assert await kit.count("ballots") == 1

    # An anonymous paper ballot (no resident_sub) sits next to named ones.
    counted = await kit.client.post(imports, **paper("p-3", f"P-2,{ids[1]},resident-2\nP-5,{ids[3]},\n"))
    assert counted.status_code == 201 and counted.json()["imported"] == 2, counted.text
    late = await kit.client.post(f"{url}/ballots", json={"choices": [ids[2]]}, headers=resident(2))
    assert late.status_code == 409 and late.json()["type"].endswith("/already-voted")
    mine = await kit.client.get(f"{url}/ballots/me", headers=resident(2))
    assert mine.json()["channel"] == "paper" and mine.json()["choices"] == [ids[1]]
    again = await kit.client.post(imports, **paper("p-4", f"P-6,{ids[0]},resident-2\n"))
    assert again.json()["errors"] == [
        {
            "field": "row 1: resident_sub",
            "message": "이 주민은 이미 투표했습니다 (앞선 가져오기의 종이 투표)",
        }
    ]
    assert await kit.count("ballots") == 3
    assert (await kit.client.get(url)).json()["ballot_count"] == 3


async def test_pabulib_round_trip_and_uploaded_outcome(kit: Kit) -> None:
    election, ids, cycle = await _election(kit, rule="greedy", max_length=None)
    url = f"/v1/elections/{election['id']}"
    for n, picks in enumerate(ONLINE):
        await kit.client.post(
            f"{url}/ballots", json={"choices": [ids[i] for i in picks]}, headers=resident(n)
        )
    closed = (await kit.client.post(f"{url}/close", headers=OFFICER)).json()
    # Greedy by approvals: 0 (5 votes, 30M) then 1 (4 votes, 20M) → 50M; 2 (25M) no longer fits; 3 (10M) fits.
    assert closed["selected"] == [ids[0], ids[1], ids[3]] and closed["cost_krw"] == 60_000_000
    reasons = {e["project_id"]: e["reason_code"] for e in closed["explanations"]}
    assert reasons[ids[2]] == "greedy_did_not_fit"

    exported = await kit.client.get(f"{url}/export.pb")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    instance, profile = parse(exported.text)
    assert instance.budget == 60_000_000 and len(profile) == len(ONLINE)
    assert instance.meta["rule"] == "greedy" and instance.meta["currency"] == "KRW"
    assert instance.official_selection() == [ids[0], ids[1], ids[3]]
    assert all(not v.startswith("resident") for v in profile.voter_ids)  # residents are anonymised

    imported = await kit.client.post(
        "/v1/elections/import-pb",
        params={"cycle_id": cycle["id"]},
        content=exported.text.encode(),
        headers={**OFFICER, "Content-Type": "text/plain", "Idempotency-Key": "pb-1"},
    )
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert copy["source"] == "pabulib" and copy["ballot_count"] == len(ONLINE) and copy["rule"] == "greedy"
    recomputed = (await kit.client.post(f"/v1/elections/{copy['id']}/close", headers=OFFICER)).json()
    assert recomputed["selected"] == closed["selected"] and recomputed["selected_request_ids"] == []
    # A Pabulib election has no requests to fund.
    refused = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/allocations",
        json={"method": "election", "election_id": copy["id"]},
        headers=OFFICER,
    )
    assert refused.status_code == 409
    no_key = await kit.client.post(
        "/v1/elections/import-pb", params={"cycle_id": cycle["id"]}, content=b"META\n", headers=OFFICER
    )
    assert no_key.status_code == 428
    broken = await kit.client.post(
        "/v1/elections/import-pb",
        params={"cycle_id": cycle["id"]},
        content=b"META\nkey;value\nbudget;abc\n",
        headers={**OFFICER, "Idempotency-Key": "pb-2"},
    )
    assert broken.status_code == 422


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_uploaded_pabulib_outcome_equals_the_cli(kit: Kit) -> None:
    # POST /v1/pb/outcome on a shared Pabulib file reproduces its official greedy selection.
    path = shared_file("pabulib", "Poland_Warszawa_2017_Mlynow.pb")
    text = path.read_text(encoding="utf-8-sig")
    assert (
        await kit.client.post("/v1/pb/outcome", params={"rule": "greedy"}, content=text.encode())
    ).status_code == 401
    r = await kit.client.post(
        "/v1/pb/outcome", params={"rule": "greedy"}, content=text.encode(), headers=auth("resident", "11200")
    )
    assert r.status_code == 200, r.text
    official, _ = parse(text)
    assert sorted(r.json()["selected"]) == sorted(official.official_selection() or [])
    assert r.json()["cost"] == sum(official.projects[p].cost for p in r.json()["selected"])
    # The API and the CLI share one computation.
    from cg_budget.allocation.commands import pb_outcome

    assert r.json()["selected"] == pb_outcome(path, "greedy")["selected"]
    multipart = await kit.client.post(
        "/v1/pb/outcome",
        params={"rule": "mes", "explain": "true"},
        files={"file": ("x.pb", text.encode(), "text/plain")},
        headers=ADMIN,
    )
    assert multipart.status_code == 200 and len(multipart.json()["explanations"]) == len(official.projects)
    assert multipart.json()["selected"] == pb_outcome(path, "mes")["selected"]


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_cumulative_and_ordinal_ballots_follow_the_rules(kit: Kit) -> None:
    missing_total = await kit.client.post(
        "/v1/elections",
        json={"cycle_id": "x", "title_ko": "t", "ballot_type": "cumulative", "request_ids": ["x"]},
        headers=OFFICER,
    )
    assert missing_total.status_code in (404, 422)
    election, ids, _ = await _election(
        kit,
        ballot_type="cumulative",
        rule="greedy",
        max_length=None,
        max_points_total=5,
        max_points_per_project=3,
    )
    url = f"/v1/elections/{election['id']}/ballots"
    over = await kit.client.post(url, json={"choices": ids[:2], "points": [3, 3]}, headers=resident(1))
    assert over.status_code == 422 and "at most 5 points" in over.json()["detail"]
    cap = await kit.client.post(url, json={"choices": ids[:1], "points": [4]}, headers=resident(1))
    assert cap.status_code == 422
    ok = await kit.client.post(url, json={"choices": [ids[2], ids[3]], "points": [3, 2]}, headers=resident(1))
    assert ok.status_code == 201
    await kit.client.post(url, json={"choices": [ids[0]], "points": [1]}, headers=resident(2))
    outcome = (await kit.client.post(f"/v1/elections/{election['id']}/close", headers=OFFICER)).json()
    # Points decide: 2 (3 pts) and 3 (2 pts) before 0 (1 pt); 25M + 10M, then 30M no longer fits in 60M.
    # Greedy (as pabutools) still funds the unsupported 20M project that fits the rest.
    assert outcome["selected"] == [ids[2], ids[3], ids[1]]
    reasons = {e["project_id"]: e["reason_code"] for e in outcome["explanations"]}
    assert reasons[ids[0]] == "greedy_did_not_fit"

    ordinal, oids, _ = await _election_in_new_borough(kit)
    ourl = f"/v1/elections/{ordinal['id']}/ballots"
    assert (
        await kit.client.post(ourl, json={"choices": oids[:3]}, headers=resident(1, "11110"))
    ).status_code == 422
    r = await kit.client.post(ourl, json={"choices": [oids[1], oids[0]]}, headers=resident(1, "11110"))
    assert r.status_code == 201 and r.json()["choices"] == [oids[1], oids[0]]


async def _election_in_new_borough(kit: Kit) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    cycle = await kit.open_cycle("11110", FY, headers=ADMIN)
    await kit.adopt_plan(plan_adopted(items=3, sgg="11110"))
    for state in ("REQUESTS", "ALLOCATION"):
        await kit.move(cycle["id"], state, headers=ADMIN)
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    ids = [r["id"] for r in requests]
    r = await kit.client.post(
        "/v1/elections",
        json={
            "cycle_id": cycle["id"],
            "title_ko": "순위 투표",
            "ballot_type": "ordinal",
            "rule": "greedy",
            "request_ids": ids,
            "budget_krw": 40_000_000,
            "max_length": 2,
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return r.json(), ids, cycle


SMALL_PB = """META
key;value
description;작은 시험 선거
num_projects;5
num_votes;7
budget;100
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost;name
a;60;놀이터
b;30;도서관
c;25;쉼터
d;40;텃밭
e;15;벽화
VOTES
voter_id;vote
1;a,b
2;a,c
3;a,d
4;b,e
5;c,d,e
6;d
7;a,e
"""


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_imported_election_runs_mes_add1_like_pabutools(kit: Kit, tmp_path: Any) -> None:
    cycle = await kit.open_cycle()
    imported = await kit.client.post(
        "/v1/elections/import-pb",
        params={"cycle_id": cycle["id"]},
        files={"file": ("small.pb", SMALL_PB.encode(), "text/plain")},
        headers={**OFFICER, "Idempotency-Key": "small-1"},
    )
    assert imported.status_code == 201, imported.text
    election = imported.json()
    assert election["rule"] == "mes-add1" and election["budget_krw"] == 100 and election["ballot_count"] == 7
    assert [p["name"] for p in election["projects"]] == ["놀이터", "도서관", "쉼터", "텃밭", "벽화"]
    outcome = (await kit.client.post(f"/v1/elections/{election['id']}/close", headers=OFFICER)).json()
    path = tmp_path / "small.pb"
    path.write_text(SMALL_PB, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    expected = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    assert sorted(outcome["selected"]) == sorted(str(p) for p in expected)
    assert outcome["cost_krw"] <= 100
    # The same file over the stateless endpoint gives the same set.
    r = await kit.client.post(
        "/v1/pb/outcome", params={"rule": "mes-add1"}, content=SMALL_PB.encode(), headers=OFFICER
    )
    assert sorted(r.json()["selected"]) == sorted(outcome["selected"])


async def test_the_readme_resident_token_votes_in_its_borough(kit: Kit) -> None:
    """README: ``cg-dev-token --role resident`` — a Seongdong-gu resident, who can vote in Seongdong's
    election; the claim-less ``--no-borough`` token still cannot vote anywhere."""
    election, ids, _ = await _election(kit)
    url = f"/v1/elections/{election['id']}/ballots"

    def minted(*args: str) -> dict[str, str]:
        result = CliRunner().invoke(devtoken.cli, ["--role", "resident", *args])
        assert result.exit_code == 0, result.output
        return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}

    voted = await kit.client.post(url, json={"choices": [ids[0]]}, headers=minted())
    assert voted.status_code == 201, voted.text
    nowhere = await kit.client.post(
        url, json={"choices": [ids[0]]}, headers=minted("--no-borough", "--sub", "resident-unplaced")
    )
    assert nowhere.status_code == 403 and "sgg_code" in nowhere.json()["detail"]
    elsewhere = await kit.client.post(
        url, json={"choices": [ids[0]]}, headers=minted("--sgg-code", "11680", "--sub", "resident-gangnam")
    )
    assert elsewhere.status_code == 403


async def _create_windowed_election(
    kit: Kit, opens: datetime, closes: datetime
) -> tuple[dict[str, Any], list[str]]:
    """An election whose first item has ballot details and whose voting runs from ``opens`` to ``closes``;
    a window closing before it opens, details for a request not on the ballot and a naive time are 422."""
    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=4, amounts=AMOUNTS))
    await kit.to_allocation(cycle["id"])
    envelope = await kit.set_envelope(cycle["id"], "integrated", 60_000_000)
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    ids = [r["id"] for r in sorted(requests, key=lambda r: r["title_ko"])]
    kitchen = {
        "request_id": ids[0],
        "description": "성수동 주민이 함께 쓰는 공유부엌을 만들고 어르신 식사 모임을 엽니다.",
        "location": "성동구 성수1가2동 주민센터 2층",
        "category": "복지",
        "images": [{"url": "https://www.sd.go.kr/pb/kitchen.jpg", "alt": "공유부엌 조감도"}],
        "links": [{"url": "https://www.sd.go.kr/pb/kitchen", "title": "사업 설명서"}],
    }
    body = {
        "cycle_id": cycle["id"],
        "title_ko": "2030 성동구 주민참여 투표",
        "request_ids": ids,
        "envelope_id": envelope["id"],
        "rule": "greedy",
        "max_length": 2,
        "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(),
        "items": [kitchen],
    }
    bad_window = await kit.client.post(
        "/v1/elections", json={**body, "closes_at": opens.isoformat()}, headers=OFFICER
    )
    assert bad_window.status_code == 422 and bad_window.json()["errors"][0]["field"] == "body.closes_at"
    stray = await kit.client.post(
        "/v1/elections", json={**body, "items": [{**kitchen, "request_id": "no-such"}]}, headers=OFFICER
    )
    assert stray.status_code == 422 and stray.json()["errors"][0]["field"] == "body.items.0.request_id"
    naive = await kit.client.post(
        "/v1/elections", json={**body, "opens_at": "2030-05-01T09:00:00"}, headers=OFFICER
    )
    assert naive.status_code == 422
    created = await kit.client.post("/v1/elections", json=body, headers=OFFICER)
    assert created.status_code == 201, created.text
    election = created.json()
    item = next(p for p in election["projects"] if p["project_key"] == ids[0])
    assert (item["description"], item["location"], item["category"]) == (
        kitchen["description"],
        kitchen["location"],
        "복지",
    )
    assert item["images"] == kitchen["images"] and item["links"] == kitchen["links"]
    assert election["voting_open"] is False
    assert datetime.fromisoformat(election["opens_at"]) == opens
    return election, ids


async def _nothing_is_cast_before_the_opening(kit: Kit, url: str, ids: list[str]) -> None:
    early = await kit.client.post(
        f"{url}/ballots", json={"choices": [ids[0]]}, headers={**resident(1), "Accept-Language": "en"}
    )
    assert early.status_code == 409 and early.headers["content-type"] == "application/problem+json"
    assert early.json()["type"].endswith("/voting-not-open-yet") and "opens at" in early.json()["detail"]
    paper_early = await kit.client.post(
        f"{url}/ballots/imports",
        json={"ballots": [{"voter_id": "P-1", "choices": [ids[0]]}]},
        headers={**OFFICER, "Idempotency-Key": "early-paper"},
    )
    assert paper_early.status_code == 409 and paper_early.json()["type"].endswith("/voting-not-open-yet")
    assert await kit.count("ballots") == 0


async def test_ballot_items_say_what_is_voted_on_and_the_window_is_enforced(kit: Kit) -> None:
    """A ballot item carries description, location, category, images and links; voting runs from
    opens_at to closes_at: no ballot before or after (409 naming the reason), no closing before."""
    opens = now_utc() + timedelta(hours=1)
    closes = opens + timedelta(days=7)
    election, ids = await _create_windowed_election(kit, opens, closes)
    url = f"/v1/elections/{election['id']}"
    await _nothing_is_cast_before_the_opening(kit, url, ids)

    with time_machine.travel(opens + timedelta(hours=2), tick=True):
        assert (await kit.client.get(url)).json()["voting_open"] is True
        cast = await kit.client.post(f"{url}/ballots", json={"choices": [ids[0]]}, headers=resident(1))
        assert cast.status_code == 201, cast.text
        too_soon = await kit.client.post(f"{url}/close", headers=OFFICER)
        assert too_soon.status_code == 409 and too_soon.json()["type"].endswith("/voting-still-open")

    with time_machine.travel(closes + timedelta(minutes=1), tick=True):
        officer = auth("borough_officer", "11200", sub="officer-seongdong")  # a week on: a fresh sign-in
        late = await kit.client.post(f"{url}/ballots", json={"choices": [ids[1]]}, headers=resident(2))
        assert late.status_code == 409 and late.json()["type"].endswith("/voting-closed")
        # Paper ballots cast by the close are still counted afterwards.
        paper = await kit.client.post(
            f"{url}/ballots/imports",
            json={"ballots": [{"voter_id": "P-1", "choices": [ids[1]]}]},
            headers={**officer, "Idempotency-Key": "paper-after-close"},
        )
        assert paper.status_code == 201, paper.text
        closed = await kit.client.post(f"{url}/close", headers=officer)
        assert closed.status_code == 200, closed.text
        assert closed.json()["ballot_count"] == 2
