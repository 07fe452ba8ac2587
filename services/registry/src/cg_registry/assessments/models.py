"""CG assessments: the tokenism rubric scored for one project, who scored it and when."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cg_registry.db import Base
from cg_shared.db import UtcDateTime, utcnow


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    project_id: Mapped[str] = mapped_column(String(36), ForeignKey("projects.id", ondelete="CASCADE"))
    iap2_level: Mapped[int] = mapped_column(Integer)
    arnstein_rung: Mapped[int] = mapped_column(Integer)
    participation_depth: Mapped[int] = mapped_column(Integer)
    decision_power: Mapped[int] = mapped_column(Integer)
    starting_conditions: Mapped[int] = mapped_column(Integer)
    institutional_design: Mapped[int] = mapped_column(Integer)
    facilitative_leadership: Mapped[int] = mapped_column(Integer)
    process: Mapped[int] = mapped_column(Integer)
    feedback: Mapped[int] = mapped_column(Integer)
    tokenism_risk: Mapped[bool] = mapped_column(Boolean)
    public_led: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_assessments_project_id_assessed_at", "project_id", "assessed_at"),)
