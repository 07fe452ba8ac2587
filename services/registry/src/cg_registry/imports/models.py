"""Bulk imports: one row per applied file (the second guard, after the Idempotency-Key middleware)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_registry.db import Base
from cg_shared.db import UtcDateTime, utcnow


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    principal: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(300))
    file_format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    imported_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    # A key applies one file once per caller, even if the middleware's record was taken over.
    __table_args__ = (UniqueConstraint("principal", "idempotency_key"),)
