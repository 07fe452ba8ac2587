"""Meeting tables: meetings, agenda items, attendance, motions, named votes, decisions, minutes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.common import new_id
from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_committee_starts", "committee_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20))  # regular | extraordinary
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    location: Mapped[str] = mapped_column(String(300), default="")
    notice_on: Mapped[date] = mapped_column(Date)  # day the public notice (공고) went out
    status: Mapped[str] = mapped_column(String(20))  # scheduled | held | cancelled
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class AgendaItem(Base):
    """An item for the committee to deliberate; ``meeting_id`` is empty while it waits for a meeting.

    ``committee_id`` is empty only for a plan submitted before its borough's committee existed.
    """

    __tablename__ = "agenda_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str | None] = mapped_column(ForeignKey("committees.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str | None] = mapped_column(String(100), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # civilian | public | planning
    proposed_by_member_id: Mapped[str | None] = mapped_column(String(36))
    working_group_id: Mapped[str | None] = mapped_column(String(36))
    applicant_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set for items created from an event: a second delivery finds the row and changes nothing.
    source_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # pending | scheduled | decided | withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Attendance(Base):
    __tablename__ = "attendance"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # present | absent | proxy
    proxy_holder: Mapped[str] = mapped_column(String(200), default="")
    # Optional: a member who arrives late or leaves early counts only between these times.
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Motion(Base):
    """A question put to the vote on an agenda item (the item can see several, e.g. after an invalid vote)."""

    __tablename__ = "motions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agenda_item_id: Mapped[str] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    text_ko: Mapped[str] = mapped_column(String(1000))
    text_en: Mapped[str] = mapped_column(String(1000), default="")
    proposed_by_member_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # open | decided
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Vote(Base):
    """A named vote. ``recused`` is what the rules said when it was cast (kept for the record)."""

    __tablename__ = "votes"

    motion_id: Mapped[str] = mapped_column(ForeignKey("motions.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(10))  # yes | no | abstain
    recused: Mapped[bool] = mapped_column(Boolean, default=False)
    cast_by: Mapped[str] = mapped_column(String(200))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


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


class Minutes(Base):
    __tablename__ = "minutes"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # draft | approved | published
    body_ko: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(200))
