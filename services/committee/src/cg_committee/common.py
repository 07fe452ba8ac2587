"""Helpers every committee domain uses: Seoul dates, ids, access rules, API field types, paging."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.fields import CleanText, SggCodeStr
from cg_shared.http import Conflict, FieldError, Unprocessable
from cg_shared.i18n import msg

WRITER_ROLES = (Role.COMMITTEE_SECRETARY, Role.BOROUGH_OFFICER)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), CleanText]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), CleanText]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), CleanText]
OrgName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), CleanText]
LongText = Annotated[str, StringConstraints(max_length=20_000), CleanText]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Field(examples=["kim.minji@example.kr"]),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9][0-9 \-()]{5,38}$"),
    Field(examples=["02-2286-5114"]),
]
SggCode = Annotated[SggCodeStr, Field(description="5-digit borough code", examples=["11200"])]
Organisations = Annotated[
    list[OrgName],
    Field(max_length=50, description="Organisation names (used for conflict-of-interest recusal)"),
]


def _sane_date(value: date) -> date:
    if not date(1990, 1, 1) <= value <= date(2200, 12, 31):
        raise ValueError("date must be between 1990-01-01 and 2200-12-31")
    return value


# Dates far outside any plausible term are refused rather than stored (or overflowing date arithmetic).
SaneDate = Annotated[date, AfterValidator(_sane_date)]
# A reference to one of our rows in a body: ids are UUID strings, but a bad one must be a 404/422,
# never a database error (PostgreSQL refuses NUL bytes in text).
RefId = Annotated[str, StringConstraints(min_length=1, max_length=36), CleanText]


def _sane_moment(value: datetime) -> datetime:
    if not 1990 <= value.year <= 2200:
        raise ValueError("timestamp must be between 1990 and 2200")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment), Field(examples=["2027-03-12T14:00:00+09:00"])]
MemberId = RefId  # any row reference in a body (member, motion, agenda item …)


def ensure_writer(principal: Principal, sgg_code: str) -> None:
    """Committee records are written by that borough's secretariat or officers (city admins anywhere)."""
    ensure_role(principal, *WRITER_ROLES)
    ensure_borough(principal, sgg_code)


def is_secretariat(principal: Principal | None, sgg_code: str) -> bool:
    """Who may see contact data and unpublished records of a borough's committee."""
    if principal is None:
        return False
    if principal.is_admin:
        return True
    return principal.role in WRITER_ROLES and principal.sgg_code == sgg_code


def rule_conflict(rule: str, detail: str, **extra: Any) -> Conflict:
    """409 naming the broken rule both in the problem type and in a ``rule`` member."""
    return Conflict(detail, slug=f"rules/{rule}", extra={"rule": rule, **extra})


def unprocessable(field: str, message: str) -> Unprocessable:
    return Unprocessable(
        msg("{field}: {message}", field=field, message=message),
        errors=[FieldError(field=field, message=message)],
    )
