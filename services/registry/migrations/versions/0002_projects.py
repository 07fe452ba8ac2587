"""Registry tables: projects, funding lines, history, assessments, duplicate pairs, imports; search indexes.

PostgreSQL gets a pg_trgm GIN index on ``projects.search_text`` (substring search for Hangul and
English); when the extension cannot be created the index is skipped and search falls back to a scan.
SQLite gets an FTS5 trigram table kept in sync by triggers (skipped when FTS5 is missing).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cg_shared.db import UtcDateTime
from cg_shared.districts import DISTRICTS

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _upgrade_projects()
    _upgrade_funding_lines()
    _upgrade_project_history()
    _upgrade_code_counters()
    _upgrade_unmatched_allocation_lines()
    _upgrade_assessments()
    _upgrade_duplicate_pairs()
    _upgrade_import_batches()


def _upgrade_projects() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("summary_ko", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=True),
        sa.Column("lead_department", sa.String(200), nullable=True),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("policy_field", sa.String(40), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("plan_item_id", sa.String(100), nullable=True),
        sa.Column("declared_total_krw", sa.BigInteger(), nullable=True),
        sa.Column("total_krw", sa.BigInteger(), nullable=False),
        sa.Column("smg_grant_krw", sa.BigInteger(), nullable=False),
        sa.Column("borough_krw", sa.BigInteger(), nullable=False),
        sa.Column("national_krw", sa.BigInteger(), nullable=False),
        sa.Column("private_krw", sa.BigInteger(), nullable=False),
        sa.Column("has_smg_grant", sa.Boolean(), nullable=False),
        sa.Column("public_led", sa.Boolean(), nullable=False),
        sa.Column("iap2_level", sa.Integer(), nullable=True),
        sa.Column("tokenism_risk", sa.Boolean(), nullable=True),
        sa.Column("assessed_at", UtcDateTime(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column(
            "search_bigrams", postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
        sa.UniqueConstraint("plan_item_id", name=op.f("uq_projects_plan_item_id")),
    )
    op.create_index("ix_projects_sgg_code_code", "projects", ["sgg_code", "code"])
    op.create_index(
        "ix_projects_stats",
        "projects",
        ["sgg_code", "policy_field", "origin", "iap2_level", "status"],
        postgresql_include=[
            "total_krw",
            "smg_grant_krw",
            "borough_krw",
            "national_krw",
            "private_krw",
            "tokenism_risk",
            "public_led",
            "id",
        ],
    )


def _upgrade_funding_lines() -> None:
    op.create_table(
        "funding_lines",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("budget_line_id", sa.String(100), nullable=True),
        sa.Column("allocation_id", sa.String(100), nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_funding_lines_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_lines")),
        sa.UniqueConstraint(
            "project_id",
            "allocation_id",
            "request_id",
            name=op.f("uq_funding_lines_project_id_allocation_id_request_id"),
        ),
    )
    op.create_index(
        "ix_funding_lines_fiscal_year_project_id",
        "funding_lines",
        ["fiscal_year", "project_id"],
        postgresql_include=["source", "amount_krw"],
    )


def _upgrade_project_history() -> None:
    op.create_table(
        "project_history",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_history")),
    )
    op.create_index("ix_project_history_project_id_id", "project_history", ["project_id", "id"])


def _upgrade_code_counters() -> None:
    counters = op.create_table(
        "code_counters",
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_code_counters")),
    )
    # One row per borough and the city: registration only ever UPDATEs (row lock = no duplicate codes).
    op.bulk_insert(
        counters,
        [{"prefix": f"CG-{code}", "last_value": 0} for code in [*sorted(DISTRICTS), "SMG"]],
    )


def _upgrade_unmatched_allocation_lines() -> None:
    op.create_table(
        "unmatched_allocation_lines",
        sa.Column("allocation_id", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=True),
        sa.Column("plan_item_id", sa.String(100), nullable=True),
        sa.Column("linked_project_ids", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("allocation_id", "request_id", name=op.f("pk_unmatched_allocation_lines")),
    )
    op.create_index(
        op.f("ix_unmatched_allocation_lines_plan_item_id"), "unmatched_allocation_lines", ["plan_item_id"]
    )


def _upgrade_assessments() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("iap2_level", sa.Integer(), nullable=False),
        sa.Column("arnstein_rung", sa.Integer(), nullable=False),
        sa.Column("participation_depth", sa.Integer(), nullable=False),
        sa.Column("decision_power", sa.Integer(), nullable=False),
        sa.Column("starting_conditions", sa.Integer(), nullable=False),
        sa.Column("institutional_design", sa.Integer(), nullable=False),
        sa.Column("facilitative_leadership", sa.Integer(), nullable=False),
        sa.Column("process", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.Column("tokenism_risk", sa.Boolean(), nullable=False),
        sa.Column("public_led", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assessed_by", sa.String(200), nullable=False),
        sa.Column("assessed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_assessments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index("ix_assessments_project_id_assessed_at", "assessments", ["project_id", "assessed_at"])


def _upgrade_duplicate_pairs() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("project_a", sa.String(36), nullable=False),
        sa.Column("project_b", sa.String(36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("detected_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_a"],
            ["projects.id"],
            name=op.f("fk_duplicate_pairs_project_a_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_b"],
            ["projects.id"],
            name=op.f("fk_duplicate_pairs_project_b_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_a", "project_b", name=op.f("pk_duplicate_pairs")),
    )
    op.create_index(op.f("ix_duplicate_pairs_project_b"), "duplicate_pairs", ["project_b"])


def _upgrade_import_batches() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("file_format", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
        sa.UniqueConstraint(
            "principal", "idempotency_key", name=op.f("uq_import_batches_principal_idempotency_key")
        ),
    )

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgres_search_index(bind)
    elif bind.dialect.name == "sqlite":
        _sqlite_search_index(bind)


def _postgres_search_index(bind: sa.engine.Connection) -> None:
    # Two-character Hangul words (no trigram): an array GIN index needs no extension.
    op.execute("CREATE INDEX ix_projects_search_bigrams ON projects USING gin (search_bigrams)")
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
    if not available:
        log.warning("pg_trgm is not available: project search will scan instead of using an index")
        return
    # A failed CREATE EXTENSION (no privilege) must not abort the whole migration transaction.
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("could not create pg_trgm (%s): project search will scan instead", exc)
        return
    op.execute("CREATE INDEX ix_projects_search_text_trgm ON projects USING gin (search_text gin_trgm_ops)")


def _sqlite_search_index(bind: sa.engine.Connection) -> None:
    try:
        # Keyed by project id, not rowid: VACUUM and batch-mode table rebuilds may renumber rowids.
        op.execute(
            "CREATE VIRTUAL TABLE projects_fts USING fts5("
            "project_id UNINDEXED, search_text, tokenize='trigram')"
        )
    except sa.exc.OperationalError as exc:
        log.warning("SQLite has no FTS5 trigram tokenizer (%s): project search will scan instead", exc)
        return
    op.execute(
        "CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN "
        "INSERT INTO projects_fts (project_id, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_text ON projects BEGIN "
        "DELETE FROM projects_fts WHERE project_id = old.id; "
        "INSERT INTO projects_fts (project_id, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN "
        "DELETE FROM projects_fts WHERE project_id = old.id; END"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("projects_fts_insert", "projects_fts_update", "projects_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS projects_fts")
    for table in (
        "import_batches",
        "duplicate_pairs",
        "assessments",
        "unmatched_allocation_lines",
        "code_counters",
        "project_history",
        "funding_lines",
        "projects",
    ):
        op.drop_table(table)
