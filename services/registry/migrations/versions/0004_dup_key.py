"""projects.dup_key: the compact title key duplicate detection compares, indexed for candidate retrieval.

A registration's duplicate check asks the database for the projects of its area whose key is
trigram-similar to the new one (PostgreSQL: pg_trgm ``%`` over a GIN index; SQLite: the same
similarity as a registered SQL function) instead of loading and scoring the whole borough. Existing rows
are keyed here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_registry.duplicates.scoring import title_key

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

DUP_KEY_INDEX = "CREATE INDEX ix_projects_dup_key_trgm ON projects USING gin (dup_key gin_trgm_ops)"


def upgrade() -> None:
    # Plain ALTERs (no batch table rebuild on SQLite, which would drop the search triggers).
    op.add_column("projects", sa.Column("dup_key", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    projects = sa.table("projects", sa.column("id", sa.String()), sa.column("title_ko", sa.String()))
    rows = bind.execute(sa.select(projects.c.id, projects.c.title_ko)).all()
    if rows:
        bind.execute(
            sa.text("UPDATE projects SET dup_key = :key WHERE id = :id"),
            [{"id": row.id, "key": title_key(row.title_ko)} for row in rows],
        )
    if bind.dialect.name == "postgresql":
        trgm = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
        if trgm:
            op.execute(DUP_KEY_INDEX)
        else:
            log.warning("pg_trgm is not installed: duplicate checks will read the whole borough")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_projects_dup_key_trgm")
    op.drop_column("projects", "dup_key")  # SQLite ≥ 3.35 drops a column in place
