"""Diagnostic: planning's consumer apply path alone (no broker, no relay), in events per second.

``project.registered`` records (the CloudEvents bench/events writes) go through
``EventConsumer.process_batch`` in partition batches of 500 (the consumer's poll bound) against a fresh,
migrated planning database: decode, inbox lookup, the read-model handler, inbox insert, commit. The
inbox is not emptied between rounds (as in production, it only grows), so a lookup that scans it
shows as rounds getting slower. Prints ev/s per round and the median.

    .venv/bin/python bench/events/apply_only.py [--n 10000 --rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import count
from pathlib import Path

from aiokafka import ConsumerRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import Bench, machine_summary, median, note, run_main
from bench.events.run import make_outbox_rows

BATCH = 500


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="events per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from cg_planning.consumers import handlers
    from cg_planning.settings import PlanningSettings
    from cg_shared.db import create_engine, make_sessionmaker
    from cg_shared.messaging import EventConsumer
    from cg_shared.messaging.heap import freeze_startup_heap
    from cg_shared.testing.helpers import migrate

    offsets = count()
    rates: list[float] = []
    cpu_us: list[float] = []
    async with Bench("apply-only") as bench:
        url = await bench.database("planning")
        await migrate("planning", url)
        engine = create_engine(url, pool_size=2)
        try:
            consumer = EventConsumer(
                settings=PlanningSettings(database_url=url, log_json=False),
                sessions=make_sessionmaker(engine),
                handlers=handlers,
            )
            # As a service does before it consumes (EventConsumer.run): prepare the inbox statements,
            # then take the startup heap out of the garbage collector's sight.
            await consumer.warm_up()
            freeze_startup_heap()
            for r in range(args.rounds):
                records = [
                    ConsumerRecord(
                        topic=row["topic"],
                        partition=0,
                        offset=next(offsets),
                        timestamp=0,
                        timestamp_type=0,
                        key=row["key"].encode(),
                        value=row["payload"].encode(),
                        checksum=None,
                        serialized_key_size=len(row["key"]),
                        serialized_value_size=len(row["payload"]),
                        headers=[],
                    )
                    for row in make_outbox_rows(args.n, seed=1000 + r)
                ]
                t0, cpu0 = time.perf_counter(), time.process_time()
                for start in range(0, len(records), BATCH):
                    await consumer.process_batch(records[start : start + BATCH])
                rates.append(len(records) / (time.perf_counter() - t0))
                # This process's CPU per event (the database is another process): less at the mercy of
                # other load on the machine than the wall-clock rate.
                cpu_us.append((time.process_time() - cpu0) / len(records) * 1e6)
                note(f"apply-only round {r + 1}: {rates[-1]:,.0f} ev/s, {cpu_us[-1]:,.0f} µs CPU/event")
        finally:
            await engine.dispose()
    print(f"machine: {machine_summary()}")
    print(
        f"apply-only: {' / '.join(f'{v:,.0f}' for v in rates)} ev/s, median {median(rates):,.0f} ev/s; "
        f"consumer CPU {' / '.join(f'{v:,.0f}' for v in cpu_us)} µs/event "
        f"({args.n:,} project.registered per round, batches of {BATCH})"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
