"""Baseline of the REST benchmark: a bare FastAPI app returning a constant page of 50 items.

No database, no auth, no middleware, no response model: the floor of FastAPI + uvicorn for a response
of the same shape and size as the registry's list page. Two modes:

- ``--mode bytes`` (the fair baseline, default): the page is encoded once at start and every request
  sends those bytes (``Response(content=...)``), which is the least any server can do per request. The
  registry sends bytes it built for that request (a miss) or encoded earlier (a cached page), so the
  baseline never does more work than the subject.
- ``--mode encode``: the route returns the dict and FastAPI encodes it per request (jsonable_encoder +
  json.dumps), shown for context only (it was the only baseline before issue 19). ``--payload`` names a JSON file with the 50
items (the benchmark saves one real registry page there, so both send the same bytes per response);
without it, 50 synthetic project-like items are used.

Served with exactly the uvicorn settings of ``cg-<svc> serve`` (cg_shared.service_cli): one worker,
default loop/http implementation (uvloop + httptools when installed), no access log.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn
from fastapi import FastAPI, Response


def synthetic_items() -> list[dict[str, Any]]:
    return [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "code": f"CG-11200-{i:05d}",
            "title_ko": f"성동구 마을공동체 협치 사업 {i}",
            "title_en": f"Seongdong community CG project {i}",
            "sgg_code": "11200",
            "status": "ongoing",
            "total_krw": 120_000_000 + i,
        }
        for i in range(50)
    ]


def create_app(items: list[dict[str, Any]], mode: str = "bytes") -> FastAPI:
    app = FastAPI(title="bare baseline")
    page = {"items": items, "next_cursor": None}
    if mode == "bytes":
        body = json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()

        @app.get("/v1/projects")
        async def projects_bytes() -> Response:
            return Response(content=body, media_type="application/json")

    else:

        @app.get("/v1/projects")
        async def projects() -> dict[str, Any]:
            return page

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--payload", default="")
    parser.add_argument("--mode", choices=("bytes", "encode"), default="bytes")
    args = parser.parse_args()
    if args.payload:
        with open(args.payload, encoding="utf-8") as fh:
            items = json.load(fh)
    else:
        items = synthetic_items()
    if len(items) != 50:
        raise SystemExit(f"bare app: expected 50 items, got {len(items)}")
    # The same call as cg_shared.service_cli.serve.
    uvicorn.run(
        create_app(items, args.mode),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
