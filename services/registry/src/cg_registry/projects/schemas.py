"""Pydantic models of the projects API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SggCode = Annotated[str, StringConstraints(pattern=r"^11\d{3}$"), Field(examples=["11200"])]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_ko: Title = Field(examples=["성동구 마을공동체 협치 활성화"])
    title_en: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    sgg_code: SggCode | None = Field(default=None, description="Borough code; omit for city-wide")
    total_krw: int = Field(ge=0, le=10**15, description="Total worth in KRW (integer won)")


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    code: str
    title_ko: str
    title_en: str
    sgg_code: str | None
    total_krw: int
    version: int
    created_at: datetime
    updated_at: datetime
