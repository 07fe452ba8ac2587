"""From spreadsheet rows to :class:`ProjectCreate`, with an error per offending cell.

Columns are matched by their English names (the export's header, so an export can be re-imported) or
the Korean headings borough spreadsheets use (사업명, 자치구코드, 시비, 구비 …). Values may be Korean too:
a borough name instead of its code, 주민/시민단체/부서 for the origin, 진행/완료 for the status.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cg_registry.domain import POLICY_FIELDS, FundingSource, Origin, ProjectStatus
from cg_registry.imports.parsing import as_date
from cg_registry.projects.schemas import MAX_KRW, ProjectCreate
from cg_shared.auth import Principal
from cg_shared.districts import DISTRICTS
from cg_shared.i18n import msg

AMOUNT_COLUMNS = {
    "smg_grant_krw": FundingSource.SMG_GRANT,
    "borough_krw": FundingSource.BOROUGH,
    "national_krw": FundingSource.NATIONAL,
    "private_krw": FundingSource.PRIVATE,
}

COLUMNS = (
    "code",
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "sgg_code",
    "lead_department",
    "origin",
    "policy_field",
    "target_groups",
    "start_date",
    "end_date",
    "status",
    "partners",
    "plan_item_id",
    "fiscal_year",
    *AMOUNT_COLUMNS,
    "total_krw",
    "version",  # of an existing project (the export's column): the row updates it if still current
)

_ALIASES: dict[str, str] = {
    "사업코드": "code",
    "사업번호": "code",
    "사업명": "title_ko",
    "사업명(국문)": "title_ko",
    "사업명(영문)": "title_en",
    "영문사업명": "title_en",
    "사업개요": "summary_ko",
    "사업내용": "summary_ko",
    "영문개요": "summary_en",
    "자치구코드": "sgg_code",
    "자치구": "sgg_code",
    "시군구코드": "sgg_code",
    "borough": "sgg_code",
    "주관부서": "lead_department",
    "담당부서": "lead_department",
    "발의주체": "origin",
    "사업유형": "origin",
    "정책분야": "policy_field",
    "분야": "policy_field",
    "대상": "target_groups",
    "사업대상": "target_groups",
    "시작일": "start_date",
    "사업시작일": "start_date",
    "종료일": "end_date",
    "사업종료일": "end_date",
    "상태": "status",
    "진행상태": "status",
    "협력기관": "partners",
    "참여기관": "partners",
    "계획항목id": "plan_item_id",
    "회계연도": "fiscal_year",
    "연도": "fiscal_year",
    "시비": "smg_grant_krw",
    "시비보조금": "smg_grant_krw",
    "구비": "borough_krw",
    "국비": "national_krw",
    "민간": "private_krw",
    "민간재원": "private_krw",
    "총사업비": "total_krw",
    "버전": "version",
    "사업비": "total_krw",
}

_ORIGINS = {
    "주민": "resident",
    "시민단체": "civic_group",
    "민간단체": "civic_group",
    "부서": "department",
    "행정": "department",
}
_STATUSES = {
    "계획": "planned",
    "예정": "planned",
    "진행": "active",
    "진행중": "active",
    "완료": "completed",
    "취소": "cancelled",
}
_FIELDS_BY_NAME = {f.name_ko: f.code for f in POLICY_FIELDS.values()}
_BOROUGHS_BY_NAME = {d.name_ko: d.sgg_code for d in DISTRICTS.values()} | {
    d.name_en.lower(): d.sgg_code for d in DISTRICTS.values()
}
_LIST_SPLIT = re.compile(r"[;\n]")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


def canonical_header(header: str) -> str | None:
    key = unicodedata.normalize("NFC", header).strip().lower().replace(" ", "_")
    if key in COLUMNS:
        return key
    return _ALIASES.get(key.replace("_", ""))


def map_headers(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Header in the file → canonical column, and the headers that were not recognised."""
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        if not header:
            continue
        column = canonical_header(header)
        if column is None or column in mapping.values():
            ignored.append(header)
        else:
            mapping[header] = column
    return mapping, ignored


def _text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _amount(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError("amounts are whole won")
        number = int(value)
    else:
        text = str(value).strip().replace(",", "").replace("₩", "").replace("원", "").strip()
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError("not a whole number of won")
        number = int(text)
    if number < 0:
        raise ValueError("must not be negative")
    if number > MAX_KRW:
        raise ValueError("is implausibly large")
    return number


def _partners(value: str) -> list[dict[str, str]]:
    partners = []
    for chunk in _LIST_SPLIT.split(value):
        if not chunk.strip():
            continue
        name, *rest = [part.strip() for part in chunk.split("|")]
        partner = {"name": name}
        if rest and rest[0]:
            partner["kind"] = rest[0]
        if len(rest) > 1 and rest[1]:
            partner["role"] = rest[1]
        partners.append(partner)
    return partners


def _labels(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;,\n]", value) if v.strip()]


class _Cells:
    """One row's cells by canonical column, the fields read from them so far and the errors found."""

    def __init__(self, number: int, raw: dict[str, Any], mapping: dict[str, str]) -> None:
        self.number = number
        self.values: dict[str, Any] = {column: raw.get(header) for header, column in mapping.items()}
        self.data: dict[str, Any] = {}
        self.errors: list[RowError] = []

    def text(self, column: str) -> str:
        return _text(self.values.get(column))

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(row=self.number, field=column, message=message))


