"""Member tables: seats and terms, open-call applications, working groups (분과)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.common import new_id
from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Member(Base):
    """One person in one seat for a run of terms (a renewal extends the same row).

    Contact data (email, phone) is stored for the secretariat and never exposed publicly.
    """

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    seat_kind: Mapped[str] = mapped_column(String(30))
    position_title: Mapped[str] = mapped_column(String(300), default="")
    user_sub: Mapped[str | None] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_term_start: Mapped[date] = mapped_column(Date)
    term_start: Mapped[date] = mapped_column(Date)
    # None for an ex-officio member (당연직): seated while in office, with no fixed term to renew.
    term_end: Mapped[date | None] = mapped_column(Date)
    ex_officio: Mapped[bool] = mapped_column(Boolean, default=False)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(String(30))
    replaces_member_id: Mapped[str | None] = mapped_column(String(36))
    replaced_by_member_id: Mapped[str | None] = mapped_column(String(36))
    application_id: Mapped[str | None] = mapped_column(String(36))
    is_co_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    # The term end for which member.term_ended was emitted: once per term, whoever sweeps.
    term_end_reported_for: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Application(Base):
    """A resident's application for an open-call civilian seat (공개모집)."""

    __tablename__ = "open_call_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id"), index=True)
    applicant_sub: Mapped[str] = mapped_column(String(200), index=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # submitted | shortlisted | appointed | rejected
    member_id: Mapped[str | None] = mapped_column(String(36))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


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
