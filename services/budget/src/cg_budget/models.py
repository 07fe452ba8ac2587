"""Every table of the budget service, imported so Alembic and tests see one metadata."""

from cg_budget.db import Base

__all__ = ["Base"]
