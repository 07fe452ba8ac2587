"""Who may call each write operation of this service (besides smg_admin, who may do everything).

Checked by ``cg_shared.guards`` before the body is read or validated, so a caller without the role
gets 403 and learns nothing about the body; borough scope and state rules stay in the service code.
Every mutating operation needs an entry (tests/security/test_hostile_corpus.py checks it; the auth
matrix checks the entries against behaviour)."""

from __future__ import annotations

from cg_shared.auth import Role

WRITE_ROLES: dict[tuple[str, str], tuple[Role, ...]] = {
    ("POST", "/v1/committees"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PATCH", "/v1/committees/{committee_id}"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/committees/{committee_id}/ordinances"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/committees/{committee_id}/members"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PATCH", "/v1/members/{member_id}"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/members/{member_id}/renewals"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/members/{member_id}/departure"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PUT", "/v1/committees/{committee_id}/co-chairs"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/committees/{committee_id}/term-sweep"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/committees/{committee_id}/applications"): (Role.RESIDENT,),
    ("POST", "/v1/applications/{application_id}/shortlist"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/applications/{application_id}/rejection"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/applications/{application_id}/appointment"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("POST", "/v1/committees/{committee_id}/working-groups"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("PUT", "/v1/working-groups/{group_id}/members/{member_id}"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("DELETE", "/v1/working-groups/{group_id}/members/{member_id}"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("POST", "/v1/committees/{committee_id}/meetings"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PATCH", "/v1/meetings/{meeting_id}"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PUT", "/v1/meetings/{meeting_id}/attendance"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/meetings/{meeting_id}/agenda-items"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/committees/{committee_id}/agenda-items"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PATCH", "/v1/agenda-items/{item_id}"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/agenda-items/{item_id}/motions"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/agenda-items/{item_id}/votes"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_MEMBER,
    ),
    ("POST", "/v1/motions/{motion_id}/votes"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_MEMBER,
    ),
    ("POST", "/v1/meetings/{meeting_id}/decisions"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/meetings/{meeting_id}/minutes"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("PUT", "/v1/meetings/{meeting_id}/minutes"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/meetings/{meeting_id}/minutes/approval"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/meetings/{meeting_id}/minutes/publication"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("POST", "/v1/capacity/activities"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
    ("POST", "/v1/capacity/activities/{activity_id}/participants"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
    ),
    ("POST", "/v1/capacity/support-organisations"): (Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY),
}
