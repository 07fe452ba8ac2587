"""The registry read model fed a run of snapshots at a time (``apply_snapshots`` / ``on_batch``).

On PostgreSQL and SQLite: the rules of one-by-one application (newest version wins, a deletion is a
final tombstone, a plan_item_id that cannot be ours is dropped) hold within a run, and a partition batch
through the real consumer leaves exactly what delivering its records one by one leaves.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cg_planning.registry_projects import service
from cg_planning.registry_projects.models import RegistryProject
from cg_shared.events import CloudEvent
from cg_shared.events.registry import ProjectDeleted, ProjectRegistered, ProjectSnapshot, ProjectUpdated
from cg_shared.messaging.tables import DeadLetter, InboxMessage
from cg_shared.testing.kit import consumer_for

COMPARED = (*service._FIELDS, "project_id")


def registered(project_id: str, version: int = 1, **extra: Any) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=project_id,
        code=f"CG-{project_id[:6]}",
        title_ko=f"성수동 청년 공간 v{version}",
        title_en=f"Seongsu youth space v{version}",
        sgg_code="11200",
        policy_field="community",
        partner_organisations=[f"성동청년센터 {version}"],
        total_krw=1_000_000 * version,
        version=version,
        **extra,
    )


def updated(project_id: str, version: int, **extra: Any) -> ProjectUpdated:
    base = registered(project_id, version, **extra).model_dump()
    return ProjectUpdated(**base, changed_fields=["title_ko", "total_krw"])


def deleted(project_id: str, version: int) -> ProjectDeleted:
    return ProjectDeleted(
        project_id=project_id, code=f"CG-{project_id[:6]}", sgg_code="11200", version=version
    )


async def rows_of(app: FastAPI, ids: list[str]) -> dict[str, RegistryProject]:
    async with app.state.sessions() as session:
        rows = (
            await session.execute(select(RegistryProject).where(RegistryProject.project_id.in_(ids)))
        ).scalars()
        return {r.project_id: r for r in rows}


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent while the block runs (to see how many round trips a batch takes)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_run_with_versions_out_of_order_keeps_the_newest(app: FastAPI) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    run: list[ProjectSnapshot] = [
        registered(a, 1),
        updated(a, 3),
        updated(a, 2),  # late: older than what the run already applied
        registered(b, 2),
        registered(b, 1),
        updated(a, 3, lead_department="마을공동체과"),  # same version again: re-applied, as one by one
    ]
    async with app.state.sessions() as session, session.begin():
        await service.apply_snapshots(session=session, snapshots=run)
    rows = await rows_of(app, [a, b])
    assert rows[a].version == 3 and rows[a].title_ko == "성수동 청년 공간 v3"
    assert rows[a].total_krw == 3_000_000 and rows[a].partner_organisations == ["성동청년센터 3"]
    assert rows[a].lead_department == "마을공동체과"
    assert rows[b].version == 2 and rows[b].title_en == "Seongsu youth space v2"

    # A later run with only older versions changes nothing.
    async with app.state.sessions() as session, session.begin():
        await service.apply_snapshots(session=session, snapshots=[updated(a, 2), registered(b, 1)])
    again = await rows_of(app, [a, b])
    assert (again[a].version, again[a].title_ko) == (3, "성수동 청년 공간 v3")
    assert (again[b].version, again[b].total_krw) == (2, 2_000_000)


async def test_tombstone_is_final_within_a_run_and_across_runs(
    app: FastAPI, pl: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gone, kept = str(uuid.uuid4()), str(uuid.uuid4())
    # Through the consumer: snapshots, the deletion (its own handler, ending the run), newer snapshots.
    events = [
        (registered(gone, 1), gone),
        (updated(gone, 2), gone),
        (registered(kept, 1), kept),
        (deleted(gone, 3), gone),
        (updated(gone, 4), gone),  # newer than the tombstone, still must not resurrect it
        (updated(kept, 2), kept),
        (registered(gone, 1), gone),  # a replayed registration
    ]
    with caplog.at_level(logging.INFO, logger="cg_shared.messaging.consumer"):
        await consumer_for(app).process_batch([pl.event_record(p, s) for p, s in events])
    assert not any("batch apply failed" in r.getMessage() for r in caplog.records)  # no fallback
    rows = await rows_of(app, [gone, kept])
    assert rows[gone].status == service.DELETED and rows[gone].version == 3
    assert rows[gone].title_ko == "성수동 청년 공간 v2"  # the last snapshot before the deletion
    assert rows[kept].status == "planned" and rows[kept].version == 2

    # A whole run of snapshots for a tombstoned project, newer ones included: it stays deleted.
    async with app.state.sessions() as session, session.begin():
        await service.apply_snapshots(
            session=session, snapshots=[updated(gone, 5), registered(gone, 1), updated(kept, 3)]
        )
    rows = await rows_of(app, [gone, kept])
    assert rows[gone].status == service.DELETED and rows[gone].version == 3
    assert rows[kept].version == 3

    # A deletion before any snapshot leaves a tombstone that a run arriving later cannot lift.
    early = str(uuid.uuid4())
    await consumer_for(app).process_batch(
        [pl.event_record(p, early) for p in (deleted(early, 2), registered(early, 1), updated(early, 3))]
    )
    assert (await rows_of(app, [early]))[early].status == service.DELETED


async def test_plan_item_id_that_cannot_be_ours_is_dropped_per_snapshot(app: FastAPI) -> None:
    ours, foreign, later = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    item_id = str(uuid.uuid4())  # 36 characters: one of our items
    run: list[ProjectSnapshot] = [
        registered(ours, 1, plan_item_id=item_id),
        registered(foreign, 1, plan_item_id="EXT-" + "가" * 33),  # 37 characters
        registered(later, 1, plan_item_id=item_id),
        updated(later, 2, plan_item_id="x" * 100),  # a newer version in the run replaces it
    ]
    async with app.state.sessions() as session, session.begin():
        await service.apply_snapshots(session=session, snapshots=run)
    rows = await rows_of(app, [ours, foreign, later])
    assert rows[ours].plan_item_id == item_id
    assert rows[foreign].plan_item_id is None and rows[foreign].title_ko == "성수동 청년 공간 v1"
    assert rows[later].plan_item_id is None and rows[later].version == 2


def touching(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if table in s]


async def test_a_batch_takes_one_upsert_per_run_and_redelivery_applies_nothing_twice(
    app: FastAPI, pl: Any
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(12)]
    records = [pl.event_record(registered(pid, 1), pid) for pid in ids]
    records += [pl.event_record(updated(pid, 2), pid) for pid in ids[:5]]
    with statements(app.state.engine) as seen:
        await consumer_for(app).process_batch(records)
    # One set-based upsert per run (registered ×12, then updated ×5), no read of the read model, and
    # the inbox looked up once and written once for the whole batch: not one statement per event.
    model = touching(seen, "registry_projects")
    assert len(model) == 2 and all(s.lstrip().upper().startswith("INSERT") for s in model)
    assert all("ON CONFLICT" in s.upper() for s in model)
    assert len(touching(seen, "inbox")) == 2
    rows = await rows_of(app, ids)
    assert [rows[p].version for p in ids] == [2] * 5 + [1] * 7

    # The same batch again (a crash before the offset commit): every record is a duplicate.
    async with app.state.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(InboxMessage))
    with statements(app.state.engine) as seen:
        await consumer_for(app).process_batch(records)
    assert touching(seen, "registry_projects") == []
    async with app.state.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == before
        assert await session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        handled = set(
            (
                await session.execute(
                    select(InboxMessage.handler).where(InboxMessage.event_id.in_(_event_ids(records)))
                )
            ).scalars()
        )
    # The inbox keys are the handler names from before batching (rows written by older releases match).
    assert handled == {"planning.registry_project.registered", "planning.registry_project.updated"}


async def test_batch_leaves_what_one_by_one_delivery_leaves(
    app: FastAPI, pl: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Random interleavings of snapshots (shuffled versions, replays) and deletions of a few projects."""
    rng = random.Random(20261127)
    projects = 6
    batch_ids = [str(uuid.uuid4()) for _ in range(projects)]
    single_ids = [str(uuid.uuid4()) for _ in range(projects)]
    script: list[tuple[str, int, int]] = []  # (kind, project index, version)
    for n in range(projects):
        versions = list(range(1, rng.randint(2, 6)))
        rng.shuffle(versions)
        kinds = ["registered" if v == 1 else "updated" for v in versions]
        steps = list(zip(kinds, [n] * len(versions), versions, strict=True))
        if rng.random() < 0.5:
            steps.insert(rng.randrange(len(steps) + 1), ("deleted", n, rng.randint(1, 6)))
        steps += [("registered", n, 1)] * rng.randint(0, 1)  # a replay
        script += steps
    # Interleave the projects, each keeping its own order (as on one partition).
    queues = {n: [s for s in script if s[1] == n] for n in range(projects)}
    order: list[tuple[str, int, int]] = []
    while any(queues.values()):
        n = rng.choice([k for k, q in queues.items() if q])
        order.append(queues[n].pop(0))

    def build(ids: list[str]) -> list[Any]:
        out = []
        for kind, n, version in order:
            pid = ids[n]
            payload: Any = (
                registered(pid, version)
                if kind == "registered"
                else updated(pid, version, plan_item_id=("y" * 40 if version % 2 else str(uuid.uuid4())))
                if kind == "updated"
                else deleted(pid, version)
            )
            out.append(pl.event_record(payload, pid))
        return out

    assert {k for k, _, _ in order} == {"registered", "updated", "deleted"}
    with caplog.at_level(logging.INFO, logger="cg_shared.messaging.consumer"):
        await consumer_for(app).process_batch(build(batch_ids))
    assert not any("batch apply failed" in r.getMessage() for r in caplog.records)  # no fallback
    one_by_one = consumer_for(app)
    for record in build(single_ids):
        await one_by_one.process(record)

    batch_rows = await rows_of(app, batch_ids)
    single_rows = await rows_of(app, single_ids)
    assert len(batch_rows) == len(single_rows) == projects
    for b, s in zip(batch_ids, single_ids, strict=True):
        got = {
            f: getattr(batch_rows[b], f) for f in COMPARED if f not in ("project_id", "code", "plan_item_id")
        }
        want = {
            f: getattr(single_rows[s], f) for f in COMPARED if f not in ("project_id", "code", "plan_item_id")
        }
        assert got == want, (b, got, want)
        # Random UUIDs differ between the two copies; which kind of id survived must not.
        assert (batch_rows[b].plan_item_id is None) == (single_rows[s].plan_item_id is None)


