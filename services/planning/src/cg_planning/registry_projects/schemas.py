"""API models of the registry read model."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class RegistryProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    project_id: str
    code: str
    title_ko: str
    title_en: str
    sgg_code: str | None
    policy_field: str | None
    origin: str
    status: str
    lead_department: str | None = None
    partner_organisations: list[str]
    target_groups: list[str]
    start_date: date | None
    end_date: date | None
    total_krw: int
    plan_item_id: str | None = None
    version: int
    updated_at: datetime
