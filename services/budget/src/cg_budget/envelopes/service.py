"""Envelope use cases: set amounts, compute the SMG grant by formula, keep the plan-grade read model."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.common import ensure_officer
from cg_budget.cycles import calendar as cal
from cg_budget.cycles import service as cycles
from cg_budget.cycles.calendar import Level
from cg_budget.cycles.models import Cycle
from cg_budget.envelopes.formula import GrantFormula, compute_grant
from cg_budget.envelopes.models import Envelope, PlanEvaluation
from cg_budget.envelopes.schemas import (
    EnvelopeKind,
    EnvelopeRead,
    EnvelopeSet,
    GrantComputation,
    GrantFormulaIn,
)
from cg_budget.settings import BudgetSettings
from cg_budget.writes import finish_write
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.db import utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.events.budget import EnvelopeSet as EnvelopeSetEvent
from cg_shared.events.planning import PlanEvaluated
from cg_shared.http import Conflict, FieldError, Unprocessable, check_if_match
from cg_shared.i18n import msg
from cg_shared.rows import bump_version, get_or_404


def to_read(env: Envelope) -> EnvelopeRead:
    return EnvelopeRead(
        id=env.id,
        cycle_id=env.cycle_id,
        sgg_code=env.sgg_code,
        kind=EnvelopeKind(env.kind),
        amount_krw=env.amount_krw,
        allocated_krw=env.allocated_krw,
        available_krw=env.amount_krw - env.allocated_krw,
        integrated_source=env.integrated_source,
        formula=env.formula,
        note=env.note,
        revision=env.revision,
        version=env.version,
        created_at=env.created_at,
        updated_at=env.updated_at,
    )


def funding_source(env: Envelope) -> str:
    """Registry funding-line source of money drawn from ``env`` (documented mapping)."""
    if env.kind == EnvelopeKind.SMG_GRANT.value:
        return "smg_grant"
    if env.kind == EnvelopeKind.BOROUGH.value:
        return "borough"
    return env.integrated_source or "smg_grant"


def ensure_may_set(principal: Principal, cycle: Cycle, kind: EnvelopeKind) -> None:
    """The city's money (its grant, and everything of the SMG-level cycle) is set by smg_admin only."""
    if kind is EnvelopeKind.SMG_GRANT or cycle.level == Level.SMG.value:
        ensure_role(principal, Role.SMG_ADMIN)
    else:
        ensure_officer(principal, cycle.sgg_code)


async def find(
    session: AsyncSession, cycle_id: str, kind: EnvelopeKind, *, for_update: bool = False
) -> Envelope | None:
    stmt = select(Envelope).where(Envelope.cycle_id == cycle_id, Envelope.kind == kind.value)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def _ensure_revisable(
    env: Envelope, kind: EnvelopeKind, amount_krw: int, integrated_source: str | None
) -> None:
    """An envelope never goes below what was allocated from it, nor changes the source of that money."""
    if amount_krw < env.allocated_krw:
        raise Conflict(
            msg(
                "the {kind} envelope already has {allocated_krw:,} KRW allocated; it cannot be lowered to {amount_krw:,} KRW",
                kind=kind.value,
                allocated_krw=env.allocated_krw,
                amount_krw=amount_krw,
            ),
            slug="envelope-overspent",
            extra={"allocated_krw": env.allocated_krw, "requested_amount_krw": amount_krw},
        )
    if integrated_source is not None and env.allocated_krw > 0 and integrated_source != env.integrated_source:
        raise Conflict(
            "the funding source of an integrated envelope is fixed once money was allocated from it"
        )


async def _write_amount(
    session: AsyncSession,
    *,
    principal: Principal,
    cycle: Cycle,
    kind: EnvelopeKind,
    amount_krw: int,
    note: str,
    integrated_source: str | None,
    formula: dict[str, object] | None,
    if_match: str | None,
) -> EnvelopeRead:
    revision = await cycles.money_window(session, cycle, cal.ENVELOPE_WINDOW, what="setting an envelope")
    env = await find(session, cycle.id, kind, for_update=True)
    if integrated_source is not None and kind is not EnvelopeKind.INTEGRATED:
        raise Unprocessable(
            "integrated_source applies to the integrated envelope only",
            errors=[FieldError(field="body.integrated_source", message="only for kind integrated")],
        )
    now = utcnow()
    before = None
    if env is None:
        env = Envelope(
            cycle_id=cycle.id,
            sgg_code=cycle.sgg_code,
            kind=kind.value,
            amount_krw=amount_krw,
            allocated_krw=0,
            integrated_source=(integrated_source or "smg_grant") if kind is EnvelopeKind.INTEGRATED else None,
            formula=formula,
            note=note,
            revision=revision,
            version=1,
            created_at=now,
            updated_at=now,
            updated_by=principal.sub,
        )
        session.add(env)
    else:
        check_if_match(if_match, env.version)
        _ensure_revisable(env, kind, amount_krw, integrated_source)
        before = to_read(env).model_dump()
        env.amount_krw = amount_krw
        env.note = note
        env.formula = formula
        if integrated_source is not None:
            env.integrated_source = integrated_source
        env.revision = revision
        bump_version(env, at=now)
        env.updated_by = principal.sub
    return await finish_write(
        session,
        env,
        lambda: to_read(env),
        actor=principal,
        action="envelope.set",
        entity_type="envelope",
        before=before,
        event=lambda _: EnvelopeSetEvent(
            envelope_id=env.id,
            cycle_id=cycle.id,
            sgg_code=cycle.sgg_code,
            kind=kind.value,
            amount_krw=amount_krw,
        ),
    )


