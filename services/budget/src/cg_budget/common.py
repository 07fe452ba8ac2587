"""Small helpers every budget domain uses: officer checks and API types over the shared field kit
(:mod:`cg_shared.fields`; ``new_id`` and ``csv_text`` are re-exported from it and :mod:`cg_shared.csvsafe`)."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Response
from pydantic import Field, StringConstraints

from cg_shared import fields
from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.csvsafe import csv_text as csv_text
from cg_shared.fields import NO_CONTROL_PATTERN, CleanText, SggCodeStr
from cg_shared.fields import new_id as new_id
from cg_shared.http import with_etag

SggCode = Annotated[
    SggCodeStr, Field(description="5-digit borough code (11000 = SMG itself)", examples=["11200"])
]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2100, description="Fiscal year (= calendar year)", examples=[2027])
]
Krw = Annotated[int, Field(ge=0, le=10**15, description="Integer Korean won", examples=[120_000_000])]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), CleanText]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), CleanText]
LongText = Annotated[str, StringConstraints(max_length=4000), CleanText]
NO_CONTROL = NO_CONTROL_PATTERN  # query filters (ids) refuse control characters with a 422


def ensure_known_sgg(sgg_code: str, *, field: str, allow_smg: bool = True) -> None:
    """The shared borough check; a budget record may belong to SMG itself (11000) unless told otherwise."""
    fields.ensure_known_sgg(sgg_code, field=field, allow_smg=allow_smg)


def ensure_officer(principal: Principal, sgg_code: str) -> None:
    """Writes on budget records: a borough officer of that borough, or a city admin."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)


def ensure_admin(principal: Principal) -> None:
    ensure_role(principal, Role.SMG_ADMIN)


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
    with_etag(response, read)
    if collection is not None:
        response.headers["Location"] = f"{collection}/{read.id}"
    return read
