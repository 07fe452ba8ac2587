"""A streaming XLSX reader with hard limits, for files nobody vetted.

openpyxl trusts the workbook: it loads the whole shared-strings table, pads every row to the sheet's
declared width and yields every blank row (and every row "missing" before a high row number). A 444 KB
file of one row with 4,000,000 inline cells, a shared-strings table of 11 million entries or 2.8 million
blank rows each kept it busy for over a minute and gigabytes of memory. This reader pulls the XML
parts through a zip stream and counts as it goes — decompressed bytes, rows (blank ones included),
columns, cells, shared strings, characters per cell — and stops at the first limit passed, so the
work a file can cause is bounded by the limits, not by the file.

Values are returned as a spreadsheet shows them: numbers (int when integral), text, booleans, and
``datetime`` for numbers formatted as dates (the workbook's styles decide, as in Excel).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser
from xml.parsers import expat

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CHUNK = 64 * 1024
# Built-in number formats that show a date or time (incl. the CJK locale ones Korean Excel uses).
DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")


class XlsxProblem(Exception):
    """The workbook cannot be read or passes a limit; the message says which, for the uploader."""


@dataclass(frozen=True)
class XlsxLimits:
    max_rows: int = 20_000  # rows with a value (the import's own limit)
    max_sheet_rows: int = 100_000  # <row> elements, blank ones included, and the highest row number
    max_columns: int = 256
    max_cells: int = 500_000
    max_shared_strings: int = 200_000  # ≥ the distinct texts of 20,000 rows of ten text columns
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_part_bytes: int = 64 * 1024 * 1024  # one XML part, decompressed
    max_total_bytes: int = 128 * 1024 * 1024  # all parts read, decompressed


@dataclass
class XlsxSheet:
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values by column)


class _Budget:
    def __init__(self, limits: XlsxLimits) -> None:
        self.limits = limits
        self.total = 0


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _events(archive: zipfile.ZipFile, name: str, budget: _Budget) -> Iterator[tuple[str, Element]]:
    """(event, element) of one part, read in chunks; refuses DTDs and more bytes than the limits allow."""
    try:
        stream: IO[bytes] = archive.open(name)
    except KeyError as exc:
        raise XlsxProblem(f"the workbook has no part {name}") from exc
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    size = 0
    tail = b""
    with stream:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise XlsxProblem(f"the workbook is damaged ({name}: {exc})") from exc
            if not chunk:
                break
            size += len(chunk)
            budget.total += len(chunk)
            if size > budget.limits.max_part_bytes:
                raise XlsxProblem(
                    f"{name} expands to more than {budget.limits.max_part_bytes // (1024 * 1024)} MB"
                )
            if budget.total > budget.limits.max_total_bytes:
                raise XlsxProblem(
                    f"the workbook expands to more than {budget.limits.max_total_bytes // (1024 * 1024)} MB"
                )
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise XlsxProblem(f"{name} declares a DTD; spreadsheets do not")
            tail = chunk[-16:]
            try:
                parser.feed(chunk)
                yield from parser.read_events()  # type: ignore[misc]
            except ParseError as exc:
                raise XlsxProblem(f"the workbook is damaged ({name}: {exc})") from exc
        try:
            parser.close()
            yield from parser.read_events()  # type: ignore[misc]
        except ParseError as exc:
            raise XlsxProblem(f"the workbook is damaged ({name}: {exc})") from exc


def _rels(archive: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target path inside the zip) of ``part``."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in archive.namelist():
        return {}
    found: dict[str, tuple[str, str]] = {}
    for event, element in _events(archive, rels_name, budget):
        if event == "end" and element.tag == PKG_REL + "Relationship":
            target = element.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found[element.get("Id", "")] = (element.get("Type", ""), path)
            if len(found) > 1000:
                raise XlsxProblem("the workbook has more than 1000 relationships")
    return found


def _expat(
    archive: zipfile.ZipFile,
    name: str,
    budget: _Budget,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    data: Callable[[str], None],
) -> None:
    """Drive expat's callbacks over one part (no element objects: the big parts stream at C speed).
    A DTD or entity declaration is refused outright; a callback raising stops the parse."""
    try:
        stream: IO[bytes] = archive.open(name)
    except KeyError as exc:
        raise XlsxProblem(f"the workbook has no part {name}") from exc
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data

    def refuse(*_: Any) -> None:
        raise XlsxProblem(f"{name} declares a DTD; spreadsheets do not")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    size = 0
    with stream:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise XlsxProblem(f"the workbook is damaged ({name}: {exc})") from exc
            size += len(chunk)
            budget.total += len(chunk)
            if size > budget.limits.max_part_bytes:
                raise XlsxProblem(f"{name} expands to more than {budget.limits.max_part_bytes // 2**20} MB")
            if budget.total > budget.limits.max_total_bytes:
                raise XlsxProblem(
                    f"the workbook expands to more than {budget.limits.max_total_bytes // 2**20} MB"
                )
            try:
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as exc:
                raise XlsxProblem(f"the workbook is damaged ({name}: {exc})") from exc
            if not chunk:
                return


_SI, _T, _R, _RPH, _IS, _V = (MAIN[1:-1] + " " + n for n in ("si", "t", "r", "rPh", "is", "v"))
_ROW, _C, _SST = MAIN[1:-1] + " row", MAIN[1:-1] + " c", MAIN[1:-1] + " sst"


def _shared_strings(archive: zipfile.ZipFile, name: str | None, budget: _Budget) -> list[str]:
    if name is None or name not in archive.namelist():
        return []
    limits = budget.limits
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0, "chars": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == _SI:
            parts.clear()
            state["chars"] = 0
            if len(strings) >= limits.max_shared_strings:
                raise XlsxProblem(f"the workbook has more than {limits.max_shared_strings:,} shared strings")
        elif tag == _T:
            state["text"] = True
        elif tag == _RPH:
            state["phonetic"] += 1
        elif tag == _SST:
            # The declared size, when given, refuses a huge table before reading it.
            declared = attrs.get("uniqueCount") or attrs.get("count") or "0"
            if declared.isdigit() and int(declared) > limits.max_shared_strings:
                raise XlsxProblem(f"the workbook has more than {limits.max_shared_strings:,} shared strings")

    def end(tag: str) -> None:
        if tag == _SI:
            strings.append("".join(parts))
        elif tag == _T:
            state["text"] = False
        elif tag == _RPH:
            state["phonetic"] -= 1

    def data(text: str) -> None:
        if state["text"] and not state["phonetic"]:
            state["chars"] += len(text)
            if state["chars"] > limits.max_cell_chars:
                raise XlsxProblem(f"a shared string is longer than {limits.max_cell_chars:,} characters")
            parts.append(text)

    _expat(archive, name, budget, start, end, data)
    return strings


def _date_styles(archive: zipfile.ZipFile, name: str | None, budget: _Budget) -> list[bool]:
    """For each cell style index: does it show numbers as dates?"""
    if name is None or name not in archive.namelist():
        return []
    custom: dict[int, bool] = {}
    styles: list[bool] = []
    in_cell_xfs = False
    for event, element in _events(archive, name, budget):
        if element.tag == MAIN + "cellXfs":
            in_cell_xfs = event == "start"
        elif event == "end" and element.tag == MAIN + "numFmt":
            code = _NOT_DATE_PARTS.sub("", element.get("formatCode", "")).lower()
            custom[int(element.get("numFmtId", "0") or 0)] = any(ch in code for ch in "dmyhs") and (
                code != "general"
            )
        elif event == "end" and in_cell_xfs and element.tag == MAIN + "xf":
            fmt = int(element.get("numFmtId", "0") or 0)
            styles.append(custom.get(fmt, fmt in DATE_FORMAT_IDS))
            if len(styles) > 65_000:
                raise XlsxProblem("the workbook has more than 65,000 cell styles")
    return styles


def _number(text: str, is_date: bool, epoch: datetime) -> Any:
    try:
        value = float(text)
    except ValueError as exc:
        raise XlsxProblem(f"a numeric cell holds {text[:40]!r}") from exc
    if is_date:
        try:
            return from_excel(value, epoch)
        except (ValueError, OverflowError):
            return value
    if value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def read_workbook(file: IO[bytes], limits: XlsxLimits | None = None) -> XlsxSheet:
    """The first worksheet: its first row as the header and the rows with a value after it."""
    limits = limits or XlsxLimits()
    budget = _Budget(limits)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxProblem(f"the workbook cannot be read: {type(exc).__name__}") from exc
    with archive:
        if len(archive.infolist()) > 10_000:
            raise XlsxProblem("the workbook has more than 10,000 parts")
        workbook = "xl/workbook.xml"
        for rel_type, target in _rels(archive, "", budget).values():
            if rel_type.endswith("/officeDocument"):
                workbook = target
        first_sheet: str | None = None
        epoch = CALENDAR_WINDOWS_1900
        for event, element in _events(archive, workbook, budget):
            if event != "end":
                continue
            if element.tag == MAIN + "workbookPr" and element.get("date1904") in {"1", "true"}:
                epoch = CALENDAR_MAC_1904
            elif element.tag == MAIN + "sheet" and first_sheet is None:
                first_sheet = element.get(DOC_REL + "id")
        rels = _rels(archive, workbook, budget)
        if first_sheet is None or first_sheet not in rels:
            raise XlsxProblem("the workbook has no worksheet")
        sheet_part = rels[first_sheet][1]
        by_type = {t.rsplit("/", 1)[-1]: path for t, path in rels.values()}
        shared = _shared_strings(archive, by_type.get("sharedStrings"), budget)
        date_styles = _date_styles(archive, by_type.get("styles"), budget)
        return _read_sheet(archive, sheet_part, shared, date_styles, epoch, budget)


class _SheetReader:
    """expat callbacks collecting the first row as the header and the rows with a value after it."""

    def __init__(self, shared: list[str], date_styles: list[bool], epoch: datetime, limits: XlsxLimits):
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.limits = limits
        self.header: list[Any] | None = None
        self.rows: list[tuple[int, list[Any]]] = []
        self.sheet_rows = 0
        self.cells_kept = 0
        self.row_number = 0
        self.row_values: dict[int, Any] = {}
        self.cells_in_row = 0
        self.cell: dict[str, str] = {}
        self.capture = False
        self.phonetic = 0
        self.parts: list[str] = []
        self.chars = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        limits = self.limits
        if tag == _C:
            self.cells_in_row += 1
            if self.cells_in_row > limits.max_columns:
                raise XlsxProblem(f"row {self.row_number} has more than {limits.max_columns} columns")
            self.cell = attrs
            self.parts = []
            self.chars = 0
        elif tag == _V or (tag == _T and self.cell):
            self.capture = True
        elif tag == _RPH:
            self.phonetic += 1
        elif tag == _ROW:
            self.sheet_rows += 1
            if self.sheet_rows > limits.max_sheet_rows:
                raise XlsxProblem(
                    f"the worksheet has more than {limits.max_sheet_rows:,} rows (blank rows count)"
                )
            given = attrs.get("r")
            self.row_number = int(given) if given and given.isdigit() else self.row_number + 1
            if self.row_number > limits.max_sheet_rows:
                raise XlsxProblem(f"the worksheet has a row numbered above {limits.max_sheet_rows:,}")
            self.row_values = {}
            self.cells_in_row = 0

    def data(self, text: str) -> None:
        if self.capture and not self.phonetic:
            self.chars += len(text)
            if self.chars > self.limits.max_cell_chars:
                where = self.cell.get("r") or f"row {self.row_number}"
                raise XlsxProblem(f"cell {where} is longer than {self.limits.max_cell_chars:,} characters")
            self.parts.append(text)

    def end(self, tag: str) -> None:
        if tag in (_V, _T):
            self.capture = False
        elif tag == _RPH:
            self.phonetic -= 1
        elif tag == _C:
            self._end_cell()
        elif tag == _ROW:
            row_values = self.row_values
            values = [row_values.get(i) for i in range(max(row_values) + 1)] if row_values else []
            if self.header is None:
                self.header = values
            elif values:
                if len(self.rows) >= self.limits.max_rows:
                    raise XlsxProblem(f"the workbook has more than {self.limits.max_rows} rows; split it")
                self.rows.append((self.row_number, values))

    def _end_cell(self) -> None:
        attrs, self.cell = self.cell, {}
        ref = attrs.get("r", "")
        match = _CELL_REF.match(ref)
        column = _column_index(match.group(1)) if match else self.cells_in_row - 1
        if column >= self.limits.max_columns:
            raise XlsxProblem(f"row {self.row_number} has more than {self.limits.max_columns} columns")
        value = self._value(attrs, "".join(self.parts), ref or f"row {self.row_number}")
        if value is not None and not (isinstance(value, str) and not value.strip()):
            self.row_values[column] = value
            self.cells_kept += 1
            if self.cells_kept > self.limits.max_cells:
                raise XlsxProblem(f"the worksheet has more than {self.limits.max_cells:,} cells with a value")

    def _value(self, attrs: dict[str, str], raw: str, where: str) -> Any:
        kind = attrs.get("t", "n")
        if kind == "inlineStr":
            return raw
        if not raw:
            return None
        if kind == "s":
            try:
                index = int(raw)
            except ValueError as exc:
                raise XlsxProblem(f"cell {where} names shared string {raw[:20]!r}") from exc
            if not 0 <= index < len(self.shared):
                raise XlsxProblem(
                    f"cell {where} points to shared string {index}, past the table of {len(self.shared)}"
                )
            return self.shared[index]
        if kind in {"str", "e"}:
            return raw
        if kind == "b":
            return raw.strip() in {"1", "true"}
        if kind == "d":
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError as exc:
                raise XlsxProblem(f"cell {where} holds an invalid date {raw[:40]!r}") from exc
        style = attrs.get("s")
        styles = self.date_styles
        is_date = bool(style and style.isdigit() and int(style) < len(styles) and styles[int(style)])
        return _number(raw, is_date, self.epoch)


def _read_sheet(
    archive: zipfile.ZipFile,
    name: str,
    shared: list[str],
    date_styles: list[bool],
    epoch: datetime,
    budget: _Budget,
) -> XlsxSheet:
    reader = _SheetReader(shared, date_styles, epoch, budget.limits)
    _expat(archive, name, budget, reader.start, reader.end, reader.data)
    if reader.header is None:
        raise XlsxProblem("the first worksheet is empty")
    return XlsxSheet(headers=reader.header, rows=reader.rows)
