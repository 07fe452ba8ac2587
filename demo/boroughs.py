"""The city view at the end of ``make demo``: one ``GET /v1/boroughs`` per service, 25 rows each,
printed as two tables (what the registry and committee show; what planning and budget show)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from demo.scenario import SERVICES, CgApi

Row = dict[str, Any]


async def fetch(api: CgApi) -> dict[str, dict[str, Row]]:
    """``{service: {sgg_code: row}}`` from the four services' borough tables."""
    tables = {}
    for service in SERVICES:
        body = await api.get(service, "/v1/boroughs")
        rows = body["rows"]
        assert len(rows) == 25, f"{service} /v1/boroughs returned {len(rows)} rows"
        tables[service] = {r["sgg_code"]: r for r in rows}
    return tables


def _eok(krw: int) -> str:
    """Money in 억원 (100 million won), the unit Seoul's budget tables use."""
    return f"{krw / 100_000_000:,.1f}"


def _pct(share: float) -> str:
    return f"{share:.0%}"


def tables(data: dict[str, dict[str, Row]]) -> list[Table]:
    codes = sorted(data["registry"])
    projects = Table(title="25 boroughs — registry and committee (GET /v1/boroughs)")
    for name in (
        "borough",
        "projects",
        "money (억원)",
        "SMG share",
        "in overlaps (억원)",
        "double-funded pairs",
        "tokenism risk",
        "seats civ.",
        "votes civ.",
        "attendance",
        "valid decisions",
        "capacity",
    ):
        projects.add_column(name, justify="left" if name == "borough" else "right")
    for code in codes:
        reg, com = data["registry"][code], data["committee"][code]
        projects.add_row(
            escape(reg["name_ko"]),
            str(reg["project_count"]),
            _eok(reg["total_krw"]),
            _pct(reg["smg_grant_krw_share"]),
            _eok(reg["overlap_krw"]),
            str(reg["double_funded_pair_count"]),
            f"{reg['tokenism_risk_count']}/{reg['assessed_count']}",
            _pct(com["civilian_seat_share"]) if com["seated_count"] else "—",
            _pct(com["civilian_vote_share"]) if com["vote_count"] else "—",
            _pct(com["attendance_rate"]) if com["attendance_records"] else "—",
            f"{com['valid_decision_count']}/{com['decision_count']}",
            f"{com['capacity']['capacity_score']}/4",
        )
    plans = Table(title="25 boroughs — planning and budget (GET /v1/boroughs)")
    for name in (
        "borough",
        "plans",
        "adopted",
        "items res./civic/dept",
        "proposals",
        "deliberation people",
        "requests",
        "ballots",
        "PB turnout",
        "allocated (억원)",
    ):
        plans.add_column(name, justify="left" if name == "borough" else "right")
    for code in codes:
        pla, bud = data["planning"][code], data["budget"][code]
        origins = pla["items_by_origin"]
        adopted = sum(pla["plans_by_state"].get(s, 0) for s in ("ADOPTED", "IN_EXECUTION", "EVALUATED"))
        plans.add_row(
            escape(pla["name_ko"]),
            str(pla["plan_count"]),
            str(adopted),
            f"{origins.get('resident', 0)}/{origins.get('civic_group', 0)}/{origins.get('department', 0)}",
            str(pla["proposal_count"]),
            str(pla["deliberation_participants"]),
            str(bud["request_count"]),
            str(bud["ballot_count"]),
            f"{bud['pb_turnout']:.3%}",
            _eok(bud["allocated_krw"]),
        )
    return [projects, plans]
