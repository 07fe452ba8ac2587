"""Project use cases, one module per concept; this module names them for the other packages.

* :mod:`.reading` — one project: row, funding lines, read model, history;
* :mod:`.listing` — filtered and searched pages;
* :mod:`.registration` — registering one project; :mod:`.bulk` — many (imports);
* :mod:`.editing` — changing and deleting one;
* :mod:`.changes` — what every write does after it (derived columns, history, audit, outbox, roll-up);
* :mod:`.codes` — project codes.

Each runs in the caller's transaction and writes history, audit and outbox in it.
"""

from __future__ import annotations

from cg_registry.projects.bulk import bulk_create
from cg_registry.projects.changes import (
    Actor,
    actor_name,
    apply_derived,
    apply_money,
    diff,
    ensure_may_write,
    publish_update,
    roll_up,
    snapshot,
)
from cg_registry.projects.codes import code_prefix, next_code
from cg_registry.projects.editing import delete_project, update_project
from cg_registry.projects.listing import ProjectFilters, apply_filters, list_projects
from cg_registry.projects.mapping import TRACKED_FIELDS
from cg_registry.projects.reading import get, history, lines_by_project, load, read, to_read
from cg_registry.projects.registration import create_project, register

__all__ = [
    "TRACKED_FIELDS",
    "Actor",
    "ProjectFilters",
    "actor_name",
    "apply_derived",
    "apply_filters",
    "apply_money",
    "bulk_create",
    "code_prefix",
    "create_project",
    "delete_project",
    "diff",
    "ensure_may_write",
    "get",
    "history",
    "lines_by_project",
    "list_projects",
    "load",
    "next_code",
    "publish_update",
    "read",
    "register",
    "roll_up",
    "snapshot",
    "to_read",
    "update_project",
]
