"""Who may call each write operation of this service (besides smg_admin, who may do everything).

Checked by ``cg_shared.guards`` before the body is read or validated, so a caller without the role
gets 403 and learns nothing about the body; borough scope and state rules stay in the service code.
Every mutating operation needs an entry (tests/security/test_hostile_corpus.py checks it; the auth
matrix checks the entries against behaviour)."""

from __future__ import annotations

from cg_shared.auth import Role

_EVERYONE = (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_MEMBER, Role.RESIDENT)

WRITE_ROLES: dict[tuple[str, str], tuple[Role, ...]] = {
    ("POST", "/v1/plans"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/plans/{plan_id}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/plans/{plan_id}/transitions"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/plans/{plan_id}/submit"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/plans/{plan_id}/evaluation"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/plans/{plan_id}/evaluation/{fiscal_year}"): (),
    ("POST", "/v1/plans/{plan_id}/items"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/items/{item_id}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/items/{item_id}/deliberations"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/proposals"): (Role.RESIDENT,),
    ("POST", "/v1/proposals/{proposal_id}/screening"): (Role.BOROUGH_OFFICER,),
    # Anyone signed in reads their own inbox (the service only ever touches the caller's notifications).
    ("POST", "/v1/me/notifications/read-all"): _EVERYONE,
    ("POST", "/v1/me/notifications/{notification_id}/read"): _EVERYONE,
}
