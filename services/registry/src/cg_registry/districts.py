"""Seoul's 25 boroughs (자치구) by their 5-digit codes."""

from __future__ import annotations

from cg_shared.districts import DISTRICTS
from cg_shared.http import FieldError, Unprocessable


def ensure_known_borough(sgg_code: str | None, *, field: str) -> None:
    if sgg_code is not None and sgg_code not in DISTRICTS:
        raise Unprocessable(
            f"unknown borough code {sgg_code}",
            errors=[FieldError(field=field, message=f"{sgg_code} is not one of Seoul's 25 borough codes")],
        )
