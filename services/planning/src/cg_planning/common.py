"""Small helpers every planning use case shares: ids, officer checks, cursors, the ETag of a response."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from fastapi import Response

from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.districts import DISTRICTS
from cg_shared.http import FieldError, PageParams, Unprocessable, etag_for
from cg_shared.i18n import msg


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


def with_etag(response: Response, read: V) -> V:
    """``read``, with its version as the response's ETag (what If-Match is checked against)."""
    response.headers["ETag"] = etag_for(read.version)
    return read


def new_id() -> str:
    return str(uuid.uuid4())


def ensure_officer(principal: Principal, sgg_code: str) -> None:
    """Writes on plans, items, deliberations and screening: the borough's officers (or the city)."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)


def ensure_known_borough(sgg_code: str, *, field: str) -> None:
    if sgg_code not in DISTRICTS:
        raise Unprocessable(
            msg("unknown borough code {sgg_code}", sgg_code=sgg_code),
            errors=[
                FieldError(
                    field=field,
                    message=msg("{sgg_code} is not one of Seoul's 25 borough codes", sgg_code=sgg_code),
                )
            ],
        )


def cursor_after(page: PageParams, *kinds: type) -> tuple[Any, ...] | None:
    """The typed keyset values of ``page.cursor`` (None on the first page); 422 when it was tampered with."""
    if not page.cursor:
        return None
    values = page.cursor
    try:
        if len(values) != len(kinds):
            raise ValueError("wrong length")
        out: list[Any] = []
        for kind, raw in zip(kinds, values, strict=True):
            if kind is datetime:
                out.append(datetime.fromisoformat(str(raw)))
            elif kind is date:
                out.append(date.fromisoformat(str(raw)))
            elif kind is int:
                out.append(int(raw))
            else:
                out.append(str(raw))
    except (ValueError, TypeError) as exc:
        raise Unprocessable(
            "cursor is not valid", errors=[FieldError(field="query.cursor", message="malformed cursor")]
        ) from exc
    return tuple(out)
