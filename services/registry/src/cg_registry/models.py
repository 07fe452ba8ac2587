"""Every table of the registry service, imported so Alembic and tests see one metadata."""

from cg_registry import state as _state  # noqa: F401 - registry_state and its change-marker events
from cg_registry.assessments import models as _assessments  # noqa: F401 - registers the tables
from cg_registry.db import Base
from cg_registry.duplicates import models as _duplicates  # noqa: F401
from cg_registry.imports import models as _imports  # noqa: F401
from cg_registry.projects import models as _projects  # noqa: F401

__all__ = ["Base"]
