"""Bulk open data every service publishes the same way: ``GET /v1/open-data`` (a catalogue of the service's
datasets) and ``GET /v1/open-data/<dataset>.csv`` / ``.json`` per dataset, without a token.

The shape follows the registry's project export: CSV in UTF-8 with a byte-order mark (Excel keeps the
Hangul) with every text cell guarded against spreadsheet formulas (OWASP "CSV injection"), JSON as a
header object (``generated_at``, ``license``, ``publisher``, ``count`` …) with ``items``; both streamed
from the database in chunks.

Honesty about the data: a deployment that is not production holds generated data (the demo scenario,
tests, a developer's clicks), so its exports say ``synthetic: true`` and name the platform, not the city,
as publisher; the CSV carries a ``synthetic`` column too, so a downloaded file cannot lose it.
``CG_OPEN_DATA_SYNTHETIC`` overrides the default (``env != prod``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_shared.clock import now_utc
from cg_shared.csvsafe import neutralise
from cg_shared.http import PROBLEM_RESPONSES
from cg_shared.settings import Environment, ServiceSettings

LICENSE = "KOGL-Type1"  # 공공누리 제1유형: free reuse with attribution (as the registry's export)
LICENSE_URL = "https://www.kogl.or.kr/info/licenseType1.do"
PUBLISHER = "서울특별시 및 자치구 (Seoul Metropolitan Government and the boroughs)"
SYNTHETIC_PUBLISHER = (
    "서울 협치 플랫폼 시연 데이터 (Seoul CG Platform — generated demo data, not published by SMG)"
)
SYNTHETIC_NOTE = (
    "합성 데이터: 시연·시험용으로 생성된 기록이며 실제 서울시·자치구 자료가 아닙니다. "
    "Synthetic: generated for demonstration and tests; not real SMG or borough records."
)
CHUNK = 1_000


def is_synthetic(settings: ServiceSettings) -> bool:
    explicit: bool | None = getattr(settings, "open_data_synthetic", None)
    return explicit if explicit is not None else settings.env is not Environment.PROD


@dataclass(frozen=True)
class Filters:
    sgg_code: str | None
    year: int | None


@dataclass(frozen=True)
class Dataset:
    """One bulk dataset: a query (given the filters) and how a result row becomes a flat record."""

    slug: str  # URL name: /v1/open-data/<slug>.csv
    name: str  # handler-name stem, unique across services: export_<name>_csv → exportDecisionsCsv
    title_ko: str
    title_en: str
    description: str
    year_means: str  # what the ``year`` filter selects in this dataset
    columns: tuple[str, ...]
    query: Callable[[Filters], Any]  # a Select of the rows `record` takes
    record: Callable[[Any], Mapping[str, Any]]


class DatasetInfo(BaseModel):
    slug: str
    title_ko: str
    title_en: str
    description: str
    year_means: str
    columns: list[str]
    csv_url: str
    json_url: str


class Catalogue(BaseModel):
    service: str
    license: str = LICENSE
    license_url: str = LICENSE_URL
    publisher: str
    synthetic: bool = Field(description="True where the data is generated (demo, tests), not real records")
    synthetic_note: str | None
    datasets: list[DatasetInfo]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


async def _records(
    sessions: async_sessionmaker[AsyncSession], dataset: Dataset, filters: Filters
) -> AsyncIterator[list[Mapping[str, Any]]]:
    async with sessions() as session:
        result = await session.stream(dataset.query(filters).execution_options(yield_per=CHUNK))
        async for partition in result.partitions(CHUNK):
            yield [dataset.record(row) for row in partition]


def head(service: str, dataset: Dataset, *, synthetic: bool, count: int, filters: Filters) -> dict[str, Any]:
    return {
        "dataset": f"{service}/{dataset.slug}",
        "title_ko": dataset.title_ko,
        "title_en": dataset.title_en,
        "generated_at": now_utc().isoformat(),
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "publisher": SYNTHETIC_PUBLISHER if synthetic else PUBLISHER,
        "synthetic": synthetic,
        "synthetic_note": SYNTHETIC_NOTE if synthetic else None,
        "filters": {"sgg_code": filters.sgg_code, "year": filters.year},
        "columns": list(dataset.columns),
        "count": count,
    }


async def csv_stream(
    sessions: async_sessionmaker[AsyncSession], dataset: Dataset, filters: Filters, *, synthetic: bool
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*dataset.columns, "synthetic"])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    flag = "true" if synthetic else "false"
    async for records in _records(sessions, dataset, filters):
        buffer.seek(0)
        buffer.truncate()
        for rec in records:
            writer.writerow([*(neutralise(_cell(rec.get(c))) for c in dataset.columns), flag])
        yield buffer.getvalue().encode()


async def json_stream(
    sessions: async_sessionmaker[AsyncSession],
    service: str,
    dataset: Dataset,
    filters: Filters,
    *,
    synthetic: bool,
) -> AsyncIterator[bytes]:
    async with sessions() as session:
        count = int(
            await session.scalar(select(func.count()).select_from(dataset.query(filters).subquery())) or 0
        )
    top = head(service, dataset, synthetic=synthetic, count=count, filters=filters)
    yield (json.dumps(top, ensure_ascii=False)[:-1] + ', "items": [').encode()
    first = True
    async for records in _records(sessions, dataset, filters):
        if not records:
            continue
        chunk = ",".join(
            json.dumps({c: _json_value(rec.get(c)) for c in dataset.columns}, ensure_ascii=False)
            for rec in records
        )
        yield (chunk if first else "," + chunk).encode()
        first = False
    yield b"]}"


SggQuery = Annotated[str | None, Query(pattern=r"^11\d{3}$", description="Only this borough (5-digit code)")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Only this year (see the catalogue)")]


def _headers(filename: str, synthetic: bool) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Open-Data-License": LICENSE,
        "X-Open-Data-Synthetic": "true" if synthetic else "false",
    }


def open_data_router(service: str, datasets: Sequence[Dataset]) -> APIRouter:
    """The catalogue and a CSV and a JSON route per dataset, all public."""
    router = APIRouter(prefix="/v1/open-data", tags=["open data"], responses=PROBLEM_RESPONSES)

    async def catalogue(request: Request) -> Catalogue:
        synthetic = is_synthetic(request.app.state.settings)
        return Catalogue(
            service=service,
            publisher=SYNTHETIC_PUBLISHER if synthetic else PUBLISHER,
            synthetic=synthetic,
            synthetic_note=SYNTHETIC_NOTE if synthetic else None,
            datasets=[
                DatasetInfo(
                    slug=d.slug,
                    title_ko=d.title_ko,
                    title_en=d.title_en,
                    description=d.description,
                    year_means=d.year_means,
                    columns=[*d.columns, "synthetic"],
                    csv_url=f"/v1/open-data/{d.slug}.csv",
                    json_url=f"/v1/open-data/{d.slug}.json",
                )
                for d in datasets
            ],
        )

    router.add_api_route(
        "",
        catalogue,
        methods=["GET"],
        response_model=Catalogue,
        name=f"{service}_open_data",
        summary="The service's bulk open datasets, licence and whether the data is synthetic",
    )
    for dataset in datasets:
        _add_dataset_routes(router, service, dataset)
    return router


def _add_dataset_routes(router: APIRouter, service: str, dataset: Dataset) -> None:
    filename = f"seoul-cg-{service}-{dataset.slug}"

    async def as_csv(
        request: Request, sgg_code: SggQuery = None, year: YearQuery = None
    ) -> StreamingResponse:
        synthetic = is_synthetic(request.app.state.settings)
        return StreamingResponse(
            csv_stream(request.app.state.sessions, dataset, Filters(sgg_code, year), synthetic=synthetic),
            media_type="text/csv; charset=utf-8",
            headers=_headers(f"{filename}.csv", synthetic),
        )

    async def as_json(
        request: Request, sgg_code: SggQuery = None, year: YearQuery = None
    ) -> StreamingResponse:
        synthetic = is_synthetic(request.app.state.settings)
        return StreamingResponse(
            json_stream(
                request.app.state.sessions, service, dataset, Filters(sgg_code, year), synthetic=synthetic
            ),
            media_type="application/json",
            headers=_headers(f"{filename}.json", synthetic),
        )

    router.add_api_route(
        f"/{dataset.slug}.csv",
        as_csv,
        methods=["GET"],
        name=f"export_{dataset.name}_csv",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM (Excel-ready)"}},
        summary=f"{dataset.title_en} as CSV (formula cells neutralised). Year: {dataset.year_means}",
    )
    router.add_api_route(
        f"/{dataset.slug}.json",
        as_json,
        methods=["GET"],
        name=f"export_{dataset.name}_json",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/json": {}}, "description": "Header fields and items"}},
        summary=f"{dataset.title_en} as JSON with licence and provenance. Year: {dataset.year_means}",
    )
