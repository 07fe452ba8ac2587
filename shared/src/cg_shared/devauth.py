"""``POST /v1/dev/token``: the browser's sign-in in development only.

The web app's role-and-borough picker calls it to get the same HS256 token ``cg-dev-token`` prints. The
route is mounted only when ``CG_AUTH_MODE=dev`` (which production settings refuse), so it does not exist
where tokens come from the city's OpenID Connect provider.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cg_shared.auth import BOROUGH_SCOPED, Role, mint_dev_token
from cg_shared.districts import DISTRICTS
from cg_shared.http import PROBLEM_RESPONSES, FieldError, Unprocessable
from cg_shared.i18n import msg
from cg_shared.settings import ServiceSettings

DEV_TOKEN_TTL_S = 8 * 3600


class DevTokenRequest(BaseModel):
    role: Role
    sgg_code: Annotated[str | None, Field(pattern=r"^\d{5}$", examples=["11200"])] = None
    name: Annotated[str | None, Field(max_length=100, examples=["김성동"])] = None
    sub: Annotated[str | None, Field(max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")] = None


class DevToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


def dev_token_router() -> APIRouter:
    router = APIRouter(prefix="/v1/dev", tags=["development"], responses=PROBLEM_RESPONSES)

    @router.post(
        "/token",
        response_model=DevToken,
        summary="Development sign-in: a bearer token for a role and borough (CG_AUTH_MODE=dev only)",
    )
    async def issue_dev_token(request: Request, body: DevTokenRequest) -> DevToken:
        settings: ServiceSettings = request.app.state.settings
        if body.role in BOROUGH_SCOPED and not body.sgg_code:
            raise Unprocessable(
                msg("role {role} needs a borough", role=body.role.value),
                errors=[FieldError(field="body.sgg_code", message="required for this role")],
            )
        if body.sgg_code is not None and body.sgg_code not in DISTRICTS:
            raise Unprocessable(
                msg("{sgg_code} is not a Seoul borough code", sgg_code=body.sgg_code),
                errors=[FieldError(field="body.sgg_code", message="unknown borough")],
            )
        token = mint_dev_token(
            secret=settings.jwt_secret.get_secret_value(),
            role=body.role.value,
            sgg_code=body.sgg_code,
            sub=body.sub,
            name=body.name,
            ttl_s=DEV_TOKEN_TTL_S,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        return DevToken(access_token=token, expires_in=DEV_TOKEN_TTL_S)

    return router
