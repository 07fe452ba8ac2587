"""Behind the edge's path prefix (CG_ROOT_PATH=/registry) the docs page and the OpenAPI document point
at the prefixed URLs; without it nothing changes."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import ValidationError

from cg_shared.app import create_service_app
from cg_shared.settings import ServiceSettings

router = APIRouter(prefix="/v1/things")


@router.get("")
async def list_things() -> list[str]:
    return ["하나"]


def make_app(root_path: str) -> tuple[FastAPI, httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name="things",
        database_url="sqlite+aiosqlite://",
        run_relay=False,
        run_consumer=False,
        root_path=root_path,
    )
    app = create_service_app(settings, title="things", description="root path", routers=[router])
    # What `cg-<svc> serve` does: uvicorn hands CG_ROOT_PATH to the app as the ASGI root_path.
    transport = httpx.ASGITransport(app=app, root_path=settings.root_path)
    return app, httpx.AsyncClient(transport=transport, base_url="http://cg.test")


async def test_prefixed_app_names_the_prefix_in_servers_and_docs() -> None:
    app, client = make_app("/registry")
    # An exported document (no request, as for generated clients) names the prefix as well.
    assert app.openapi()["servers"] == [{"url": "/registry"}]
    async with client:
        spec = (await client.get("/openapi.json")).json()
        assert spec["servers"] == [{"url": "/registry"}]
        assert "/v1/things" in spec["paths"]  # paths stay relative to the server URL
        docs = (await client.get("/docs")).text
        assert "'/registry/openapi.json'" in docs or '"/registry/openapi.json"' in docs
        # The edge strips the prefix, so the app still answers on its own paths.
        assert (await client.get("/v1/things")).json() == ["하나"]


async def test_unprefixed_app_has_no_servers_entry() -> None:
    _, client = make_app("")
    async with client:
        spec = (await client.get("/openapi.json")).json()
        assert "servers" not in spec
        assert "'/openapi.json'" in (await client.get("/docs")).text


@pytest.mark.parametrize("bad", ["registry", "/registry/", "/a b"])
def test_root_path_must_be_a_clean_absolute_prefix(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        ServiceSettings(root_path=bad)
    assert "root_path" in str(err.value)
