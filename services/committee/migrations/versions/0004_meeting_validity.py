"""Meeting validity and ex-officio seats: an extraordinary meeting's notice period per ordinance
version; members seated ex officio (no fixed term, so term_end may be empty).

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
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("ex_officio", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.alter_column("term_end", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # The old schema has no ex-officio seat: such a member's term is taken to end where it started.
    op.execute("UPDATE members SET term_end = term_start WHERE term_end IS NULL")
    with op.batch_alter_table("members") as batch:
        batch.alter_column("term_end", existing_type=sa.Date(), nullable=False)
        batch.drop_column("ex_officio")
    with op.batch_alter_table("committee_ordinances") as batch:
        batch.drop_column("extraordinary_notice_days")
