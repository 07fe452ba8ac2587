"""Every table of the planning service, imported so Alembic and tests see one metadata."""

from cg_planning.db import Base
from cg_planning.deliberations import models as _deliberations  # noqa: F401
from cg_planning.items import models as _items  # noqa: F401
from cg_planning.plans import models as _plans  # noqa: F401
from cg_planning.proposals import models as _proposals  # noqa: F401
from cg_planning.registry_projects import models as _registry_projects  # noqa: F401
from cg_planning.timeline import models as _timeline  # noqa: F401

__all__ = ["Base"]
