"""Capacity building: training/education activities with participants, and CG support organisations.

Revision ID: 0006_capacity
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0006_capacity"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_organisations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("name_ko", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("staff_count", sa.Integer(), nullable=False),
        sa.Column("coordinator_count", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_organisations")),
        sa.UniqueConstraint("sgg_code", "name_ko", name=op.f("uq_support_organisations_sgg_code_name_ko")),
    )
    op.create_index(op.f("ix_support_organisations_sgg_code"), "support_organisations", ["sgg_code"])
    op.create_table(
        "capacity_activities",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("support_organisation_id", sa.String(36), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_activities")),
        sa.ForeignKeyConstraint(
            ["support_organisation_id"],
            ["support_organisations.id"],
            name=op.f("fk_capacity_activities_support_organisation_id_support_organisations"),
        ),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440", name=op.f("ck_capacity_activities_one_day")),
    )
    op.create_index(op.f("ix_capacity_activities_sgg_code"), "capacity_activities", ["sgg_code"])
    op.create_index(op.f("ix_capacity_activities_held_on"), "capacity_activities", ["held_on"])
    op.create_table(
        "capacity_participants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("activity_id", sa.String(36), nullable=False),
        sa.Column("participant_kind", sa.String(30), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_participants")),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["capacity_activities.id"],
            name=op.f("fk_capacity_participants_activity_id_capacity_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_capacity_participants_member_id_members")
        ),
        sa.UniqueConstraint(
            "activity_id", "member_id", name=op.f("uq_capacity_participants_activity_id_member_id")
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_capacity_participants_positive")),
    )
    op.create_index(op.f("ix_capacity_participants_activity_id"), "capacity_participants", ["activity_id"])
    op.create_index(op.f("ix_capacity_participants_member_id"), "capacity_participants", ["member_id"])


def downgrade() -> None:
    op.drop_table("capacity_participants")
    op.drop_table("capacity_activities")
    op.drop_table("support_organisations")
