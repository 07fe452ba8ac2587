"""HTTP routes of participatory elections, ballots, outcomes and Pabulib files."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import ValidationError

from cg_budget.common import NO_CONTROL, SggCode, tagged
from cg_budget.elections import ballots as ballot_service
from cg_budget.elections import pabulib_io, service
from cg_budget.elections.engine import Rule
from cg_budget.elections.schemas import (
    BallotCast,
    BallotImportIn,
    BallotImportRead,
    BallotRead,
    ElectionCreate,
    ElectionRead,
    OutcomeRead,
    PbOutcome,
)
from cg_budget.uploads import body_doc, read_text
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import (
    PROBLEM_RESPONSES,
    FieldError,
    IdempotencyKeyHeader,
    IfMatchHeader,
    Page,
    PageParams,
    Unprocessable,
    page_params,
    require_idempotency_key,
)
from cg_shared.offload import run_parser

router = APIRouter(tags=["elections"], responses=PROBLEM_RESPONSES)

PB_BODY = body_doc(("text/plain", {"type": "string", "description": "A Pabulib .pb file"}))
BALLOTS_BODY = body_doc(
    ("application/json", BallotImportIn.model_json_schema(ref_template="#/components/schemas/{model}")),
    (
        "text/csv",
        {
            "type": "string",
            "description": "voter_id,vote[,points][,resident_sub]; lists inside a cell split by |",
        },
    ),
)

PB_FILE_DOC = """
Send a [Pabulib](https://pabulib.org/format) `.pb` file (UTF-8 text) either as the raw request body with
`Content-Type: text/plain` or as `multipart/form-data` in the field `file`. The file has the sections
`META` (key;value: `budget`, `vote_type` approval/ordinal/cumulative, `rule`, …), `PROJECTS`
(`project_id;cost;…`) and `VOTES` (`voter_id;vote;…`, the projects of a ballot comma-separated):

```
META
key;value
description;Gangnam-gu 2027 participatory budget
num_projects;2
num_votes;2
budget;100000000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
1;60000000;경로당 돌봄 프로그램
2;50000000;골목 안전 조명
VOTES
voter_id;vote
v1;1,2
v2;2
```
"""

BALLOTS_FILE_DOC = """
Paper ballots in bulk, all or nothing (any invalid row rejects the file with 422, errors name the row).
Send either JSON (`{"ballots": [{"voter_id": "P-000123", "choices": ["<request id>", …]}]}`), or CSV as the
raw body (`Content-Type: text/csv`) or as `multipart/form-data` field `file` (a `.csv` filename). CSV
header `voter_id,vote[,points]`; several choices inside a cell are separated by `|` (a `;`-delimited
Pabulib-style header separates them by `,` instead); `points` only for cumulative ballots:

```
voter_id,vote,points
P-000123,REQ-1|REQ-2,3|2
P-000124,REQ-2,5
```

Optional column `resident_sub`: the voter's sign-in identity when the polling station checked it. Then one
ballot per resident holds across channels: a row for a resident who already voted online is refused,
and that resident cannot vote online afterwards. Without it, keeping paper voters off the online roll is
the polling station's job (the serial `voter_id` only stops a ballot being counted twice).

The `Idempotency-Key` header is required (428 without it); a retry with the same key reports
`replayed: true` and writes nothing.
"""


@router.post(
    "/v1/elections",
    status_code=status.HTTP_201_CREATED,
    response_model=ElectionRead,
    summary="Open a participatory election over budget requests",
)
async def create_election(
    election_in: ElectionCreate, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> ElectionRead:
    async with session.begin():
        election = await service.create(session=session, principal=principal, election_in=election_in)
    return tagged(response, election, collection="/v1/elections")


@router.get("/v1/elections", response_model=Page[ElectionRead], summary="Elections (newest first)")
async def list_elections(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    cycle_id: Annotated[str | None, Query(max_length=36, pattern=NO_CONTROL)] = None,
    sgg_code: Annotated[SggCode | None, Query()] = None,
) -> Page[ElectionRead]:
    return await service.list_(session=session, page=page, cycle_id=cycle_id, sgg_code=sgg_code)


@router.post(
    "/v1/elections/import-pb",
    status_code=status.HTTP_201_CREATED,
    response_model=ElectionRead,
    summary="Create an election with its ballots from a Pabulib .pb file (Idempotency-Key required)",
    description=PB_FILE_DOC
    + "\nThe election is created in the cycle `cycle_id` with the file's rule unless `rule` is given; "
    "the `Idempotency-Key` header is required (428 without it).",
    openapi_extra=PB_BODY,
)
async def import_pb(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    cycle_id: Annotated[str, Query(max_length=36, pattern=NO_CONTROL)],
    idempotency_key: IdempotencyKeyHeader = None,
    rule: Annotated[Rule | None, Query(description="Default: the file's META rule")] = None,
    title_ko: Annotated[str | None, Query(max_length=300)] = None,
) -> ElectionRead:
    require_idempotency_key(idempotency_key)
    text, _ = await read_text(request)
    async with session.begin():
        election = await pabulib_io.import_pb(
            session=session, principal=principal, cycle_id=cycle_id, text=text, rule=rule, title_ko=title_ko
        )
    return tagged(response, election, collection="/v1/elections")


@router.get(
    "/v1/elections/{election_id}", response_model=ElectionRead, summary="One election with its projects"
)
async def get_election(election_id: str, session: SessionDep, response: Response) -> ElectionRead:
    return tagged(response, await service.get(session=session, election_id=election_id))


@router.post(
    "/v1/elections/{election_id}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotRead,
    summary="Cast your ballot (residents; one per person)",
)
async def cast_ballot(
    election_id: str, ballot_in: BallotCast, principal: CurrentPrincipal, session: SessionDep
) -> BallotRead:
    async with session.begin():
        return await ballot_service.cast_ballot(
            session=session, principal=principal, election_id=election_id, ballot_in=ballot_in
        )


@router.get(
    "/v1/elections/{election_id}/ballots/me", response_model=BallotRead, summary="The caller's own ballot"
)
async def my_ballot(election_id: str, principal: CurrentPrincipal, session: SessionDep) -> BallotRead:
    return await ballot_service.my_ballot(session=session, principal=principal, election_id=election_id)


@router.post(
    "/v1/elections/{election_id}/ballots/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotImportRead,
    summary="Import paper ballots in bulk (CSV or JSON; Idempotency-Key required; all or nothing)",
    description=BALLOTS_FILE_DOC,
    openapi_extra=BALLOTS_BODY,
)
async def import_ballots(
    election_id: str,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BallotImportRead:
    key = require_idempotency_key(idempotency_key)
    text, media_type = await read_text(request)
    if media_type == "text/csv":
        ballots = await run_parser(ballot_service.parse_paper_csv, text)
    else:
        try:
            ballots = BallotImportIn.model_validate(json.loads(text)).ballots
        except (ValueError, ValidationError) as exc:
            errors = (
                [
                    FieldError(field="body." + ".".join(str(p) for p in e["loc"]), message=e["msg"])
                    for e in exc.errors()
                ]
                if isinstance(exc, ValidationError)
                else [FieldError(field="body", message=str(exc))]
            )
            raise Unprocessable("the ballot file is not valid", errors=errors[:200]) from exc
    async with session.begin():
        return await ballot_service.import_paper_ballots(
            session=session,
            principal=principal,
            election_id=election_id,
            ballots=ballots,
            idempotency_key=key,
        )


@router.post(
    "/v1/elections/{election_id}/close",
    response_model=OutcomeRead,
    summary="Close the election and compute its outcome with the election's rule",
)
async def close_election(
    election_id: str, principal: CurrentPrincipal, session: SessionDep, if_match: IfMatchHeader = None
) -> OutcomeRead:
    async with session.begin():
        return await service.close(
            session=session, principal=principal, election_id=election_id, if_match=if_match
        )


@router.get(
    "/v1/elections/{election_id}/outcome",
    response_model=OutcomeRead,
    summary="Outcome with a per-project explanation (why funded / why not)",
)
async def election_outcome(election_id: str, session: SessionDep) -> OutcomeRead:
    return await service.outcome(session=session, election_id=election_id)


@router.get(
    "/v1/elections/{election_id}/export.pb",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Pabulib file"}
    },
    summary="Export the election as a Pabulib .pb file (voters anonymised)",
)
async def export_pb(election_id: str, session: SessionDep) -> Response:
    text, filename = await pabulib_io.export_pb(session=session, election_id=election_id)
    return Response(
        content=text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/v1/pb/outcome",
    response_model=PbOutcome,
    summary="Outcome of an uploaded .pb file (same computation as `cg-budget pb-outcome`)",
    description=PB_FILE_DOC
    + "\nNothing is stored: the answer is the outcome under `rule` (greedy, MES, MES+add1 …), with "
    "per-project explanations when `explain=true`.",
    openapi_extra=PB_BODY,
)
async def pb_outcome(
    request: Request,
    principal: CurrentPrincipal,
    rule: Annotated[Rule, Query()],
    explain: Annotated[bool, Query(description="Include per-project explanations")] = False,
) -> PbOutcome:
    text, _ = await read_text(request)
    # Exact rules on large files take CPU time: keep the event loop free.
    return await asyncio.to_thread(pabulib_io.compute_pb_outcome, text, rule, explain=explain)
