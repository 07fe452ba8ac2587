"""Alembic environment of the budget service (async; SQLite and PostgreSQL)."""

from cg_budget.models import Base
from cg_budget.settings import get_settings
from cg_shared.migrations import run_env

run_env(Base.metadata, get_settings)
