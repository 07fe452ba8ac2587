"""Member table: seats and terms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cg_committee.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.fields import new_id


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
