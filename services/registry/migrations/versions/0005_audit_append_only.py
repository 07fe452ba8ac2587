"""The audit trail becomes append-only in the database: UPDATE / DELETE (and TRUNCATE on PostgreSQL) of
audit_log are refused by triggers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from cg_shared.migrations import protect_audit_log, unprotect_audit_log

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    protect_audit_log()


def downgrade() -> None:
    unprotect_audit_log()
