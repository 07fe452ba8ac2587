"""JWT bearer authentication, roles and borough scope as FastAPI dependencies.

Development signs HS256 tokens with a local secret (``cg-dev-token`` mints them); production verifies
RS256 tokens of the city's identity provider against its JWKS. Claims: ``sub``, ``role`` (one of
:class:`Role`), ``sgg_code`` for borough-scoped roles, optional ``name``, ``orgs`` (organisations the
person belongs to), ``exp``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cg_shared.http import Forbidden, Unauthorized
from cg_shared.i18n import msg
from cg_shared.settings import DEV_AUDIENCE, DEV_ISSUER, AuthMode, ServiceSettings


class Role(StrEnum):
    SMG_ADMIN = "smg_admin"
    BOROUGH_OFFICER = "borough_officer"
    COMMITTEE_SECRETARY = "committee_secretary"
    COMMITTEE_MEMBER = "committee_member"
    RESIDENT = "resident"


BOROUGH_SCOPED = {Role.BOROUGH_OFFICER, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_MEMBER}


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    sgg_code: str | None = None
    name: str | None = None
    organisations: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.SMG_ADMIN

    def can_act_for(self, sgg_code: str | None) -> bool:
        """City admins act everywhere; borough roles only in their own borough."""
        if self.is_admin:
            return True
        if sgg_code is None:
            return False  # city-wide records are the city's
        return self.sgg_code == sgg_code


class TokenVerifier:
    """Verifies bearer tokens according to the settings; JWKS keys are fetched lazily and cached."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks: jwt.PyJWKClient | None = None
        if settings.auth_mode is AuthMode.JWKS:
            assert settings.jwks_url is not None
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=3600)

    async def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                # PyJWKClient does blocking HTTP on a cache miss: keep it off the event loop.
                signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                claims = jwt.decode(
                    token,
                    signing_key.key,
                    algorithms=["RS256"],
                    audience=self.settings.jwt_audience,
                    issuer=self.settings.jwt_issuer,
                    options={"require": ["exp", "sub"]},
                )
            else:
                claims = jwt.decode(
                    token,
                    self.settings.jwt_secret.get_secret_value(),
                    algorithms=["HS256"],
                    audience=self.settings.jwt_audience or DEV_AUDIENCE,
                    issuer=self.settings.jwt_issuer or DEV_ISSUER,
                    options={"require": ["exp", "sub", "iss", "aud"]},
                )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the bearer token has expired") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthorized(msg("invalid bearer token: {exc}", exc=exc)) from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims.get("role", ""))
    except ValueError as exc:
        raise Unauthorized(msg("unknown role {value!r} in token", value=claims.get("role"))) from exc
    sgg = claims.get("sgg_code")
    if role in BOROUGH_SCOPED and not sgg:
        raise Unauthorized(msg("role {role} requires an sgg_code claim", role=role.value))
    orgs = claims.get("orgs") or []
    return Principal(
        sub=str(claims["sub"]),
        role=role,
        sgg_code=str(sgg) if sgg else None,
        name=claims.get("name"),
        organisations=tuple(str(o) for o in orgs),
    )


def mint_dev_token(
    *,
    secret: str,
    role: str,
    sgg_code: str | None = None,
    sub: str | None = None,
    name: str | None = None,
    organisations: list[str] | None = None,
    ttl_s: int = 8 * 3600,
    now: float | None = None,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": sub or f"dev-{role}-{sgg_code or 'city'}",
        "role": Role(role).value,
        "iat": issued,
        "exp": issued + ttl_s,
    }
    if sgg_code:
        claims["sgg_code"] = sgg_code
    if name:
        claims["name"] = name
    if organisations:
        claims["orgs"] = organisations
    # Always an issuer and an audience: the services check both, in development too.
    claims["iss"] = issuer or DEV_ISSUER
    claims["aud"] = audience or DEV_AUDIENCE
    return jwt.encode(claims, secret, algorithm="HS256")


# Where the request guards leave the principal of a write's token they verified (request.state).
VERIFIED_PRINCIPAL = "cg_verified_principal"

_bearer = HTTPBearer(auto_error=False, description="OAuth2 bearer JWT (see README: cg-dev-token)")


async def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        return None
    verified = getattr(request.state, VERIFIED_PRINCIPAL, None)
    if isinstance(verified, Principal):  # this request's token, already verified by the request guards
        return verified
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(credentials.credentials)


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized("this operation requires a bearer token")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Any:
    """Dependency: the caller must hold one of ``roles`` (city admins always pass)."""
    allowed = set(roles) | {Role.SMG_ADMIN}

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                msg(
                    "role {role} may not do this; allowed: {allowed}",
                    role=principal.role.value,
                    allowed=", ".join(sorted(r.value for r in allowed)),
                )
            )
        return principal

    return Depends(dependency)


def ensure_borough(principal: Principal, sgg_code: str | None) -> None:
    """Raise 403 unless the principal may act for ``sgg_code`` (call inside services/routers)."""
    if not principal.can_act_for(sgg_code):
        raise Forbidden(
            msg(
                "a {role} of borough {sgg_code} may not act for {sgg_code_2}",
                role=principal.role.value,
                sgg_code=principal.sgg_code or "-",
                sgg_code_2=sgg_code or "city-wide records",
            )
        )


def ensure_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in set(roles) | {Role.SMG_ADMIN}:
        raise Forbidden(
            msg(
                "role {role} may not do this; allowed: {allowed}",
                role=principal.role.value,
                allowed=", ".join(sorted({r.value for r in roles} | {Role.SMG_ADMIN.value})),
            )
        )
