"""Reading borough files: encodings, delimiters, XLSX cells, header aliases and row validation."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from cg_registry.imports.parsing import FileProblem, as_date, read_file
from cg_registry.imports.rows import build_project, map_headers
from cg_shared.auth import Principal, Role

OFFICER = Principal(sub="officer", role=Role.BOROUGH_OFFICER, sgg_code="11200")
CSV_TEXT = '사업명,자치구코드,시비,구비,회계연도,협력기관\n성수동 마을 협치,11200,"1,000,000",500000,2025,성수마을넷|civic_group|operator\n'


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"), "utf-8-sig"),
        (CSV_TEXT.encode("cp949"), "cp949"),
        (CSV_TEXT.encode("euc-kr"), "cp949"),
    ],
)
def test_hangul_csv_in_every_encoding_excel_produces(data: bytes, encoding: str) -> None:
    sheet = read_file("projects.csv", data)
    assert sheet.encoding == encoding
    assert sheet.headers[0] == "사업명"
    number, row = sheet.rows[0]
    assert number == 2
    assert row["사업명"] == "성수동 마을 협치"


def test_semicolon_delimited_csv() -> None:
    sheet = read_file("x.csv", "title_ko;sgg_code\n마을;11200\n".encode())
    assert sheet.rows == [(2, {"title_ko": "마을", "sgg_code": "11200"})]


def test_xlsx_cells_become_python_values() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["title_ko", "start_date", "smg_grant_krw"])
    ws.append(["성수동 마을 협치", date(2025, 3, 1), 120000000.0])
    ws.append([None, None, None])  # empty rows are skipped, numbering is kept
    ws.append(["행당동 돌봄", "2025.04.01", 5])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = read_file("p.xlsx", buffer.getvalue())
    assert sheet.file_format == "xlsx"
    assert [n for n, _ in sheet.rows] == [2, 4]
    assert sheet.rows[0][1] == {
        "title_ko": "성수동 마을 협치",
        "start_date": date(2025, 3, 1),
        "smg_grant_krw": 120000000,
    }


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0rest", "legacy"),
        ("fake.xlsx", b"title_ko\n", "not an Excel"),
        ("x.csv", b"", "empty"),
        ("x.csv", b"\xff\xfe\x00a\x00b", "UTF-8"),
        ("broken.xlsx", b"PK\x03\x04garbage", "cannot be read"),
    ],
)
def test_unreadable_files_are_named(name: str, data: bytes, message: str) -> None:
    with pytest.raises(FileProblem, match=message):
        read_file(name, data)


def test_header_aliases_and_unknown_columns() -> None:
    mapping, ignored = map_headers(["사업명", "Title_EN", "시비", "메모", "사업명"])
    assert mapping == {"사업명": "title_ko", "Title_EN": "title_en", "시비": "smg_grant_krw"}
    assert ignored == ["메모", "사업명"]


def _row(values: dict[str, object]) -> tuple[object, list[object]]:
    mapping, _ = map_headers(list(values))
    return build_project(7, dict(values), mapping, OFFICER)


def test_row_becomes_project_with_funding_lines() -> None:
    project, errors = _row(
        {
            "사업명": "성수동 마을 협치",
            "자치구": "성동구",
            "발의주체": "주민",
            "상태": "진행",
            "정책분야": "마을공동체",
            "시비": "1,000,000원",
            "구비": 500000,
            "시작일": "2025-03-01",
            "협력기관": "성수마을넷|civic_group|operator; 행당동 주민협의회|resident_group",
        }
    )
    assert errors == []
    assert project is not None
    assert project.sgg_code == "11200" and project.origin == "resident" and project.status == "active"
    assert project.policy_field == "community"
    assert [(fl.source, fl.fiscal_year, fl.amount_krw) for fl in project.funding_lines] == [
        ("smg_grant", 2025, 1_000_000),
        ("borough", 2025, 500_000),
    ]
    assert [p.name for p in project.partners] == ["성수마을넷", "행당동 주민협의회"]


def test_row_errors_name_the_field() -> None:
    project, errors = _row(
        {"title_ko": "", "sgg_code": "99999", "smg_grant_krw": -5, "start_date": "어제", "fiscal_year": 2025}
    )
    assert project is None
    assert {(e.row, e.field) for e in errors} == {
        (7, "title_ko"),
        (7, "sgg_code"),
        (7, "smg_grant_krw"),
        (7, "start_date"),
    }


def test_row_of_another_borough_is_refused() -> None:
    _, errors = _row({"title_ko": "관악 마을", "sgg_code": "11620"})
    assert [(e.field, "may not" in e.message) for e in errors] == [("sgg_code", True)]


def test_dates_in_korean_office_formats() -> None:
    assert as_date("2025.03.01") == date(2025, 3, 1)
    assert as_date("20250301") == date(2025, 3, 1)
    assert as_date("2025/3/1") == date(2025, 3, 1)
    with pytest.raises(ValueError):
        as_date("내일")
