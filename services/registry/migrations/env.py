"""Alembic environment of the registry service (async; SQLite and PostgreSQL)."""

from cg_registry.models import Base
from cg_registry.settings import get_settings
from cg_shared.migrations import run_env

run_env(Base.metadata, get_settings)
