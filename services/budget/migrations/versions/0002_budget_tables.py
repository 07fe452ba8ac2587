"""Budget service tables: cycles, envelopes, requests, elections, allocations, imports, webhooks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime
from cg_shared.messaging.tables import BigId

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_cycles()
    _upgrade_imports()
    _upgrade_plan_evaluations()
    _upgrade_program_figures()
    _upgrade_webhook_subscriptions()
    _upgrade_budget_requests()
    _upgrade_cycle_transitions()
    _upgrade_envelopes()
    _upgrade_supplementary_budgets()
    _upgrade_webhook_deliveries()
    _upgrade_elections()
    _upgrade_request_revisions()
    _upgrade_webhook_attempts()
    _upgrade_allocations()
    _upgrade_ballot_imports()
    _upgrade_ballots()
    _upgrade_election_outcomes()
    _upgrade_election_projects()
    _upgrade_allocation_lines()


def _upgrade_cycles() -> None:
    op.create_table(
        "cycles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title_ko", sa.String(length=300), nullable=False),
        sa.Column("bill_submitted_on", sa.Date(), nullable=True),
        sa.Column("enacted_on", sa.Date(), nullable=True),
        sa.Column("provisional_since", sa.Date(), nullable=True),
        sa.Column("execution_started_on", sa.Date(), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycles")),
        sa.UniqueConstraint("sgg_code", "fiscal_year", name=op.f("uq_cycles_sgg_code_fiscal_year")),
    )
    op.create_index(op.f("ix_cycles_sgg_code"), "cycles", ["sgg_code"], unique=False)


def _upgrade_imports() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("applied_count", sa.Integer(), nullable=False),
        sa.Column("total_krw", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("sgg_code", "idempotency_key", name=op.f("uq_imports_sgg_code_idempotency_key")),
    )
    op.create_index(op.f("ix_imports_sgg_code"), "imports", ["sgg_code"], unique=False)


def _upgrade_plan_evaluations() -> None:
    op.create_table(
        "plan_evaluations",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("grade", sa.String(length=5), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "fiscal_year", name=op.f("pk_plan_evaluations")),
    )
    op.create_index(op.f("ix_plan_evaluations_sgg_code"), "plan_evaluations", ["sgg_code"], unique=False)


def _upgrade_program_figures() -> None:
    op.create_table(
        "program_figures",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("program_key", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=10), nullable=False),
        sa.Column("sector", sa.String(length=10), nullable=False),
        sa.Column("policy_program", sa.String(length=200), nullable=False),
        sa.Column("unit_program", sa.String(length=200), nullable=False),
        sa.Column("detail_program", sa.String(length=200), nullable=False),
        sa.Column("object_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("appropriated_krw", sa.BigInteger(), nullable=False),
        sa.Column("executed_krw", sa.BigInteger(), nullable=False),
        sa.Column("last_import_id", sa.String(length=36), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_figures")),
        sa.UniqueConstraint(
            "sgg_code",
            "fiscal_year",
            "program_key",
            name=op.f("uq_program_figures_sgg_code_fiscal_year_program_key"),
        ),
    )


def _upgrade_webhook_subscriptions() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        op.f("ix_webhook_subscriptions_sgg_code"), "webhook_subscriptions", ["sgg_code"], unique=False
    )


def _upgrade_budget_requests() -> None:
    op.create_table(
        "budget_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("plan_item_id", sa.String(length=64), nullable=True),
        sa.Column("title_ko", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("policy_field", sa.String(length=100), nullable=True),
        sa.Column("responsible_department", sa.String(length=200), nullable=True),
        sa.Column("partner_organisations", sa.JSON(), nullable=False),
        sa.Column("linked_project_ids", sa.JSON(), nullable=False),
        sa.Column("yearly_amounts", sa.JSON(), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=True),
        sa.Column("field", sa.String(length=10), nullable=True),
        sa.Column("sector", sa.String(length=10), nullable=True),
        sa.Column("policy_program", sa.String(length=200), nullable=True),
        sa.Column("unit_program", sa.String(length=200), nullable=True),
        sa.Column("detail_program", sa.String(length=200), nullable=True),
        sa.Column("object_code", sa.String(length=20), nullable=True),
        sa.Column("requested_krw", sa.BigInteger(), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("feasibility", sa.String(length=30), nullable=False),
        sa.Column("feasibility_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_budget_requests_cycle_id_cycles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_requests")),
        sa.UniqueConstraint(
            "plan_item_id", "fiscal_year", name=op.f("uq_budget_requests_plan_item_id_fiscal_year")
        ),
    )
    op.create_index(op.f("ix_budget_requests_cycle_id"), "budget_requests", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_budget_requests_fiscal_year"), "budget_requests", ["fiscal_year"], unique=False)
    op.create_index(op.f("ix_budget_requests_plan_id"), "budget_requests", ["plan_id"], unique=False)
    op.create_index(op.f("ix_budget_requests_sgg_code"), "budget_requests", ["sgg_code"], unique=False)


def _upgrade_cycle_transitions() -> None:
    op.create_table(
        "cycle_transitions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_cycle_transitions_cycle_id_cycles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_transitions")),
    )
    op.create_index(op.f("ix_cycle_transitions_cycle_id"), "cycle_transitions", ["cycle_id"], unique=False)


def _upgrade_envelopes() -> None:
    op.create_table(
        "envelopes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("allocated_krw", sa.BigInteger(), nullable=False),
        sa.Column("integrated_source", sa.String(length=20), nullable=True),
        sa.Column("formula", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "allocated_krw >= 0 AND allocated_krw <= amount_krw", name=op.f("ck_envelopes_within_amount")
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_envelopes_cycle_id_cycles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_envelopes")),
        sa.UniqueConstraint("cycle_id", "kind", name=op.f("uq_envelopes_cycle_id_kind")),
    )
    op.create_index(op.f("ix_envelopes_cycle_id"), "envelopes", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_envelopes_sgg_code"), "envelopes", ["sgg_code"], unique=False)


def _upgrade_supplementary_budgets() -> None:
    op.create_table(
        "supplementary_budgets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enacted_on", sa.Date(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_supplementary_budgets_cycle_id_cycles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplementary_budgets")),
        sa.UniqueConstraint("cycle_id", "number", name=op.f("uq_supplementary_budgets_cycle_id_number")),
    )
    op.create_index(
        op.f("ix_supplementary_budgets_cycle_id"), "supplementary_budgets", ["cycle_id"], unique=False
    )


def _upgrade_webhook_deliveries() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_next_attempt_at"), "webhook_deliveries", ["next_attempt_at"], unique=False
    )
    op.create_index(op.f("ix_webhook_deliveries_status"), "webhook_deliveries", ["status"], unique=False)
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id"), "webhook_deliveries", ["subscription_id"], unique=False
    )


def _upgrade_elections() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("title_ko", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("ballot_type", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("tie_breaking", sa.String(length=30), nullable=False),
        sa.Column("budget_krw", sa.BigInteger(), nullable=False),
        sa.Column("envelope_id", sa.String(length=36), nullable=True),
        sa.Column("min_length", sa.Integer(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("max_points_total", sa.Integer(), nullable=True),
        sa.Column("max_points_per_project", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("pb_meta", sa.JSON(), nullable=True),
        sa.Column("ballot_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_elections_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["envelopes.id"], name=op.f("fk_elections_envelope_id_envelopes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
    )
    op.create_index(op.f("ix_elections_cycle_id"), "elections", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_elections_sgg_code"), "elections", ["sgg_code"], unique=False)


def _upgrade_request_revisions() -> None:
    op.create_table(
        "request_revisions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_requests.id"],
            name=op.f("fk_request_revisions_request_id_budget_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_revisions")),
    )
    op.create_index(
        op.f("ix_request_revisions_request_id"), "request_revisions", ["request_id"], unique=False
    )


def _upgrade_webhook_attempts() -> None:
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("webhook_timestamp", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(
        op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"], unique=False
    )


def _upgrade_allocations() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("sgg_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("election_id", sa.String(length=36), nullable=True),
        sa.Column("supplementary_number", sa.Integer(), nullable=False),
        sa.Column("total_krw", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_allocations_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_allocations_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("election_id", name=op.f("uq_allocations_election_id")),
    )
    op.create_index(op.f("ix_allocations_cycle_id"), "allocations", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_allocations_sgg_code"), "allocations", ["sgg_code"], unique=False)


def _upgrade_ballot_imports() -> None:
    op.create_table(
        "ballot_imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("election_id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("ballot_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_ballot_imports_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_imports")),
        sa.UniqueConstraint(
            "election_id", "idempotency_key", name=op.f("uq_ballot_imports_election_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_ballot_imports_election_id"), "ballot_imports", ["election_id"], unique=False)


def _upgrade_ballots() -> None:
    op.create_table(
        "ballots",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(length=36), nullable=False),
        sa.Column("voter_key", sa.String(length=250), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("import_id", sa.String(length=36), nullable=True),
        sa.Column("cast_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_ballots_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("election_id", "voter_key", name=op.f("uq_ballots_election_id_voter_key")),
    )
    op.create_index(op.f("ix_ballots_election_id"), "ballots", ["election_id"], unique=False)


def _upgrade_election_outcomes() -> None:
    op.create_table(
        "election_outcomes",
        sa.Column("election_id", sa.String(length=36), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("selected", sa.JSON(), nullable=False),
        sa.Column("cost_krw", sa.BigInteger(), nullable=False),
        sa.Column("per_voter_budget", sa.String(length=100), nullable=True),
        sa.Column("explanations", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("ballot_count", sa.Integer(), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.Column("computed_by", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_election_outcomes_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("election_id", name=op.f("pk_election_outcomes")),
    )


def _upgrade_election_projects() -> None:
    op.create_table(
        "election_projects",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("election_id", sa.String(length=36), nullable=False),
        sa.Column("project_key", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("cost_krw", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_election_projects_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_requests.id"],
            name=op.f("fk_election_projects_request_id_budget_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_projects")),
        sa.UniqueConstraint(
            "election_id", "project_key", name=op.f("uq_election_projects_election_id_project_key")
        ),
    )
    op.create_index(
        op.f("ix_election_projects_election_id"), "election_projects", ["election_id"], unique=False
    )


def _upgrade_allocation_lines() -> None:
    op.create_table(
        "allocation_lines",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("allocation_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("envelope_id", sa.String(length=36), nullable=False),
        sa.Column("envelope_kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=True),
        sa.Column("plan_item_id", sa.String(length=64), nullable=True),
        sa.Column("linked_project_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"], ["allocations.id"], name=op.f("fk_allocation_lines_allocation_id_allocations")
        ),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["envelopes.id"], name=op.f("fk_allocation_lines_envelope_id_envelopes")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["budget_requests.id"],
            name=op.f("fk_allocation_lines_request_id_budget_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_lines")),
        sa.UniqueConstraint("request_id", name=op.f("uq_allocation_lines_request_id")),
    )
    op.create_index(
        op.f("ix_allocation_lines_allocation_id"), "allocation_lines", ["allocation_id"], unique=False
    )
    op.create_index(
        op.f("ix_allocation_lines_envelope_id"), "allocation_lines", ["envelope_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("allocation_lines")
    op.drop_table("election_projects")
    op.drop_table("election_outcomes")
    op.drop_table("ballots")
    op.drop_table("ballot_imports")
    op.drop_table("allocations")
    op.drop_table("webhook_attempts")
    op.drop_table("request_revisions")
    op.drop_table("elections")
    op.drop_table("webhook_deliveries")
    op.drop_table("supplementary_budgets")
    op.drop_table("envelopes")
    op.drop_table("cycle_transitions")
    op.drop_table("budget_requests")
    op.drop_table("webhook_subscriptions")
    op.drop_table("program_figures")
    op.drop_table("plan_evaluations")
    op.drop_table("imports")
    op.drop_table("cycles")
