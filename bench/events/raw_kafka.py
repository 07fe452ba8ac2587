"""Baseline of the event-bus throughput benchmark: raw aiokafka produce → consume, no database.

Two processes (like the subject's registry relay and planning consumer): ``consume`` joins a group
and counts messages; ``produce`` sends the same CloudEvent payloads (same keys, values and headers as
the outbox rows) with the platform's producer settings and awaits every acknowledgement.

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

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

WARMUP_KEY = b"__warmup__"


def emit(obj: object) -> None:
    sys.stdout.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
    sys.stdout.flush()


async def consume(bootstrap: str, topic: str, group: str, expect: int, timeout_s: float) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        max_poll_records=200,  # same batch bound as the platform consumer
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
            batches = await consumer.getmany(timeout_ms=200, max_records=200)
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


Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


def load_messages(path: str) -> list[Message]:
    """Key, value and headers exactly as the relay sends an outbox row."""
    messages: list[Message] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            messages.append(
                (
                    row["key"].encode(),
                    row["payload"].encode(),
                    [("ce_type", row["event_type"].encode()), ("ce_id", row["event_id"].encode())],
                )
            )
    return messages


async def produce(bootstrap: str, topic: str, messages: list[Message]) -> None:
    # The platform's producer settings (cg_shared.messaging.broker.make_producer).
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=2, request_timeout_ms=10_000, retry_backoff_ms=100
    )
    await producer.start()
    try:
        await (await producer.send(topic, value=b"{}", key=WARMUP_KEY))
        emit("warm")
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit("raw producer: expected 'go'")
        emit({"t0": time.time()})
        futures = []
        for key, value, headers in messages:
            futures.append(await producer.send(topic, value=value, key=key, headers=headers))
            if len(futures) >= 2000:  # bound the in-flight futures list, keep the pipeline full
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
        emit({"acked": time.time()})
    finally:
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["consume", "produce"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="cg-bench-raw")
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--file", default="")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    # uvloop, like the services under uvicorn (loop="auto"), so the loops compared are the same.
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.mode == "consume":
        asyncio.run(consume(args.bootstrap, args.topic, args.group, args.expect, args.timeout))
    else:
        asyncio.run(produce(args.bootstrap, args.topic, load_messages(args.file)))


if __name__ == "__main__":
    main()
