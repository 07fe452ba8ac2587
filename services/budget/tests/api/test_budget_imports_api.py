"""Borough IT integration: figure imports keyed by program codes, reconciliation and CSV-safe exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from ..conftest import ADMIN, BOROUGH, FY, OFFICER, OTHER_OFFICER, Kit, plan_adopted

pytestmark = pytest.mark.postgres

HEADER = "account,field,sector,policy_program,unit_program,detail_program,object_code,name,amount_krw\n"


def row(
    detail: str, amount: str | int, *, field: str = "080", sector: str = "084", obj: str = "307-02"
) -> str:
    cell = f'"{amount}"' if "," in str(amount) else str(amount)
    return f"일반회계,{field},{sector},민관협치 활성화,지역사회혁신계획 추진,{detail},{obj},,{cell}\n"


def imports_url(kind: str, **params: Any) -> tuple[str, dict[str, Any]]:
    return "/v1/imports", {"kind": kind, "sgg_code": BOROUGH, "fiscal_year": FY, **params}


async def _figures(kit: Kit) -> dict[str, tuple[int, int]]:
    from sqlalchemy import text

    async with kit.app.state.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT detail_program, appropriated_krw, executed_krw FROM program_figures ORDER BY detail_program"
            )
        )
        return {r[0]: (r[1], r[2]) for r in rows}


async def _import_once_whatever_the_replays(
    kit: Kit, url: str, params: dict[str, Any], csv_body: str, headers: dict[str, str]
) -> None:
    """A key is required; the same key again (same caller: middleware replay; another officer: the import
    table) imports nothing twice."""
    # The key is required for bulk imports.
    missing = await kit.client.post(url, params=params, content=csv_body.encode(), headers=headers)
    assert missing.status_code == 428 and missing.json()["errors"][0]["field"] == "header.Idempotency-Key"

    first = await kit.client.post(
        url, params=params, content=csv_body.encode(), headers={**headers, "Idempotency-Key": "exec-2030-01"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["applied_count"] == 2 and first.json()["total_krw"] == 3_500_000
    # Same key again (same caller: middleware replay; another officer: the import table) → nothing doubles.
    again = await kit.client.post(
        url, params=params, content=csv_body.encode(), headers={**headers, "Idempotency-Key": "exec-2030-01"}
    )
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    by_admin = await kit.client.post(
        url,
        params=params,
        content=csv_body.encode(),
        headers={**ADMIN, "Content-Type": "text/csv", "Idempotency-Key": "exec-2030-01"},
    )
    assert by_admin.status_code == 200 and by_admin.json()["replayed"] is True
    assert await _figures(kit) == {"협치사업 1": (0, 1_000_000), "협치사업 2": (0, 2_500_000)}
    assert await kit.count("imports") == 1
    assert len(await kit.outbox_payloads("appropriation.imported.v1")) == 1


async def _bad_files_import_nothing(
    kit: Kit, url: str, params: dict[str, Any], headers: dict[str, str]
) -> str:
    """One bad program code or an unquoted amount refuses the whole file, naming the rows; returns that file."""
    bad = (
        HEADER
        + row("협치사업 1", 100)
        + row("협치사업 2", 100, sector="011")
        + row("협치사업 3", 100, field="999")
    )
    refused = await kit.client.post(
        url, params=params, content=bad.encode(), headers={**headers, "Idempotency-Key": "exec-2030-03"}
    )
    assert refused.status_code == 422
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["row 2: sector", "row 3: field"]
    unquoted = await kit.client.post(
        url,
        params=params,
        content=(HEADER + row("협치사업 1", 100) + "일반회계,080,084,a,b,c,,,1,000\n").encode(),
        headers={**headers, "Idempotency-Key": "exec-2030-03b"},
    )
    assert unquoted.status_code == 422 and unquoted.json()["errors"][0]["field"] == "row 2: row"
    assert "아무것도 가져오지 않았습니다" in refused.json()["detail"]  # Korean unless English is asked for
    assert await _figures(kit) == {"협치사업 1": (0, 1_500_000), "협치사업 2": (0, 2_500_000)}
    assert await kit.count("imports") == 2
    return bad


async def test_import_is_idempotent_all_or_nothing_and_names_bad_rows(kit: Kit) -> None:
    url, params = imports_url("execution", mode="add")
    csv_body = HEADER + row("협치사업 1", 1_000_000) + row("협치사업 2", "2,500,000")
    headers = {**OFFICER, "Content-Type": "text/csv"}
    await _import_once_whatever_the_replays(kit, url, params, csv_body, headers)
    # A new key adds (mode=add: monthly execution increments).
    second = await kit.client.post(
        url,
        params=params,
        content=(HEADER + row("협치사업 1", 500_000)).encode(),
        headers={**headers, "Idempotency-Key": "exec-2030-02"},
    )
    assert second.status_code == 201
    assert (await _figures(kit))["협치사업 1"] == (0, 1_500_000)

    bad = await _bad_files_import_nothing(kit, url, params, headers)
    # all_or_nothing=false applies the good rows and reports the bad ones.
    partial = await kit.client.post(
        url,
        params={**params, "all_or_nothing": "false"},
        content=bad.encode(),
        headers={**headers, "Idempotency-Key": "exec-2030-04"},
    )
    assert partial.status_code == 201 and partial.json()["status"] == "partial"
    assert partial.json()["applied_count"] == 1 and len(partial.json()["errors"]) == 2
    assert (await _figures(kit))["협치사업 1"] == (0, 1_500_100)

    # Dry run: a report, nothing written.
    dry = await kit.client.post(
        url,
        params={**params, "dry_run": "true"},
        content=bad.encode(),
        headers={**headers, "Idempotency-Key": "exec-2030-05"},
    )
    assert dry.status_code == 200 and dry.json()["status"] == "dry_run" and dry.json()["valid_count"] == 1
    assert (await _figures(kit))["협치사업 1"] == (0, 1_500_100)

    # Wrong borough, wrong role.
    other = await kit.client.post(
        url,
        params=params,
        content=csv_body.encode(),
        headers={**OTHER_OFFICER, "Content-Type": "text/csv", "Idempotency-Key": "x"},
    )
    assert other.status_code == 403
    listed = await kit.client.get("/v1/imports", params={"sgg_code": BOROUGH}, headers=OFFICER)
    assert len(listed.json()["items"]) == 3
    audit = (await kit.client.get("/v1/audit", params={"entity_type": "import"}, headers=ADMIN)).json()[
        "items"
    ]
    assert len(audit) == 3


def json_row(detail: str, amount: int, obj: str = "307-02") -> dict[str, Any]:
    return {
        "account": "일반회계",
        "field": "080",
        "sector": "084",
        "policy_program": "민관협치 활성화",
        "unit_program": "지역사회혁신계획 추진",
        "detail_program": detail,
        "object_code": obj,
        "amount_krw": amount,
    }


async def _allocate_two_of_three_requests(kit: Kit) -> None:
    """A cycle with three plan items of which the first two are allocated from the borough envelope."""
    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=3, amounts=[30_000_000, 20_000_000, 50_000_000]))
    await kit.to_allocation(cycle["id"])
    await kit.set_envelope(cycle["id"], "borough", 100_000_000)
    requests = sorted(
        (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"],
        key=lambda r: r["title_ko"],
    )
    alloc = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/allocations",
        json={
            "method": "priority",
            "envelope_kind": "borough",
            "lines": [{"request_id": r["id"]} for r in requests[:2]],
        },
        headers=OFFICER,
    )
    assert alloc.status_code == 201


async def _reconciliation_flags_each_request(kit: Kit) -> tuple[dict[str, Any], dict[str, Any]]:
    """Allocation against appropriation and execution, per request and in total; returns requests 1 and 2."""
    report = (
        await kit.client.get("/v1/reconciliation", params={"sgg_code": BOROUGH, "fiscal_year": FY})
    ).json()
    by_title = {r["title_ko"]: r for r in report["requests"]}
    one, two, three = by_title["협치사업 1"], by_title["협치사업 2"], by_title["협치사업 3"]
    assert (one["allocated_krw"], one["appropriated_krw"], one["executed_krw"]) == (
        30_000_000,
        30_000_000,
        12_000_000,
    )
    assert one["flags"] == []
    assert (two["allocated_krw"], two["appropriated_krw"], two["executed_krw"]) == (
        20_000_000,
        18_000_000,
        19_000_000,
    )
    assert set(two["flags"]) == {"appropriated_below_allocation", "executed_above_appropriation"}
    assert three["allocated_krw"] == 0 and "not_allocated" in three["flags"]
    totals = report["totals"]
    assert totals["allocated_krw"] == 50_000_000 and totals["appropriated_krw"] == 57_000_000
    assert totals["appropriated_for_requests_krw"] == 48_000_000 and totals["executed_krw"] == 31_000_000
    unmatched = [p for p in report["programs"] if "no_request" in p["flags"]]
    assert [p["program_codes"]["detail_program"] for p in unmatched] == ["구청 일반사업"]
    return one, two


async def test_json_import_replace_mode_and_reconciliation(kit: Kit) -> None:
    await _allocate_two_of_three_requests(kit)
    url, params = imports_url("appropriation")
    rows = [
        json_row("협치사업 1", 20_000_000, "307-02"),
        json_row("협치사업 1", 10_000_000, "201-01"),
        json_row("협치사업 2", 15_000_000),
        json_row("구청 일반사업", 9_000_000),
    ]
    r = await kit.client.post(
        url, params=params, json={"rows": rows}, headers={**OFFICER, "Idempotency-Key": "appr-1"}
    )
    assert r.status_code == 201, r.text
    dup = await kit.client.post(
        url,
        params=params,
        json={"rows": [rows[0], rows[0]]},
        headers={**OFFICER, "Idempotency-Key": "appr-2"},
    )
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "row 2: program code"
    bad_json = await kit.client.post(
        url,
        params=params,
        json={"rows": [{**rows[0], "amount_krw": -5}]},
        headers={**OFFICER, "Idempotency-Key": "appr-3"},
    )
    assert bad_json.status_code == 422 and bad_json.json()["errors"][0]["field"] == "row 1: amount_krw"
    # Replace mode: a later snapshot overwrites the figure instead of adding to it.
    r = await kit.client.post(
        url,
        params=params,
        json=[json_row("협치사업 2", 18_000_000)],
        headers={**OFFICER, "Idempotency-Key": "appr-4"},
    )
    assert r.status_code == 201
    exec_url, exec_params = imports_url("execution")
    r = await kit.client.post(
        exec_url,
        params=exec_params,
        json=[json_row("협치사업 1", 12_000_000), json_row("협치사업 2", 19_000_000)],
        headers={**OFFICER, "Idempotency-Key": "exec-1"},
    )
    assert r.status_code == 201

    one, two = await _reconciliation_flags_each_request(kit)

    # Planning follows each plan item's spending: request.executed per request the import changed.
    spent = {e["data"]["request_id"]: e["data"] for e in await kit.outbox_payloads("request.executed.v1")}
    assert set(spent) == {one["request_id"], two["request_id"]}
    assert (spent[one["request_id"]]["executed_krw"], spent[one["request_id"]]["completed"]) == (
        12_000_000,
        False,
    )
    two_spent = spent[two["request_id"]]
    assert (two_spent["allocated_krw"], two_spent["executed_krw"], two_spent["completed"]) == (
        20_000_000,
        19_000_000,
        False,
    )
    assert spent[one["request_id"]]["plan_item_id"] == one["plan_item_id"]
    # A later month's import that changes only the first request's spending reports only that one.
    r = await kit.client.post(
        exec_url,
        params={**exec_params, "mode": "add"},
        json=[json_row("협치사업 1", 18_000_000)],
        headers={**OFFICER, "Idempotency-Key": "exec-2"},
    )
    assert r.status_code == 201, r.text
    later = [e["data"] for e in await kit.outbox_payloads("request.executed.v1")][len(spent) :]
    assert [(e["request_id"], e["executed_krw"], e["completed"]) for e in later] == [
        (one["request_id"], 30_000_000, True)
    ]


async def test_exports_neutralise_spreadsheet_formulas(kit: Kit) -> None:
    cycle = await kit.open_cycle()
    payload = plan_adopted(items=2)
    payload = payload.model_copy(
        update={
            "items": [
                payload.items[0].model_copy(update={"title_ko": '=HYPERLINK("http://evil","click")'}),
                payload.items[1].model_copy(update={"title_ko": "@SUM(A1:A2)"}),
            ]
        }
    )
    await kit.adopt_plan(payload)
    exported = await kit.client.get(f"/v1/cycles/{cycle['id']}/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    titles = sorted(r["title_ko"] for r in table)
    assert titles == ['\'=HYPERLINK("http://evil","click")', "'@SUM(A1:A2)"]
    assert all(r["requested_krw"].isdigit() for r in table)
    as_json = (await kit.client.get(f"/v1/cycles/{cycle['id']}/export", params={"format": "json"})).json()
    assert sorted(r["title_ko"] for r in as_json)[0].startswith("=")  # JSON carries data as is
    rec = await kit.client.get("/v1/reconciliation/export", params={"sgg_code": BOROUGH, "fiscal_year": FY})
    rec_rows = list(csv.DictReader(io.StringIO(rec.text.lstrip("\ufeff"))))
    assert {r["title_ko"][0] for r in rec_rows} == {"'"}
    rec_json = await kit.client.get(
        "/v1/reconciliation/export", params={"sgg_code": BOROUGH, "fiscal_year": FY, "format": "json"}
    )
    assert len(rec_json.json()["requests"]) == 2
