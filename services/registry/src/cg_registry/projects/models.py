"""Registry tables: CG projects, their funding lines, their change history and code counters."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from cg_registry.db import Base
from cg_shared.db import UtcDateTime, utcnow

STATS_MEASURES = [
    "total_krw",
    "smg_grant_krw",
    "borough_krw",
    "national_krw",
    "private_krw",
    "tokenism_risk",
    "public_led",
    "id",  # fiscal-year statistics join funding lines on it without touching the table
]

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    summary_ko: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    sgg_code: Mapped[str | None] = mapped_column(String(5))  # None = city-wide (SMG)
    lead_department: Mapped[str | None] = mapped_column(String(200))
    partners: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(20), default="department")
    policy_field: Mapped[str] = mapped_column(String(40), default="other")
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    plan_item_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Parent/child projects as Decidim's accountability results: a programme and the projects under it.
    # No foreign key (SQLite cannot add a named one without rebuilding the table and its FTS5 triggers):
    # the service checks the parent exists and refuses to delete a project that has children.
    parent_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Percent done (0–100): the mean of the children's progress when the project has children, else of
    # its milestones, else 100 when completed and 0 otherwise (projects/progress.py keeps it).
    progress_pct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the registrant declared as the project's worth; the maintained total never drops below it.
    declared_total_krw: Mapped[int | None] = mapped_column(BigInteger)
    # Maintained on every write so statistics aggregate one table (issue 3: stats ≤ 200 ms at 100k).
    total_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    smg_grant_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    borough_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    national_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    private_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    has_smg_grant: Mapped[bool] = mapped_column(Boolean, default=False)
    public_led: Mapped[bool] = mapped_column(Boolean, default=False)
    # Denormalised from the latest assessment.
    iap2_level: Mapped[int | None] = mapped_column(Integer)
    tokenism_risk: Mapped[bool | None] = mapped_column(Boolean)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Two-character substrings of the Hangul words of search_text (GIN-indexed on PostgreSQL).
    search_bigrams: Mapped[list[str]] = mapped_column(
        ARRAY(Text).with_variant(JSON(), "sqlite"), default=list
    )
    # The compact title key duplicate detection compares (duplicates.scoring.title_key); trigram-indexed
    # on PostgreSQL so a registration's check retrieves similar titles instead of the whole borough.
    dup_key: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    # Lists are ordered by code (keyset): the unique index on code serves every page, and a borough
    # filter walks (sgg_code, code) in order. Status, field, origin and period filters are not selective
    # enough to pay for an index on every bulk load: the planner filters while walking the code index.
    __table_args__ = (
        Index("ix_projects_sgg_code_code", "sgg_code", "code"),
        # Statistics read only this index (index-only scans, PostgreSQL INCLUDEs the measures).
        Index(
            "ix_projects_stats",
            "sgg_code",
            "policy_field",
            "origin",
            "iap2_level",
            "status",
            postgresql_include=STATS_MEASURES,
        ),
    )


class ProjectMilestone(Base):
    """A dated step of a project with its own percent done (accountability's timeline entries)."""

    __tablename__ = "project_milestones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    progress_pct: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class FundingLine(Base):
    __tablename__ = "funding_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    budget_line_id: Mapped[str | None] = mapped_column(String(100))
    # Set for lines that came from a finalised budget allocation (consumer); NULL for manual lines.
    allocation_id: Mapped[str | None] = mapped_column(String(100))
    request_id: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        # Redelivered AllocationFinalized events cannot add a line twice, even without the inbox.
        # Its index (project_id first) also serves every lookup of a project's lines.
        UniqueConstraint("project_id", "allocation_id", "request_id"),
        # Fiscal-year statistics: an index-only scan, already in project order for the grouping.
        Index(
            "ix_funding_lines_fiscal_year_project_id",
            "fiscal_year",
            "project_id",
            postgresql_include=["source", "amount_krw"],
        ),
        # The list filter "has a line from source X" (an EXISTS per project while walking the code index):
        # answered from this index alone instead of reading the project's lines (10-20 ms a page at 100k).
        Index("ix_funding_lines_project_id_source", "project_id", "source"),
    )


class ProjectHistory(Base):
    """Who changed what when. No foreign key: the history of a deleted project stays readable."""

    __tablename__ = "project_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_project_history_project_id_id", "project_id", "id"),)


class CodeCounter(Base):
    """Last number handed out per code prefix (``CG-11200``): human-readable, gap-free project codes."""

    __tablename__ = "code_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class UnmatchedAllocationLine(Base):
    """An allocation line whose project is not registered yet (the plan-adopted event may arrive later

    on another topic); it is attached when the project for its plan item is registered."""

    __tablename__ = "unmatched_allocation_lines"

    allocation_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    sgg_code: Mapped[str | None] = mapped_column(String(5))
    plan_item_id: Mapped[str | None] = mapped_column(String(100), index=True)
    linked_project_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    amount_krw: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DuplicateCheck(Base):
    """A project whose duplicate check is pending: queued in the transaction that registers or edits it,
    taken off by the registry's checker (``projects.dupcheck``), which records pairs and raises events."""

    __tablename__ = "duplicate_checks"

    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
