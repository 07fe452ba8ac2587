"""The streaming XLSX reader: real workbooks read as Excel shows them, hostile ones stopped at a limit."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from cg_registry.imports.xlsx import XlsxLimits, XlsxProblem, read_workbook
from tests.security import hostile_files


def saved(book: openpyxl.Workbook) -> io.BytesIO:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_values_dates_and_rich_text_as_excel_shows_them() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["사업명", "시작일", "금액", "완료", "비고"])
    ws.append(["성수동 마을 협치", date(2025, 3, 1), 120000000, True, 1.5])
    ws["B2"].number_format = "yyyy.mm.dd"  # a custom date format, as Korean offices use
    ws.append(["행당동 돌봄", datetime(2025, 4, 1, 9, 30), "=C2*2", False, None])
    ws["A4"] = CellRichText([TextBlock(InlineFont(b=True), "굵은 "), "사업"])
    ws["E4"] = 42
    sheet = read_workbook(saved(book))
    assert sheet.headers == ["사업명", "시작일", "금액", "완료", "비고"]
    assert sheet.rows[0] == (2, ["성수동 마을 협치", datetime(2025, 3, 1), 120000000, True, 1.5])
    number, values = sheet.rows[1]
    assert number == 3 and values[0] == "행당동 돌봄" and values[1] == datetime(2025, 4, 1, 9, 30)
    assert values[2] is None  # a formula is never evaluated: its cached value or nothing
    assert sheet.rows[2] == (4, ["굵은 사업", None, None, None, 42])


def test_blank_rows_are_skipped_but_numbered() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["title_ko"])
    ws["A7"] = "일곱째 줄"
    sheet = read_workbook(saved(book))
    assert sheet.rows == [(7, ["일곱째 줄"])]


def workbook_with(rows: int, columns: int) -> io.BytesIO:
    book = openpyxl.Workbook()
    ws = book.active
    for r in range(rows):
        ws.append([f"값 {r}-{c}" for c in range(columns)])
    return saved(book)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (XlsxLimits(max_columns=3), "more than 3 columns"),
        (XlsxLimits(max_rows=2), "more than 2 rows"),
        (XlsxLimits(max_sheet_rows=3), "more than 3 rows"),
        (XlsxLimits(max_cells=10), "more than 10 cells"),
        (XlsxLimits(max_cell_chars=3), "longer than 3 characters"),
        (XlsxLimits(max_part_bytes=2048), "expands to more than"),
        (XlsxLimits(max_total_bytes=4096), "expands to more than"),
    ],
)
def test_each_limit_stops_the_read(limits: XlsxLimits, message: str) -> None:
    with pytest.raises(XlsxProblem, match=message):
        read_workbook(workbook_with(rows=6, columns=4), limits)


@pytest.mark.parametrize("declared", [True, False])
def test_shared_strings_beyond_the_limit_stop_the_read(declared: bool) -> None:
    data = hostile_files.many_shared_strings_xlsx(12, declared=declared)
    with pytest.raises(XlsxProblem, match="more than 5 shared strings"):
        read_workbook(io.BytesIO(data), XlsxLimits(max_shared_strings=5))
    assert read_workbook(io.BytesIO(data), XlsxLimits(max_shared_strings=12)).headers == ["x"]


def understated(data: bytes, part: str, size: int) -> bytes:
    """The zip with ``part``'s uncompressed size rewritten to ``size`` in both of its headers."""
    raw = bytearray(data)
    name = part.encode()
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = raw.find(signature)
        while at != -1:
            name_at = at + (46 if signature == b"PK\x01\x02" else 30)
            if raw[name_at : name_at + len(name)] == name:
                raw[at + offset : at + offset + 4] = size.to_bytes(4, "little")
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_a_zip_that_understates_its_sizes_is_still_bounded() -> None:
    # The limits count bytes as they decompress, never the sizes the headers declare: a sheet claiming
    # 100 bytes is either cut there (and refused as damaged) or counted as it really expands.
    data = understated(workbook_with(rows=200, columns=10).getvalue(), "xl/worksheets/sheet1.xml", 100)
    with pytest.raises(XlsxProblem, match=r"expands to more than|damaged"):
        read_workbook(io.BytesIO(data), XlsxLimits(max_part_bytes=4096))
    with pytest.raises(XlsxProblem, match=r"damaged"):
        read_workbook(io.BytesIO(data))


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04garbage", b"not a zip at all", b""],
)
def test_damaged_files_are_problems_not_crashes(data: bytes) -> None:
    with pytest.raises(XlsxProblem):
        read_workbook(io.BytesIO(data))
