"""Webhook secrets encrypted at rest, and secret rotation with an overlap window.

``webhook_subscriptions.secret`` becomes ``secret_encrypted`` (Fernet, key ring from
CG_WEBHOOK_SECRET_KEYS; existing clear-text secrets are encrypted here), plus the encrypted previous
secret and the end of its overlap window. ``webhook_deliveries.kind`` tells event deliveries from test
pings and manual redeliveries.

Revision ID: 0006
Revises: 0005_ballot_items
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_budget.settings import BudgetSettings
from cg_shared.db import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005_ballot_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

subscriptions = sa.table(
    "webhook_subscriptions",
    sa.column("id", sa.String),
    sa.column("secret", sa.String),
    sa.column("secret_encrypted", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("secret_encrypted", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("previous_secret_encrypted", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("previous_secret_expires_at", UtcDateTime(), nullable=True))
    box = BudgetSettings().secret_box()
    bind = op.get_bind()
    for row_id, secret in bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret)).all():
        bind.execute(
            subscriptions.update()
            .where(subscriptions.c.id == row_id)
            .values(secret_encrypted=box.seal(secret))
        )
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column("secret_encrypted", existing_type=sa.String(length=500), nullable=False)
        batch.drop_column("secret")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="event"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=200), nullable=True))
    box = BudgetSettings().secret_box()
    bind = op.get_bind()
    rows = bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret_encrypted)).all()
    for row_id, sealed in rows:
        bind.execute(
            subscriptions.update().where(subscriptions.c.id == row_id).values(secret=box.open(sealed))
        )
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret_encrypted")
        batch.drop_column("secret_encrypted")
