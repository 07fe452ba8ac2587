"""Every table of the committee service, imported so Alembic and tests see one metadata."""

from cg_committee.agenda import models as _agenda  # noqa: F401 - registers the tables
from cg_committee.applications import models as _applications  # noqa: F401
from cg_committee.capacity import models as _capacity  # noqa: F401
from cg_committee.committees import models as _committees  # noqa: F401
from cg_committee.db import Base
from cg_committee.decisions import models as _decisions  # noqa: F401
from cg_committee.meetings import models as _meetings  # noqa: F401
from cg_committee.members import models as _members  # noqa: F401
from cg_committee.minutes import models as _minutes  # noqa: F401
from cg_committee.votes import models as _votes  # noqa: F401
from cg_committee.working_groups import models as _working_groups  # noqa: F401

__all__ = ["Base"]
