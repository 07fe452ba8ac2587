"""Field types shared by the planning API models.

Every string and list is bounded (issue 10). Text is normalised to Unicode NFC so a title typed with
decomposed Hangul jamo (NFD, as some macOS inputs send) compares, searches and deduplicates like the
precomposed one, and control characters are refused: PostgreSQL cannot store NUL, and the others only
ever arrive by accident or attack.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
SAFE_QUERY_PATTERN = r"^[^\x00-\x1f\x7f]*$"


def _clean(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return unicodedata.normalize("NFC", value)


SggCode = Annotated[
    str, StringConstraints(pattern=r"^11\d{3}$"), Field(description="Borough code", examples=["11200"])
]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_clean)
]
OptionalTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_clean)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_clean)
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_clean)
]
ProposalTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_clean)
]
ShortLine = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_clean)
]
Dong = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(_clean)
]
OptionalShort = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_clean)
]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), AfterValidator(_clean)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(_clean)]
RequiredLongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), AfterValidator(_clean)
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(_clean)
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(_clean)
]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Krw = Annotated[int, Field(ge=0, le=10**13, description="Integer Korean won")]
NameList = Annotated[list[Name], Field(max_length=50)]
