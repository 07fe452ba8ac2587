"""What every service's ``GET /v1/boroughs`` shares: the 25 boroughs in code order, shares, grouped rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from cg_shared.districts import DISTRICTS, District


class BoroughName(BaseModel):
    sgg_code: str = Field(description="Statistics Korea borough code (11110 … 11740)")
    name_ko: str
    name_en: str


def share(part: int, whole: int) -> float:
    """``part / whole`` to three places; 0.0 when there is nothing to divide."""
    return round(part / whole, 3) if whole else 0.0


def boroughs() -> Iterator[District]:
    """The 25 boroughs in code order (SMG's 11000 is not a borough and has no row)."""
    for _, district in sorted(DISTRICTS.items()):
        yield district


class Grouped:
    """Rows of a ``GROUP BY sgg_code`` query (code first, then counts/sums) by borough; absent → zeros."""

    def __init__(self, rows: Iterable[Any], width: int) -> None:
        self.width = width
        self.by_code: dict[str, list[int]] = {}
        for row in rows:
            values = tuple(row)
            self.by_code[str(values[0])] = [int(v or 0) for v in values[1 : 1 + width]]

    def __getitem__(self, sgg_code: str) -> list[int]:
        return self.by_code.get(sgg_code, [0] * self.width)
