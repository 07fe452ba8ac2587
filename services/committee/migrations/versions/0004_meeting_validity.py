"""Meeting validity: an extraordinary meeting's notice period per ordinance version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("committee_ordinances") as batch:
        batch.add_column(
            sa.Column("extraordinary_notice_days", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("committee_ordinances") as batch:
        batch.drop_column("extraordinary_notice_days")
