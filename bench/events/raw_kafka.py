"""Baselines of the event-bus throughput benchmark, each two processes like the subject's registry
relay and planning consumer, on the same broker and the same messages.

**bus** (``produce`` / ``consume``): raw aiokafka, no database. ``consume`` joins a group and counts
messages; ``produce`` sends the same CloudEvent payloads (same keys, values and headers as the outbox
rows) with the platform's producer settings and awaits every acknowledgement. This is the issue's
denominator: it does strictly less work than the subject.

**equal work** (``produce --db`` / ``consume --db``): the same bus plus, hand-written on asyncpg, the
database work the subject does per event. The producer reads the rows from an outbox table in id
order, 200 per transaction (the relay's batch) under a row lock, sends them, awaits the
acknowledgements and marks them published in that transaction. The consumer decodes every record's
JSON, and per partition batch, in one transaction: looks the events up in an inbox table (primary key
handler + event id), upserts the read-model rows (the columns of planning's ``registry_projects``,
newest version wins, one ``INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE WHERE``), inserts the
inbox rows, commits, then commits the offsets. No ORM, no pydantic, no tracing, no metrics: the floor
for the same work in Python on the same machine.

Protocol with the parent (one line each on stdout): the producer sends one warm-up message and prints
``warm``; the consumer prints ``ready`` once it received it (its group has joined); the parent writes
``go`` to the producer's stdin; the producer prints ``{"t0": <epoch s>}`` just before its first send
and the consumer ``{"t1": <epoch s>, "count": N}`` after the N-th message. Both clocks are this
machine's wall clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from cg_shared.clock import now_utc
from cg_shared.messaging.broker import PRODUCER_BATCH_BYTES

WARMUP_KEY = b"__warmup__"
# The platform consumer's bound (cg_shared.messaging.consumer.MAX_POLL_RECORDS).
MAX_POLL_RECORDS = 500
RELAY_BATCH = 200  # the relay's default batch (CG_RELAY_BATCH_SIZE)

SCHEMA = """
CREATE TABLE IF NOT EXISTS raw_outbox (
    id bigserial PRIMARY KEY, topic text NOT NULL, key text, payload text NOT NULL,
    event_type text NOT NULL, event_id text NOT NULL, published_at timestamptz);
CREATE INDEX IF NOT EXISTS raw_outbox_unpublished ON raw_outbox (id) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS raw_inbox (
    handler text NOT NULL, event_id text NOT NULL, event_type text NOT NULL, topic text,
    "partition" int, "offset" bigint, processed_at timestamptz NOT NULL, PRIMARY KEY (handler, event_id));
CREATE TABLE IF NOT EXISTS raw_projects (
    project_id varchar(36) PRIMARY KEY, code varchar(40) NOT NULL, title_ko varchar(300) NOT NULL,
    title_en varchar(300) NOT NULL, sgg_code varchar(5), policy_field varchar(50), origin varchar(20) NOT NULL,
    status varchar(20) NOT NULL, lead_department varchar(200), partner_organisations json NOT NULL,
    target_groups json NOT NULL, start_date date, end_date date, total_krw bigint NOT NULL,
    plan_item_id varchar(36), version int NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS raw_projects_sgg ON raw_projects (sgg_code);
CREATE INDEX IF NOT EXISTS raw_projects_item ON raw_projects (plan_item_id);
"""

UPSERT = """
INSERT INTO raw_projects AS p (project_id, code, title_ko, title_en, sgg_code, policy_field, origin, status,
    lead_department, partner_organisations, target_groups, start_date, end_date, total_krw, plan_item_id,
    version, updated_at)
SELECT u.project_id, u.code, u.title_ko, u.title_en, u.sgg_code, u.policy_field, u.origin, u.status,
    u.lead_department, u.partners::json, u.targets::json, u.start_date, u.end_date, u.total_krw,
    u.plan_item_id, u.version, $17
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::text[], $10::text[], $11::text[], $12::date[], $13::date[], $14::bigint[], $15::text[], $16::int[])
    AS u(project_id, code, title_ko, title_en, sgg_code, policy_field, origin, status, lead_department,
    partners, targets, start_date, end_date, total_krw, plan_item_id, version)
