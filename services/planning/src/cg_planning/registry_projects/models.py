"""Read model of registry projects, kept by consuming ``cg.registry.project`` events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime


class RegistryProject(Base):
    __tablename__ = "registry_projects"

    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    sgg_code: Mapped[str | None] = mapped_column(String(5), index=True)
    policy_field: Mapped[str | None] = mapped_column(String(50))
    origin: Mapped[str] = mapped_column(String(20), default="department")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    lead_department: Mapped[str | None] = mapped_column(String(200))
    partner_organisations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    total_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when the registry registered one of our adopted items as a project: never suggest an item to itself.
    plan_item_id: Mapped[str | None] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
