"""A write's bearer token is verified once per request: the request guards verify it (authorisation
before the body is read) and the route's ``CurrentPrincipal`` reuses that principal (issue 19: the
second verification was a measurable share of a registration's CPU)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


async def test_a_registration_verifies_its_token_once(reg: Any, app: FastAPI, client: Any) -> None:
    verifier = app.state.verifier
    calls: list[str] = []
    verify = verifier.verify

    async def counting(token: str) -> Any:
        calls.append(token)
        return await verify(token)

    verifier.verify = counting
    created = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)
    assert created.status_code == 201, created.text
    assert len(calls) == 1
    # A refused token is still refused (by the guards, before the body is read).
    bad = await client.post(
        "/v1/projects", json=reg.project_body(), headers={"Authorization": "Bearer x.y.z"}
    )
    assert bad.status_code == 401 and bad.headers["content-type"].startswith("application/problem+json")
