"""Hostile upload files, built in memory (nothing large is committed).

Each is a small download that asks a naive reader for a lot of work: the XLSX cases are the ones issue
20 measured freezing the registry for over a minute (a header and one row of 4,000,000 inline-string
cells; 11.2 million tiny shared strings; 2.8 million blank rows), plus a cell pointing past the
shared-strings table, a workbook whose zip headers under-declare the sizes, and CSVs with a field over
the csv module's 131,072-character limit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="사업" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_CLOSE = "</sheetData></worksheet>"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>title_ko</t></is></c></row>'


def _workbook(sheet: Iterable[str], shared: Iterable[str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for piece in sheet:
                part.write(piece.encode())
        with archive.open("xl/sharedStrings.xml", "w") as part:
            for piece in shared if shared is not None else _sst(["<si><t>title_ko</t></si>"]):
                part.write(piece.encode())
    return buffer.getvalue()


def _sst(strings: Iterable[str], count: int | None = None) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        + (f' count="{count}" uniqueCount="{count}"' if count else "")
        + ">"
    )
    yield from strings
    yield "</sst>"


def _batched(template: str, n: int, batch: int = 20_000) -> Iterator[str]:
    for start in range(0, n, batch):
        yield template * min(batch, n - start)


def wide_row_xlsx(cells: int = 4_000_000) -> bytes:
    """A header and one row of ``cells`` inline-string cells (no cell references)."""

    def sheet() -> Iterator[str]:
        yield SHEET_OPEN + HEADER_ROW + '<row r="2">'
        yield from _batched('<c t="inlineStr"><is><t>x</t></is></c>', cells)
        yield "</row>" + SHEET_CLOSE

    return _workbook(sheet())


def many_shared_strings_xlsx(strings: int = 11_200_000, *, declared: bool = True) -> bytes:
    """A shared-strings table of ``strings`` one-character entries (its size declared, or not)."""

    def shared() -> Iterator[str]:
        yield from _sst(_batched("<si><t>x</t></si>", strings), count=strings if declared else None)

    return _workbook([SHEET_OPEN, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', SHEET_CLOSE], shared())


def blank_rows_xlsx(rows: int = 2_800_000) -> bytes:
    """A header and ``rows`` empty rows (the import's row limit only counts rows with a value)."""

    def sheet() -> Iterator[str]:
        yield SHEET_OPEN + HEADER_ROW
        yield from _batched("<row/>", rows)
        yield SHEET_CLOSE

    return _workbook(sheet())


def far_row_xlsx() -> bytes:
    """One data row numbered 1,048,576: readers that fill the gap produce a million empty rows."""
    row = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>사업</t></is></c></row>'
    return _workbook([SHEET_OPEN, HEADER_ROW, row, SHEET_CLOSE])


def shared_string_past_table_xlsx() -> bytes:
    """A data cell pointing at shared string 999 of a one-entry table."""
    row = '<row r="2"><c r="A2" t="s"><v>999</v></c></row>'
    return _workbook([SHEET_OPEN, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', row, SHEET_CLOSE])


def entity_bomb_xlsx() -> bytes:
    """Billion laughs in the shared-strings part."""
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;</t></si></sst>'
    )
    return _workbook([SHEET_OPEN, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', SHEET_CLOSE], [bomb])


def long_csv_header(chars: int = 140_000) -> bytes:
    return f"title_ko,{'가' * chars}\n사업,1\n".encode()


def long_csv_field(header: str, row_prefix: str, chars: int = 140_000) -> bytes:
    return f'{header}\n{row_prefix}"{"가" * chars}"\n'.encode()


def blank_lines_csv(lines: int = 2_000_000) -> bytes:
    return b"title_ko,sgg_code\n" + b"\n" * lines
