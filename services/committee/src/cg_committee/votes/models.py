"""Motions on an agenda item and the members' named votes on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


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
