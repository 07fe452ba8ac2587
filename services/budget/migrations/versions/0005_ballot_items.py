"""Ballot items a voter can judge (description, location, category, images, links) and the election's
announced voting window (opens_at, closes_at).

Revision ID: 0005_ballot_items
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0005_ballot_items"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.add_column(sa.Column("opens_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("closes_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("election_projects") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("location", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("category", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("images", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("links", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("election_projects") as batch:
        for column in ("links", "images", "category", "location", "description"):
            batch.drop_column(column)
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("closes_at")
        batch.drop_column("opens_at")
