"""Tables of the borough budget-system integration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cg_budget.common import new_id
from cg_budget.db import Base
from cg_shared.db import UtcDateTime, utcnow
from cg_shared.messaging.tables import BigId


class BudgetImport(Base):
    """An applied import of appropriation or execution figures. Dry runs and rejected files leave no row."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sgg_code: Mapped[str] = mapped_column(String(5), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # appropriation | execution
    mode: Mapped[str] = mapped_column(String(10))  # replace | add
    format: Mapped[str] = mapped_column(String(10))  # csv | json
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # applied | partial
    row_count: Mapped[int] = mapped_column(Integer)
    applied_count: Mapped[int] = mapped_column(Integer)
    total_krw: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    # The same key can never apply twice for a borough, whoever re-sends it (the HTTP idempotency
    # middleware remembers keys per caller; this covers a second officer re-sending the file).
    __table_args__ = (UniqueConstraint("sgg_code", "idempotency_key"),)


class ProgramFigure(Base):
    """Appropriated and executed amounts per borough, fiscal year and full program code."""

    __tablename__ = "program_figures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sgg_code: Mapped[str] = mapped_column(String(5))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    program_key: Mapped[str] = mapped_column(String(64))  # sha256 of the seven codes
    account: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(10))
    sector: Mapped[str] = mapped_column(String(10))
    policy_program: Mapped[str] = mapped_column(String(200))
    unit_program: Mapped[str] = mapped_column(String(200))
    detail_program: Mapped[str] = mapped_column(String(200))
    object_code: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(300), default="")
    appropriated_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    executed_krw: Mapped[int] = mapped_column(BigInteger, default=0)
    last_import_id: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("sgg_code", "fiscal_year", "program_key"),)
