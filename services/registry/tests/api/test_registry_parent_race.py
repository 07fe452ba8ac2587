"""Two concurrent re-parentings that would close a loop (A under B, B under A): one wins, the other is
refused with a 422 naming body.parent_id — never a loop stored, never a deadlock (PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg


async def test_concurrent_reparentings_cannot_store_a_loop(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("postgresql")
    async with reg.api(url) as client:
        ids = []
        for title in ("성수동 공유부엌 조성", "금호동 공유부엌 운영"):
            created = await client.post(
                "/v1/projects", json=reg.project_body(title_ko=title, funding_lines=[]), headers=reg.OFFICER
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        a, b = ids

        # Another transaction holds both rows, so each PATCH takes its own project's row lock at the same
        # moment once it lets go: both read the chain before either has written its parent.
        holder = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            hold = holder.transaction()
            await hold.start()
            await holder.execute("SELECT 1 FROM projects WHERE id = ANY($1::text[]) FOR UPDATE", [a, b])

            async def set_parent(project_id: str, parent_id: str) -> Any:
                return await client.patch(
                    f"/v1/projects/{project_id}",
                    json={"parent_id": parent_id},
                    headers={**reg.OFFICER, "If-Match": 'W/"1"'},
                )

            patches = asyncio.gather(set_parent(a, b), set_parent(b, a), return_exceptions=True)
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = $1"
            database = url.rsplit("/", 1)[1]
            for _ in range(500):  # until both requests wait on a lock (the rows, or one on the other)
                if await holder.fetchval(waiting, database) >= 2:
                    break
                await asyncio.sleep(0.01)
            await hold.commit()
            results = await patches
        finally:
            await holder.close()

        statuses = sorted(r.status_code if not isinstance(r, BaseException) else repr(r) for r in results)
        assert statuses == [200, 422], statuses
        refused = next(r for r in results if r.status_code == 422)
        assert "body.parent_id" in refused.text
        parents = {
            p["id"]: p["parent_id"] for p in [(await client.get(f"/v1/projects/{i}")).json() for i in (a, b)]
        }
        assert [parents[a], parents[b]].count(None) == 1  # one under the other, not each under the other
