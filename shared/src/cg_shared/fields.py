"""The field kit every service's API models use: text hygiene, borough codes, ids.

Text: control characters (C0 except tab, LF and CR, and DEL) are refused — PostgreSQL cannot store NUL
in text (it surfaced as a 500), and the others only arrive by accident or to attack logs and terminals —
and Hangul typed as decomposed jamo (NFD, as some macOS input sends) is stored precomposed (NFC), so the
same name is stored, compared, searched and deduplicated alike. Each service states its own lengths
(``Annotated[str, StringConstraints(...), CleanText]``): they are part of its published API.

Borough codes: ``^11\\d{3}$`` in the schema, and :func:`ensure_known_sgg` for the 25 real ones (and
11000, the city itself, where a record may belong to SMG).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from cg_shared.districts import DISTRICTS, SMG_CODE
from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Query and path filters (ids, free text) refuse every C0 control with a 422: a NUL reaching
# PostgreSQL was a 500.
NO_CONTROL_PATTERN = r"^[^\x00-\x1f\x7f]*$"
SGG_CODE_PATTERN = r"^11\d{3}$"


def refuse_control(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError("control characters (such as NUL) are not allowed")
    return value


def clean_text(value: str) -> str:
    """Refuse control characters; store Hangul precomposed (NFC)."""
    return unicodedata.normalize("NFC", refuse_control(value))


NoControl = AfterValidator(refuse_control)  # ids and codes: refused, otherwise kept as sent
CleanText = AfterValidator(clean_text)  # names and prose: refused, and composed to NFC

# The pattern only; each service adds its own Field(description=..., examples=...).
SggCodeStr = Annotated[str, StringConstraints(pattern=SGG_CODE_PATTERN)]


def new_id() -> str:
    """A row id: a random UUID as text (the id columns are String(36))."""
    return str(uuid.uuid4())


def ensure_known_sgg(sgg_code: str, *, field: str, allow_smg: bool = False) -> None:
    """422 naming ``field`` unless the code is one of Seoul's 25 boroughs (or 11000 with ``allow_smg``)."""
    if sgg_code in DISTRICTS or (allow_smg and sgg_code == SMG_CODE):
        return
    message = (
        msg("{sgg_code} is not a Seoul borough code (or 11000 for SMG)", sgg_code=sgg_code)
        if allow_smg
        else msg("{sgg_code} is not one of Seoul's 25 borough codes", sgg_code=sgg_code)
    )
    raise Unprocessable(
        msg("unknown borough code {sgg_code}", sgg_code=sgg_code),
        errors=[FieldError(field=field, message=message)],
    )
