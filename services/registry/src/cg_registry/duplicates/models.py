"""Suspected duplicate pairs, remembered so each pair raises its event once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cg_registry.db import Base
from cg_shared.db import UtcDateTime, utcnow


class DuplicatePair(Base):
    """One row per unordered pair (``project_a`` < ``project_b``) that ever scored above the threshold."""

    __tablename__ = "duplicate_pairs"

    project_a: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    project_b: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
