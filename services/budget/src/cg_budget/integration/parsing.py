"""Reading an import of program figures: CSV or JSON rows, then the row checks (codes down to the
detail program, a whole non-negative amount of won, each code once in a replace import)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from cg_budget.budget_requests import program_codes as pc
from cg_budget.integration.schemas import ImportJson, ImportMode, ImportRow
from cg_shared.csvsafe import SafeDictReader
from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg

REQUIRED_CODES = pc.PROGRAM_LEVELS  # a figure must name its program down to the detail program
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)$")
CSV_COLUMNS = (*pc.CODE_NAMES, "name", "amount_krw")


@dataclass(frozen=True, slots=True)
class ValidRow:
    number: int
    codes: dict[str, str]
    name: str
    amount: int

    @property
    def key(self) -> str:
        return pc.program_key(self.codes)


def parse_csv(text: str) -> tuple[list[ImportRow], list[FieldError]]:
    """CSV with a header naming the columns (order free): the seven codes, optional name, amount_krw.

    Returns the rows and the structural errors (a row with more or fewer cells than the header is reported
    against its number and never applied — a quoted ``"1,000"`` amount is fine, an unquoted one is not)."""
    reader = SafeDictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in (*REQUIRED_CODES, "amount_krw") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        message = "; ".join(
            part
            for part in (
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unknown columns: {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        raise Unprocessable(
            msg("bad CSV header: {message}", message=message),
            errors=[FieldError(field="row 0: header", message=message)],
        )
    rows: list[ImportRow] = []
    errors: list[FieldError] = []
    for number, raw in enumerate(reader, start=1):
        if None in raw or any(v is None for v in raw.values()):
            errors.append(
                FieldError(
                    field=f"row {number}: row",
                    message=msg("{count} cells expected (quote values containing commas)", count=len(header)),
                )
            )
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        rows.append(ImportRow(**{k: v for k, v in values.items() if k in CSV_COLUMNS}))
    return rows, errors


def parse_json(text: str) -> list[ImportRow]:
    try:
        doc = json.loads(text)
        if isinstance(doc, list):
            doc = {"rows": doc}
        return ImportJson.model_validate(doc).rows
    except ValidationError as exc:
        errors = []
        for e in exc.errors()[:200]:
            loc = list(e["loc"])
            if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
                field = f"row {loc[1] + 1}: {'.'.join(str(p) for p in loc[2:]) or 'row'}"
            else:
                field = "body." + ".".join(str(p) for p in loc)
            errors.append(FieldError(field=field, message=e["msg"]))
        raise Unprocessable("the import is not valid JSON of rows", errors=errors) from exc
    except ValueError as exc:
        raise Unprocessable(
            "the body is not JSON", errors=[FieldError(field="body", message=str(exc))]
        ) from exc


def validate_rows(
    rows: Sequence[ImportRow], *, mode: ImportMode, parse_errors: Sequence[FieldError] = ()
) -> tuple[list[ValidRow], list[FieldError]]:
    """Row-level checks; rows are numbered from 1 (the first data row). Rows with a structural
    ``parse_errors`` entry are reported as such and never applied."""
    valid: list[ValidRow] = []
    errors: list[FieldError] = list(parse_errors)
    broken = {e.field.split(":", 1)[0] for e in parse_errors}
    first_seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if f"row {number}" in broken:
            continue
        codes = pc.normalise(row.model_dump())
        row_errors = [
            FieldError(field=f"row {number}: {i.code}", message=i.message)
            for i in pc.check_codes(codes, required=REQUIRED_CODES)
        ]
        amount: int | None = None
        raw = row.amount_krw
        if isinstance(raw, int) and not isinstance(raw, bool):
            amount = raw
        elif isinstance(raw, str) and _AMOUNT.match(raw.strip()):
            amount = int(raw.strip().replace(",", ""))
        if amount is None or amount < 0:
            row_errors.append(
                FieldError(
                    field=f"row {number}: amount_krw",
                    message=msg("not a non-negative integer of won: {raw!r}", raw=raw),
                )
            )
        elif amount > 10**15:
            row_errors.append(FieldError(field=f"row {number}: amount_krw", message="implausibly large"))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert amount is not None
        candidate = ValidRow(number=number, codes=codes, name=(row.name or "").strip(), amount=amount)
        if mode is ImportMode.REPLACE and candidate.key in first_seen:
            errors.append(
                FieldError(
                    field=f"row {number}: program code",
                    message=msg(
                        "same codes as row {value}; a replace import states each code once",
                        value=first_seen[candidate.key],
                    ),
                )
            )
            continue
        first_seen.setdefault(candidate.key, number)
        valid.append(candidate)
    return valid, errors


def row_order(error: FieldError) -> tuple[int, str]:
    head = error.field.split(":", 1)[0]
    number = head[4:] if head.startswith("row ") else ""
    return (int(number) if number.isdigit() else 0, error.field)
