"""Plans, transitions, evaluations, committee decisions, items, fundings, proposals, deliberations;
registry read model gains lead_department and plan_item_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime
from cg_shared.messaging.tables import BigId

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_prelude()
    _upgrade_plans()
    _upgrade_plan_transitions()
    _upgrade_plan_evaluations()
    _upgrade_committee_decisions()
    _upgrade_plan_items()
    _upgrade_item_fundings()
    _upgrade_proposals()
    _upgrade_deliberations()


def _upgrade_prelude() -> None:
    with op.batch_alter_table("registry_projects") as batch:
        batch.add_column(sa.Column("lead_department", sa.String(200), nullable=True))
        batch.add_column(sa.Column("plan_item_id", sa.String(36), nullable=True))
        batch.create_index(batch.f("ix_registry_projects_plan_item_id"), ["plan_item_id"])


def _upgrade_plans() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("master_plan_id", sa.String(36), nullable=True),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("term_start_year", sa.Integer(), nullable=False),
        sa.Column("term_end_year", sa.Integer(), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("coordinator_name", sa.String(100), nullable=True),
        sa.Column("coordinator_organisation", sa.String(200), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("adopted_at", UtcDateTime(), nullable=True),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.ForeignKeyConstraint(["master_plan_id"], ["plans.id"], name=op.f("fk_plans_master_plan_id_plans")),
        sa.UniqueConstraint(
            "master_plan_id", "fiscal_year", name=op.f("uq_plans_master_plan_id_fiscal_year")
        ),
    )
    op.create_index(op.f("ix_plans_sgg_code"), "plans", ["sgg_code"])
    op.create_index(op.f("ix_plans_state"), "plans", ["state"])
    op.create_index(op.f("ix_plans_master_plan_id"), "plans", ["master_plan_id"])


def _upgrade_plan_transitions() -> None:
    op.create_table(
        "plan_transitions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(50), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_transitions")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_transitions_plan_id_plans")),
    )
    op.create_index(op.f("ix_plan_transitions_plan_id"), "plan_transitions", ["plan_id"])


def _upgrade_plan_evaluations() -> None:
    op.create_table(
        "plan_evaluations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("item_results", sa.JSON(), nullable=False),
        sa.Column("total_items", sa.Integer(), nullable=False),
        sa.Column("completed_items", sa.Integer(), nullable=False),
        sa.Column("item_completion_rate", sa.Float(), nullable=False),
        sa.Column("kpi_achievement_rate", sa.Float(), nullable=True),
        sa.Column("participation", sa.JSON(), nullable=False),
        sa.Column("grade", sa.String(2), nullable=True),
        sa.Column("graded_by", sa.String(200), nullable=True),
        sa.Column("graded_at", UtcDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_evaluations")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_evaluations_plan_id_plans")),
        sa.UniqueConstraint("plan_id", "fiscal_year", name=op.f("uq_plan_evaluations_plan_id_fiscal_year")),
    )
    op.create_index(op.f("ix_plan_evaluations_plan_id"), "plan_evaluations", ["plan_id"])


def _upgrade_committee_decisions() -> None:
    op.create_table(
        "committee_decisions",
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(200), nullable=True),
        sa.Column("committee_id", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.String(64), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("tally", sa.JSON(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_committee_decisions")),
    )
    op.create_index(op.f("ix_committee_decisions_plan_id"), "committee_decisions", ["plan_id"])


def _upgrade_plan_items() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("policy_field", sa.String(50), nullable=True),
        sa.Column("dong", sa.String(50), nullable=True),
        sa.Column("responsible_department", sa.String(200), nullable=True),
        sa.Column("applicant_organisations", sa.JSON(), nullable=False),
        sa.Column("partner_organisations", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("requested_budget", sa.JSON(), nullable=False),
        sa.Column("requested_total_krw", sa.BigInteger(), nullable=False),
        sa.Column("program_codes", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("linked_project_ids", sa.JSON(), nullable=False),
        sa.Column("source_proposal_id", sa.String(36), nullable=True),
        sa.Column("funded_krw", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_items_plan_id_plans")),
    )
    op.create_index(op.f("ix_plan_items_plan_id"), "plan_items", ["plan_id"])
    op.create_index(op.f("ix_plan_items_sgg_code"), "plan_items", ["sgg_code"])


def _upgrade_item_fundings() -> None:
    op.create_table(
        "item_fundings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("allocation_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_fundings")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_item_fundings_item_id_plan_items")
        ),
        sa.UniqueConstraint(
            "allocation_id",
            "request_id",
            "item_id",
            name=op.f("uq_item_fundings_allocation_id_request_id_item_id"),
        ),
    )
    op.create_index(op.f("ix_item_fundings_item_id"), "item_fundings", ["item_id"])


def _upgrade_proposals() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("idea", sa.Text(), nullable=False),
        sa.Column("dong", sa.String(50), nullable=False),
        sa.Column("estimated_cost_krw", sa.BigInteger(), nullable=False),
        sa.Column("target_group", sa.String(100), nullable=False),
        sa.Column("proposer_sub", sa.String(200), nullable=False),
        sa.Column("proposer_name", sa.String(100), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("proposer_kind", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("screening_reason", sa.Text(), nullable=True),
        sa.Column("item_id", sa.String(36), nullable=True),
        sa.Column("merged_into_proposal_id", sa.String(36), nullable=True),
        sa.Column("screened_by", sa.String(200), nullable=True),
        sa.Column("screened_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_proposals_plan_id_plans")),
        sa.ForeignKeyConstraint(["item_id"], ["plan_items.id"], name=op.f("fk_proposals_item_id_plan_items")),
    )
    for column in ("sgg_code", "plan_id", "proposer_sub", "status", "item_id", "merged_into_proposal_id"):
        op.create_index(op.f(f"ix_proposals_{column}"), "proposals", [column])


def _upgrade_deliberations() -> None:
    op.create_table(
        "deliberations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("item_id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changed_item", sa.Boolean(), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliberations")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["plan_items.id"], name=op.f("fk_deliberations_item_id_plan_items")
        ),
    )
    op.create_index(op.f("ix_deliberations_item_id"), "deliberations", ["item_id"])
    op.create_index(op.f("ix_deliberations_plan_id"), "deliberations", ["plan_id"])


def downgrade() -> None:
    for table in (
        "deliberations",
        "proposals",
        "item_fundings",
        "plan_items",
        "committee_decisions",
        "plan_evaluations",
        "plan_transitions",
        "plans",
    ):
        op.drop_table(table)
    with op.batch_alter_table("registry_projects") as batch:
        batch.drop_index(batch.f("ix_registry_projects_plan_item_id"))
        batch.drop_column("plan_item_id")
        batch.drop_column("lead_department")
