"""SMG funding channels: grant programmes (공모사업) with applications and awards, and the integrated (block)
grant per borough and fiscal year with its uses on adopted plan items.

Revision ID: 0007_smg_funding
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0007_smg_funding"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_smg_programmes()
    _upgrade_smg_applications()
    _upgrade_smg_block_grants()
    _upgrade_smg_block_grant_uses()


def _upgrade_smg_programmes() -> None:
    op.create_table(
        "smg_programmes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smg_programmes")),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("policy_field", sa.String(100), nullable=True),
        sa.Column("pool_krw", sa.BigInteger(), nullable=False),
        sa.Column("max_award_krw", sa.BigInteger(), nullable=True),
        sa.Column("awarded_krw", sa.BigInteger(), nullable=False),
        sa.Column("call_opens_on", sa.Date(), nullable=False),
        sa.Column("call_closes_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("code", name=op.f("uq_smg_programmes_code")),
        sa.CheckConstraint("call_closes_on >= call_opens_on", name=op.f("ck_smg_programmes_call_window")),
        sa.CheckConstraint(
            "awarded_krw >= 0 AND awarded_krw <= pool_krw", name=op.f("ck_smg_programmes_within_pool")
        ),
    )
    op.create_index(op.f("ix_smg_programmes_fiscal_year"), "smg_programmes", ["fiscal_year"])


def _upgrade_smg_applications() -> None:
    op.create_table(
        "smg_applications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smg_applications")),
        sa.Column(
            "programme_id",
            sa.String(36),
            sa.ForeignKey("smg_programmes.id", name=op.f("fk_smg_applications_programme_id_smg_programmes")),
            nullable=False,
        ),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("requested_krw", sa.BigInteger(), nullable=False),
        sa.Column("plan_item_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("award_krw", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index(op.f("ix_smg_applications_programme_id"), "smg_applications", ["programme_id"])
    op.create_index(op.f("ix_smg_applications_sgg_code"), "smg_applications", ["sgg_code"])


def _upgrade_smg_block_grants() -> None:
    op.create_table(
        "smg_block_grants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smg_block_grants")),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("assigned_krw", sa.BigInteger(), nullable=False),
        sa.Column("grade", sa.String(5), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("sgg_code", "fiscal_year", name=op.f("uq_smg_block_grants_sgg_code_fiscal_year")),
        sa.CheckConstraint(
            "assigned_krw >= 0 AND assigned_krw <= amount_krw", name=op.f("ck_smg_block_grants_within_grant")
        ),
    )
    op.create_index(op.f("ix_smg_block_grants_sgg_code"), "smg_block_grants", ["sgg_code"])


def _upgrade_smg_block_grant_uses() -> None:
    op.create_table(
        "smg_block_grant_uses",
        sa.Column("id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smg_block_grant_uses")),
        sa.Column(
            "block_grant_id",
            sa.String(36),
            sa.ForeignKey(
                "smg_block_grants.id", name=op.f("fk_smg_block_grant_uses_block_grant_id_smg_block_grants")
            ),
            nullable=False,
        ),
        sa.Column(
            "request_id",
            sa.String(36),
            sa.ForeignKey(
                "budget_requests.id", name=op.f("fk_smg_block_grant_uses_request_id_budget_requests")
            ),
            nullable=False,
        ),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_item_id", sa.String(64), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("request_id", name=op.f("uq_smg_block_grant_uses_request_id")),
        sa.CheckConstraint("amount_krw > 0", name=op.f("ck_smg_block_grant_uses_positive")),
    )
    op.create_index(
        op.f("ix_smg_block_grant_uses_block_grant_id"), "smg_block_grant_uses", ["block_grant_id"]
    )


def downgrade() -> None:
    op.drop_table("smg_block_grant_uses")
    op.drop_table("smg_block_grants")
    op.drop_table("smg_applications")
    op.drop_table("smg_programmes")
