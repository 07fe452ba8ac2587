"""Participatory election tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class Election(Base):
    __tablename__ = "elections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    ballot_type: Mapped[str] = mapped_column(String(20))  # approval | cumulative | ordinal
    rule: Mapped[str] = mapped_column(String(40))
    tie_breaking: Mapped[str] = mapped_column(String(30))
    budget_krw: Mapped[int] = mapped_column(BigInteger)
    envelope_id: Mapped[str | None] = mapped_column(ForeignKey("envelopes.id"))
    min_length: Mapped[int] = mapped_column(Integer, default=1)
    max_length: Mapped[int | None] = mapped_column(Integer)
    max_points_total: Mapped[int | None] = mapped_column(Integer)
    max_points_per_project: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # open | closed | finalised
    source: Mapped[str] = mapped_column(String(20), default="platform")  # platform | pabulib
    pb_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ballot_count: Mapped[int] = mapped_column(Integer, default=0)
    # The announced voting window: no ballot before opens_at or after closes_at (either may be open-ended).
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class ElectionProject(Base):
    """A candidate on the ballot paper: a budget request (or a project of an imported .pb file)."""

    __tablename__ = "election_projects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id"), index=True)
    project_key: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(ForeignKey("budget_requests.id"))
    name: Mapped[str] = mapped_column(String(500), default="")
    cost_krw: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # extra Pabulib columns
    # What a voter reads on the ballot paper besides name and cost.
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    images: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"url", "alt"}]
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"url", "title"}]

    __table_args__ = (UniqueConstraint("election_id", "project_key"),)


class Ballot(Base):
    """One voter's ballot. ``voter_key`` is the resident's principal sub (online) or the paper/pb voter id
    prefixed by its channel; the unique constraint is what makes one ballot per resident hold."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id"), index=True)
    voter_key: Mapped[str] = mapped_column(String(250))
    channel: Mapped[str] = mapped_column(String(10))  # online | paper | pabulib
    choices: Mapped[list[Any]] = mapped_column(JSON)  # project keys; ranking order for ordinal
    points: Mapped[list[Any] | None] = mapped_column(JSON)  # cumulative points aligned with choices
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # extra Pabulib voter columns
    import_id: Mapped[str | None] = mapped_column(String(36))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("election_id", "voter_key"),)


class BallotImport(Base):
    """A bulk import of paper ballots (its Idempotency-Key makes a re-send a no-op)."""

    __tablename__ = "ballot_imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    ballot_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("election_id", "idempotency_key"),)


class ElectionOutcome(Base):
    """The engine's result when the election closed, with the per-project explanation."""

    __tablename__ = "election_outcomes"

    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    selected: Mapped[list[Any]] = mapped_column(JSON)
    cost_krw: Mapped[int] = mapped_column(BigInteger)
    per_voter_budget: Mapped[str | None] = mapped_column(String(100))
    explanations: Mapped[list[Any]] = mapped_column(JSON)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ballot_count: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    computed_by: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
