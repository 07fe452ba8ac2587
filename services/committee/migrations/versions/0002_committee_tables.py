"""Committee tables: committees, ordinance versions, members, open-call applications, working groups,
meetings, agenda items, attendance, motions, named votes, decisions, minutes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cg_shared.db import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(36), nullable=False)


def upgrade() -> None:
    _upgrade_committees()
    _upgrade_committee_ordinances()
    _upgrade_members()
    _upgrade_open_call_applications()
    _upgrade_working_groups()
    _upgrade_working_group_members()
    _upgrade_meetings()
    _upgrade_agenda_items()
    _upgrade_attendance()
    _upgrade_motions()
    _upgrade_votes()
    _upgrade_decisions()
    _upgrade_minutes()


def _upgrade_committees() -> None:
    op.create_table(
        "committees",
        _id(),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("name_ko", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
        sa.UniqueConstraint("sgg_code", name=op.f("uq_committees_sgg_code")),
    )


def _upgrade_committee_ordinances() -> None:
    op.create_table(
        "committee_ordinances",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("size_cap", sa.Integer(), nullable=False),
        sa.Column("civilian_min_percent", sa.Integer(), nullable=False),
        sa.Column("civilian_strict", sa.Boolean(), nullable=False),
        sa.Column("expert_counts_as_civilian", sa.Boolean(), nullable=False),
        sa.Column("co_chair_count", sa.Integer(), nullable=False),
        sa.Column("civilian_co_chairs_min", sa.Integer(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("max_renewals", sa.Integer(), nullable=False),
        sa.Column("carry_over", sa.Boolean(), nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("quorum_strict", sa.Boolean(), nullable=False),
        sa.Column("majority_basis", sa.String(30), nullable=False),
        sa.Column("majorities", sa.JSON(), nullable=False),
        sa.Column("term_end_warning_days", sa.Integer(), nullable=False),
        sa.Column("proxy_allowed", sa.Boolean(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_ordinances_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_ordinances")),
        sa.UniqueConstraint(
            "committee_id",
            "effective_from",
            name=op.f("uq_committee_ordinances_committee_id_effective_from"),
        ),
    )
    op.create_index(op.f("ix_committee_ordinances_committee_id"), "committee_ordinances", ["committee_id"])


def _upgrade_members() -> None:
    op.create_table(
        "members",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("name_ko", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("seat_kind", sa.String(30), nullable=False),
        sa.Column("position_title", sa.String(300), nullable=False),
        sa.Column("user_sub", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("affiliations", sa.JSON(), nullable=False),
        sa.Column("first_term_start", sa.Date(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("left_reason", sa.String(30), nullable=True),
        sa.Column("replaces_member_id", sa.String(36), nullable=True),
        sa.Column("replaced_by_member_id", sa.String(36), nullable=True),
        sa.Column("application_id", sa.String(36), nullable=True),
        sa.Column("is_co_chair", sa.Boolean(), nullable=False),
        sa.Column("term_end_reported_for", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_members_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    op.create_index(op.f("ix_members_committee_id"), "members", ["committee_id"])
    op.create_index(op.f("ix_members_user_sub"), "members", ["user_sub"])


def _upgrade_open_call_applications() -> None:
    op.create_table(
        "open_call_applications",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("applicant_sub", sa.String(200), nullable=False),
        sa.Column("name_ko", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("affiliations", sa.JSON(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.id"],
            name=op.f("fk_open_call_applications_committee_id_committees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_call_applications")),
    )
    op.create_index(
        op.f("ix_open_call_applications_committee_id"), "open_call_applications", ["committee_id"]
    )
    op.create_index(
        op.f("ix_open_call_applications_applicant_sub"), "open_call_applications", ["applicant_sub"]
    )


def _upgrade_working_groups() -> None:
    op.create_table(
        "working_groups",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("name_ko", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_working_groups_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
    )
    op.create_index(op.f("ix_working_groups_committee_id"), "working_groups", ["committee_id"])


def _upgrade_working_group_members() -> None:
    op.create_table(
        "working_group_members",
        sa.Column("working_group_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
            name=op.f("fk_working_group_members_working_group_id_working_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_working_group_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("working_group_id", "member_id", name=op.f("pk_working_group_members")),
    )


def _upgrade_meetings() -> None:
    op.create_table(
        "meetings",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=True),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("notice_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("held_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_meetings_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_committee_id"), "meetings", ["committee_id"])
    op.create_index("ix_meetings_committee_starts", "meetings", ["committee_id", "starts_at"])


def _upgrade_agenda_items() -> None:
    op.create_table(
        "agenda_items",
        _id(),
        sa.Column("committee_id", sa.String(36), nullable=True),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_ko", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("proposed_by_member_id", sa.String(36), nullable=True),
        sa.Column("working_group_id", sa.String(36), nullable=True),
        sa.Column("applicant_organisations", sa.JSON(), nullable=False),
        sa.Column("partner_organisations", sa.JSON(), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_agenda_items_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint("source_event_id", name=op.f("uq_agenda_items_source_event_id")),
    )
    op.create_index(op.f("ix_agenda_items_committee_id"), "agenda_items", ["committee_id"])
    op.create_index(op.f("ix_agenda_items_sgg_code"), "agenda_items", ["sgg_code"])
    op.create_index(op.f("ix_agenda_items_meeting_id"), "agenda_items", ["meeting_id"])
    op.create_index(op.f("ix_agenda_items_subject_id"), "agenda_items", ["subject_id"])


def _upgrade_attendance() -> None:
    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("proxy_holder", sa.String(200), nullable=False),
        sa.Column("arrived_at", UtcDateTime(), nullable=True),
        sa.Column("left_at", UtcDateTime(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_attendance_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_attendance_member_id_members")),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_attendance")),
    )


def _upgrade_motions() -> None:
    op.create_table(
        "motions",
        _id(),
        sa.Column("agenda_item_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("text_ko", sa.String(1000), nullable=False),
        sa.Column("text_en", sa.String(1000), nullable=False),
        sa.Column("proposed_by_member_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"], ["agenda_items.id"], name=op.f("fk_motions_agenda_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_motions_meeting_id_meetings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motions")),
    )
    op.create_index(op.f("ix_motions_agenda_item_id"), "motions", ["agenda_item_id"])
    op.create_index(op.f("ix_motions_meeting_id"), "motions", ["meeting_id"])


def _upgrade_votes() -> None:
    op.create_table(
        "votes",
        sa.Column("motion_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("choice", sa.String(10), nullable=False),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("cast_by", sa.String(200), nullable=False),
        sa.Column("cast_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["motion_id"], ["motions.id"], name=op.f("fk_votes_motion_id_motions")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_votes_member_id_members")),
        sa.PrimaryKeyConstraint("motion_id", "member_id", name=op.f("pk_votes")),
    )


def _upgrade_decisions() -> None:
    op.create_table(
        "decisions",
        _id(),
        sa.Column("motion_id", sa.String(36), nullable=False),
        sa.Column("agenda_item_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("committee_id", sa.String(36), nullable=False),
        sa.Column("sgg_code", sa.String(5), nullable=False),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("required_majority", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("recused_member_ids", sa.JSON(), nullable=False),
        sa.Column("seated", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("yes", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("abstain", sa.Integer(), nullable=False),
        sa.Column("recused", sa.Integer(), nullable=False),
        sa.Column("recused_voted", sa.Integer(), nullable=False),
        sa.Column("ordinance_id", sa.String(36), nullable=False),
        sa.Column("voted_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["motion_id"], ["motions.id"], name=op.f("fk_decisions_motion_id_motions")),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"], ["agenda_items.id"], name=op.f("fk_decisions_agenda_item_id_agenda_items")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_decisions_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("motion_id", name=op.f("uq_decisions_motion_id")),
    )
    op.create_index(op.f("ix_decisions_agenda_item_id"), "decisions", ["agenda_item_id"])
    op.create_index(op.f("ix_decisions_meeting_id"), "decisions", ["meeting_id"])
    op.create_index(op.f("ix_decisions_committee_id"), "decisions", ["committee_id"])


def _upgrade_minutes() -> None:
    op.create_table(
        "minutes",
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("body_ko", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_minutes_meeting_id_meetings")),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_minutes")),
    )


def downgrade() -> None:
    for table in (
        "minutes",
        "decisions",
        "votes",
        "motions",
        "attendance",
        "agenda_items",
        "meetings",
        "working_group_members",
        "working_groups",
        "open_call_applications",
        "members",
        "committee_ordinances",
        "committees",
    ):
        op.drop_table(table)