def _event_ids(records: list[Any]) -> list[str]:
    return [CloudEvent.from_json(r.value).id for r in records]


async def test_a_run_of_deletions_keeps_the_highest_version_and_tombstones_unknown_projects(
    app: FastAPI, pl: Any
) -> None:
    known, unknown = str(uuid.uuid4()), str(uuid.uuid4())
    async with app.state.sessions() as session, session.begin():
        await service.apply_snapshots(session=session, snapshots=[updated(known, 4)])
    # One run of deletions (two of the same project, the older one last), then late snapshots.
    records = [
        pl.event_record(deleted(known, 5), known),
        pl.event_record(deleted(known, 3), known),
        pl.event_record(deleted(unknown, 2), unknown),
        pl.event_record(updated(unknown, 3), unknown),
        pl.event_record(updated(known, 6), known),
    ]
    with statements(app.state.engine) as seen:
        await consumer_for(app).process_batch(records)
    assert len(touching(seen, "registry_projects")) == 2  # the deletion run, then the snapshot run
    rows = await rows_of(app, [known, unknown])
    assert (rows[known].status, rows[known].version) == (service.DELETED, 5)
    assert rows[known].title_ko == "성수동 청년 공간 v4"  # the last snapshot's fields stay
    assert (rows[unknown].status, rows[unknown].version) == (service.DELETED, 2)
    assert rows[unknown].title_ko == ""