ORDER BY u.project_id
ON CONFLICT (project_id) DO UPDATE SET code = excluded.code, title_ko = excluded.title_ko,
    title_en = excluded.title_en, sgg_code = excluded.sgg_code, policy_field = excluded.policy_field,
    origin = excluded.origin, status = excluded.status, lead_department = excluded.lead_department,
    partner_organisations = excluded.partner_organisations, target_groups = excluded.target_groups,
    start_date = excluded.start_date, end_date = excluded.end_date, total_krw = excluded.total_krw,
    plan_item_id = excluded.plan_item_id, version = excluded.version, updated_at = excluded.updated_at
WHERE p.version <= excluded.version AND p.status <> 'deleted'
"""
HANDLER = "raw.registry_project.registered"


def emit(obj: object) -> None:
    sys.stdout.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
    sys.stdout.flush()


async def consume(bootstrap: str, topic: str, group: str, expect: int, timeout_s: float) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        max_poll_records=MAX_POLL_RECORDS,  # same batch bound as the platform consumer
        metadata_max_age_ms=5_000,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        warm = False
        count = 0
        while count < expect:
            if time.monotonic() > deadline:
                raise SystemExit(f"raw consumer: only {count}/{expect} messages within {timeout_s}s")
            batches = await consumer.getmany(timeout_ms=200, max_records=MAX_POLL_RECORDS)
            for records in batches.values():
                for record in records:
                    if record.key == WARMUP_KEY:
                        if not warm:
                            warm = True
                            emit("ready")
                        continue
                    count += 1
        emit({"t1": time.time(), "count": count})
    finally:
        await consumer.stop()


# Key, value and headers exactly as the relay sends an outbox row (structured-mode CloudEvent: the one
# content-type header; the bench's events carry no traceparent, so no trace headers), and the row's
# event type and id (the equal-work producer's outbox table holds them like the real one).
Message = tuple[bytes, bytes, list[tuple[str, bytes]], str, str]
HEADERS = [("content-type", b"application/cloudevents+json")]


def load_messages(path: str) -> list[Message]:
    messages: list[Message] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            messages.append(
                (row["key"].encode(), row["payload"].encode(), HEADERS, row["event_type"], row["event_id"])
            )
    return messages


def make_producer(bootstrap: str, idempotence: bool) -> AIOKafkaProducer:
    """The platform's producer settings (cg_shared.messaging.broker.make_producer): acks=all, linger 2 ms,
    128 KiB record batches, and the idempotent producer on Kafka (off on Tansu, as the services get it
    there)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=idempotence,
        linger_ms=2,
        max_batch_size=PRODUCER_BATCH_BYTES,
        request_timeout_ms=10_000,
        retry_backoff_ms=100,
    )


async def produce(bootstrap: str, topic: str, messages: list[Message], idempotence: bool) -> None:
    producer = make_producer(bootstrap, idempotence)
    await producer.start()
    try:
        await (await producer.send(topic, value=b"{}", key=WARMUP_KEY))
        emit("warm")
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit("raw producer: expected 'go'")
        emit({"t0": time.time()})
        futures = []
        for key, value, headers, _, _ in messages:
            futures.append(await producer.send(topic, value=value, key=key, headers=headers))
            if len(futures) >= 2000:  # bound the in-flight futures list, keep the pipeline full
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
        emit({"acked": time.time()})
    finally:
        await producer.stop()


def _date(value: Any) -> Any:
    return None if value is None else date.fromisoformat(value)


async def apply_batch(conn: Any, records: list[Any]) -> int:
    """Decode a partition batch and apply it in one transaction; returns the events applied."""
    events = [json.loads(r.value) for r in records if r.key != WARMUP_KEY]
    if not events:
        return 0
    async with conn.transaction():
        seen = {
            row[0]
            for row in await conn.fetch(
                "SELECT event_id FROM raw_inbox WHERE handler = $1 AND event_id = ANY($2::text[])",
                HANDLER,
                [e["id"] for e in events],
            )
        }
        fresh = [(e, r) for e, r in zip(events, records, strict=False) if e["id"] not in seen]
        newest: dict[str, dict[str, Any]] = {}
        for event, _ in fresh:
            data = event["data"]
            kept = newest.get(data["project_id"])
            if kept is None or data.get("version", 1) >= kept.get("version", 1):
                newest[data["project_id"]] = data
        rows = [newest[k] for k in sorted(newest)]
        cols: list[list[Any]] = [
            [d["project_id"] for d in rows],
            [d["code"] for d in rows],
            [d["title_ko"] for d in rows],
            [d.get("title_en", "") for d in rows],
            [d.get("sgg_code") for d in rows],
            [d.get("policy_field") for d in rows],
            [d.get("origin", "department") for d in rows],
            [d.get("status", "planned") for d in rows],
            [d.get("lead_department") for d in rows],
            [json.dumps(d.get("partner_organisations", []), ensure_ascii=False) for d in rows],
            [json.dumps(d.get("target_groups", []), ensure_ascii=False) for d in rows],
            [_date(d.get("start_date")) for d in rows],
            [_date(d.get("end_date")) for d in rows],
            [d.get("total_krw", 0) for d in rows],
            [d.get("plan_item_id") if len(d.get("plan_item_id") or "") <= 36 else None for d in rows],
            [d.get("version", 1) for d in rows],
        ]
        now = now_utc()
        await conn.execute(UPSERT, *cols, now)
        await conn.executemany(
            'INSERT INTO raw_inbox (handler, event_id, event_type, topic, "partition", "offset", processed_at) '
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [(HANDLER, e["id"], e["type"], r.topic, r.partition, r.offset, now) for e, r in fresh],
        )
    return len(fresh)