_TEXT_COLUMNS = (
    "code",
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "lead_department",
    "plan_item_id",
)


def _read_texts(cells: _Cells) -> None:
    for column in _TEXT_COLUMNS:
        text = cells.text(column)
        if text:
            cells.data[column] = text
    if not cells.data.get("title_ko"):
        cells.fail("title_ko", "a Korean title is required")


def _read_borough(cells: _Cells, principal: Principal) -> None:
    sgg = cells.text("sgg_code")
    if sgg:
        sgg = _BOROUGHS_BY_NAME.get(sgg.lower(), sgg)
        if sgg not in DISTRICTS:
            cells.fail("sgg_code", msg("{sgg} is not one of Seoul's 25 borough codes", sgg=sgg))
        elif not principal.can_act_for(sgg):
            cells.fail("sgg_code", msg("you may not register projects of borough {sgg}", sgg=sgg))
        else:
            cells.data["sgg_code"] = sgg
    elif not principal.can_act_for(None):
        cells.fail("sgg_code", "a borough code is required (city-wide projects are registered by the city)")


def _read_choices(cells: _Cells) -> None:
    for column, table, allowed in (
        ("origin", _ORIGINS, {o.value for o in Origin}),
        ("status", _STATUSES, {s.value for s in ProjectStatus}),
        ("policy_field", _FIELDS_BY_NAME, set(POLICY_FIELDS)),
    ):
        text = cells.text(column)
        if text:
            value = table.get(text, text.lower())
            if value not in allowed:
                cells.fail(
                    column,
                    msg("{text!r} is not one of: {items}", text=text, items=", ".join(sorted(allowed))),
                )
            else:
                cells.data[column] = value


def _read_dates_and_lists(cells: _Cells) -> None:
    for column in ("start_date", "end_date"):
        try:
            parsed = as_date(cells.values.get(column))
        except ValueError as exc:
            cells.fail(column, exc.args[0] if exc.args else str(exc))  # keeps a msg(...) translatable
        else:
            if parsed is not None:
                cells.data[column] = parsed
    targets = cells.text("target_groups")
    if targets:
        cells.data["target_groups"] = _labels(targets)
    partners = cells.text("partners")
    if partners:
        cells.data["partners"] = _partners(partners)


def _read_money(cells: _Cells) -> None:
    """The amount columns become funding lines of the row's fiscal year (or its start date's year)."""
    amounts: dict[str, int] = {}
    for column in (*AMOUNT_COLUMNS, "total_krw"):
        try:
            amount = _amount(cells.values.get(column))
        except ValueError as exc:
            cells.fail(column, exc.args[0] if exc.args else str(exc))  # keeps a msg(...) translatable
        else:
            if amount is not None:
                amounts[column] = amount
    if "total_krw" in amounts:
        cells.data["total_krw"] = amounts.pop("total_krw")
    year_value = cells.values.get("fiscal_year")
    fiscal_year: int | None = None
    if _text(year_value):
        try:
            fiscal_year = int(str(year_value).strip().removesuffix("년"))
        except ValueError:
            cells.fail("fiscal_year", "not a year")
    if amounts:
        if fiscal_year is None and "start_date" in cells.data:
            fiscal_year = cells.data["start_date"].year  # one-year projects rarely fill the column
        if fiscal_year is None:
            cells.fail("fiscal_year", "needed for the amounts (or give start_date)")
        else:
            cells.data["funding_lines"] = [
                {"source": AMOUNT_COLUMNS[column].value, "fiscal_year": fiscal_year, "amount_krw": amount}
                for column, amount in amounts.items()
                if amount > 0
            ]


def build_project(
    number: int, raw: dict[str, Any], mapping: dict[str, str], principal: Principal
) -> tuple[ProjectCreate | None, list[RowError]]:
    cells = _Cells(number, raw, mapping)
    if "__extra__" in raw:
        cells.fail("(row)", "the row has more cells than the header has columns")
    _read_texts(cells)
    _read_borough(cells, principal)
    _read_choices(cells)
    _read_dates_and_lists(cells)
    _read_money(cells)
    if cells.errors:
        return None, cells.errors
    try:
        return ProjectCreate.model_validate(cells.data), []
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            column = loc[0] if loc else "(row)"
            if column == "funding_lines":
                column = "fiscal_year" if "fiscal_year" in loc else "amounts"
            cells.fail(column, str(error.get("msg", "invalid")).removeprefix("Value error, "))
        return None, cells.errors


def row_version(
    number: int, raw: dict[str, Any], mapping: dict[str, str]
) -> tuple[int | None, list[RowError]]:
    """The ``version`` cell of a row (the version of the project it updates), if any."""
    header = next((h for h, column in mapping.items() if column == "version"), None)
    text = _text(raw.get(header)) if header is not None else ""
    if not text:
        return None, []
    # Digits only (spreadsheets may write 3 as "3.0"), and at most 18 of them: no version gets that far,
    # and a longer run of digits is not a version (int() of a 400-digit float overflowed into a 500).
    match = re.fullmatch(r"(\d{1,18})(\.0+)?", text)
    value = int(match.group(1)) if match else None
    if value is None or value < 1:
        return None, [RowError(number, "version", msg("{text!r} is not a version number", text=text))]
    return value, []
