"""Parent/child projects and progress: projects.parent_id, projects.progress_pct, project_milestones.

Revision ID: 0008_registry_progress
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0008_registry_progress"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs (no batch mode: on SQLite it would rebuild the table and lose its FTS5 triggers); no
    # foreign key on parent_id for the same reason (the service keeps parents consistent).
    op.add_column("projects", sa.Column("parent_id", sa.String(36), nullable=True))
    op.add_column("projects", sa.Column("progress_pct", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_projects_parent_id", "projects", ["parent_id"])
    # Completed projects are done (the rule for a project without milestones or children).
    op.execute("UPDATE projects SET progress_pct = 100 WHERE status = 'completed'")
    op.create_table(
        "project_milestones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("progress_pct", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_project_milestones_project_id", "project_milestones", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_project_milestones_project_id", table_name="project_milestones")
    op.drop_table("project_milestones")
    op.drop_index("ix_projects_parent_id", table_name="projects")
    op.drop_column("projects", "progress_pct")
    op.drop_column("projects", "parent_id")
