"""Progress of projects as Decidim's accountability keeps it: milestones, percent done, parents.

* A project **with children** is as far as the mean of its children's progress (each child counts
  once, whatever its size — Decidim's rule); its own milestones are listed but do not count.
* A project **without children** is as far as the mean of its milestones' ``progress_pct``.
* Without milestones either: 100 when ``completed``, else 0.

A parent is a project of the same borough or a city-wide (SMG-run) programme; chains are at most
:data:`MAX_DEPTH` deep and never loop. The service keeps ``projects.progress_pct`` on every write and
rolls it up to the ancestors (``service.roll_up``).
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.domain import ProjectStatus
from cg_registry.projects.models import Project, ProjectMilestone
from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg

MAX_DEPTH = 4  # programme → project → sub-project → task


def initial(status: str) -> int:
    """Progress of a project that has neither children nor milestones."""
    return 100 if status == ProjectStatus.COMPLETED else 0


def _mean(values: list[int]) -> int:
    return (2 * sum(values) + len(values)) // (2 * len(values))  # rounded half up, in integers


async def compute(session: AsyncSession, project: Project) -> int:
    children = list(
        (await session.execute(select(Project.progress_pct).where(Project.parent_id == project.id))).scalars()
    )
    if children:
        return _mean(children)
    milestones = list(
        (
            await session.execute(
                select(ProjectMilestone.progress_pct).where(ProjectMilestone.project_id == project.id)
            )
        ).scalars()
    )
    if milestones:
        return _mean(milestones)
    return initial(project.status)


def _refuse(message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(field="body.parent_id", message=message)])


# Key of the transaction-level advisory lock that serialises changes of the project tree (PostgreSQL).
TREE_LOCK_KEY = 0x63677472  # "cgtr"


async def lock_tree(session: AsyncSession) -> None:
    """Serialise this transaction's change of a parent against every other one until it commits.

    Taken before any project row is locked. Without it two re-parentings (A under B, B under A) each
    checked the chain without seeing the other's uncommitted change: both passed, and each then waited
    for the other's row (progress roll-up) — a deadlock, or with another lock order a stored loop. Under
    the lock the second one reads the chain after the first committed and is refused."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TREE_LOCK_KEY})


async def _parent_of(session: AsyncSession, project_id: str) -> tuple[str | None, str | None] | None:
    """(sgg_code, parent_id) as committed now — a column read, never the session's cached objects."""
    row = (
        await session.execute(select(Project.sgg_code, Project.parent_id).where(Project.id == project_id))
    ).first()
    return None if row is None else (row.sgg_code, row.parent_id)


async def check_parent(
    session: AsyncSession, *, project_id: str | None, sgg_code: str | None, parent_id: str
) -> None:
    """``parent_id`` may be the parent of a project (``project_id`` None: one being registered).

    The caller holds :func:`lock_tree`, so the chain read here cannot change before it commits."""
    if parent_id == project_id:
        raise _refuse(msg("a project cannot be its own parent"))
    parent = await _parent_of(session, parent_id)
    if parent is None:
        raise _refuse(msg("no project with id {project_id}", project_id=parent_id))
    if parent[0] is not None and parent[0] != sgg_code:
        raise _refuse(msg("the parent must be a project of the same borough or a city-wide one"))
    depth, above = 1, parent[1]
    while above is not None:
        if above == project_id:
            raise _refuse(msg("the parent is a descendant of this project (a loop)"))
        depth += 1
        if depth >= MAX_DEPTH:
            raise _refuse(msg("projects nest at most {depth} levels deep", depth=MAX_DEPTH))
        found = await _parent_of(session, above)
        above = None if found is None else found[1]
    if project_id is not None:
        below = await _height(session, project_id)
        if depth + below > MAX_DEPTH:
            raise _refuse(msg("projects nest at most {depth} levels deep", depth=MAX_DEPTH))


async def _height(session: AsyncSession, project_id: str) -> int:
    """Levels from ``project_id`` down to its deepest descendant (1 = no children)."""
    level, frontier = 1, [project_id]
    while frontier and level <= MAX_DEPTH:
        frontier = list(
            (await session.execute(select(Project.id).where(Project.parent_id.in_(frontier)))).scalars()
        )
        if frontier:
            level += 1
    return level


async def child_count(session: AsyncSession, project_id: str) -> int:
    return int(await session.scalar(select(func.count()).where(Project.parent_id == project_id)) or 0)
