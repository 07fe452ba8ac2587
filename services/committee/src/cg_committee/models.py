"""Every table of the committee service, imported so Alembic and tests see one metadata."""

from cg_committee.db import Base

__all__ = ["Base"]
