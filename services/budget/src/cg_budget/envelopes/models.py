"""Envelope tables and the read model of plan evaluation grades."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Envelope(Base):
    """Money available to a cycle from one source. ``allocated_krw`` is the sum of finalised lines drawn
    from it, kept in the same transaction as the lines; the database refuses an overspent envelope too."""

    __tablename__ = "envelopes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # smg_grant | borough | integrated
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    allocated_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    # Funding source reported for lines drawn from an integrated envelope (smg_grant | borough).
    integrated_source: Mapped[str | None] = mapped_column(String(20))
    formula: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)  # supplementary budget number, 0 = original
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("cycle_id", "kind"),
        CheckConstraint("allocated_krw >= 0 AND allocated_krw <= amount_krw", name="within_amount"),
    )


class PlanEvaluation(Base):
    """Read model of planning's PlanEvaluated: the city's grade (가/나/다) per plan and year."""

    __tablename__ = "plan_evaluations"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    grade: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
