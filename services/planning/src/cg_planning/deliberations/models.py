"""Deliberation records per plan item: forums, surveys, working groups, hearings …"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Deliberation(Base):
    __tablename__ = "deliberations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("plan_items.id"), index=True)
    plan_id: Mapped[str] = mapped_column(String(36), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(30))
    held_on: Mapped[date] = mapped_column(Date)
    participants_count: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    changed_item: Mapped[bool] = mapped_column(Boolean, default=False)
    change_summary: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