async def consume_db(bootstrap: str, topic: str, group: str, expect: int, timeout_s: float, db: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(db)  # the parent created SCHEMA and emptied the tables
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=MAX_POLL_RECORDS,
        metadata_max_age_ms=5_000,
        fetch_max_wait_ms=20,  # the platform consumer's CG_KAFKA_FETCH_MAX_WAIT_MS
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        warm = False
        count = 0
        while count < expect:
            if time.monotonic() > deadline:
                raise SystemExit(f"raw db consumer: only {count}/{expect} events within {timeout_s}s")
            batches = await consumer.getmany(timeout_ms=200, max_records=MAX_POLL_RECORDS)
            for records in batches.values():
                if not warm and any(r.key == WARMUP_KEY for r in records):
                    warm = True
                    emit("ready")
                count += await apply_batch(conn, records)
            if batches:
                await consumer.commit(
                    {TopicPartition(tp.topic, tp.partition): rs[-1].offset + 1 for tp, rs in batches.items()}
                )
        emit({"t1": time.time(), "count": count})
    finally:
        await consumer.stop()
        await conn.close()


async def produce_db(bootstrap: str, topic: str, messages: list[Message], db: str, idempotence: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(db)
    await conn.copy_records_to_table(
        "raw_outbox",
        records=[
            (topic, key.decode(), value.decode(), event_type, event_id)
            for key, value, _, event_type, event_id in messages
        ],
        columns=["topic", "key", "payload", "event_type", "event_id"],
    )
    producer = make_producer(bootstrap, idempotence)
    await producer.start()
    try:
        await (await producer.send(topic, value=b"{}", key=WARMUP_KEY))
        emit("warm")
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit("raw producer: expected 'go'")
        emit({"t0": time.time()})
        while True:
            async with conn.transaction():
                rows = await conn.fetch(
                    "SELECT id, key, payload FROM raw_outbox WHERE published_at IS NULL ORDER BY id "
                    "LIMIT $1 FOR UPDATE",
                    RELAY_BATCH,
                )
                if not rows:
                    break
                futures = [
                    await producer.send(
                        topic,
                        value=row["payload"].encode(),
                        key=row["key"].encode(),
                        headers=HEADERS,
                    )
                    for row in rows
                ]
                await asyncio.gather(*futures)
                await conn.execute(
                    "UPDATE raw_outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                    [row["id"] for row in rows],
                )
        emit({"acked": time.time()})
    finally:
        await producer.stop()
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["consume", "produce"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="cg-bench-raw")
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--file", default="")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--db", default="", help="equal-work baseline: PostgreSQL DSN (asyncpg)")
    parser.add_argument("--no-idempotence", action="store_true", help="Tansu: no idempotent producer")
    args = parser.parse_args()
    # uvloop, like the services under uvicorn (loop="auto"), so the loops compared are the same.
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.mode == "consume" and args.db:
        asyncio.run(consume_db(args.bootstrap, args.topic, args.group, args.expect, args.timeout, args.db))
    elif args.mode == "consume":
        asyncio.run(consume(args.bootstrap, args.topic, args.group, args.expect, args.timeout))
    elif args.db:
        asyncio.run(
            produce_db(args.bootstrap, args.topic, load_messages(args.file), args.db, not args.no_idempotence)
        )
    else:
        asyncio.run(produce(args.bootstrap, args.topic, load_messages(args.file), not args.no_idempotence))


if __name__ == "__main__":
    main()
