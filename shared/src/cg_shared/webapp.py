"""The web app (``web/dist``) served next to the services: static files, the SPA fallback and
``/config.json`` telling the browser where the four APIs are and how people sign in.

``make run`` starts it on http://127.0.0.1:8000 (``CG_WEB_PORT``) through :func:`start`; the browser tests
start it on a free port. Kubernetes serves the same files from an unprivileged static image instead
(``web/Dockerfile``), with ``config.json`` from a ConfigMap.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

SERVICES = ("registry", "committee", "planning", "budget")
DEFAULT_PORT = 8000


def web_origins(host: str = "127.0.0.1", port: int | None = None) -> str:
    """The CORS origins the services must allow for the web app (``CG_CORS_ORIGINS``)."""
    port = port or int(os.environ.get("CG_WEB_PORT", DEFAULT_PORT))
    hosts = dict.fromkeys([host, "127.0.0.1", "localhost"])
    return ",".join(f"http://{h}:{port}" for h in hosts)


def create_web_app(dist: Path, config: dict[str, Any]) -> Starlette:
    index = dist / "index.html"
    if not index.is_file():
        raise SystemExit(f"{index} is missing: build the web app first (make web-build)")

    async def config_json(_: Request) -> Response:
        return JSONResponse(config, headers={"Cache-Control": "no-store"})

    async def spa(_: Request) -> Response:
        # Client-side routes (/boroughs/11200, /elections/…) all load the one page.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return Starlette(
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        routes=[
            Route("/config.json", config_json),
            Mount("/assets", StaticFiles(directory=dist / "assets"), name="assets"),
            Route("/{path:path}", spa),
        ],
    )


def start(
    host: str, service_urls: dict[str, str], log_path: Path, env: dict[str, str]
) -> subprocess.Popen[bytes] | None:
    """Start the web server as its own process (``make run``); None when the app is not built."""
    dist = Path(env.get("CG_WEB_DIST", "web/dist"))
    if not (dist / "index.html").is_file():
        print(f"web app not built ({dist}); run `make web-build` to serve it", file=sys.stderr)
        return None
    port = int(env.get("CG_WEB_PORT", DEFAULT_PORT))
    args = [
        sys.executable,
        "-m",
        "cg_shared.webapp",
        "--host",
        host,
        "--port",
        str(port),
        "--dist",
        str(dist),
    ]
    for name in SERVICES:
        args += [f"--{name}", service_urls[name]]
    return subprocess.Popen(args, env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dist", default="web/dist")
    for name in SERVICES:
        parser.add_argument(f"--{name}", required=True, help=f"base URL of the {name} API")
    parser.add_argument(
        "--auth-mode", default=os.environ.get("CG_WEB_AUTH_MODE", "dev"), choices=["dev", "oidc"]
    )
    args = parser.parse_args()
    config: dict[str, Any] = {
        "services": {name: getattr(args, name) for name in SERVICES},
        "auth": {"mode": args.auth_mode},
    }
    if args.auth_mode == "oidc":
        config["auth"]["oidc"] = json.loads(os.environ["CG_WEB_OIDC"])
    uvicorn.run(create_web_app(Path(args.dist), config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
