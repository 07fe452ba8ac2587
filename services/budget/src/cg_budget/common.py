"""Small helpers every budget domain uses: Seoul dates, ids, borough checks, CSV safety, API types."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Response
from pydantic import AfterValidator, Field, StringConstraints

from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.districts import DISTRICTS, SMG_CODE
from cg_shared.http import FieldError, Unprocessable, etag_for
from cg_shared.i18n import msg

SggCode = Annotated[
    str,
    StringConstraints(pattern=r"^11\d{3}$"),
    Field(description="5-digit borough code (11000 = SMG itself)", examples=["11200"]),
]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2100, description="Fiscal year (= calendar year)", examples=[2027])
]
Krw = Annotated[int, Field(ge=0, le=10**15, description="Integer Korean won", examples=[120_000_000])]
# C0 controls except tab, LF and CR, and DEL: PostgreSQL cannot store NUL in text (it surfaced as a 500),
# and the others only arrive by accident or to attack logs and terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: str) -> str:
    """Refuse control characters; store Hangul precomposed (NFC), as macOS input arrives decomposed."""
    if _CONTROL.search(value):
        raise ValueError("control characters (such as NUL) are not allowed")
    return unicodedata.normalize("NFC", value)


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_clean_text)
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_clean_text)
]
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_clean_text)]
# Query filters (ids) refuse control characters with a 422: a NUL reaching PostgreSQL was a 500.
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


def new_id() -> str:
    return str(uuid.uuid4())


def ensure_known_sgg(sgg_code: str, *, field: str, allow_smg: bool = True) -> None:
    if sgg_code in DISTRICTS or (allow_smg and sgg_code == SMG_CODE):
        return
    raise Unprocessable(
        msg("unknown borough code {sgg_code}", sgg_code=sgg_code),
        errors=[
            FieldError(
                field=field,
                message=msg("{sgg_code} is not a Seoul borough code (or 11000 for SMG)", sgg_code=sgg_code),
            )
        ],
    )


def ensure_officer(principal: Principal, sgg_code: str) -> None:
    """Writes on budget records: a borough officer of that borough, or a city admin."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)


def ensure_admin(principal: Principal) -> None:
    ensure_role(principal, Role.SMG_ADMIN)


# --- CSV ---------------------------------------------------------------------------------------

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Spreadsheet-formula injection guard (OWASP): a text cell starting with = + - @ (or tab / CR) gets a
    leading apostrophe so Excel and LibreOffice show it as text instead of evaluating it.

    Numbers stay numbers: a negative integer written by us is data, not a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with every text cell neutralised; ``None`` becomes an empty cell. UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


# --- routes ------------------------------------------------------------------------------------


class Versioned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def tagged(response: Response, read: V, *, collection: str | None = None) -> V:
    """The answer about a versioned row carries its ETag (for If-Match) and, when ``collection`` names where
    it was created, its Location."""
    response.headers["ETag"] = etag_for(read.version)
    if collection is not None:
        response.headers["Location"] = f"{collection}/{read.id}"
    return read
