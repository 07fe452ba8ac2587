"""Program budget codes (예산과목, 기능별 분류): account (회계) → field (분야) → sector (부문) → policy program
(정책사업) → unit program (단위사업) → detail program (세부사업) → object code (편성목/통계목).

The 14 fields of local-government functional classification are fixed three-digit codes; a sector code is
three digits whose first two are its field's (e.g. field 080 사회복지 → sector 084 보육·가족및여성). Object
codes are a 편성목 number optionally followed by 통계목 parts (``201``, ``201-01``, ``307-02``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

FIELDS: dict[str, str] = {
    "010": "일반공공행정",
    "020": "공공질서및안전",
    "050": "교육",
    "060": "문화및관광",
    "070": "환경",
    "080": "사회복지",
    "090": "보건",
    "100": "농림해양수산",
    "110": "산업·중소기업및에너지",
    "120": "교통및물류",
    "140": "국토및지역개발",
    "150": "과학기술",
    "160": "예비비",
    "900": "기타",
}

CODE_NAMES = ("account", "field", "sector", "policy_program", "unit_program", "detail_program", "object_code")
PROGRAM_LEVELS = CODE_NAMES[:6]  # everything but the object code identifies a program

_SECTOR = re.compile(r"^\d{3}$")
_OBJECT = re.compile(r"^\d{3}(-\d{2}){0,2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX = {"account": 100, "policy_program": 200, "unit_program": 200, "detail_program": 200}


@dataclass(frozen=True, slots=True)
class CodeIssue:
    code: str  # which of CODE_NAMES
    message: str


def check_codes(codes: Mapping[str, str | None], *, required: tuple[str, ...] = ()) -> list[CodeIssue]:
    """Every problem with a set of program codes (empty list = valid). Blank strings count as missing."""
    issues: list[CodeIssue] = []
    value = {name: (codes.get(name) or "").strip() for name in CODE_NAMES}
    for name in required:
        if not value[name]:
            issues.append(CodeIssue(name, "required"))
    field, sector, obj = value["field"], value["sector"], value["object_code"]
    if field and field not in FIELDS:
        issues.append(CodeIssue("field", f"{field!r} is not one of the 14 field codes ({', '.join(FIELDS)})"))
    if sector:
        if not _SECTOR.match(sector):
            issues.append(CodeIssue("sector", f"{sector!r} is not a three-digit sector code"))
        elif field in FIELDS and sector[:2] != field[:2]:
            issues.append(CodeIssue("sector", f"sector {sector} does not belong to field {field}"))
    if obj and not _OBJECT.match(obj):
        issues.append(CodeIssue("object_code", f"{obj!r} is not an object code like 201 or 201-01"))
    for name, limit in _MAX.items():
        if len(value[name]) > limit:
            issues.append(CodeIssue(name, f"longer than {limit} characters"))
        if _CONTROL.search(value[name]):
            issues.append(CodeIssue(name, "contains control characters"))
    return issues


def normalise(codes: Mapping[str, str | None]) -> dict[str, str]:
    return {name: (codes.get(name) or "").strip() for name in CODE_NAMES}


def program_key(codes: Mapping[str, str | None]) -> str:
    """Stable digest of the seven codes (the unique key of figures; avoids over-long index entries)."""
    joined = "\x1f".join(normalise(codes)[name] for name in CODE_NAMES)
    return hashlib.sha256(joined.encode()).hexdigest()


def matches(request_codes: Mapping[str, str | None], figure_codes: Mapping[str, str | None]) -> bool:
    """Does a figure belong to a request? Every code the request states must be equal; codes the request
    leaves open match anything (figures at object-code level roll up into a program-level request)."""
    req, fig = normalise(request_codes), normalise(figure_codes)
    stated = [name for name in CODE_NAMES if req[name]]
    return bool(stated) and all(req[name] == fig[name] for name in stated)
