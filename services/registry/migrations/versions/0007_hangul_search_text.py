"""Re-key projects.search_text for Hangul search: the Korean title also spaceless and as initials.

``search_text_for`` now appends the Korean title without spaces (주민공유부엌 finds 주민 공유 부엌) and
its initial consonants (ㅈㅁㄱㅇㅂㅇ), see cg_registry/hangul.py. Existing rows are rewritten here
(with their bigram array) in batches; the indexes (pg_trgm GIN, bigram GIN, SQLite FTS5 triggers)
follow the UPDATE by themselves. Downgrading keeps the longer texts, which only widen search.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from cg_registry.domain import search_bigrams_for, search_text_for

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    bind = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.String()),
        sa.column("code", sa.String()),
        sa.column("title_ko", sa.String()),
        sa.column("title_en", sa.String()),
        sa.column("lead_department", sa.String()),
        sa.column("partners", sa.JSON()),
        sa.column("search_text", sa.Text()),
    )
    rows = bind.execute(
        sa.select(
            projects.c.id,
            projects.c.code,
            projects.c.title_ko,
            projects.c.title_en,
            projects.c.lead_department,
            projects.c.partners,
            projects.c.search_text,
        )
    ).all()
    changes = []
    for row in rows:
        text = search_text_for(
            code=row.code,
            title_ko=row.title_ko,
            title_en=row.title_en or "",
            lead_department=row.lead_department,
            partners=row.partners or [],
        )
        if text != row.search_text:
            changes.append({"id": row.id, "text": text, "bigrams": search_bigrams_for(text)})
    postgres = bind.dialect.name == "postgresql"
    statement = (
        sa.text(
            "UPDATE projects SET search_text = :text, search_bigrams = :bigrams WHERE id = :id"
        ).bindparams(sa.bindparam("bigrams", type_=ARRAY(sa.String())))
        if postgres
        else sa.text(
            "UPDATE projects SET search_text = :text, search_bigrams = :bigrams WHERE id = :id"
        ).bindparams(sa.bindparam("bigrams", type_=sa.JSON()))
    )
    for start in range(0, len(changes), BATCH):
        bind.execute(statement, changes[start : start + BATCH])


def downgrade() -> None:
    pass
