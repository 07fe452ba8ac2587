"""Every table of the budget service, imported so Alembic and tests see one metadata."""

from cg_budget.budget_requests import models as budget_requests
from cg_budget.cycles import models as cycles
from cg_budget.db import Base
from cg_budget.elections import models as elections
from cg_budget.envelopes import models as envelopes
from cg_budget.finalisation import models as finalisation
from cg_budget.integration import models as integration
from cg_budget.smg import models as smg
from cg_budget.webhooks import models as webhooks

__all__ = [
    "Base",
    "budget_requests",
    "cycles",
    "elections",
    "envelopes",
    "finalisation",
    "integration",
    "smg",
    "webhooks",
]
