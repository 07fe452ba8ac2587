"""Resident and civic-group proposals (주민 제안) and how officers screened them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    idea: Mapped[str] = mapped_column(Text)
    dong: Mapped[str] = mapped_column(String(50))
    estimated_cost_krw: Mapped[int] = mapped_column(BigInteger)
    target_group: Mapped[str] = mapped_column(String(100))
    # Personal data: never in public views.
    proposer_sub: Mapped[str] = mapped_column(String(200), index=True)
    proposer_name: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    proposer_kind: Mapped[str] = mapped_column(String(20))  # resident | civic_group
    organisation: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)  # submitted | accepted | merged | rejected
    screening_reason: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("plan_items.id"), index=True)
    merged_into_proposal_id: Mapped[str | None] = mapped_column(String(36), index=True)
    screened_by: Mapped[str | None] = mapped_column(String(200))
    screened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
