"""FastAPI application of the committee service."""

from __future__ import annotations

from fastapi import FastAPI

from cg_committee.access import WRITE_ROLES
from cg_committee.agenda.router import router as agenda_router
from cg_committee.applications.router import router as applications_router
from cg_committee.boroughs.router import router as boroughs_router
from cg_committee.capacity.router import router as capacity_router
from cg_committee.committees.router import router as committees_router
from cg_committee.consumers import handlers
from cg_committee.decisions.router import router as decisions_router
from cg_committee.meetings.calendar_router import router as calendar_router
from cg_committee.meetings.router import router as meetings_router
from cg_committee.members.router import router as members_router
from cg_committee.metrics.router import router as metrics_router
from cg_committee.minutes.router import router as minutes_router
from cg_committee.opendata.datasets import DATASETS
from cg_committee.settings import CommitteeSettings, get_settings
from cg_committee.sweep import term_sweeper
from cg_committee.votes.router import router as votes_router
from cg_committee.working_groups.router import router as working_groups_router
from cg_shared.app import create_service_app
from cg_shared.open_data import open_data_router

DESCRIPTION = """
Each borough's collaborative-governance committee (민관협치위원회): seats, members and terms with the
ordinance's composition rules, open-call applications, working groups, meetings with public notice,
agenda items (also from planning's `plan.submitted`), attendance, named votes, recusal, decisions with
computed validity, minutes and an iCalendar feed.

Reads are public (member contact data only for the borough's secretariat); writes need a
`committee_secretary` or `borough_officer` token of the borough (or `smg_admin`).
"""

TAGS = [
    {"name": "committees", "description": "One committee per borough and its versioned ordinance settings"},
    {"name": "members", "description": "Seats, terms, co-chairs, composition compliance"},
    {"name": "open calls", "description": "Residents apply; the secretariat shortlists and appoints"},
    {"name": "working groups", "description": "Working groups (분과) that prepare agenda items"},
    {"name": "meetings", "description": "Meetings, public notice, attendance, iCalendar"},
    {"name": "agenda", "description": "Agenda items and where they are placed"},
    {"name": "votes", "description": "Motions and named votes"},
    {"name": "decisions", "description": "Decisions with their computed validity and reasons"},
    {"name": "minutes", "description": "Minutes: draft → approved → published"},
    {"name": "metrics", "description": "Participation metrics for the tokenism view"},
    {"name": "capacity", "description": "Training of members and residents, support organisations"},
    {"name": "open data", "description": "Bulk CSV/JSON downloads: decisions and attendance (public)"},
    {"name": "open data", "description": "Bulk CSV/JSON downloads: decisions and attendance (public)"},
    {"name": "boroughs", "description": "One row per borough for comparing the 25 (public)"},
]


def create_app(settings: CommitteeSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — committee",
        description=DESCRIPTION,
        # The order is the order of the published OpenAPI paths (the calendar came last of the meeting routes).
        routers=[
            committees_router,
            members_router,
            applications_router,
            working_groups_router,
            meetings_router,
            agenda_router,
            votes_router,
            decisions_router,
            minutes_router,
            calendar_router,
            metrics_router,
            boroughs_router,
            capacity_router,
            open_data_router("committee", DATASETS),
        ],
        handlers=handlers,
        background=[term_sweeper],
        openapi_tags=TAGS,
        write_roles=WRITE_ROLES,
    )
