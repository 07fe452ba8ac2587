"""Run the registry's seed loader (``cg_registry.seed.loader.seed_database``) and time it from outside.

A separate process so its peak RSS can be read (wait4) and the interpreter's start-up and imports stay
out of the timing: the clock starts after the imports, right before ``seed_database`` (generation,
bulk load, commit, ANALYZE) and stops when it returns. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from cg_registry.seed.loader import seed_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=int, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(seed_database(args.database_url, scale=args.scale, emit_events=False))
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "projects": getattr(result, "projects", None),
                "funding_lines": getattr(result, "funding_lines", None),
                "generate_seconds": getattr(result, "generate_seconds", None),
                "insert_seconds": getattr(result, "insert_seconds", None),
            }
        )
    )


if __name__ == "__main__":
    main()
