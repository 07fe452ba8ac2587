"""Every table of the registry service, imported so Alembic and tests see one metadata."""

from cg_registry.db import Base
from cg_registry.projects import models as _projects  # noqa: F401 - registers the tables

__all__ = ["Base"]
