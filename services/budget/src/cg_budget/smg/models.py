"""Tables of the SMG funding channels: programmes, applications and awards; block grants and their uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow


class SmgProgramme(Base):
    """A project-by-project SMG grant programme (공모사업) with its call window (Seoul civil dates)."""

    __tablename__ = "smg_programmes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    policy_field: Mapped[str | None] = mapped_column(String(100))
    pool_krw: Mapped[int] = mapped_column(BigInteger)
    max_award_krw: Mapped[int | None] = mapped_column(BigInteger)
    awarded_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    call_opens_on: Mapped[date] = mapped_column(Date)
    call_closes_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("call_closes_on >= call_opens_on", name="call_window"),
        CheckConstraint("awarded_krw >= 0 AND awarded_krw <= pool_krw", name="within_pool"),
    )


class ProgrammeApplication(Base):
    """A borough's application to a programme; SMG awards (some of) it or rejects it with a reason."""

    __tablename__ = "smg_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    programme_id: Mapped[str] = mapped_column(ForeignKey("smg_programmes.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    requested_krw: Mapped[int] = mapped_column(BigInteger)
    # The adopted plan item the project also appears in, if any (known to budget from PlanAdopted).
    plan_item_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted | awarded | rejected
    award_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    submitted_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class BlockGrant(Base):
    """SMG's integrated (block) grant to one borough for one fiscal year; used only on adopted plan items."""

    __tablename__ = "smg_block_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    assigned_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    grade: Mapped[str | None] = mapped_column(String(5))  # the plan grade it was sized on, if any
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("sgg_code", "fiscal_year"),
        CheckConstraint("assigned_krw >= 0 AND assigned_krw <= amount_krw", name="within_grant"),
    )


class BlockGrantUse(Base):
    """Block-grant money put on one adopted plan item (through its budget request of that year)."""

    __tablename__ = "smg_block_grant_uses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    block_grant_id: Mapped[str] = mapped_column(ForeignKey("smg_block_grants.id"), index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("budget_requests.id"), unique=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    plan_item_id: Mapped[str] = mapped_column(String(64))
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("amount_krw > 0", name="positive"),)
