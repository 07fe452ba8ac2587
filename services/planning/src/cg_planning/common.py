"""Small helpers every planning use case shares: ids, officer checks, cursors, the ETag of a response."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.fields import ensure_known_sgg
from cg_shared.fields import new_id as new_id
from cg_shared.http import FieldError, PageParams, Unprocessable
from cg_shared.http import with_etag as with_etag


def ensure_officer(principal: Principal, sgg_code: str) -> None:
    """Writes on plans, items, deliberations and screening: the borough's officers (or the city)."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)


# The shared borough check (Seoul's 25 boroughs) under the name the planning use cases know.
ensure_known_borough = ensure_known_sgg


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