async def set_amount(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: str,
    kind: EnvelopeKind,
    envelope_in: EnvelopeSet,
    if_match: str | None,
) -> EnvelopeRead:
    cycle = await cycles.load(session, cycle_id)
    ensure_may_set(principal, cycle, kind)
    return await _write_amount(
        session,
        principal=principal,
        cycle=cycle,
        kind=kind,
        amount_krw=envelope_in.amount_krw,
        note=envelope_in.note,
        integrated_source=envelope_in.integrated_source,
        formula=None,
        if_match=if_match,
    )


async def grade_for(session: AsyncSession, *, sgg_code: str, fiscal_year: int) -> tuple[str | None, str]:
    """The grade earned for ``fiscal_year``: the latest evaluation of an earlier year (the previous one first)."""
    row = (
        await session.execute(
            select(PlanEvaluation)
            .where(PlanEvaluation.sgg_code == sgg_code, PlanEvaluation.fiscal_year < fiscal_year)
            .order_by(PlanEvaluation.fiscal_year.desc(), PlanEvaluation.updated_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None or row.grade is None:
        return None, "none"
    return row.grade, f"plan_evaluation:{row.plan_id}:{row.fiscal_year}"


async def compute_smg_grant(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: str,
    formula_in: GrantFormulaIn,
    settings: BudgetSettings,
    if_match: str | None,
) -> GrantComputation:
    cycle = await cycles.load(session, cycle_id)
    ensure_role(principal, Role.SMG_ADMIN)
    district = DISTRICTS.get(cycle.sgg_code)
    if cycle.level != Level.BOROUGH.value or district is None:
        raise Conflict("the SMG grant formula applies to borough cycles only")
    try:
        formula = GrantFormula(
            base_krw=settings.grant_base_krw if formula_in.base_krw is None else formula_in.base_krw,
            per_resident_krw=(
                settings.grant_per_resident_krw
                if formula_in.per_resident_krw is None
                else formula_in.per_resident_krw
            ),
            grade_bonus_krw=settings.grade_bonus()
            if formula_in.grade_bonus_krw is None
            else formula_in.grade_bonus_krw,
        )
    except ValueError as exc:
        raise Unprocessable(
            exc.args[0], errors=[FieldError(field="body.grade_bonus_krw", message=exc.args[0])]
        ) from exc
    grade: str | None
    if formula_in.grade is not None:
        grade, grade_source = formula_in.grade, "override"
    else:
        grade, grade_source = await grade_for(session, sgg_code=cycle.sgg_code, fiscal_year=cycle.fiscal_year)
    breakdown = compute_grant(formula, sgg_code=cycle.sgg_code, population=district.population, grade=grade)
    envelope = None
    if formula_in.apply:
        envelope = await _write_amount(
            session,
            principal=principal,
            cycle=cycle,
            kind=EnvelopeKind.SMG_GRANT,
            amount_krw=breakdown.total_krw,
            note=formula_in.note,
            integrated_source=None,
            formula={
                **breakdown.as_dict(),
                "grade_source": grade_source,
                "parameters": {
                    "base_krw": formula.base_krw,
                    "per_resident_krw": formula.per_resident_krw,
                    "grade_bonus_krw": dict(formula.grade_bonus_krw),
                },
            },
            if_match=if_match,
        )
    return GrantComputation(
        sgg_code=cycle.sgg_code,
        population=breakdown.population,
        grade=grade,
        grade_source=grade_source,
        base_krw=breakdown.base_krw,
        population_krw=breakdown.population_krw,
        grade_bonus_krw=breakdown.grade_bonus_krw,
        total_krw=breakdown.total_krw,
        applied=formula_in.apply,
        envelope=envelope,
    )


async def list_for_cycle(*, session: AsyncSession, cycle_id: str) -> list[EnvelopeRead]:
    await cycles.load(session, cycle_id)
    rows = (
        await session.execute(select(Envelope).where(Envelope.cycle_id == cycle_id).order_by(Envelope.kind))
    ).scalars()
    return [to_read(r) for r in rows]


async def get(*, session: AsyncSession, envelope_id: str) -> EnvelopeRead:
    return to_read(
        await get_or_404(
            session, Envelope, envelope_id, msg("no envelope with id {envelope_id}", envelope_id=envelope_id)
        )
    )


async def record_evaluation(*, session: AsyncSession, payload: PlanEvaluated) -> None:
    """Consumer of planning's PlanEvaluated: keep the latest grade per plan and year (idempotent upsert)."""
    row = await session.get(PlanEvaluation, (payload.plan_id, payload.fiscal_year), with_for_update=True)
    if row is None:
        session.add(
            PlanEvaluation(
                plan_id=payload.plan_id,
                fiscal_year=payload.fiscal_year,
                sgg_code=payload.sgg_code,
                grade=payload.grade,
                updated_at=utcnow(),
            )
        )
    else:
        row.grade = payload.grade
        row.sgg_code = payload.sgg_code
        row.updated_at = utcnow()
