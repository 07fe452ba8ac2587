"""Alembic environment of the committee service (async; SQLite and PostgreSQL)."""

from cg_committee.models import Base
from cg_committee.settings import get_settings
from cg_shared.migrations import run_env

run_env(Base.metadata, get_settings)
