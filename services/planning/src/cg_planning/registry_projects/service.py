"""Keep the registry read model: apply project snapshots, newest version wins."""

from __future__ import annotations

from cg_shared.db import utcnow
from cg_shared.events.registry import ProjectSnapshot
from cg_shared.http import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.registry_projects.models import RegistryProject
from cg_planning.registry_projects.schemas import RegistryProjectRead

_FIELDS = (
    "code",
    "title_ko",
    "title_en",
    "sgg_code",
    "policy_field",
    "origin",
    "status",
    "partner_organisations",
    "target_groups",
    "start_date",
    "end_date",
    "total_krw",
    "version",
)


async def apply_snapshot(*, session: AsyncSession, snapshot: ProjectSnapshot) -> None:
    """Upsert; an older version arriving late (redelivery, partition replay) never overwrites a newer one."""
    row = await session.get(RegistryProject, snapshot.project_id, with_for_update=True)
    if row is None:
        row = RegistryProject(project_id=snapshot.project_id)
        session.add(row)
    elif row.version > snapshot.version:
        return
    for name in _FIELDS:
        setattr(row, name, getattr(snapshot, name))
    row.updated_at = utcnow()


async def get(*, session: AsyncSession, project_id: str) -> RegistryProjectRead:
    row = await session.get(RegistryProject, project_id)
    if row is None:
        raise NotFound(f"registry project {project_id} is not (yet) known to planning")
    return RegistryProjectRead.model_validate(row)
