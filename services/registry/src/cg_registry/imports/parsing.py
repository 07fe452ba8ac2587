"""Reading the files borough staff actually send: CSV (UTF-8 with or without BOM, or CP949 from Korean
Excel) and XLSX. Pure functions: bytes in, a header and numbered rows out (numbers as a spreadsheet
shows them: the header is row 1)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cg_registry.imports.xlsx import XlsxLimits, XlsxProblem, read_workbook
from cg_shared.i18n import msg

MAX_ROWS = 20_000
MAX_LINES = XlsxLimits.max_sheet_rows  # records read, blank ones included
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong format, encoding, too many rows …)."""


@dataclass
class Sheet:
    file_format: str  # csv | xlsx
    encoding: str | None
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (spreadsheet row number, values)


def detect_format(filename: str | None, data: bytes) -> str:
    name = (filename or "").lower()
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC) or name.endswith(".xls"):
        raise FileProblem("legacy .xls workbooks are not supported; save the file as .xlsx or CSV")
    if name.endswith(".xlsx"):
        raise FileProblem("the file is named .xlsx but is not an Excel workbook")
    return "csv"


def decode_csv(data: bytes) -> tuple[str, str]:
    """Text and encoding name. Korean Excel saves CSV as CP949 (a superset of EUC-KR) unless told
    otherwise; UTF-8 comes with or without a byte-order mark."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949"), "cp949"
    except UnicodeDecodeError as exc:
        raise FileProblem("the CSV is neither UTF-8 nor CP949 (EUC-KR); save it as UTF-8 CSV") from exc


def _clean_header(value: Any) -> str:
    return " ".join(str(value if value is not None else "").replace("\ufeff", "").split())


def csv_reason(exc: csv.Error) -> str:
    reason = str(exc)
    if "field larger than field limit" in reason:
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return reason


def read_csv(data: bytes) -> Sheet:
    text, encoding = decode_csv(data)
    if "\x00" in text:
        raise FileProblem("the CSV contains NUL characters; is it a binary file?")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FileProblem("the file is empty") from exc
    except csv.Error as exc:
        raise FileProblem(msg("the CSV header cannot be read: {value}", value=csv_reason(exc))) from exc
    headers = [_clean_header(h) for h in header]
    sheet = Sheet(file_format="csv", encoding=encoding, headers=headers)
    try:
        for number, record in enumerate(reader, start=2):
            if number > MAX_LINES:
                raise FileProblem(
                    msg(
                        "the file has more than {MAX_LINES:,} lines (blank lines count); split it",
                        MAX_LINES=MAX_LINES,
                    )
                )
            if not any(cell.strip() for cell in record):
                continue
            if len(sheet.rows) >= MAX_ROWS:
                raise FileProblem(msg("the file has more than {MAX_ROWS} rows; split it", MAX_ROWS=MAX_ROWS))
            values: dict[str, Any] = {headers[i]: record[i] for i in range(min(len(headers), len(record)))}
            if len(record) > len(headers) and any(c.strip() for c in record[len(headers) :]):
                values["__extra__"] = record[len(headers) :]
            sheet.rows.append((number, values))
    except csv.Error as exc:
        raise FileProblem(
            msg(
                "the CSV is malformed at line {line_num}: {value}",
                line_num=reader.line_num,
                value=csv_reason(exc),
            )
        ) from exc
    return sheet


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_xlsx(data: bytes) -> Sheet:
    """The first worksheet, read by the streaming reader with hard limits (see :mod:`.xlsx`)."""
    try:
        workbook = read_workbook(io.BytesIO(data), XlsxLimits(max_rows=MAX_ROWS))
    except XlsxProblem as exc:
        raise FileProblem(str(exc)) from exc
    headers = [_clean_header(h) for h in workbook.headers]
    while headers and not headers[-1]:
        headers.pop()
    sheet = Sheet(file_format="xlsx", encoding=None, headers=headers)
    for number, record in workbook.rows:
        cells = [_cell(v) for v in record]
        values = {headers[i]: cells[i] for i in range(min(len(headers), len(cells))) if headers[i]}
        sheet.rows.append((number, values))
    return sheet


def read_file(filename: str | None, data: bytes) -> Sheet:
    if not data:
        raise FileProblem("the file is empty")
    if detect_format(filename, data) == "xlsx":
        return read_xlsx(data)
    return read_csv(data)


def as_date(value: Any) -> date | None:
    """A date from an XLSX cell or text (2024-03-01, 2024.03.01, 2024/03/01, 20240301)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().rstrip(".")
    for sep in (".", "/"):
        text = text.replace(sep, "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text.split("-")
    if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError("not a date (use YYYY-MM-DD)")
