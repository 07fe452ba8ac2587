"""The committee's open datasets (``cg_shared.open_data``): decisions and attendance, one row each.

Only public facts leave: no contact data, no token subjects (``recorded_by``, ``cast_by``); members by
their public name and seat kind.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select

from cg_committee.agenda.models import AgendaItem
from cg_committee.committees.models import Committee
from cg_committee.decisions.models import Decision
from cg_committee.meetings.models import Attendance, Meeting
from cg_committee.members.models import Member
from cg_shared.clock import SEOUL
from cg_shared.districts import DISTRICTS
from cg_shared.open_data import Dataset, Filters


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants where the Seoul calendar year begins and the next one begins."""
    start = datetime.combine(datetime(year, 1, 1).date(), time(0), tzinfo=SEOUL).astimezone(UTC)
    end = datetime.combine(datetime(year + 1, 1, 1).date(), time(0), tzinfo=SEOUL).astimezone(UTC)
    return start, end


def _borough(code: str) -> str:
    district = DISTRICTS.get(code)
    return district.name_ko if district else ""


DECISION_COLUMNS = (
    "decision_id",
    "sgg_code",
    "borough_ko",
    "committee_id",
    "meeting_id",
    "meeting_title_ko",
    "meeting_kind",
    "meeting_starts_at",
    "notice_on",
    "agenda_item_title_ko",
    "subject_kind",
    "subject_id",
    "outcome",
    "valid",
    "reasons",
    "required_majority",
    "seated",
    "present",
    "yes",
    "no",
    "abstain",
    "recused",
    "decided_at",
)


def _decisions(filters: Filters) -> Any:
    stmt: Any = (
        select(
            Decision,
            Meeting.title_ko,
            Meeting.kind,
            Meeting.starts_at,
            Meeting.notice_on,
            AgendaItem.title_ko,
        )
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
        .order_by(Decision.decided_at, Decision.id)
    )
    if filters.sgg_code:
        stmt = stmt.where(Decision.sgg_code == filters.sgg_code)
    if filters.year:
        start, end = _year_bounds(filters.year)
        stmt = stmt.where(Decision.decided_at >= start, Decision.decided_at < end)
    return stmt


def _decision_record(row: Any) -> dict[str, Any]:
    d, meeting_title, kind, starts_at, notice_on, item_title = row
    return {
        "decision_id": d.id,
        "sgg_code": d.sgg_code,
        "borough_ko": _borough(d.sgg_code),
        "committee_id": d.committee_id,
        "meeting_id": d.meeting_id,
        "meeting_title_ko": meeting_title,
        "meeting_kind": kind,
        "meeting_starts_at": starts_at,
        "notice_on": notice_on,
        "agenda_item_title_ko": item_title,
        "subject_kind": d.subject_kind,
        "subject_id": d.subject_id,
        "outcome": d.outcome,
        "valid": d.valid,
        "reasons": list(d.reasons or []),
        "required_majority": d.required_majority,
        "seated": d.seated,
        "present": d.present,
        "yes": d.yes,
        "no": d.no,
        "abstain": d.abstain,
        "recused": d.recused,
        "decided_at": d.decided_at,
    }


ATTENDANCE_COLUMNS = (
    "meeting_id",
    "sgg_code",
    "borough_ko",
    "meeting_title_ko",
    "meeting_kind",
    "meeting_status",
    "meeting_starts_at",
    "member_id",
    "member_name_ko",
    "seat_kind",
    "status",
)


def _attendance(filters: Filters) -> Any:
    stmt: Any = (
        select(Attendance, Meeting, Committee.sgg_code, Member.name_ko, Member.seat_kind)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .join(Member, Member.id == Attendance.member_id)
        .order_by(Meeting.starts_at, Meeting.id, Member.name_ko, Member.id)
    )
    if filters.sgg_code:
        stmt = stmt.where(Committee.sgg_code == filters.sgg_code)
    if filters.year:
        start, end = _year_bounds(filters.year)
        stmt = stmt.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return stmt


def _attendance_record(row: Any) -> dict[str, Any]:
    a, m, sgg_code, name_ko, seat_kind = row
    return {
        "meeting_id": m.id,
        "sgg_code": sgg_code,
        "borough_ko": _borough(sgg_code),
        "meeting_title_ko": m.title_ko,
        "meeting_kind": m.kind,
        "meeting_status": m.status,
        "meeting_starts_at": m.starts_at,
        "member_id": a.member_id,
        "member_name_ko": name_ko,
        "seat_kind": seat_kind,
        "status": a.status,
    }


DATASETS = (
    Dataset(
        slug="decisions",
        name="decisions",
        title_ko="민관협치위원회 의결",
        title_en="Committee decisions",
        description="Every recorded decision with its computed validity, reasons, required majority and tally.",
        year_means="calendar year (Seoul) of the decision",
        columns=DECISION_COLUMNS,
        query=_decisions,
        record=_decision_record,
    ),
    Dataset(
        slug="attendance",
        name="attendance",
        title_ko="민관협치위원회 회의 출석",
        title_en="Committee meeting attendance",
        description="One row per member and meeting: present, absent or by proxy; members by public name and seat.",
        year_means="calendar year (Seoul) of the meeting",
        columns=ATTENDANCE_COLUMNS,
        query=_attendance,
        record=_attendance_record,
    ),
)
