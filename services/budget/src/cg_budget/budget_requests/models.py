"""Budget request tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class BudgetRequest(Base):
    """The money one adopted plan item asks for in one fiscal year, with its program budget codes."""

    __tablename__ = "budget_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    cycle_id: Mapped[str | None] = mapped_column(ForeignKey("cycles.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # plan | manual
    plan_id: Mapped[str | None] = mapped_column(String(64), index=True)
    plan_item_id: Mapped[str | None] = mapped_column(String(64))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    origin: Mapped[str] = mapped_column(String(20), default="department")
    policy_field: Mapped[str | None] = mapped_column(String(100))
    responsible_department: Mapped[str | None] = mapped_column(String(200))
    partner_organisations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    linked_project_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    yearly_amounts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    account: Mapped[str | None] = mapped_column(String(100))
    field: Mapped[str | None] = mapped_column(String(10))
    sector: Mapped[str | None] = mapped_column(String(10))
    policy_program: Mapped[str | None] = mapped_column(String(200))
    unit_program: Mapped[str | None] = mapped_column(String(200))
    detail_program: Mapped[str | None] = mapped_column(String(200))
    object_code: Mapped[str | None] = mapped_column(String(20))
    requested_krw: Mapped[int] = mapped_column(BigInteger)
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    feasibility: Mapped[str] = mapped_column(String(30), default="pending")
    feasibility_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    # One request per plan item and fiscal year, however often PlanAdopted is delivered.
    __table_args__ = (UniqueConstraint("plan_item_id", "fiscal_year"),)


class RequestRevision(Base):
    """Review history of a request: feasibility decisions and cost revisions with their reasons."""

    __tablename__ = "request_revisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("budget_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))  # created | reviewed | cost_revised | funded
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
