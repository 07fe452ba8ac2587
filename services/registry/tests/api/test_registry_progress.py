"""Parent/child projects and progress (Decidim's accountability): milestones with dates and percent
done, progress rolled up to the parents, events carrying parent_id and progress_pct."""

from __future__ import annotations

from typing import Any


async def test_milestones_roll_progress_up_to_parents_with_events(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    url = await fresh_db(db_backend)
    async with reg.api(url) as client:
        programme, kitchen, done = await _step_tree(client, reg)
        milestone_id, etag = await _step_milestones_roll_up(client, reg, programme, kitchen)
        await _step_bad_milestone_input(client, reg, kitchen, done, milestone_id, etag)
        await _step_remove_reopen_and_detach(client, reg, programme, kitchen, done, milestone_id, etag)
        await _step_parent_rules(client, reg, programme, kitchen)
        await _step_events_and_pages(client, reg, programme, kitchen)


async def _post(
    client: Any, reg: Any, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post("/v1/projects", json=body, headers=headers or reg.OFFICER)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _progress(client: Any, project: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/v1/projects/{project['id']}/progress")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _step_tree(client: Any, reg: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    programme = await _post(
        client,
        reg,
        reg.project_body(sgg_code=None, title_ko="서울시 마을공동체 공유부엌 확산 사업", funding_lines=[]),
        reg.ADMIN,
    )
    kitchen = await _post(
        client,
        reg,
        reg.project_body(title_ko="성수동 공유부엌 조성", parent_id=programme["id"], funding_lines=[]),
    )
    assert kitchen["parent_id"] == programme["id"] and kitchen["progress_pct"] == 0
    done = await _post(
        client,
        reg,
        reg.project_body(
            title_ko="금호동 공유부엌 운영",
            parent_id=programme["id"],
            status="completed",
            funding_lines=[],
        ),
    )
    assert done["progress_pct"] == 100
    top = await _progress(client, programme)
    assert top["progress_pct"] == 50 and top["rule"] == "children"
    assert [c["project_id"] for c in top["children"]] == sorted(
        [kitchen["id"], done["id"]],
        key=lambda i: {kitchen["id"]: kitchen["code"], done["id"]: done["code"]}[i],
    )
    return programme, kitchen, done


async def _step_milestones_roll_up(
    client: Any, reg: Any, programme: dict[str, Any], kitchen: dict[str, Any]
) -> tuple[str, str]:
    """Returns the second milestone's id and the kitchen's ETag after finishing it."""
    # Milestones of the kitchen: 100 % + 20 % → 60 %, the programme (60 + 100) / 2 → 80 %.
    first = await client.post(
        f"/v1/projects/{kitchen['id']}/milestones",
        json={"title_ko": "공간 임대 계약", "due_date": "2025-03-31", "done_on": "2025-03-20"},
        headers={**reg.OFFICER, "If-Match": 'W/"1"'},
    )
    assert first.status_code == 201, first.text
    assert first.json()["progress_pct"] == 100 and first.json()["milestones"][0]["progress_pct"] == 100
    stale = await client.post(
        f"/v1/projects/{kitchen['id']}/milestones",
        json={"title_ko": "주방 설비 설치"},
        headers={**reg.OFFICER, "If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    second = await client.post(
        f"/v1/projects/{kitchen['id']}/milestones",
        json={"title_ko": "주방 설비 설치", "due_date": "2025-06-30", "progress_pct": 20},
        headers={**reg.OFFICER, "If-Match": first.headers["ETag"]},
    )
    assert second.status_code == 201, second.text
    view = second.json()
    assert view["progress_pct"] == 60 and view["rule"] == "milestones"
    assert [m["title_ko"] for m in view["milestones"]] == ["공간 임대 계약", "주방 설비 설치"]
    assert view["milestones"][1]["overdue"] is True  # due 2025-06-30, today is later, 20 % done
    assert (await _progress(client, programme))["progress_pct"] == 80
    assert (await client.get(f"/v1/projects/{programme['id']}")).json()["progress_pct"] == 80

    # Finishing the second milestone: the kitchen 100 %, the programme 100 %.
    milestone_id = view["milestones"][1]["id"]
    finished = await client.patch(
        f"/v1/projects/{kitchen['id']}/milestones/{milestone_id}",
        json={"done_on": "2025-07-02"},
        headers={**reg.OFFICER, "If-Match": second.headers["ETag"]},
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["progress_pct"] == 100
    assert (await _progress(client, programme))["progress_pct"] == 100
    return str(milestone_id), str(finished.headers["ETag"])


async def _step_bad_milestone_input(
    client: Any,
    reg: Any,
    kitchen: dict[str, Any],
    done: dict[str, Any],
    milestone_id: str,
    etag: str,
) -> None:
    # Bad input: a done milestone below 100 %, done in the future, a foreign milestone id.
    bad = await client.patch(
        f"/v1/projects/{kitchen['id']}/milestones/{milestone_id}",
        json={"progress_pct": 50},
        headers={**reg.OFFICER, "If-Match": etag, "Accept-Language": "ko"},
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "body.progress_pct" in bad.text
    future = await client.post(
        f"/v1/projects/{kitchen['id']}/milestones",
        json={"title_ko": "개소식", "done_on": "2999-01-01"},
        headers={**reg.OFFICER, "If-Match": etag},
    )
    assert future.status_code == 422 and "body.done_on" in future.text
    missing = await client.delete(
        f"/v1/projects/{done['id']}/milestones/{milestone_id}", headers={**reg.OFFICER, "If-Match": "*"}
    )
    assert missing.status_code == 404
    other_borough = await client.post(
        f"/v1/projects/{kitchen['id']}/milestones",
        json={"title_ko": "남의 사업"},
        headers={**reg.OTHER_OFFICER, "If-Match": etag},
    )
    assert other_borough.status_code == 403


async def _step_remove_reopen_and_detach(
    client: Any,
    reg: Any,
    programme: dict[str, Any],
    kitchen: dict[str, Any],
    done: dict[str, Any],
    milestone_id: str,
    etag: str,
) -> None:
    # Removing the milestone: back to 100 % (the remaining one); the programme stays at 100 %.
    removed = await client.delete(
        f"/v1/projects/{kitchen['id']}/milestones/{milestone_id}",
        headers={**reg.OFFICER, "If-Match": etag},
    )
    assert removed.status_code == 200 and len(removed.json()["milestones"]) == 1

    # Moving a child away re-rolls the old parent: only the completed child remains → 100.
    # Re-opening it (status active, no milestones) → 0 %, the programme 0 %.
    reopened = await client.patch(
        f"/v1/projects/{done['id']}",
        json={"status": "active"},
        headers={**reg.OFFICER, "If-Match": 'W/"1"'},
    )
    assert reopened.status_code == 200 and reopened.json()["progress_pct"] == 0
    assert (await _progress(client, programme))["progress_pct"] == 50
    detached = await client.patch(
        f"/v1/projects/{done['id']}",
        json={"parent_id": None},
        headers={**reg.OFFICER, "If-Match": reopened.headers["ETag"]},
    )
    assert detached.status_code == 200 and detached.json()["parent_id"] is None
    assert (await _progress(client, programme))["progress_pct"] == 100


async def _set_parent(client: Any, project: dict[str, Any], parent_id: str, headers: dict[str, str]) -> Any:
    current = await client.get(f"/v1/projects/{project['id']}")
    return await client.patch(
        f"/v1/projects/{project['id']}",
        json={"parent_id": parent_id},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )


async def _step_parent_rules(
    client: Any, reg: Any, programme: dict[str, Any], kitchen: dict[str, Any]
) -> None:
    # Parents: not itself, not a loop, not another borough's project, at most 4 levels; a parent
    # with children cannot be deleted.
    loop = await _set_parent(client, programme, kitchen["id"], reg.ADMIN)
    assert loop.status_code == 422 and "body.parent_id" in loop.text
    itself = await _set_parent(client, kitchen, kitchen["id"], reg.OFFICER)
    assert itself.status_code == 422
    gwanak = await _post(
        client, reg, reg.project_body(sgg_code=reg.OTHER_SGG, title_ko="신림동 공유부엌"), reg.OTHER_OFFICER
    )
    foreign = await _set_parent(client, gwanak, kitchen["id"], reg.OTHER_OFFICER)
    assert foreign.status_code == 422 and "body.parent_id" in foreign.text
    unknown = await post_status(client, reg.project_body(title_ko="없는 부모", parent_id="nope"), reg.OFFICER)
    assert unknown == 422
    chain = [kitchen]
    for level in range(2):
        chain.append(
            await _post(
                client, reg, reg.project_body(title_ko=f"하위 과제 {level}", parent_id=chain[-1]["id"])
            )
        )
    too_deep = await post_status(
        client, reg.project_body(title_ko="너무 깊은 과제", parent_id=chain[-1]["id"]), reg.OFFICER
    )
    assert too_deep == 422
    refused = await client.delete(f"/v1/projects/{kitchen['id']}", headers={**reg.OFFICER, "If-Match": "*"})
    assert refused.status_code == 409


async def _step_events_and_pages(
    client: Any, reg: Any, programme: dict[str, Any], kitchen: dict[str, Any]
) -> None:
    # Events carry the tree and the progress; the roll-ups are updates of the parent.
    updates = await reg.outbox_rows(client.app, "project.updated")
    rolled = [e for e in updates if e["data"]["project_id"] == programme["id"]]
    assert [e["data"]["progress_pct"] for e in rolled][:4] == [50, 100, 80, 100]
    assert all("progress_pct" in e["data"]["changed_fields"] for e in rolled)
    kitchen_events = [e for e in updates if e["data"]["project_id"] == kitchen["id"]]
    assert kitchen_events[0]["data"]["parent_id"] == programme["id"]
    assert "milestones" in kitchen_events[0]["data"]["changed_fields"]
    history = (await client.get(f"/v1/projects/{kitchen['id']}/history", headers=reg.OFFICER)).json()
    actions = [h["action"] for h in history["items"]]
    assert {"milestone_added", "milestone_updated", "milestone_deleted"} <= set(actions)

    # List pages (PostgreSQL builds them as JSON) carry the fields too.
    page = (await client.get("/v1/projects", params={"city_wide": "true"})).json()
    assert page["items"][0]["progress_pct"] == (await _progress(client, programme))["progress_pct"]
    assert page["items"][0]["parent_id"] is None


async def post_status(client: Any, body: dict[str, Any], headers: dict[str, str]) -> int:
    return int((await client.post("/v1/projects", json=body, headers=headers)).status_code)
