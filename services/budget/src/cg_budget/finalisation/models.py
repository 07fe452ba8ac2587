"""Finalised allocation tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class Allocation(Base):
    __tablename__ = "allocations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(60))  # formula | priority | election:<rule>
    election_id: Mapped[str | None] = mapped_column(ForeignKey("elections.id"), unique=True)
    supplementary_number: Mapped[int] = mapped_column(Integer, default=0)
    total_krw: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class AllocationLine(Base):
    """Money for one request from one envelope. A request is funded at most once (unique request_id)."""

    __tablename__ = "allocation_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    allocation_id: Mapped[str] = mapped_column(ForeignKey("allocations.id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("budget_requests.id"), unique=True)
    envelope_id: Mapped[str] = mapped_column(ForeignKey("envelopes.id"), index=True)
    envelope_kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # smg_grant | borough
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    plan_id: Mapped[str | None] = mapped_column(String(64))
    plan_item_id: Mapped[str | None] = mapped_column(String(64))
    linked_project_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
