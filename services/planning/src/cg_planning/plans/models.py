"""Tables of plans: the plan itself, its transition history, yearly evaluations, committee decisions seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_planning.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class Plan(Base):
    __tablename__ = "plans"
    # One annual plan per master plan and year (NULLs are distinct, so master plans are unaffected).
    __table_args__ = (UniqueConstraint("master_plan_id", "fiscal_year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # master | annual
    master_plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.id"), index=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer)  # annual plans only
    term_start_year: Mapped[int] = mapped_column(Integer)
    term_end_year: Mapped[int] = mapped_column(Integer)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    goals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    coordinator_name: Mapped[str | None] = mapped_column(String(100))
    coordinator_organisation: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    adopted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PlanTransition(Base):
    """Append-only history: who moved the plan, when, why (and on which committee decision)."""

    __tablename__ = "plan_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PlanEvaluation(Base):
    __tablename__ = "plan_evaluations"
    __table_args__ = (UniqueConstraint("plan_id", "fiscal_year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    sgg_code: Mapped[str] = mapped_column(String(5))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    item_results: Mapped[list[Any]] = mapped_column(JSON, default=list)
    total_items: Mapped[int] = mapped_column(Integer)
    completed_items: Mapped[int] = mapped_column(Integer)
    item_completion_rate: Mapped[float] = mapped_column(Float)
    kpi_achievement_rate: Mapped[float | None] = mapped_column(Float)
    participation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grade: Mapped[str | None] = mapped_column(String(2))
    graded_by: Mapped[str | None] = mapped_column(String(200))
    graded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    summary: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CommitteeDecision(Base):
    """Every committee decision about a plan that reached planning, applied or not (and why not).

    Keyed by the committee's decision id, so the same decision re-emitted under a new event id is
    recognised as well as a redelivered event (which the inbox already drops).
    """

    __tablename__ = "committee_decisions"

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[str | None] = mapped_column(String(200), index=True)
    committee_id: Mapped[str] = mapped_column(String(64))
    meeting_id: Mapped[str] = mapped_column(String(64))
    sgg_code: Mapped[str] = mapped_column(String(5))
    outcome: Mapped[str] = mapped_column(String(20))
    valid: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str] = mapped_column(String(300))
