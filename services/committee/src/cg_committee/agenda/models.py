"""Agenda items: what a committee is asked to decide, and on which meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


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
