"""A proposal's timeline (what became of it, stage by stage) and each resident's notification inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class ProposalTimelineEntry(Base):
    """One step of a proposal: screened, in a plan item, adopted, requested, funded, … or rejected.

    ``dedupe_key`` names the fact behind the step (``funded:<allocation id>``): the same fact recorded
    twice — a redelivered event, a re-run — adds nothing.
    """

    __tablename__ = "proposal_timeline"
    __table_args__ = (UniqueConstraint("proposal_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[str | None] = mapped_column(String(36))
    item_id: Mapped[str | None] = mapped_column(String(36))
    amount_krw: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ResidentNotification(Base):
    """A message in one resident's inbox (``recipient_sub`` = the proposer's sign-in subject)."""

    __tablename__ = "resident_notifications"
    __table_args__ = (Index("ix_resident_notifications_inbox", "recipient_sub", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recipient_sub: Mapped[str] = mapped_column(String(200))
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), index=True)
    timeline_entry_id: Mapped[int] = mapped_column(ForeignKey("proposal_timeline.id"))
    stage: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
