"""Every table of the planning service, imported so Alembic and tests see one metadata."""

from cg_planning.db import Base
from cg_planning.registry_projects import models as _registry_projects  # noqa: F401

__all__ = ["Base"]
