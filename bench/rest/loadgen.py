"""Closed-loop HTTP/1.1 keep-alive load generator (raw asyncio + uvloop), run as its own process.

``C`` connections each send one GET, read the whole response, and send the next (wrk's model). The
paths (``--path``, repeatable, or ``--paths-file``: a JSON list) are taken in order from one sequence
shared by all connections, so with a file of distinct paths no path is asked twice until the sequence
wraps; the result counts the requests sent after a wrap (``repeats``: possible cache hits). Requests completing during the first ``--warmup`` seconds are not
counted; after that, every response completing before the end of ``--duration`` counts, with its
latency (request written → last body byte read). Prints one JSON object on stdout.

Kept deliberately minimal (no httpx) so the client costs little CPU: on a 2-core machine the client
shares the CPU with the server, equally for the baseline and the subject.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from pathlib import Path


def nearest_rank(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, keep-alive) of one response; handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length: int | None = None
    chunked = False
    keep_alive = True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep_alive = False
    size = 0
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = int(size_line.split(b";", 1)[0], 16)
            await reader.readexactly(chunk + 2)
            size += chunk
            if chunk == 0:
                break
    elif length:
        await reader.readexactly(length)
        size = length
    return status, size, keep_alive


async def connection(
    host: str,
    port: int,
    requests: list[bytes],
    cursor: dict[str, int],
    measure_from: float,
    stop_at: float,
    latencies: list[float],
    statuses: dict[int, int],
    counters: dict[str, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            i = cursor["next"]
            cursor["next"] = i + 1
            if i >= len(requests):
                counters["repeats"] += 1
            request = requests[i % len(requests)]
            started = time.perf_counter()
            writer.write(request)
            try:
                status, size, keep_alive = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                counters["errors"] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            ended = time.perf_counter()
            if measure_from <= ended <= stop_at:
                latencies.append(ended - started)
                statuses[status] = statuses.get(status, 0) + 1
                counters["bytes"] += size
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    paths: list[str] = args.paths
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
            "Accept: application/json\r\nUser-Agent: cg-bench\r\n\r\n"
        ).encode()
        for path in paths
    ]
    cursor = {"next": 0}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counters = {"errors": 0, "bytes": 0, "repeats": 0}
    begin = time.perf_counter()
    measure_from = begin + args.warmup
    stop_at = measure_from + args.duration
    await asyncio.gather(
        *(
            connection(
                args.host, args.port, requests, cursor, measure_from, stop_at, latencies, statuses, counters
            )
            for _ in range(args.connections)
        )
    )
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {
        "requests": len(latencies),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": counters["errors"],
        "sent": cursor["next"],
        "distinct_paths": len(requests),
        "repeats": counters["repeats"],
        "rps": ok / args.duration,
        "bytes_per_response": counters["bytes"] / len(latencies) if latencies else 0,
        "p50_ms": nearest_rank(latencies, 50) * 1000,
        "p90_ms": nearest_rank(latencies, 90) * 1000,
        "p99_ms": nearest_rank(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else math.nan,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", action="append", help="repeatable; used in order, then from the start")
    parser.add_argument("--paths-file", default="", help="JSON list of paths, used in order")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    args.paths = list(args.path or [])
    if args.paths_file:
        args.paths += json.loads(Path(args.paths_file).read_text(encoding="utf-8"))
    if not args.paths:
        raise SystemExit("loadgen: no paths")
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("loadgen only targets loopback addresses")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
