"""Seoul's 25 boroughs (자치구) by their 5-digit codes."""

from __future__ import annotations

from cg_shared.districts import DISTRICTS
from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg


def ensure_known_borough(sgg_code: str | None, *, field: str) -> None:
    if sgg_code is not None and sgg_code not in DISTRICTS:
        raise Unprocessable(
            msg("unknown borough code {sgg_code}", sgg_code=sgg_code),
            errors=[
                FieldError(
                    field=field,
                    message=msg("{sgg_code} is not one of Seoul's 25 borough codes", sgg_code=sgg_code),
                )
            ],
        )
