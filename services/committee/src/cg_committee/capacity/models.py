"""Tables of capacity building."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


class CapacityActivity(Base):
    """One training or education session (민관협치 교육, 주민자치학교, 워크숍 …) held in a borough."""

    __tablename__ = "capacity_activities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    topic: Mapped[str] = mapped_column(String(300), default="")
    held_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(200), default="")
    support_organisation_id: Mapped[str | None] = mapped_column(ForeignKey("support_organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 1440", name="one_day"),)


class CapacityParticipant(Base):
    """Who took part in an activity and for how long. Committee members by their member id; residents by a
    name the secretariat keeps (never published)."""

    __tablename__ = "capacity_participants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    activity_id: Mapped[str] = mapped_column(ForeignKey("capacity_activities.id"), index=True)
    participant_kind: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[int] = mapped_column(Integer)
    completed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("activity_id", "member_id"),
        CheckConstraint("minutes > 0", name="positive"),
    )


class SupportOrganisation(Base):
    """An intermediary organisation supporting CG in a borough (협치지원센터, 마을자치센터, 협치지원관 …)."""

    __tablename__ = "support_organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(20))  # direct | commissioned (위탁)
    established_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    staff_count: Mapped[int] = mapped_column(Integer, default=0)
    coordinator_count: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("sgg_code", "name_ko"),)
