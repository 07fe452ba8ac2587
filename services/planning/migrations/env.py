"""Alembic environment of the planning service (async; SQLite and PostgreSQL)."""

from cg_planning.models import Base
from cg_planning.settings import get_settings
from cg_shared.migrations import run_env

run_env(Base.metadata, get_settings)
