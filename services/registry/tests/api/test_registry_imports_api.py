"""Bulk import: XLSX and Hangul CSV, all-or-nothing with a row-by-row report, Idempotency-Key, dry run."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

HEADER = [
    "사업명",
    "영문사업명",
    "자치구코드",
    "정책분야",
    "발의주체",
    "시작일",
    "종료일",
    "회계연도",
    "시비",
    "구비",
    "협력기관",
]
GOOD_ROWS = [
    [
        "성수동 청년 창업 공간 조성 사업",
        "Seongsu youth start-up space",
        "11200",
        "youth",
        "civic_group",
        "2025-01-01",
        "2025-12-31",
        2025,
        300_000_000,
        50_000_000,
        "성수마을넷|civic_group|operator",
    ],
    [
        "행당동 어르신 통합돌봄 네트워크",
        "Haengdang integrated care",
        "11200",
        "care",
        "department",
        "2025-03-01",
        "2026-02-28",
        2025,
        0,
        80_000_000,
        "",
    ],
    [
        "왕십리 골목길 재생",
        "Wangsimni alley regeneration",
        "성동구",
        "도시재생",
        "주민",
        "2025.04.01",
        "2025.12.31",
        2025,
        120_000_000,
        None,
        "왕십리 주민협의회|resident_group",
    ],
]
BAD_ROW = [
    "금호동 마을 축제",
    "Geumho festival",
    "99999",
    "culture",
    "resident",
    "2025-05-01",
    "2025-10-31",
    2025,
    -5_000_000,
    10_000_000,
    "",
]
FIXED_BOUNDARY = "cg-registry-test-boundary-7f3a"  # a retry re-sends the same bytes (see the report note)


def workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(
    client: Any,
    headers: dict[str, str],
    data: bytes,
    *,
    name: str = "projects.xlsx",
    key: str | None,
    **params: Any,
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    extra["Content-Type"] = f"multipart/form-data; boundary={FIXED_BOUNDARY}"
    return await client.post(
        "/v1/imports/projects",
        files={"file": (name, data, XLSX if name.endswith(".xlsx") else "text/csv")},
        params=params,
        headers={**headers, **extra},
    )


async def count(client: Any) -> int:
    return len((await client.get("/v1/projects", params={"sgg_code": "11200", "limit": 500})).json()["items"])


async def test_xlsx_with_a_bad_row_is_rejected_whole_then_imported_once(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    url = await fresh_db(db_backend)
    bad_file = workbook([*GOOD_ROWS[:2], BAD_ROW, GOOD_ROWS[2]])
    good_file = workbook(GOOD_ROWS)
    async with reg.api(url) as client:
        rejected = await upload(client, reg.ADMIN, bad_file, key="import-1")
        assert rejected.status_code == 422, rejected.text
        assert rejected.headers["content-type"].startswith("application/problem+json")
        problem = rejected.json()
        assert {(e["field"]) for e in problem["errors"]} == {"row 4: sgg_code", "row 4: smg_grant_krw"}
        assert problem["report"]["invalid_rows"] == 1 and problem["report"]["valid_rows"] == 3
        assert problem["report"]["imported"] == 0
        assert await count(client) == 0  # all or nothing

        # A refusal is not remembered: the same key re-validates (and still writes nothing).
        resent_bad = await upload(client, reg.ADMIN, bad_file, key="import-1")
        assert resent_bad.status_code == 422 and "idempotent-replayed" not in resent_bad.headers
        assert await count(client) == 0

        imported = await upload(client, reg.ADMIN, good_file, key="import-2")
        assert imported.status_code == 201, imported.text
        report = imported.json()
        assert report["imported"] == 3 and report["file_format"] == "xlsx" and report["errors"] == []
        assert [p["row"] for p in report["projects"]] == [2, 3, 4]
        again = await upload(client, reg.ADMIN, good_file, key="import-2")
        assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
        assert again.json() == report
        assert await count(client) == 3  # not imported twice
        events = await reg.outbox_rows(client.app, "project.registered")
        assert len(events) == 3

        projects = (await client.get("/v1/projects", params={"sgg_code": "11200"})).json()["items"]
        alley = next(p for p in projects if p["title_ko"] == "왕십리 골목길 재생")
        assert alley["origin"] == "resident" and alley["policy_field"] == "urban_regeneration"
        assert alley["start_date"] == "2025-04-01" and alley["has_smg_grant"] is True
        audit = (await client.get("/v1/audit", params={"entity_id": alley["id"]}, headers=reg.ADMIN)).json()[
            "items"
        ]
        assert [a["action"] for a in audit] == ["project.import"]
        history = (await client.get(f"/v1/projects/{alley['id']}/history", headers=reg.ADMIN)).json()["items"]
        assert [h["action"] for h in history] == ["registered"]


async def test_import_rules(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("sqlite")
    bad_file = workbook([GOOD_ROWS[0], BAD_ROW])
    async with reg.api(url) as client:
        no_key = await upload(client, reg.OFFICER, bad_file, key=None)
        assert no_key.status_code == 428
        assert no_key.headers["content-type"].startswith("application/problem+json")
        anonymous = await upload(client, {}, bad_file, key="k0")
        assert anonymous.status_code == 401
        resident = await upload(client, reg.RESIDENT, bad_file, key="k1")
        assert resident.status_code == 403

        dry = await upload(client, reg.OFFICER, bad_file, key="k2", dry_run="true")
        assert dry.status_code == 200 and dry.json()["dry_run"] is True
        assert dry.json()["valid_rows"] == 1 and dry.json()["invalid_rows"] == 1
        assert await count(client) == 0

        partial = await upload(client, reg.OFFICER, bad_file, key="k3", valid_rows_only="true")
        assert partial.status_code == 201
        assert partial.json()["imported"] == 1 and partial.json()["errors"][0]["row"] == 3
        assert await count(client) == 1

        # A borough officer cannot import another borough's rows; a repeated code is a row error.
        foreign = workbook([[*GOOD_ROWS[0][:2], "11620", *GOOD_ROWS[0][3:]]])
        refused = await upload(client, reg.OFFICER, foreign, key="k4")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "row 2: sgg_code"

        not_a_sheet = await upload(client, reg.OFFICER, b"\x00\x01binary", name="x.xlsx", key="k5")
        assert not_a_sheet.status_code == 422 and not_a_sheet.json()["errors"][0]["field"] == "body.file"


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig", "utf-8"])
async def test_hangul_csv_from_excel(reg: Any, fresh_db: Any, encoding: str) -> None:
    url = await fresh_db("sqlite")
    lines = [",".join(HEADER)] + [",".join("" if v is None else str(v) for v in row) for row in GOOD_ROWS[:2]]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    async with reg.api(url) as client:
        response = await upload(client, reg.OFFICER, data, name="성동구_협치사업.csv", key=f"csv-{encoding}")
        assert response.status_code == 201, response.text
        assert response.json()["encoding"] == encoding and response.json()["imported"] == 2
        titles = sorted(p["title_ko"] for p in (await client.get("/v1/projects")).json()["items"])
    assert titles == sorted([GOOD_ROWS[0][0], GOOD_ROWS[1][0]])


async def test_export_neutralises_formulas_and_reimports(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("sqlite")
    async with reg.api(url) as client:
        evil = reg.project_body(
            title_ko='=HYPERLINK("http://evil.example","클릭")',
            title_en="+cmd|' /C calc'!A0",
            lead_department="@SUM(1+1)",
            partners=[{"name": "-2+3 협동조합", "kind": "social_economy"}],
            target_groups=["=청년"],
        )
        assert (await client.post("/v1/projects", json=evil, headers=reg.OFFICER)).status_code == 201
        exported = await client.get("/v1/exports/projects.csv")
        text = exported.content.decode("utf-8-sig")
        import csv

        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["title_ko"].startswith("'=HYPERLINK")
        assert rows[0]["title_en"].startswith("'+cmd")
        assert rows[0]["lead_department"] == "'@SUM(1+1)"
        assert rows[0]["partners"].startswith("'-2+3 협동조합")
        assert rows[0]["target_groups"] == "'=청년"
        assert rows[0]["total_krw"] == "150000000" and rows[0]["smg_grant_krw"] == "120000000"
        as_json = (await client.get("/v1/exports/projects.json")).json()
        assert as_json["items"][0]["title_ko"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet
        assert as_json["license"] == "KOGL-Type1"
        # Registered through the API: real, not synthetic; the export does not claim the city published it.
        assert rows[0]["synthetic"] == "false" and as_json["items"][0]["synthetic"] is False
        assert as_json["synthetic_count"] == 0 and "서울특별시 (" not in as_json["publisher"]

        # The export's own header is an import format: change the code, drop the version (a new
        # project) and re-import it.
        rows[0]["code"] = "CG-11200-R0001"
        rows[0]["version"] = ""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        again = await upload(
            client, reg.OFFICER, buffer.getvalue().encode("utf-8-sig"), name="export.csv", key="reimport"
        )
        assert again.status_code == 201, again.text
        assert sorted(again.json()["ignored_columns"]) == [
            "borough_en",
            "borough_ko",
            "has_smg_grant",
            "iap2_level",
            "public_led",
            "synthetic",
            "tokenism_risk",
        ]


async def test_reimporting_an_edited_export_updates_by_code_with_a_version_check(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    url = await fresh_db(db_backend)
    async with reg.api(url) as client:
        created, rows = await _step_export_then_edit_one(client, reg)
        third = created[2]
        edited = [dict(rows[p["code"]]) for p in created]
        edited[0]["title_ko"] = "성수동 청년 마을활동가 양성 사업 (확대)"
        edited[0]["status"] = "active"
        edited[0]["borough_krw"] = "50000000"  # was 30,000,000; the SMG grant column stays
        edited[1]["title_ko"] = "금호동 어르신 건강 걷기 모임 (개편)"
        new_row = dict(edited[0], code="", version="", title_ko="행당동 주민 공유부엌", borough_krw="0")
        rows_out = [*edited, new_row]

        refused = await upload(client, reg.OFFICER, _as_csv(rows_out), name="edited.csv", key="edit-1")
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert [e["field"] for e in problem["errors"]] == ["row 3: version"]
        assert "2" in problem["errors"][0]["message"]  # names the current version
        await _step_valid_rows_only(client, reg, rows_out, created)
        await _step_stale_again_and_code_rules(client, reg, rows, edited, third)


def _as_csv(items: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(items[0]))
    writer.writeheader()
    writer.writerows(items)
    return buffer.getvalue().encode("utf-8-sig")


async def _step_export_then_edit_one(
    client: Any, reg: Any
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    created = []
    for title in (
        "성수동 청년 마을활동가 양성 지원사업",
        "금호동 어르신 건강 걷기 모임",
        "옥수동 마을 도서관",
    ):
        body = reg.project_body(title_ko=title)
        response = await client.post("/v1/projects", json=body, headers=reg.OFFICER)
        assert response.status_code == 201, response.text
        created.append(response.json())
    first, second, _third = created
    exported = (await client.get("/v1/exports/projects.csv")).content.decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows[first["code"]]["version"] == "1"

    # Someone edits the second project through the API after the export was taken: its row is stale.
    patched = await client.patch(
        f"/v1/projects/{second['id']}",
        json={"status": "active"},
        headers={**reg.OFFICER, "If-Match": 'W/"1"'},
    )
    assert patched.status_code == 200, patched.text
    return created, rows


async def _step_valid_rows_only(
    client: Any, reg: Any, rows_out: list[dict[str, str]], created: list[dict[str, Any]]
) -> None:
    first, second, third = created
    # valid_rows_only: the fresh rows update or register, the stale row is reported and left alone.
    applied = await upload(
        client, reg.OFFICER, _as_csv(rows_out), name="edited.csv", key="edit-2", valid_rows_only="true"
    )
    assert applied.status_code == 201, applied.text
    report = applied.json()
    assert (report["imported"], report["updated"], report["unchanged"]) == (1, 1, 1)
    assert {(p["row"], p["action"]) for p in report["projects"]} == {
        (2, "updated"),
        (4, "unchanged"),
        (5, "created"),
    }
    assert [e["row"] for e in report["errors"]] == [3]

    one = (await client.get(f"/v1/projects/{first['id']}")).json()
    assert one["title_ko"] == "성수동 청년 마을활동가 양성 사업 (확대)" and one["status"] == "active"
    assert one["version"] == 2
    by_source = {line["source"]: line["amount_krw"] for line in one["funding_lines"]}
    assert by_source == {"smg_grant": 120_000_000, "borough": 50_000_000}
    assert one["total_krw"] == 170_000_000
    history = (await client.get(f"/v1/projects/{first['id']}/history", headers=reg.OFFICER)).json()
    assert {"title_ko", "status"} <= set(history["items"][0]["changes"])
    stale = (await client.get(f"/v1/projects/{second['id']}")).json()
    assert stale["title_ko"] == second["title_ko"] and stale["status"] == "active"
    untouched = (await client.get(f"/v1/projects/{third['id']}")).json()
    assert untouched["version"] == 1 and untouched["title_ko"] == "옥수동 마을 도서관"


async def _step_stale_again_and_code_rules(
    client: Any,
    reg: Any,
    rows: dict[str, dict[str, str]],
    edited: list[dict[str, str]],
    third: dict[str, Any],
) -> None:
    # The first row again: now stale (the project moved to version 2); the third still current.
    stale_again = await upload(client, reg.OFFICER, _as_csv([edited[0]]), name="e.csv", key="edit-5")
    assert stale_again.status_code == 422 and "row 2: version" in stale_again.text
    again_rows = [dict(rows[third["code"]], version="1")]
    again = await upload(client, reg.OFFICER, _as_csv(again_rows), name="again.csv", key="edit-3")
    assert again.status_code == 201, again.text
    assert (again.json()["updated"], again.json()["unchanged"]) == (0, 1)
    assert (await client.get(f"/v1/projects/{third['id']}")).json()["version"] == 1

    # A code that exists without a version, a version for an unknown code, another borough's project.
    existing_no_version = dict(rows[third["code"]], version="")
    unknown = dict(rows[third["code"]], code="CG-11200-99999", version="3")
    other = await upload(
        client, reg.OTHER_OFFICER, _as_csv([dict(rows[third["code"]], version="1")]), name="o.csv", key="o"
    )
    assert other.status_code == 422
    mixed = await upload(
        client, reg.OFFICER, _as_csv([existing_no_version, unknown]), name="m.csv", key="edit-4"
    )
    assert mixed.status_code == 422
    assert [e["field"] for e in mixed.json()["errors"]] == ["row 2: code", "row 3: version"]
    # A version no project reaches (400 digits overflowed float → int into a 500): a row error.
    huge = await upload(
        client, reg.OFFICER, _as_csv([dict(rows[third["code"]], version="9" * 400)]), name="h.csv", key="h"
    )
    assert huge.status_code == 422, huge.text
    assert [e["field"] for e in huge.json()["errors"]] == ["row 2: version"]


async def test_reimport_keeps_allocation_money_and_refuses_amounts_below_it(reg: Any, fresh_db: Any) -> None:
    import csv

    url = await fresh_db("postgresql")
    async with reg.api(url) as client:
        body = reg.project_body(
            plan_item_id="item-kitchen",
            funding_lines=[{"source": "borough", "fiscal_year": 2025, "amount_krw": 30_000_000}],
        )
        created = await client.post("/v1/projects", json=body, headers=reg.OFFICER)
        assert created.status_code == 201, created.text
        project = created.json()
        await reg.deliver_allocation(client.app, plan_item_id="item-kitchen", amount_krw=20_000_000)
        exported = (await client.get("/v1/exports/projects.csv")).content.decode("utf-8-sig")
        (row,) = list(csv.DictReader(io.StringIO(exported)))
        assert row["borough_krw"] == "50000000" and row["version"] == "2"

        def as_csv(item: dict[str, str]) -> bytes:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(item))
            writer.writeheader()
            writer.writerow(item)
            return buffer.getvalue().encode("utf-8-sig")

        below = await upload(
            client, reg.OFFICER, as_csv(dict(row, borough_krw="10000000")), name="below.csv", key="below"
        )
        assert below.status_code == 422 and "row 2: amounts" in below.text
        raised = await upload(
            client,
            reg.OFFICER,
            as_csv(dict(row, borough_krw="60000000", fiscal_year="2025")),
            name="raised.csv",
            key="raised",
        )
        assert raised.status_code == 201, raised.text
        after = (await client.get(f"/v1/projects/{project['id']}")).json()
        lines = sorted(
            (f["source"], f["fiscal_year"], f["amount_krw"], f["allocation_id"])
            for f in after["funding_lines"]
        )
        # The allocation line stays; the manual borough money becomes 60M − 20M allocated = 40M.
        assert lines == [("borough", 2025, 40_000_000, None), ("borough", 2026, 20_000_000, "alloc-1")]
        assert after["total_krw"] == 60_000_000 and after["version"] == 3
