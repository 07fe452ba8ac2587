"""Field types shared by the planning API models.

Every string and list is bounded (issue 10). Text goes through the shared field kit's ``CleanText``
(:mod:`cg_shared.fields`): normalised to Unicode NFC so a title typed with decomposed Hangul jamo
compares, searches and deduplicates like the precomposed one, and control characters refused.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from cg_shared.fields import NO_CONTROL_PATTERN, CleanText, SggCodeStr

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
SAFE_QUERY_PATTERN = NO_CONTROL_PATTERN


SggCode = Annotated[SggCodeStr, Field(description="Borough code", examples=["11200"])]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), CleanText]
OptionalTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), CleanText]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), CleanText]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), CleanText]
ProposalTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), CleanText
]
ShortLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), CleanText]
Dong = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), CleanText]
OptionalShort = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), CleanText]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), CleanText]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), CleanText]
RequiredLongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), CleanText
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), CleanText]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), CleanText]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Krw = Annotated[int, Field(ge=0, le=10**13, description="Integer Korean won")]
NameList = Annotated[list[Name], Field(max_length=50)]
