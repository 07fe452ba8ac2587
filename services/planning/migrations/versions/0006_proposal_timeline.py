"""Proposal timelines and the resident notification inbox.

Revision ID: 0006_proposal_timeline
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime
from cg_shared.messaging.tables import BigId

revision: str = "0006_proposal_timeline"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.String(36), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.String(36), nullable=True),
        sa.Column("item_id", sa.String(36), nullable=True),
        sa.Column("amount_krw", sa.BigInteger(), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint(
            "proposal_id", "dedupe_key", name=op.f("uq_proposal_timeline_proposal_id_dedupe_key")
        ),
    )
    op.create_index("ix_proposal_timeline_proposal_id", "proposal_timeline", ["proposal_id"])
    op.create_table(
        "resident_notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("recipient_sub", sa.String(200), nullable=False),
        sa.Column("proposal_id", sa.String(36), sa.ForeignKey("proposals.id"), nullable=False),
        sa.Column("timeline_entry_id", BigId, sa.ForeignKey("proposal_timeline.id"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ix_resident_notifications_inbox", "resident_notifications", ["recipient_sub", "created_at"]
    )
    op.create_index("ix_resident_notifications_proposal_id", "resident_notifications", ["proposal_id"])


def downgrade() -> None:
    op.drop_index("ix_resident_notifications_proposal_id", table_name="resident_notifications")
    op.drop_index("ix_resident_notifications_inbox", table_name="resident_notifications")
    op.drop_table("resident_notifications")
    op.drop_index("ix_proposal_timeline_proposal_id", table_name="proposal_timeline")
    op.drop_table("proposal_timeline")
