"""Who may call each write operation of this service (besides smg_admin, who may do everything).

Checked by ``cg_shared.guards`` before the body is read or validated, so a caller without the role
gets 403 and learns nothing about the body; borough scope and state rules stay in the service code.
Every mutating operation needs an entry (tests/security/test_hostile_corpus.py checks it; the auth
matrix checks the entries against behaviour)."""

from __future__ import annotations

from cg_shared.auth import Role

WRITE_ROLES: dict[tuple[str, str], tuple[Role, ...]] = {
    ("POST", "/v1/projects"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/projects/{project_id}"): (Role.BOROUGH_OFFICER,),
    ("DELETE", "/v1/projects/{project_id}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/projects/{project_id}/assessments"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/imports/projects"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/projects/{project_id}/milestones"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/projects/{project_id}/milestones/{milestone_id}"): (Role.BOROUGH_OFFICER,),
    ("DELETE", "/v1/projects/{project_id}/milestones/{milestone_id}"): (Role.BOROUGH_OFFICER,),
}
