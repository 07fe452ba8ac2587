"""Committee tables: one committee per borough and its versioned ordinance settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


class Committee(Base):
    __tablename__ = "committees"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # One committee per borough: the unique constraint is the guarantee, the service's 409 the message.
    sgg_code: Mapped[str] = mapped_column(String(5), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    established_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class OrdinanceVersion(Base):
    """The ordinance settings in force from ``effective_from`` until the next version's date."""

    __tablename__ = "committee_ordinances"
    __table_args__ = (UniqueConstraint("committee_id", "effective_from"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(300), default="")
    size_cap: Mapped[int] = mapped_column(Integer)
    civilian_min_percent: Mapped[int] = mapped_column(Integer)
    civilian_strict: Mapped[bool] = mapped_column(Boolean)
    expert_counts_as_civilian: Mapped[bool] = mapped_column(Boolean)
    co_chair_count: Mapped[int] = mapped_column(Integer)
    civilian_co_chairs_min: Mapped[int] = mapped_column(Integer)
    term_years: Mapped[int] = mapped_column(Integer)
    max_renewals: Mapped[int] = mapped_column(Integer)
    carry_over: Mapped[bool] = mapped_column(Boolean)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    quorum_strict: Mapped[bool] = mapped_column(Boolean)
    majority_basis: Mapped[str] = mapped_column(String(30))
    majorities: Mapped[dict[str, Any]] = mapped_column(JSON)
    term_end_warning_days: Mapped[int] = mapped_column(Integer)
    proxy_allowed: Mapped[bool] = mapped_column(Boolean)
    notice_days: Mapped[int] = mapped_column(Integer)
    extraordinary_notice_days: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
