"""Working groups (분과) and who sits on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


class WorkingGroup(Base):
    """A working group (의제별 분과) that prepares agenda items."""

    __tablename__ = "working_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class WorkingGroupMember(Base):
    __tablename__ = "working_group_members"

    working_group_id: Mapped[str] = mapped_column(ForeignKey("working_groups.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # chair | member
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
