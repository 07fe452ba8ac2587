"""The outbox relay's acknowledgement checkpoints (outbox_acks): per partition the offset and event id
of the last record the broker acknowledged, so loss detection survives a relay restart.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from cg_shared.migrations import create_outbox_acks, drop_outbox_acks

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_acks()


def downgrade() -> None:
    drop_outbox_acks()
