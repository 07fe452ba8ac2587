"""Budget cycle use cases: open, move through the legal calendar, supplementary budgets, deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.common import ensure_known_sgg, ensure_officer
from cg_budget.cycles import calendar as cal
from cg_budget.cycles.calendar import CycleStatus, Level
from cg_budget.cycles.models import Cycle, CycleTransition, SupplementaryBudget
from cg_budget.cycles.schemas import (
    CalendarRead,
    CycleCreate,
    CycleRead,
    DeadlineRead,
    SupplementaryCreate,
    SupplementaryEnact,
    SupplementaryRead,
    TransitionIn,
    TransitionRead,
)
from cg_budget.writes import finish_write
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.db import utcnow
from cg_shared.districts import SMG_CODE
from cg_shared.events.budget import CycleOpened
from cg_shared.http import (
    Conflict,
    FieldError,
    NotFound,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
    encode_cursor,
)
from cg_shared.i18n import msg
from cg_shared.rows import bump_version, loader

SYSTEM = "system:legal-calendar"


def to_read(cycle: Cycle) -> CycleRead:
    status = CycleStatus(cycle.status)
    return CycleRead(
        id=cycle.id,
        level=Level(cycle.level),
        sgg_code=cycle.sgg_code,
        fiscal_year=cycle.fiscal_year,
        status=status,
        title_ko=cycle.title_ko,
        bill_submitted_on=cycle.bill_submitted_on,
        enacted_on=cycle.enacted_on,
        provisional_since=cycle.provisional_since,
        execution_started_on=cycle.execution_started_on,
        settled_on=cycle.settled_on,
        allowed_transitions=list(cal.TRANSITIONS[status]),
        version=cycle.version,
        created_at=cycle.created_at,
        updated_at=cycle.updated_at,
    )


load = loader(Cycle, lambda cycle_id: msg("no budget cycle with id {cycle_id}", cycle_id=cycle_id))


async def drafting_supplementary(session: AsyncSession, cycle_id: str) -> SupplementaryBudget | None:
    return (
        await session.execute(
            select(SupplementaryBudget).where(
                SupplementaryBudget.cycle_id == cycle_id, SupplementaryBudget.status == "drafting"
            )
        )
    ).scalar_one_or_none()


async def money_window(
    session: AsyncSession, cycle: Cycle, window: frozenset[CycleStatus], *, what: str
) -> int:
    """The revision number money moves under: 0 inside ``window``, n while supplementary budget n is being
    drafted in an enacted/executing cycle; 409 otherwise."""
    status = CycleStatus(cycle.status)
    if status in window:
        return 0
    if status in cal.SUPPLEMENTARY_STATES:
        supplementary = await drafting_supplementary(session, cycle.id)
        if supplementary is not None:
            return supplementary.number
    raise Conflict(
        msg("{what} is not possible while the cycle is {status}", what=what, status=status.value),
        slug="cycle-state",
        extra={
            "current": status.value,
            "allowed_states": sorted(s.value for s in window),
            "hint": "or open a supplementary budget (추경) once the budget is enacted",
        },
    )


async def open_cycle(*, session: AsyncSession, principal: Principal, cycle_in: CycleCreate) -> CycleRead:
    ensure_known_sgg(cycle_in.sgg_code, field="body.sgg_code")
    ensure_officer(principal, cycle_in.sgg_code)
    existing = await session.scalar(
        select(Cycle.id).where(Cycle.sgg_code == cycle_in.sgg_code, Cycle.fiscal_year == cycle_in.fiscal_year)
    )
    if existing is not None:
        raise Conflict(
            msg(
                "borough {sgg_code} already has a cycle for fiscal year {fiscal_year}",
                sgg_code=cycle_in.sgg_code,
                fiscal_year=cycle_in.fiscal_year,
            ),
            extra={"cycle_id": existing},
        )
    level = Level.SMG if cycle_in.sgg_code == SMG_CODE else Level.BOROUGH
    now = utcnow()
    cycle = Cycle(
        level=level.value,
        sgg_code=cycle_in.sgg_code,
        fiscal_year=cycle_in.fiscal_year,
        status=CycleStatus.OPEN.value,
        title_ko=cycle_in.title_ko,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=principal.sub,
    )
    session.add(cycle)
    await session.flush()
    # Requests opened from plans adopted before the cycle existed join it now.
    await session.execute(
        update(BudgetRequest)
        .where(
            BudgetRequest.sgg_code == cycle.sgg_code,
            BudgetRequest.fiscal_year == cycle.fiscal_year,
            BudgetRequest.cycle_id.is_(None),
        )
        .values(cycle_id=cycle.id)
    )
    return await finish_write(
        session,
        cycle,
        lambda: to_read(cycle),
        actor=principal,
        action="cycle.open",
        entity_type="cycle",
        event=lambda _: CycleOpened(
            cycle_id=cycle.id, sgg_code=cycle.sgg_code, fiscal_year=cycle.fiscal_year, level=level.value
        ),
    )


async def get(*, session: AsyncSession, cycle_id: str) -> CycleRead:
    return to_read(await load(session, cycle_id))


async def list_(
    *,
    session: AsyncSession,
    page: PageParams,
    sgg_code: str | None,
    fiscal_year: int | None,
    status: CycleStatus | None,
) -> Page[CycleRead]:
    stmt = select(Cycle).order_by(Cycle.fiscal_year.desc(), Cycle.sgg_code, Cycle.id).limit(page.limit + 1)
    if sgg_code:
        stmt = stmt.where(Cycle.sgg_code == sgg_code)
    if fiscal_year:
        stmt = stmt.where(Cycle.fiscal_year == fiscal_year)
    if status:
        stmt = stmt.where(Cycle.status == status.value)
    if page.cursor:
        year, sgg, cid = page.cursor
        stmt = stmt.where(
            (Cycle.fiscal_year < year)
            | ((Cycle.fiscal_year == year) & (Cycle.sgg_code > sgg))
            | ((Cycle.fiscal_year == year) & (Cycle.sgg_code == sgg) & (Cycle.id > cid))
        )
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return Page(
        items=[to_read(r) for r in rows],
        next_cursor=encode_cursor([last.fiscal_year, last.sgg_code, last.id]) if more and last else None,
    )


def _apply_move(cycle: Cycle, target: CycleStatus, on: date) -> None:
    if target is CycleStatus.BILL_SUBMITTED:
        cycle.bill_submitted_on = on
    elif target is CycleStatus.ENACTED:
        cycle.enacted_on = on
    elif target is CycleStatus.PROVISIONAL:
        cycle.provisional_since = on
    elif target is CycleStatus.EXECUTION:
        cycle.execution_started_on = on
    elif target is CycleStatus.SETTLED:
        cycle.settled_on = on
    cycle.status = target.value
    bump_version(cycle)


def _move(
    session: AsyncSession, cycle: Cycle, target: CycleStatus, on: date, *, actor: str, note: str
) -> dict[str, Any]:
    """The cycle moves to ``target`` dated ``on``, with its transition row; returns the cycle as it was."""
    before = to_read(cycle).model_dump()
    current = cycle.status
    _apply_move(cycle, target, on)
    session.add(
        CycleTransition(
            cycle_id=cycle.id,
            from_status=current,
            to_status=target.value,
            effective_on=on,
            at=utcnow(),
            actor=actor,
            note=note,
        )
    )
    return before


async def _ensure_not_backdated(session: AsyncSession, cycle: Cycle, on: date) -> None:
    """A legal step's date cannot precede what the record already says happened: the cycle's previous
    step. Backdating a bill to before the 21 November deadline after recording later steps would make
    the deadline report lie."""
    last = await session.scalar(
        select(func.max(CycleTransition.effective_on)).where(CycleTransition.cycle_id == cycle.id)
    )
    if last is not None and on < last:
        raise Unprocessable(
            msg(
                "the cycle's previous step is dated {previous}; a later step cannot be backdated before it",
                previous=last.isoformat(),
            ),
            errors=[
                FieldError(
                    field="body.effective_on",
                    message=msg("before the previous step ({previous})", previous=last.isoformat()),
                )
            ],
            slug="backdated",
            extra={"previous_effective_on": last.isoformat()},
        )


async def transition(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: str,
    transition_in: TransitionIn,
    if_match: str | None,
) -> CycleRead:
    cycle = await load(session, cycle_id, for_update=True)
    ensure_officer(principal, cycle.sgg_code)
    check_if_match(if_match, cycle.version, required=False)
    current, target = CycleStatus(cycle.status), transition_in.to
    if not cal.can_move(current, target):
        raise Conflict(
            msg(
                "a cycle in {current} cannot move to {target}; allowed: {allowed}",
                current=current.value,
                target=target.value,
                allowed=", ".join(cal.allowed_moves(current)) or msg("none (final state)"),
            ),
            slug="illegal-transition",
            extra={
                "current": current.value,
                "requested": target.value,
                "allowed": cal.allowed_moves(current),
            },
        )
    on = transition_in.effective_on or today_seoul()
    await _ensure_not_backdated(session, cycle, on)
    reason = cal.move_guard(current, target, fiscal_year=cycle.fiscal_year, on=on)
    if reason:
        # The move is allowed, its date is not: the problem names the date field (a form shows it there).
        raise Conflict(
            reason,
            errors=[FieldError(field="body.effective_on", message=reason)],
            slug="illegal-transition",
            extra={
                "current": current.value,
                "requested": target.value,
                "allowed": cal.allowed_moves(current),
            },
        )
    if target is CycleStatus.SETTLED and await drafting_supplementary(session, cycle.id) is not None:
        raise Conflict("enact or drop the supplementary budget being drafted before the settlement")
    before = _move(session, cycle, target, on, actor=principal.sub, note=transition_in.note)
    return await finish_write(
        session,
        cycle,
        lambda: to_read(cycle),
        actor=principal,
        action=f"cycle.transition.{target.value.lower()}",
        entity_type="cycle",
        before=before,
    )


async def apply_legal_calendar(*, session: AsyncSession, today: date) -> list[str]:
    """Moves the law makes by itself: 준예산 from 1 Jan without a budget; execution of an enacted budget."""
    moved: list[str] = []
    candidates = (
        await session.execute(
            select(Cycle)
            .where(
                Cycle.fiscal_year <= today.year,
                Cycle.status.in_([s.value for s in (*cal.PRE_ENACTMENT, CycleStatus.ENACTED)]),
            )
            .with_for_update()
        )
    ).scalars()
    for cycle in candidates:
        current = CycleStatus(cycle.status)
        target = cal.automatic_move(current, cycle.fiscal_year, today)
        if target is None:
            continue
        # Both moves take legal effect on 1 Jan, even when the sweep runs a few days later.
        on = cal.fiscal_year_start(cycle.fiscal_year)
        before = _move(session, cycle, target, on, actor=SYSTEM, note="automatic move by the legal calendar")
        record_audit(
            session,
            actor=SYSTEM,
            action=f"cycle.transition.{target.value.lower()}",
            entity_type="cycle",
            entity_id=cycle.id,
            sgg_code=cycle.sgg_code,
            before=before,
            after=to_read(cycle).model_dump(),
        )
        moved.append(cycle.id)
    return moved


def _supplementary_read(row: SupplementaryBudget) -> SupplementaryRead:
    return SupplementaryRead.model_validate(row)


async def calendar(
    *, session: AsyncSession, cycle_id: str, as_of: date | None, warn_days: int
) -> CalendarRead:
    cycle = await load(session, cycle_id)
    status = CycleStatus(cycle.status)
    day = as_of or today_seoul()
    recorded = cal.CycleDates(
        bill_submitted_on=cycle.bill_submitted_on,
        enacted_on=cycle.enacted_on,
        provisional_since=cycle.provisional_since,
        settled_on=cycle.settled_on,
    )
    items = cal.deadlines(Level(cycle.level), cycle.fiscal_year, recorded, as_of=day, warn_days=warn_days)
    warnings = []
    for d in items:
        if d.overdue:
            warnings.append(
                f"{d.label_en} ({d.label_ko}) was due {d.due.isoformat()}: {-d.days_left} days overdue"
            )
        elif d.warning:
            warnings.append(
                f"{d.label_en} ({d.label_ko}) is due {d.due.isoformat()}: {d.days_left} days left"
            )
    supplementary = (
        await session.execute(
            select(SupplementaryBudget)
            .where(SupplementaryBudget.cycle_id == cycle.id)
            .order_by(SupplementaryBudget.number)
        )
    ).scalars()
    transitions = (
        await session.execute(
            select(CycleTransition).where(CycleTransition.cycle_id == cycle.id).order_by(CycleTransition.id)
        )
    ).scalars()
    return CalendarRead(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        level=Level(cycle.level),
        fiscal_year=cycle.fiscal_year,
        status=status,
        as_of=day,
        allowed_transitions=list(cal.TRANSITIONS[status]),
        provisional_budget_in_force=cal.provisional_in_force(status, cycle.fiscal_year, day),
        deadlines=[
            DeadlineRead(
                key=d.key,
                label_ko=d.label_ko,
                label_en=d.label_en,
                due=d.due,
                met_on=d.met_on,
                days_left=d.days_left,
                overdue=d.overdue,
                warning=d.warning,
                state=d.state,
            )
            for d in items
        ],
        warnings=warnings,
        supplementary_budgets=[_supplementary_read(s) for s in supplementary],
        transitions=[TransitionRead.model_validate(t) for t in transitions],
    )


async def open_supplementary(
    *, session: AsyncSession, principal: Principal, cycle_id: str, supplementary_in: SupplementaryCreate
) -> SupplementaryRead:
    cycle = await load(session, cycle_id, for_update=True)
    ensure_officer(principal, cycle.sgg_code)
    status = CycleStatus(cycle.status)
    if status not in cal.SUPPLEMENTARY_STATES:
        raise Conflict(
            msg(
                "a supplementary budget amends an enacted budget; this cycle is {status}", status=status.value
            ),
            slug="cycle-state",
            extra={
                "current": status.value,
                "allowed_states": sorted(s.value for s in cal.SUPPLEMENTARY_STATES),
            },
        )
    if await drafting_supplementary(session, cycle.id) is not None:
        raise Conflict("a supplementary budget is already being drafted; enact it first")
    number = (
        await session.scalar(
            select(func.coalesce(func.max(SupplementaryBudget.number), 0)).where(
                SupplementaryBudget.cycle_id == cycle.id
            )
        )
        or 0
    ) + 1
    row = SupplementaryBudget(
        cycle_id=cycle.id,
        number=number,
        title=supplementary_in.title,
        reason=supplementary_in.reason,
        status="drafting",
        created_at=utcnow(),
        created_by=principal.sub,
    )
    session.add(row)
    bump_version(cycle)
    return await finish_write(
        session,
        row,
        lambda: _supplementary_read(row),
        actor=principal,
        action="cycle.supplementary.open",
        entity_type="supplementary_budget",
        sgg_code=cycle.sgg_code,
    )


async def _last_supplementary_enactment(session: AsyncSession, cycle_id: str) -> date | None:
    value: date | None = await session.scalar(
        select(func.max(SupplementaryBudget.enacted_on)).where(SupplementaryBudget.cycle_id == cycle_id)
    )
    return value


async def enact_supplementary(
    *, session: AsyncSession, principal: Principal, cycle_id: str, number: int, enact_in: SupplementaryEnact
) -> SupplementaryRead:
    cycle = await load(session, cycle_id, for_update=True)
    ensure_officer(principal, cycle.sgg_code)
    row = (
        await session.execute(
            select(SupplementaryBudget).where(
                SupplementaryBudget.cycle_id == cycle.id, SupplementaryBudget.number == number
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(
            msg(
                "cycle {cycle_id} has no supplementary budget number {number}",
                cycle_id=cycle_id,
                number=number,
            )
        )
    if row.status != "drafting":
        raise Conflict(
            msg("supplementary budget {number} is already {status}", number=number, status=row.status)
        )
    enacted_on = enact_in.enacted_on or today_seoul()
    # A supplementary budget amends an enacted budget: it cannot be enacted before that budget, or
    # before an earlier supplementary budget of the same year.
    floor = max(
        [
            d
            for d in (cycle.enacted_on, await _last_supplementary_enactment(session, cycle.id))
            if d is not None
        ],
        default=None,
    )
    if floor is not None and enacted_on < floor:
        raise Unprocessable(
            msg(
                "supplementary budget {number} cannot be enacted before {floor} (the budget it amends)",
                number=number,
                floor=floor.isoformat(),
            ),
            errors=[
                FieldError(field="body.enacted_on", message=msg("before {floor}", floor=floor.isoformat()))
            ],
            slug="backdated",
        )
    before = _supplementary_read(row).model_dump()
    row.status = "enacted"
    row.enacted_on = enacted_on
    bump_version(cycle)
    return await finish_write(
        session,
        row,
        lambda: _supplementary_read(row),
        actor=principal,
        action="cycle.supplementary.enact",
        entity_type="supplementary_budget",
        before=before,
        sgg_code=cycle.sgg_code,
    )
