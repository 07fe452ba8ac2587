"""The SMG CG grant formula: base + population x per-resident amount + bonus for the plan's grade.

DOMAIN: the city grades each borough's plan (가/나/다) and grade 가 earned up to ₩1.1 billion for the next
year; city funding is optional and was cut sharply in FY2022, so every parameter is configurable and the
result is only ever a proposal an admin applies to the envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cg_shared.i18n import msg

GRADES = ("가", "나", "다")


@dataclass(frozen=True, slots=True)
class GrantFormula:
    base_krw: int
    per_resident_krw: int
    grade_bonus_krw: Mapping[str, int]

    def __post_init__(self) -> None:
        if self.base_krw < 0 or self.per_resident_krw < 0:
            raise ValueError("formula amounts must be non-negative")
        unknown = [g for g in self.grade_bonus_krw if g not in GRADES]
        if unknown:
            raise ValueError(msg("unknown grades {unknown}; grades are 가, 나, 다", unknown=unknown))
        if any(v < 0 for v in self.grade_bonus_krw.values()):
            raise ValueError("grade bonuses must be non-negative")


@dataclass(frozen=True, slots=True)
class GrantBreakdown:
    sgg_code: str
    population: int
    grade: str | None
    base_krw: int
    population_krw: int
    grade_bonus_krw: int
    total_krw: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute_grant(
    formula: GrantFormula, *, sgg_code: str, population: int, grade: str | None
) -> GrantBreakdown:
    """Integer won throughout; an unknown or missing grade earns no bonus."""
    if grade is not None and grade not in GRADES:
        raise ValueError(msg("unknown grade {grade!r}; grades are 가, 나, 다", grade=grade))
    population_krw = population * formula.per_resident_krw
    bonus = formula.grade_bonus_krw.get(grade, 0) if grade else 0
    return GrantBreakdown(
        sgg_code=sgg_code,
        population=population,
        grade=grade,
        base_krw=formula.base_krw,
        population_krw=population_krw,
        grade_bonus_krw=bonus,
        total_krw=formula.base_krw + population_krw + bonus,
    )
