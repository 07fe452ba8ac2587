"""HTTP conventions through a small app built with create_service_app on both databases:
problem+json, validation errors naming fields, Idempotency-Key replay, body limit, cursor pagination,
ETag/If-Match, audit rows."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cg_shared.app import create_service_app
from cg_shared.audit import record_audit
from cg_shared.auth import CurrentPrincipal, Role, ensure_borough, require_roles
from cg_shared.db import create_engine, make_metadata
from cg_shared.deps import SessionDep
from cg_shared.http import (
    IfMatchHeader,
    NotFound,
    Page,
    PageParams,
    check_if_match,
    encode_cursor,
    etag_for,
    page_params,
)
from cg_shared.messaging.tables import AuditEntry, IdempotencyRecord, platform_metadata
from cg_shared.settings import ServiceSettings
from cg_shared.testing.helpers import auth


class Base(DeclarativeBase):
    metadata = make_metadata()


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    sgg_code: Mapped[str] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer, default=1)


class ThingIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    sgg_code: str = Field(pattern=r"^11\d{3}$")


class ThingOut(BaseModel):
    id: int
    name: str
    sgg_code: str
    version: int


router = APIRouter(prefix="/v1/things")


@router.post("", status_code=201, response_model=ThingOut)
async def create_thing(
    body: ThingIn,
    response: Response,
    session: SessionDep,
    principal: Annotated[CurrentPrincipal, require_roles(Role.BOROUGH_OFFICER)],
) -> ThingOut:
    ensure_borough(principal, body.sgg_code)
    async with session.begin():
        thing = Thing(name=body.name, sgg_code=body.sgg_code, version=1)
        session.add(thing)
        await session.flush()
        out = ThingOut(id=thing.id, name=thing.name, sgg_code=thing.sgg_code, version=1)
        record_audit(
            session,
            actor=principal,
            action="thing.create",
            entity_type="thing",
            entity_id=str(thing.id),
            sgg_code=thing.sgg_code,
            after=out.model_dump(),
        )
    response.headers["ETag"] = etag_for(out.version)
    return out


@router.get("", response_model=Page[ThingOut])
async def list_things(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ThingOut]:
    stmt = select(Thing).order_by(Thing.id).limit(page.limit + 1)
    if page.cursor:
        stmt = stmt.where(Thing.id > int(page.cursor[0]))
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [ThingOut(id=r.id, name=r.name, sgg_code=r.sgg_code, version=r.version) for r in rows]
    return Page(items=items, next_cursor=encode_cursor([rows[-1].id]) if more else None)


@router.put("/{thing_id}", response_model=ThingOut)
async def rename_thing(
    thing_id: int,
    body: ThingIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ThingOut:
    async with session.begin():
        thing = await session.get(Thing, thing_id)
        if thing is None:
            raise NotFound(f"no thing {thing_id}")
        check_if_match(if_match, thing.version)
        thing.name = body.name
        thing.version += 1
        out = ThingOut(id=thing.id, name=thing.name, sgg_code=thing.sgg_code, version=thing.version)
    response.headers["ETag"] = etag_for(out.version)
    return out


@pytest.fixture(params=["postgresql", "sqlite"])
async def client(request, database_factory):
    url = await database_factory(request.param)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(platform_metadata.create_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    settings = ServiceSettings(
        service_name="things",
        database_url=url,
        run_relay=False,
        run_consumer=False,
        max_body_bytes=4096,
        log_json=False,
    )
    app = create_service_app(settings, title="things", description="test", routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    await app.state.engine.dispose()


OFFICER = auth("borough_officer", "11200")


async def test_validation_error_names_the_field(client) -> None:
    r = await client.post("/v1/things", json={"name": "", "sgg_code": "99999"}, headers=OFFICER)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"body.name", "body.sgg_code"}


async def test_auth_problems(client) -> None:
    r = await client.post("/v1/things", json={"name": "a", "sgg_code": "11200"})
    assert r.status_code == 401 and r.json()["type"].endswith("/unauthorized")
    r = await client.post("/v1/things", json={"name": "a", "sgg_code": "11500"}, headers=OFFICER)
    assert r.status_code == 403 and "11500" in r.json()["detail"]
    r = await client.post("/v1/things", json={"name": "a", "sgg_code": "11200"}, headers=auth("resident"))
    assert r.status_code == 403
    r = await client.post(
        "/v1/things", json={"name": "a", "sgg_code": "11200"}, headers={"Authorization": "Bearer not-a-jwt"}
    )
    assert r.status_code == 401


async def test_unknown_route_and_method_are_problems(client) -> None:
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = await client.delete("/v1/things")
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"


async def test_idempotency_key_replays_first_response(client) -> None:
    headers = {**OFFICER, "Idempotency-Key": "abc-123"}
    first = await client.post("/v1/things", json={"name": "마을", "sgg_code": "11200"}, headers=headers)
    second = await client.post("/v1/things", json={"name": "마을", "sgg_code": "11200"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"
    other = await client.post("/v1/things", json={"name": "다른", "sgg_code": "11200"}, headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")
    async with client.app.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Thing)) == 1
        assert await s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
        audit = list((await s.execute(select(AuditEntry))).scalars())
    assert (
        len(audit) == 1 and audit[0].actor == "dev-borough_officer-11200" and audit[0].after["name"] == "마을"
    )


async def test_idempotency_key_does_not_remember_refusals(client) -> None:
    """A refused request wrote nothing; once its reason passes (here: the clerk is moved to the right
    borough under the same identity) the same key must run the request, not replay the old 403."""
    key = {"Idempotency-Key": "moved-clerk-1"}
    body = {"name": "골목", "sgg_code": "11200"}
    wrong = auth("borough_officer", "11500", sub="clerk-7")
    right = auth("borough_officer", "11200", sub="clerk-7")
    refused = await client.post("/v1/things", json=body, headers={**wrong, **key})
    assert refused.status_code == 403
    async with client.app.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    created = await client.post("/v1/things", json=body, headers={**right, **key})
    assert created.status_code == 201 and "idempotent-replayed" not in created.headers
    again = await client.post("/v1/things", json=body, headers={**right, **key})
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == created.json()
    async with client.app.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Thing)) == 1


async def test_body_limit(client) -> None:
    r = await client.post(
        "/v1/things",
        content=b"{" + b" " * 10_000 + b"}",
        headers={**OFFICER, "content-type": "application/json"},
    )
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


async def test_cursor_pagination_and_bad_cursor(client) -> None:
    for i in range(5):
        await client.post("/v1/things", json={"name": f"n{i}", "sgg_code": "11200"}, headers=OFFICER)
    seen, cursor = [], None
    while True:
        r = await client.get("/v1/things", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [t["name"] for t in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [f"n{i}" for i in range(5)]
    assert (await client.get("/v1/things", params={"cursor": "%%%"})).status_code == 422
    assert (await client.get("/v1/things", params={"limit": 501})).status_code == 422


async def test_if_match(client) -> None:
    created = (
        await client.post("/v1/things", json={"name": "a", "sgg_code": "11200"}, headers=OFFICER)
    ).json()
    body = {"name": "b", "sgg_code": "11200"}
    assert (await client.put(f"/v1/things/{created['id']}", json=body, headers=OFFICER)).status_code == 428
    ok = await client.put(f"/v1/things/{created['id']}", json=body, headers={**OFFICER, "If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    stale = await client.put(
        f"/v1/things/{created['id']}", json=body, headers={**OFFICER, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412


async def test_health_and_metrics(client) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"  # no broker configured
    metrics = (await client.get("/metrics")).text
    assert "http_requests_total" in metrics


async def test_audit_readable_by_admin_only(client) -> None:
    await client.post("/v1/things", json={"name": "a", "sgg_code": "11200"}, headers=OFFICER)
    assert (await client.get("/v1/audit", headers=OFFICER)).status_code == 403
    r = await client.get("/v1/audit", headers=auth("smg_admin"))
    assert r.status_code == 200 and r.json()["items"][0]["action"] == "thing.create"


async def test_replay_keeps_headers_and_multipart_boundary_is_ignored(client) -> None:
    from cg_shared.idempotency import body_for_fingerprint

    a = body_for_fingerprint("multipart/form-data; boundary=abc123", b"--abc123\r\nfile\r\n--abc123--")
    b = body_for_fingerprint('multipart/form-data; boundary="zz9"', b"--zz9\r\nfile\r\n--zz9--")
    assert a == b
    assert body_for_fingerprint("application/json", b"{}") == b"{}"
    created = (
        await client.post("/v1/things", json={"name": "a", "sgg_code": "11200"}, headers=OFFICER)
    ).json()
    headers = {**OFFICER, "If-Match": 'W/"1"'}
    r1 = await client.put(
        f"/v1/things/{created['id']}", json={"name": "b", "sgg_code": "11200"}, headers=headers
    )
    assert r1.headers["etag"] == 'W/"2"'


async def test_database_outage_is_503_not_500(client) -> None:
    from sqlalchemy.exc import OperationalError

    original = client.app.state.sessions

    def broken():
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    client.app.state.sessions = broken
    try:
        r = await client.get("/v1/things")
    finally:
        client.app.state.sessions = original
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.headers["content-type"] == "application/problem+json"


async def test_exhausted_connection_pool_is_503_not_500(client) -> None:
    """SQLAlchemy's pool gives up after its timeout with ``sqlalchemy.exc.TimeoutError`` (not a DBAPI
    error): overload, answered 503 + Retry-After in Korean, never a 500."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    original = client.app.state.sessions

    def exhausted():
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached, connection timed out")

    client.app.state.sessions = exhausted
    try:
        r = await client.get("/v1/things")
    finally:
        client.app.state.sessions = original
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["content-language"] == "ko"
