"""Pending duplicate checks: registrations and edits queue one, the registry's checker works them off.

Revision ID: 0009_registry_dup_checks
Revises: 0008_registry_progress
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0009_registry_dup_checks"
down_revision: str | None = "0008_registry_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_checks",
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("queued_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("duplicate_checks")
