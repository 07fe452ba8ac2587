"""Tables of plan items and the money they received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class PlanItem(Base):
    __tablename__ = "plan_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20))  # resident | civic_group | department
    policy_field: Mapped[str | None] = mapped_column(String(50))
    dong: Mapped[str | None] = mapped_column(String(50))
    responsible_department: Mapped[str | None] = mapped_column(String(200))
    applicant_organisations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    partner_organisations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    requested_budget: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{fiscal_year, amount_krw}]
    requested_total_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    program_codes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kpis: Mapped[list[Any]] = mapped_column(JSON, default=list)
    linked_project_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source_proposal_id: Mapped[str | None] = mapped_column(String(36))
    funded_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ItemFunding(Base):
    """One allocation line that funded an item (budget's AllocationFinalized)."""

    __tablename__ = "item_fundings"
    __table_args__ = (UniqueConstraint("allocation_id", "request_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("plan_items.id"), index=True)
    plan_id: Mapped[str] = mapped_column(String(36))
    allocation_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(30))
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
