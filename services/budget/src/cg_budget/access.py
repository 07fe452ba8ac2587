"""Who may call each write operation of this service (besides smg_admin, who may do everything).

Checked by ``cg_shared.guards`` before the body is read or validated, so a caller without the role
gets 403 and learns nothing about the body; borough scope and state rules stay in the service code.
Every mutating operation needs an entry (tests/security/test_hostile_corpus.py checks it; the auth
matrix checks the entries against behaviour)."""

from __future__ import annotations

from cg_shared.auth import Role

WRITE_ROLES: dict[tuple[str, str], tuple[Role, ...]] = {
    ("POST", "/v1/cycles"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/cycles/{cycle_id}/transitions"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/cycles/{cycle_id}/supplementary-budgets"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/cycles/{cycle_id}/supplementary-budgets/{number}/enact"): (Role.BOROUGH_OFFICER,),
    ("PUT", "/v1/cycles/{cycle_id}/envelopes/{kind}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/cycles/{cycle_id}/envelopes/smg_grant/formula"): (),
    ("POST", "/v1/requests"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/requests/{request_id}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/elections"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/elections/import-pb"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/elections/{election_id}/ballots"): (Role.RESIDENT,),
    ("POST", "/v1/elections/{election_id}/ballots/imports"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/elections/{election_id}/close"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/pb/outcome"): (
        Role.BOROUGH_OFFICER,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_MEMBER,
        Role.RESIDENT,
    ),
    ("POST", "/v1/cycles/{cycle_id}/allocations"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/imports"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/smg/programmes"): (),
    ("POST", "/v1/smg/programmes/{programme_id}/applications"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/smg/applications/{application_id}/decision"): (),
    ("PUT", "/v1/smg/block-grants/{sgg_code}/{fiscal_year}"): (),
    ("POST", "/v1/smg/block-grants/{sgg_code}/{fiscal_year}/uses"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/webhooks"): (Role.BOROUGH_OFFICER,),
    ("PATCH", "/v1/webhooks/{webhook_id}"): (Role.BOROUGH_OFFICER,),
    ("DELETE", "/v1/webhooks/{webhook_id}"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/webhooks/{webhook_id}/ping"): (Role.BOROUGH_OFFICER,),
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (Role.BOROUGH_OFFICER,),
}
