"""Project use cases: one transaction each (the caller's), writing history, audit and outbox in it."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeAlias

from sqlalchemy import (
    Select,
    String,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.districts import ensure_known_borough
from cg_registry.domain import FundingSource, is_public_led, search_bigrams_for, search_text_for
from cg_registry.duplicates import service as duplicates
from cg_registry.duplicates.scoring import title_key
from cg_registry.projects import progress, search
from cg_registry.projects.models import (
    CodeCounter,
    FundingLine,
    Project,
    ProjectHistory,
    UnmatchedAllocationLine,
)
from cg_registry.projects.schemas import (
    AssessmentSummary,
    FundingLineIn,
    FundingLineRead,
    HistoryEntry,
    Partner,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.db import utcnow
from cg_shared.events.envelope import make_event
from cg_shared.events.registry import (
    FundingLineData,
    ProjectDeleted,
    ProjectRegistered,
    ProjectSnapshot,
    ProjectUpdated,
)
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
from cg_shared.messaging import add_to_outbox
from cg_shared.messaging.tables import AuditEntry, OutboxMessage

Actor: TypeAlias = Principal | str  # a signed-in person, or "system:<service>" for event-driven writes

# Fields a change is recorded for (history, audit, ProjectUpdated.changed_fields).
TRACKED_FIELDS = (
    "code",
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "sgg_code",
    "lead_department",
    "partners",
    "origin",
    "policy_field",
    "target_groups",
    "start_date",
    "end_date",
    "status",
    "plan_item_id",
    "funding_lines",
    "declared_total_krw",
    "total_krw",
    "public_led",
    "iap2_level",
    "tokenism_risk",
    "parent_id",
    "progress_pct",
)


@dataclasses.dataclass(frozen=True)
class ProjectFilters:
    sgg_code: str | None = None
    city_wide: bool | None = None
    status: str | None = None
    origin: str | None = None
    source: str | None = None
    policy_field: str | None = None
    active_from: date | None = None
    active_to: date | None = None
    q: str | None = None
    plan_item_id: str | None = None
    has_smg_grant: bool | None = None
    tokenism_risk: bool | None = None


def actor_name(actor: Actor) -> str:
    return str(actor.sub) if isinstance(actor, Principal) else actor


# --- reading --------------------------------------------------------------------------------------


async def lines_by_project(session: AsyncSession, project_ids: Sequence[str]) -> dict[str, list[FundingLine]]:
    result: dict[str, list[FundingLine]] = defaultdict(list)
    if not project_ids:
        return result
    rows = await session.execute(
        select(FundingLine)
        .where(FundingLine.project_id.in_(list(project_ids)))
        .order_by(FundingLine.project_id, FundingLine.fiscal_year, FundingLine.source, FundingLine.id)
    )
    for line in rows.scalars():
        result[line.project_id].append(line)
    return result


def to_read(project: Project, lines: Sequence[FundingLine]) -> ProjectRead:
    lines = sorted(lines, key=lambda line: (line.fiscal_year, line.source, line.id or 0))
    return ProjectRead(
        id=project.id,
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        summary_ko=project.summary_ko,
        summary_en=project.summary_en,
        sgg_code=project.sgg_code,
        city_wide=project.sgg_code is None,
        lead_department=project.lead_department,
        partners=[Partner.model_validate(p) for p in project.partners or []],
        origin=project.origin,
        policy_field=project.policy_field,
        target_groups=list(project.target_groups or []),
        start_date=project.start_date,
        end_date=project.end_date,
        status=project.status,
        plan_item_id=project.plan_item_id,
        budget_line_ids=sorted({line.budget_line_id for line in lines if line.budget_line_id}),
        funding_lines=[FundingLineRead.model_validate(line) for line in lines],
        declared_total_krw=project.declared_total_krw,
        total_krw=project.total_krw,
        smg_grant_krw=project.smg_grant_krw,
        has_smg_grant=project.has_smg_grant,
        public_led=project.public_led,
        assessment=AssessmentSummary(
            iap2_level=project.iap2_level,
            tokenism_risk=project.tokenism_risk,
            assessed_at=project.assessed_at,
        ),
        version=project.version,
        created_at=project.created_at,
        updated_at=project.updated_at,
        parent_id=project.parent_id,
        progress_pct=project.progress_pct,
    )


async def load(session: AsyncSession, project_id: str, *, for_update: bool = False) -> Project:
    project = await session.get(Project, project_id, with_for_update=for_update)
    if project is None:
        raise NotFound(msg("no project with id {project_id}", project_id=project_id))
    return project


async def read(session: AsyncSession, project: Project) -> ProjectRead:
    lines = await lines_by_project(session, [project.id])
    return to_read(project, lines.get(project.id, []))


async def get(*, session: AsyncSession, project_id: str) -> ProjectRead:
    return await read(session, await load(session, project_id))


def apply_filters(stmt: Select[Any], filters: ProjectFilters) -> Select[Any]:
    if filters.sgg_code is not None:
        stmt = stmt.where(Project.sgg_code == filters.sgg_code)
    if filters.city_wide is True:
        stmt = stmt.where(Project.sgg_code.is_(None))
    elif filters.city_wide is False:
        stmt = stmt.where(Project.sgg_code.is_not(None))
    if filters.status:
        stmt = stmt.where(Project.status == filters.status)
    if filters.origin:
        stmt = stmt.where(Project.origin == filters.origin)
    if filters.policy_field:
        stmt = stmt.where(Project.policy_field == filters.policy_field)
    if filters.plan_item_id:
        stmt = stmt.where(Project.plan_item_id == filters.plan_item_id)
    if filters.has_smg_grant is not None:
        stmt = stmt.where(Project.has_smg_grant.is_(filters.has_smg_grant))
    if filters.tokenism_risk is not None:
        stmt = stmt.where(Project.tokenism_risk.is_(filters.tokenism_risk))
    if filters.source == FundingSource.SMG_GRANT:
        stmt = stmt.where(Project.has_smg_grant.is_(True))  # maintained column: no join needed
    elif filters.source:
        stmt = stmt.where(
            exists().where(FundingLine.project_id == Project.id, FundingLine.source == filters.source)
        )
    # Period overlap with [active_from, active_to]; an open end overlaps everything after its start.
    if filters.active_from is not None:
        stmt = stmt.where((Project.end_date.is_(None)) | (Project.end_date >= filters.active_from))
    if filters.active_to is not None:
        stmt = stmt.where((Project.start_date.is_(None)) | (Project.start_date <= filters.active_to))
    return stmt


# The columns a list item shows (not the search columns): selected as plain rows, because building ORM
# entities for a page (~33 projects + ~110 lines) cost more than the queries (bench/rest profile).
_LIST_COLUMNS = tuple(
    c for c in Project.__table__.columns if c.key not in {"search_text", "search_bigrams", "dup_key"}
)
_LINE_COLUMNS = (
    FundingLine.project_id,
    FundingLine.id,
    FundingLine.source,
    FundingLine.fiscal_year,
    FundingLine.amount_krw,
    FundingLine.budget_line_id,
    FundingLine.allocation_id,
    FundingLine.request_id,
)


async def line_dicts_by_project(
    session: AsyncSession, project_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Funding lines of many projects with one query, as dicts in :func:`to_read` order."""
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not project_ids:
        return result
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: the same prepared statement for every page size (an expanded IN list is
        # a new statement text, planned again, for each number of ids — 2 ms of a 6 ms list request).
        where = FundingLine.project_id == any_(bindparam("ids", list(project_ids), type_=ARRAY(String())))
    else:
        where = FundingLine.project_id.in_(list(project_ids))
    rows = await session.execute(
        select(*_LINE_COLUMNS)
        .where(where)
        .order_by(FundingLine.project_id, FundingLine.fiscal_year, FundingLine.source, FundingLine.id)
    )
    for row in rows.mappings():
        line = dict(row)
        result[line.pop("project_id")].append(line)
    return result


def row_to_read_dict(row: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The :class:`ProjectRead` fields of a project row (same values as :func:`to_read`)."""
    item = dict(row)
    for name in ("borough_krw", "national_krw", "private_krw", "iap2_level", "tokenism_risk", "assessed_at"):
        item.pop(name, None)
    item.pop("created_by", None)
    item.pop("updated_by", None)
    item["city_wide"] = row["sgg_code"] is None
    item["partners"] = row["partners"] or []
    item["target_groups"] = row["target_groups"] or []
    item["budget_line_ids"] = sorted({line["budget_line_id"] for line in lines if line["budget_line_id"]})
    item["funding_lines"] = lines
    item["assessment"] = {
        "iap2_level": row["iap2_level"],
        "tokenism_risk": row["tokenism_risk"],
        "assessed_at": row["assessed_at"],
    }
    return item


# A search matching more projects than this is served by walking the code index instead (see below).
SEARCH_MATCH_CAP = 8_000


async def _search_ids_by_index(
    session: AsyncSession, *, filters: ProjectFilters, page: PageParams
) -> list[str] | None:
    """One page of a text search (PostgreSQL): find every match through the search indexes, sort only
    the matches by code. None when the words match more than :data:`SEARCH_MATCH_CAP` projects.

    Left to itself, PostgreSQL walks the code index and filters with LIKE until it has a page, expecting
    matches spread evenly; but place names cluster (codes carry the borough), so a word like 송파구 made it
    read 84,000 rows before the first match (270 ms at 100k). Matches are collected in a MATERIALIZED
    CTE, which the planner serves with the trigram/bigram GIN index. For a very common word the walk
    finds a page quickly, and sorting all its matches would not pay: that case falls back to it. Only
    Hangul queries take this path: the clustered words are Korean place names, while English words are
    spread over the code order, where the walk stays the faster plan (bench/scale: English p95 34 ms by
    walk, 56 ms through the index)."""
    candidates: Select[Any] = apply_filters(select(Project.id, Project.code), filters)  # type: ignore[arg-type]
    candidates = await search.apply_text_filter(session, candidates, filters.q or "")
    if page.cursor:
        candidates = candidates.where(Project.code > str(page.cursor[0]))
    matches = candidates.limit(SEARCH_MATCH_CAP + 1).cte("matches").prefix_with("MATERIALIZED")
    ranked = (
        select(matches.c.id, select(func.count()).select_from(matches).scalar_subquery().label("matched"))
        .order_by(matches.c.code)
        .limit(page.limit + 1)
    )
    found = list(await session.execute(ranked))
    if not found:
        return []
    if found[0].matched > SEARCH_MATCH_CAP:
        return None
    return [row.id for row in found]


def _ids_page(ids: list[str]) -> Select[Any]:
    return (
        select(*_LIST_COLUMNS)
        .where(Project.id == any_(bindparam("ids", ids, type_=ARRAY(String()))))
        .order_by(Project.code)
    )


def _check_period(filters: ProjectFilters) -> None:
    if filters.active_from and filters.active_to and filters.active_to < filters.active_from:
        raise Unprocessable(
            "the period filter is empty",
            errors=[FieldError(field="query.active_to", message="active_to is before active_from")],
        )


async def _page_rows_statement(
    session: AsyncSession, *, filters: ProjectFilters, page: PageParams
) -> Select[Any] | None:
    """The statement selecting one page's project rows (limit + 1, by code); None for an empty page."""
    _check_period(filters)
    if filters.q and search.has_hangul(filters.q) and session.get_bind().dialect.name == "postgresql":
        ids = await _search_ids_by_index(session, filters=filters, page=page)
        if ids is not None:
            return _ids_page(ids) if ids else None
    stmt = apply_filters(select(*_LIST_COLUMNS), filters)
    if filters.q:
        stmt = await search.apply_text_filter(session, stmt, filters.q)
    if page.cursor:
        stmt = stmt.where(Project.code > str(page.cursor[0]))
    return stmt.order_by(Project.code).limit(page.limit + 1)


_PAGE_OF_PROJECTS = Page[ProjectRead]


async def list_projects(
    *, session: AsyncSession, filters: ProjectFilters, page: PageParams
) -> Page[ProjectRead]:
    stmt = await _page_rows_statement(session, filters=filters, page=page)
    rows = [] if stmt is None else list((await session.execute(stmt)).mappings())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    lines = await line_dicts_by_project(session, [row["id"] for row in rows])
    # One pydantic-core validation of the whole page (the same checks ProjectRead applies field by field).
    return _PAGE_OF_PROJECTS.model_validate(
        {
            "items": [row_to_read_dict(row, lines.get(row["id"], [])) for row in rows],
            "next_cursor": encode_cursor([rows[-1]["code"]]) if more and rows else None,
        }
    )


async def history(*, session: AsyncSession, project_id: str, page: PageParams) -> Page[HistoryEntry]:
    stmt = select(ProjectHistory).where(ProjectHistory.project_id == project_id)
    if page.cursor:
        stmt = stmt.where(ProjectHistory.id > int(page.cursor[0]))
    rows = list((await session.execute(stmt.order_by(ProjectHistory.id).limit(page.limit + 1))).scalars())
    if not rows and not page.cursor and await session.get(Project, project_id) is None:
        raise NotFound(msg("no project with id {project_id}", project_id=project_id))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[HistoryEntry.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
    )


# --- derived state, snapshots, history ------------------------------------------------------------


def apply_money(project: Project, lines: Sequence[FundingLine]) -> None:
    """Maintain the per-project totals statistics aggregate (never computed at read time)."""
    by_source = dict.fromkeys(FundingSource, 0)
    for line in lines:
        by_source[FundingSource(line.source)] += line.amount_krw
    project.smg_grant_krw = by_source[FundingSource.SMG_GRANT]
    project.borough_krw = by_source[FundingSource.BOROUGH]
    project.national_krw = by_source[FundingSource.NATIONAL]
    project.private_krw = by_source[FundingSource.PRIVATE]
    project.has_smg_grant = project.smg_grant_krw > 0
    project.total_krw = max(project.declared_total_krw or 0, sum(by_source.values()))


def apply_derived(project: Project) -> None:
    project.public_led = is_public_led(project.origin, project.partners or [])
    text = search_text_for(
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        lead_department=project.lead_department,
        partners=project.partners or [],
    )
    if project.search_text != text:  # an unchanged value must not fire the SQLite FTS update trigger
        project.search_text = text
        project.search_bigrams = search_bigrams_for(text)
    key = title_key(project.title_ko)
    if project.dup_key != key:
        project.dup_key = key


def snapshot(
    project: Project,
    lines: Sequence[FundingLine],
    cls: type[ProjectSnapshot] = ProjectRegistered,
    **extra: Any,
) -> ProjectSnapshot:
    return cls(
        project_id=project.id,
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        sgg_code=project.sgg_code,
        policy_field=project.policy_field,
        origin=project.origin,
        status=project.status,
        lead_department=project.lead_department,
        partner_organisations=[str(p.get("name", "")) for p in project.partners or []],
        target_groups=list(project.target_groups or []),
        start_date=project.start_date,
        end_date=project.end_date,
        total_krw=project.total_krw,
        funding_lines=[
            FundingLineData(source=line.source, fiscal_year=line.fiscal_year, amount_krw=line.amount_krw)
            for line in lines
        ],
        plan_item_id=project.plan_item_id,
        parent_id=project.parent_id,
        progress_pct=project.progress_pct,
        version=project.version,
        **extra,
    )


def _comparable(read: ProjectRead) -> dict[str, Any]:
    data = read.model_dump(mode="json")
    data["funding_lines"] = [{k: v for k, v in line.items() if k != "id"} for line in data["funding_lines"]]
    data["iap2_level"] = data["assessment"]["iap2_level"]
    data["tokenism_risk"] = data["assessment"]["tokenism_risk"]
    return data


def diff(before: ProjectRead | None, after: ProjectRead) -> dict[str, dict[str, Any]]:
    new = _comparable(after)
    if before is None:
        return {name: {"before": None, "after": new[name]} for name in TRACKED_FIELDS}
    old = _comparable(before)
    return {
        name: {"before": old[name], "after": new[name]} for name in TRACKED_FIELDS if old[name] != new[name]
    }


def add_history(
    session: AsyncSession, *, project: Project, actor: Actor, action: str, changes: dict[str, Any]
) -> None:
    session.add(
        ProjectHistory(
            project_id=project.id,
            version=project.version,
            at=utcnow(),
            actor=actor_name(actor),
            action=action,
            changes=changes,
        )
    )


async def publish_update(
    session: AsyncSession,
    *,
    project: Project,
    actor: Actor,
    action: str,
    before: ProjectRead,
    audit_action: str,
    extra_changes: dict[str, Any] | None = None,
) -> ProjectRead:
    """After a change to ``project`` (and its lines): bump the version, record history, audit, outbox.

    ``extra_changes`` records changes outside the project row (a milestone) with the field ones."""
    project.version += 1
    project.updated_at = utcnow()
    project.updated_by = actor_name(actor)
    await session.flush()
    lines = (await lines_by_project(session, [project.id])).get(project.id, [])
    after = to_read(project, lines)
    changes = {**diff(before, after), **(extra_changes or {})}
    add_history(session, project=project, actor=actor, action=action, changes=changes)
    record_audit(
        session,
        actor=actor,
        action=audit_action,
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    add_to_outbox(
        session, snapshot(project, lines, ProjectUpdated, changed_fields=sorted(changes)), subject=project.id
    )
    return after


async def roll_up(session: AsyncSession, parent_id: str, *, actor: Actor) -> None:
    """Recompute the progress of ``parent_id`` and of its ancestors while it changes; each change is an
    update of that project (version, history, audit, ``project.updated`` with ``progress_pct``)."""
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = await session.get(Project, current, with_for_update=True)
        if parent is None:
            return
        value = await progress.compute(session, parent)
        if value == parent.progress_pct:
            return
        before = await read(session, parent)
        parent.progress_pct = value
        await publish_update(
            session,
            project=parent,
            actor=actor,
            action="progress_rolled_up",
            before=before,
            audit_action="project.progress",
        )
        current = parent.parent_id


# --- writing --------------------------------------------------------------------------------------


def code_prefix(sgg_code: str | None) -> str:
    return f"CG-{sgg_code or 'SMG'}"


# RETURNING sees the incremented counter; the code is rendered as Python's f"{n:05d}" (no truncation).
_NEXT_CODE_SQL = text(
    "UPDATE code_counters SET last_value = last_value + 1 WHERE prefix = :prefix "
    "RETURNING last_value, EXISTS (SELECT 1 FROM projects WHERE code = :prefix || '-' || "
    "CASE WHEN last_value < 100000 THEN lpad(last_value::text, 5, '0') ELSE last_value::text END) AS taken"
)


async def next_code(session: AsyncSession, sgg_code: str | None) -> str:
    """``CG-<borough|SMG>-NNNNN`` from a counter row (its row lock serialises concurrent registrations)."""
    prefix = code_prefix(sgg_code)
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        if postgres:
            # One round trip: take the number and learn whether an import already used its code.
            row = (await session.execute(_NEXT_CODE_SQL, {"prefix": prefix})).first()
            if row is not None:
                if not row.taken:
                    return f"{prefix}-{row.last_value:05d}"
                continue
            value = None
        else:
            value = await session.scalar(
                update(CodeCounter)
                .where(CodeCounter.prefix == prefix)
                .values(last_value=CodeCounter.last_value + 1)
                .returning(CodeCounter.last_value)
            )
        if value is None:  # a prefix the migration did not create (future boroughs): start it
            session.add(CodeCounter(prefix=prefix, last_value=1))
            await session.flush()
            value = 1
        code = f"{prefix}-{value:05d}"
        # An imported project may have taken this number explicitly: skip it.
        if not await session.scalar(select(exists().where(Project.code == code))):
            return code


async def claim_unmatched_lines(
    session: AsyncSession, project_id: str, plan_item_id: str
) -> list[FundingLine]:
    """Allocation lines that arrived before the project of their plan item existed become its lines."""
    pending = list(
        (
            await session.execute(
                select(UnmatchedAllocationLine)
                .where(UnmatchedAllocationLine.plan_item_id == plan_item_id)
                .order_by(UnmatchedAllocationLine.allocation_id, UnmatchedAllocationLine.request_id)
            )
        ).scalars()
    )
    lines = [
        FundingLine(
            project_id=project_id,
            source=row.source,
            fiscal_year=row.fiscal_year,
            amount_krw=row.amount_krw,
            budget_line_id=f"{row.allocation_id}/{row.request_id}",
            allocation_id=row.allocation_id,
            request_id=row.request_id,
        )
        for row in pending
    ]
    for row in pending:
        await session.delete(row)
    return lines


def ensure_may_write(principal: Principal, sgg_code: str | None) -> None:
    """Borough officers write their own borough's projects; city-wide ones are the city's (smg_admin)."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)


def new_lines(project_id: str, lines_in: Sequence[FundingLineIn]) -> list[FundingLine]:
    return [
        FundingLine(
            project_id=project_id,
            source=line.source.value,
            fiscal_year=line.fiscal_year,
            amount_krw=line.amount_krw,
            budget_line_id=line.budget_line_id,
        )
        for line in lines_in
    ]


async def create_project(
    session: AsyncSession,
    *,
    actor: Actor,
    data: ProjectCreate,
    code: str | None = None,
    audit_action: str = "project.register",
    check_duplicates: bool = True,
) -> tuple[Project, ProjectRead]:
    """Insert a project with its lines, history, audit, outbox event (and duplicate check)."""
    ensure_known_borough(data.sgg_code, field="body.sgg_code")
    if data.parent_id is not None:
        await progress.check_parent(
            session, project_id=None, sgg_code=data.sgg_code, parent_id=data.parent_id
        )
    code = code or data.code
    if code is not None:
        if await session.scalar(select(exists().where(Project.code == code))):
            raise Conflict(msg("project code {code} is already used", code=code), slug="duplicate-code")
    else:
        code = await next_code(session, data.sgg_code)
    if data.plan_item_id is not None and await session.scalar(
        select(exists().where(Project.plan_item_id == data.plan_item_id))
    ):
        raise Conflict(
            msg(
                "plan item {plan_item_id} is already carried out by another project",
                plan_item_id=data.plan_item_id,
            )
        )
    now = utcnow()
    project = Project(
        code=code,
        title_ko=data.title_ko,
        title_en=data.title_en,
        summary_ko=data.summary_ko,
        summary_en=data.summary_en,
        sgg_code=data.sgg_code,
        lead_department=data.lead_department,
        partners=[p.model_dump(mode="json") for p in data.partners],
        origin=data.origin.value,
        policy_field=data.policy_field,
        target_groups=list(data.target_groups),
        start_date=data.start_date,
        end_date=data.end_date,
        status=data.status.value,
        plan_item_id=data.plan_item_id,
        declared_total_krw=data.total_krw,
        parent_id=data.parent_id,
        progress_pct=progress.initial(data.status.value),
        version=1,
        created_at=now,
        updated_at=now,
        created_by=actor_name(actor),
        updated_by=actor_name(actor),
        search_text="",
        search_bigrams=[],
        dup_key="",
    )
    apply_derived(project)
    session.add(project)
    await session.flush()
    lines = new_lines(project.id, data.funding_lines)
    if data.plan_item_id is not None:
        lines.extend(await claim_unmatched_lines(session, project.id, data.plan_item_id))
    session.add_all(lines)
    apply_money(project, lines)
    await session.flush()
    created = to_read(project, lines)
    add_history(session, project=project, actor=actor, action="registered", changes=diff(None, created))
    record_audit(
        session,
        actor=actor,
        action=audit_action,
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        after=created.model_dump(mode="json"),
    )
    add_to_outbox(session, snapshot(project, lines), subject=project.id)
    if project.parent_id is not None:
        await roll_up(session, project.parent_id, actor=actor)
    if check_duplicates:
        await duplicates.check_projects(session, [project.id])
    return project, created


async def register(*, session: AsyncSession, principal: Principal, project_in: ProjectCreate) -> ProjectRead:
    ensure_may_write(principal, project_in.sgg_code)
    _, created = await create_project(session, actor=principal, data=project_in)
    return created


async def update_project(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: str,
    project_in: ProjectUpdate,
    if_match: str | None,
) -> ProjectRead:
    project = await load(session, project_id, for_update=True)
    ensure_may_write(principal, project.sgg_code)
    check_if_match(if_match, project.version)
    before = await read(session, project)
    sent = project_in.model_fields_set
    start = project_in.start_date if "start_date" in sent else project.start_date
    end = project_in.end_date if "end_date" in sent else project.end_date
    if start is not None and end is not None and end < start:
        raise Unprocessable(
            "end_date is before start_date",
            errors=[FieldError(field="body.end_date", message="end_date is before start_date")],
        )
    if "plan_item_id" in sent and project_in.plan_item_id not in (None, project.plan_item_id):
        taken = await session.scalar(
            select(exists().where(Project.plan_item_id == project_in.plan_item_id, Project.id != project.id))
        )
        if taken:
            raise Conflict(
                msg(
                    "plan item {plan_item_id} is already carried out by another project",
                    plan_item_id=project_in.plan_item_id,
                )
            )
    old_parent = project.parent_id
    if "parent_id" in sent and project_in.parent_id not in (None, project.parent_id):
        await progress.check_parent(
            session, project_id=project.id, sgg_code=project.sgg_code, parent_id=project_in.parent_id
        )
    for name in sent - {"funding_lines", "partners", "total_krw"}:
        value = getattr(project_in, name)
        setattr(project, name, value.value if hasattr(value, "value") else value)
    if "partners" in sent and project_in.partners is not None:
        project.partners = [p.model_dump(mode="json") for p in project_in.partners]
    if "total_krw" in sent:
        project.declared_total_krw = project_in.total_krw
    if "funding_lines" in sent and project_in.funding_lines is not None:
        # Manual lines are replaced; lines from budget allocations only change through budget events.
        await session.execute(
            delete(FundingLine).where(
                FundingLine.project_id == project.id, FundingLine.allocation_id.is_(None)
            )
        )
        session.add_all(new_lines(project.id, project_in.funding_lines))
        await session.flush()
    if "plan_item_id" in sent and project_in.plan_item_id is not None:
        session.add_all(await claim_unmatched_lines(session, project.id, project_in.plan_item_id))
        await session.flush()
    lines = (await lines_by_project(session, [project.id])).get(project.id, [])
    apply_money(project, lines)
    apply_derived(project)
    project.progress_pct = await progress.compute(session, project)
    after = await publish_update(
        session,
        project=project,
        actor=principal,
        action="updated",
        before=before,
        audit_action="project.update",
    )
    if before.progress_pct != after.progress_pct or old_parent != project.parent_id:
        for parent_id in {old_parent, project.parent_id} - {None}:
            await roll_up(session, str(parent_id), actor=principal)
    if sent & {"title_ko", "policy_field", "start_date", "end_date", "partners", "target_groups"}:
        await duplicates.check_projects(session, [project.id])
    return after


async def delete_project(
    *, session: AsyncSession, principal: Principal, project_id: str, if_match: str | None
) -> None:
    """Hard delete (a record registered in error); history and audit keep what it was."""
    project = await load(session, project_id, for_update=True)
    ensure_may_write(principal, project.sgg_code)
    check_if_match(if_match, project.version)
    if await session.scalar(select(exists().where(Project.parent_id == project.id))):
        raise Conflict(
            msg("project {code} has child projects: move or delete them first", code=project.code),
            slug="has-children",
        )
    before = await read(session, project)
    parent_id = project.parent_id
    add_history(
        session,
        project=project,
        actor=principal,
        action="deleted",
        changes={
            name: {"before": value, "after": None}
            for name, value in _comparable(before).items()
            if name in TRACKED_FIELDS
        },
    )
    record_audit(
        session,
        actor=principal,
        action="project.delete",
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        before=before.model_dump(mode="json"),
    )
    add_to_outbox(
        session,
        ProjectDeleted(
            project_id=project.id, code=project.code, sgg_code=project.sgg_code, version=project.version
        ),
        subject=project.id,
    )
    await session.delete(project)
    if parent_id is not None:
        await session.flush()
        await roll_up(session, parent_id, actor=principal)


# --- bulk registration (imports) ------------------------------------------------------------------


async def _allocate_codes(session: AsyncSession, prefix: str, count: int, taken: set[str]) -> list[str]:
    """Reserve ``count`` fresh codes under ``prefix`` with one counter update (skipping taken numbers)."""
    codes: list[str] = []
    while len(codes) < count:
        need = count - len(codes)
        last = await session.scalar(
            update(CodeCounter)
            .where(CodeCounter.prefix == prefix)
            .values(last_value=CodeCounter.last_value + need)
            .returning(CodeCounter.last_value)
        )
        if last is None:
            session.add(CodeCounter(prefix=prefix, last_value=need))
            await session.flush()
            last = need
        candidates = [f"{prefix}-{n:05d}" for n in range(last - need + 1, last + 1)]
        used = set(
            (await session.execute(select(Project.code).where(Project.code.in_(candidates)))).scalars()
        )
        codes.extend(c for c in candidates if c not in used and c not in taken)
    return codes


async def bulk_create(
    session: AsyncSession,
    *,
    actor: Actor,
    items: Sequence[ProjectCreate],
    audit_action: str = "project.import",
    check_duplicates: bool = True,
) -> list[ProjectRead]:
    """Register many projects with Core executemany: the same rows, history, audit and events as
    :func:`create_project`, without round trips per project (imports must run ≥ 5,000 rows/s).

    The caller has validated codes and plan items against the database."""
    explicit = {item.code for item in items if item.code}
    by_prefix: dict[str, int] = defaultdict(int)
    for item in items:
        if not item.code:
            by_prefix[code_prefix(item.sgg_code)] += 1
    fresh = {p: iter(await _allocate_codes(session, p, n, explicit)) for p, n in sorted(by_prefix.items())}
    now = utcnow()
    name = actor_name(actor)
    projects: list[Project] = []
    line_rows: list[dict[str, Any]] = []
    for item in items:
        project = Project(
            id=str(uuid.uuid4()),
            code=item.code or next(fresh[code_prefix(item.sgg_code)]),
            title_ko=item.title_ko,
            title_en=item.title_en,
            summary_ko=item.summary_ko,
            summary_en=item.summary_en,
            sgg_code=item.sgg_code,
            lead_department=item.lead_department,
            partners=[p.model_dump(mode="json") for p in item.partners],
            origin=item.origin.value,
            policy_field=item.policy_field,
            target_groups=list(item.target_groups),
            start_date=item.start_date,
            end_date=item.end_date,
            status=item.status.value,
            plan_item_id=item.plan_item_id,
            declared_total_krw=item.total_krw,
            iap2_level=None,
            tokenism_risk=None,
            assessed_at=None,
            parent_id=None,
            progress_pct=progress.initial(item.status.value),
            version=1,
            created_at=now,
            updated_at=now,
            created_by=name,
            updated_by=name,
            search_text="",
            search_bigrams=[],
            dup_key="",
        )
        lines = new_lines(project.id, item.funding_lines)
        apply_derived(project)
        apply_money(project, lines)
        projects.append(project)
        line_rows.extend(
            {c.key: getattr(line, c.key) for c in FundingLine.__table__.columns if c.key != "id"}
            for line in lines
        )
    # Transient ORM objects serve as value holders only; rows go in through Core executemany.
    await session.execute(
        insert(Project), [{c.key: getattr(p, c.key) for c in Project.__table__.columns} for p in projects]
    )
    if line_rows:
        await session.execute(insert(FundingLine), line_rows)
    lines_by_id = await lines_by_project(session, [p.id for p in projects])
    role = actor.role.value if isinstance(actor, Principal) else None
    created: list[ProjectRead] = []
    history_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for project in projects:
        lines = lines_by_id.get(project.id, [])
        read_model = to_read(project, lines)
        created.append(read_model)
        history_rows.append(
            {
                "project_id": project.id,
                "version": 1,
                "at": now,
                "actor": name,
                "action": "registered",
                "changes": diff(None, read_model),
            }
        )
        audit_rows.append(
            {
                "at": now,
                "actor": name,
                "actor_role": role,
                "sgg_code": project.sgg_code,
                "action": audit_action,
                "entity_type": "project",
                "entity_id": project.id,
                "before": None,
                "after": read_model.model_dump(mode="json"),
                "request_id": None,
            }
        )
        event = make_event(snapshot(project, lines), subject=project.id)
        outbox_rows.append(
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": ProjectRegistered.topic,
                "key": project.id,
                "payload": event.to_json().decode(),
                "created_at": now,
                "attempts": 0,
            }
        )
    await session.execute(insert(ProjectHistory), history_rows)
    await session.execute(insert(AuditEntry), audit_rows)
    await session.execute(insert(OutboxMessage), outbox_rows)
    if check_duplicates:
        await duplicates.check_projects(session, [p.id for p in projects])
    return created
