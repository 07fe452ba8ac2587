"""Decisions with their computed validity, tally and the checks behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    motion_id: Mapped[str] = mapped_column(ForeignKey("motions.id"), unique=True)
    agenda_item_id: Mapped[str] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # adopted | rejected
    valid: Mapped[bool] = mapped_column(Boolean)
    required_majority: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recused_member_ids: Mapped[list[str]] = mapped_column(JSON)
    seated: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    yes: Mapped[int] = mapped_column(Integer)
    no: Mapped[int] = mapped_column(Integer)
    abstain: Mapped[int] = mapped_column(Integer)
    recused: Mapped[int] = mapped_column(Integer)
    recused_voted: Mapped[int] = mapped_column(Integer)
    ordinance_id: Mapped[str] = mapped_column(String(36))
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
