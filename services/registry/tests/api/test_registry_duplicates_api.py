"""Duplicate candidates with reasons, once-per-pair events, the full scan and borough fragmentation."""

from __future__ import annotations

from typing import Any

from cg_registry.duplicates.models import DuplicatePair
from cg_registry.duplicates.service import scan_database
from cg_registry.projects.dupcheck import check_all_pending
from cg_registry.seed.loader import seed_database

SHARED = {"name": "옥수마을넷", "kind": "civic_group", "role": "operator"}


def _body(reg: Any, title: str, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title_ko": title,
        "title_en": "",
        "policy_field": "care",
        "target_groups": ["어르신"],
        "partners": [SHARED],
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
    }
    return dict(reg.project_body(**{**fields, **kw}))


async def test_planted_pair_found_both_ways_with_reasons(reg: Any, fresh_db: Any, db_backend: str) -> None:
    url = await fresh_db(db_backend)
    async with reg.api(url) as client:

        async def post(body: dict[str, Any], headers: dict[str, str] = reg.OFFICER) -> dict[str, Any]:
            response = await client.post("/v1/projects", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return dict(response.json())

        a = await post(_body(reg, "옥수동 어르신 공유부엌 식사 나눔 지원사업"))
        b = await post(
            _body(
                reg,
                "옥수동 어르신공유부엌 식사나눔 사업",
                origin="department",
                start_date="2025-04-01",
                end_date="2026-03-31",
            )
        )
        unrelated_same_block = await post(_body(reg, "금호동 아동 우리동네 키움센터 운영", partners=[]))
        other_borough = await post(
            _body(reg, "옥수동 어르신 공유부엌 식사 나눔 지원사업", sgg_code="11620"), reg.OTHER_OFFICER
        )

        from_a = (await client.get(f"/v1/projects/{a['id']}/duplicates")).json()
        from_b = (await client.get(f"/v1/projects/{b['id']}/duplicates")).json()
        lonely = (await client.get(f"/v1/projects/{unrelated_same_block['id']}/duplicates")).json()
        missing = await client.get("/v1/projects/nope/duplicates")

        assert [c["project_id"] for c in from_a["candidates"]] == [b["id"]]
        assert [c["project_id"] for c in from_b["candidates"]] == [a["id"]]
        candidate = from_a["candidates"][0]
        assert candidate["suspected"] is True and candidate["score"] == from_b["candidates"][0]["score"]
        reasons = {r["kind"]: r for r in candidate["reasons"]}
        assert set(reasons) == {
            "title_similarity",
            "same_borough",
            "same_policy_field",
            "overlapping_period",
            "shared_partners",
            "same_target_groups",
        }
        assert "옥수마을넷" in reasons["shared_partners"]["detail"]
        assert "2025-04-01..2025-12-31" in reasons["overlapping_period"]["detail"]
        assert lonely["candidates"] == []
        assert other_borough["id"] not in {c["project_id"] for c in from_a["candidates"]}
        assert missing.status_code == 404

        # The check runs after the registrations (the registry's checker works its queue off); the pair
        # is raised once, by the second project's check; edits and scans do not repeat it.
        assert await reg.outbox_rows(client.app, "duplicate_suspected") == []
        assert await check_all_pending(client.app.state.sessions) == 4  # type: ignore[attr-defined]
        first = await reg.outbox_rows(client.app, "duplicate_suspected")
        assert [{e["data"]["project_id"], e["data"]["candidate_id"]} for e in first] == [{a["id"], b["id"]}]
        assert any(r.startswith("shared_partners") for r in first[0]["data"]["reasons"])
        patched = await client.patch(
            f"/v1/projects/{b['id']}",
            json={"title_ko": "옥수동 어르신 공유부엌 식사나눔 사업"},
            headers={**reg.OFFICER, "If-Match": 'W/"1"'},
        )
        assert patched.status_code == 200
        assert await check_all_pending(client.app.state.sessions) == 1  # type: ignore[attr-defined]
        summary = await scan_database(url)
        assert summary.suspected_pairs == 1 and summary.new_pairs == 0
        assert len(await reg.outbox_rows(client.app, "duplicate_suspected")) == 1

        fragmentation = (await client.get("/v1/boroughs/11200/fragmentation")).json()
        assert fragmentation["cluster_count"] == 1
        cluster = fragmentation["clusters"][0]
        assert {p["project_id"] for p in cluster["projects"]} == {a["id"], b["id"]}
        assert cluster["total_krw"] == a["total_krw"] + b["total_krw"] == fragmentation["clustered_krw"]
        assert cluster["partners_in_common"] == ["옥수마을넷"]
        assert fragmentation["project_count"] == 3
        bad = await client.get("/v1/boroughs/99999/fragmentation")
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


async def test_full_scan_of_the_seed_finds_the_planted_clusters(reg: Any, fresh_db: Any) -> None:
    from cg_registry.seed.generator import generate

    url = await fresh_db("postgresql")
    await seed_database(url, emit_events=False)
    first = await scan_database(url)
    again = await scan_database(url)
    assert first.projects == 1126 and first.suspected_pairs >= 40
    assert first.new_pairs == first.suspected_pairs
    assert again.suspected_pairs == first.suspected_pairs and again.new_pairs == 0
    planted = generate().clusters
    async with reg.api(url) as client:
        events = await reg.outbox_rows(client.app, "duplicate_suspected")
        assert len(events) == first.suspected_pairs  # once per pair, the second scan added none
        by_code = {}
        for sgg in {c[0].split("-")[1] for c in planted}:
            fragmentation = (await client.get(f"/v1/boroughs/{sgg}/fragmentation")).json()
            for cluster in fragmentation["clusters"]:
                for p in cluster["projects"]:
                    by_code[p["code"]] = {q["code"] for q in cluster["projects"]}
    found = sum(1 for codes in planted if set(codes) <= by_code.get(codes[0], set()))
    assert found >= 0.9 * len(planted), (found, len(planted))


async def test_registration_check_finds_what_scoring_the_whole_borough_finds(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    # The check after a POST retrieves only trigram-similar titles of the borough (SQL blocking); on the seed,
    # with re-registrations of seeded titles, it must record exactly the pairs that scoring the new
    # project against every project of its borough finds.
    import random

    from sqlalchemy import select

    from cg_registry.duplicates.scoring import SUSPECT_THRESHOLD, rank_candidates
    from cg_registry.duplicates.service import load_dup_projects
    from cg_registry.projects.models import Project
    from cg_shared.testing.helpers import auth

    url = await fresh_db(db_backend)
    await seed_database(url, emit_events=False)
    async with reg.api(url) as client:
        async with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            seeded = list(
                await session.execute(
                    select(
                        Project.sgg_code,
                        Project.title_ko,
                        Project.policy_field,
                        Project.partners,
                        Project.target_groups,
                        Project.start_date,
                        Project.end_date,
                    )
                    .where(Project.sgg_code.is_not(None))
                    .order_by(Project.code)
                )
            )
        rng = random.Random(7)
        created: list[dict[str, Any]] = []

        def variant(title: str) -> str:
            # Reworded, not copied: words swapped or dropped, so the titles are similar but not equal.
            words = title.split()
            if len(words) > 2 and rng.random() < 0.5:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
            elif len(words) > 3:
                del words[rng.randrange(len(words))]
            return " ".join([*words, rng.choice(["(2차)", "확대", "연계", "강화"])])

        for sgg, title, field, partners, targets, start, end in rng.sample(seeded, 30):
            body = reg.project_body(
                title_ko=variant(title),
                sgg_code=sgg,
                policy_field=field,
                partners=partners,
                target_groups=targets,
                start_date=start.isoformat() if start else None,
                end_date=end.isoformat() if end else None,
            )
            response = await client.post("/v1/projects", json=body, headers=auth("borough_officer", sgg))
            assert response.status_code == 201, response.text
            created.append(response.json())
        assert await check_all_pending(client.app.state.sessions) == 30  # type: ignore[attr-defined]
        async with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            recorded = {
                (r.project_a, r.project_b)
                for r in await session.execute(select(DuplicatePair.project_a, DuplicatePair.project_b))
            }
            expected: set[tuple[str, str]] = set()
            for project in created:
                peers = await load_dup_projects(session, sgg_code=project["sgg_code"], with_city=True)
                later = {p["id"] for p in created[created.index(project) + 1 :]}
                # What the exhaustive check (its borough and the city-wide projects) saw when this project
                # was registered (later ones did not exist).
                peers = [p for p in peers if p.id not in later]
                subject = next(p for p in peers if p.id == project["id"])
                expected |= {m.pair for m in rank_candidates(subject, peers, min_score=SUSPECT_THRESHOLD)}
    assert expected, "the re-registered titles must be suspected duplicates of their originals"
    assert recorded == expected
