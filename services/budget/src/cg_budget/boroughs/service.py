"""The budget service's per-borough figures: four grouped SQL queries (envelopes, requests, ballots, money)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.boroughs.schemas import BudgetBoroughRow, BudgetBoroughTable
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.cycles.models import Cycle
from cg_budget.elections.models import Ballot, Election
from cg_budget.envelopes.models import Envelope
from cg_budget.finalisation.models import Allocation, AllocationLine
from cg_shared.borough_table import Grouped, boroughs


def _envelopes() -> tuple[Any, Any]:
    """Per borough: envelopes, their money, the SMG grant's part (by the cycle's fiscal year)."""
    stmt = (
        select(
            Envelope.sgg_code,
            func.count(),
            func.coalesce(func.sum(Envelope.amount_krw), 0),
            func.coalesce(func.sum(Envelope.amount_krw).filter(Envelope.kind == "smg_grant"), 0),
        )
        .join(Cycle, Cycle.id == Envelope.cycle_id)
        .group_by(Envelope.sgg_code)
    )
    return stmt, Cycle.fiscal_year


def _requests() -> tuple[Any, Any]:
    """Per borough: budget requests, their money, how many came from an adopted plan."""
    stmt = select(
        BudgetRequest.sgg_code,
        func.count(),
        func.coalesce(func.sum(BudgetRequest.amount_krw), 0),
        func.count().filter(BudgetRequest.source == "plan"),
    ).group_by(BudgetRequest.sgg_code)
    return stmt, BudgetRequest.fiscal_year


def _elections() -> tuple[Any, Any]:
    """Per borough: elections, ballots, distinct voters (by the cycle's fiscal year)."""
    stmt = (
        select(
            Election.sgg_code,
            func.count(func.distinct(Election.id)),
            func.count(Ballot.id),
            func.count(func.distinct(Ballot.voter_key)),
        )
        .join(Cycle, Cycle.id == Election.cycle_id)
        .outerjoin(Ballot, Ballot.election_id == Election.id)
        .group_by(Election.sgg_code)
    )
    return stmt, Cycle.fiscal_year


def _money() -> tuple[Any, Any]:
    """Per borough: money allocated, from the SMG grant and from the borough's own budget."""
    stmt = (
        select(
            Allocation.sgg_code,
            func.coalesce(func.sum(AllocationLine.amount_krw), 0),
            func.coalesce(
                func.sum(AllocationLine.amount_krw).filter(AllocationLine.source == "smg_grant"), 0
            ),
            func.coalesce(func.sum(AllocationLine.amount_krw).filter(AllocationLine.source == "borough"), 0),
        )
        .join(AllocationLine, AllocationLine.allocation_id == Allocation.id)
        .group_by(Allocation.sgg_code)
    )
    return stmt, Allocation.fiscal_year


async def table(session: AsyncSession, *, fiscal_year: int | None) -> BudgetBoroughTable:
    async def grouped(query: tuple[Any, Any]) -> Grouped:
        stmt, year = query
        return Grouped(
            await session.execute(stmt if fiscal_year is None else stmt.where(year == fiscal_year)), 3
        )

    envelopes = await grouped(_envelopes())
    requests = await grouped(_requests())
    elections = await grouped(_elections())
    money = await grouped(_money())
    rows = []
    for district in boroughs():
        code = district.sgg_code
        envelope_n, envelope_krw, envelope_smg = envelopes[code]
        request_n, request_krw, from_plan = requests[code]
        election_n, ballot_n, voters = elections[code]
        allocated, allocated_smg, allocated_borough = money[code]
        rows.append(
            BudgetBoroughRow(
                sgg_code=code,
                name_ko=district.name_ko,
                name_en=district.name_en,
                envelope_count=envelope_n,
                envelope_krw=envelope_krw,
                envelope_smg_grant_krw=envelope_smg,
                request_count=request_n,
                request_krw=request_krw,
                request_from_plan_count=from_plan,
                election_count=election_n,
                ballot_count=ballot_n,
                pb_voter_count=voters,
                pb_turnout=round(voters / district.population, 5) if district.population else 0.0,
                allocated_krw=allocated,
                allocated_smg_grant_krw=allocated_smg,
                allocated_borough_krw=allocated_borough,
            )
        )
    return BudgetBoroughTable(fiscal_year=fiscal_year, rows=rows)
