"""Duplicate scoring and the blocked scan as pure functions."""

from __future__ import annotations

from datetime import date

from cg_registry.duplicates.scan import clusters, scan
from cg_registry.duplicates.scoring import (
    SUSPECT_THRESHOLD,
    DupProject,
    double_funded,
    funding_streams,
    rank_candidates,
    score_pair,
    title_key,
)


def project(pid: str, title: str, **kw: object) -> DupProject:
    defaults: dict[str, object] = {
        "id": pid,
        "code": f"CG-11200-{pid}",
        "title_ko": title,
        "sgg_code": "11200",
        "policy_field": "care",
        "start_date": date(2024, 1, 1),
        "end_date": date(2024, 12, 31),
        "partners": [{"name": "성수마을넷"}],
        "target_groups": ["어르신"],
        "total_krw": 100,
    }
    defaults.update(kw)
    return DupProject.build(**defaults)  # type: ignore[arg-type]


def test_title_key_ignores_place_spacing_ordinals_and_generic_words() -> None:
    assert title_key("성동구 어르신 돌봄 공동체 지원사업") == title_key("성동구 어르신돌봄공동체 사업 (2차)")
    assert title_key("서울시 마을 축제 2023년 프로젝트") == "마을축제"


def test_near_duplicate_scores_high_with_all_reasons() -> None:
    a = project("a", "성수동 어르신 돌봄 공동체 지원사업")
    b = project(
        "b", "성수동 어르신돌봄공동체 시범사업", start_date=date(2024, 3, 1), end_date=date(2025, 2, 28)
    )
    match = score_pair(a, b)
    assert match is not None and match.score >= SUSPECT_THRESHOLD
    kinds = {r.kind for r in match.reasons}
    assert kinds == {
        "title_similarity",
        "same_borough",
        "same_policy_field",
        "overlapping_period",
        "shared_partners",
        "same_target_groups",
    }


def test_template_sibling_in_another_neighbourhood_is_not_suspected() -> None:
    a = project("a", "성수동 어르신 돌봄 공동체 지원사업", partners=[{"name": "성수마을넷"}])
    b = project(
        "b", "행당동 아동 돌봄 공동체 사업", partners=[{"name": "행당마을넷"}], target_groups=["아동"]
    )
    match = score_pair(a, b)
    assert match is None or match.score < SUSPECT_THRESHOLD


def test_unrelated_titles_are_not_candidates() -> None:
    a = project("a", "성수동 어르신 돌봄 공동체 지원사업")
    b = project("b", "왕십리 전통시장 활성화 사업")
    assert score_pair(a, b) is None


def test_rank_candidates_is_symmetric() -> None:
    a = project("a", "금호동 마을 축제 지원사업", policy_field="culture")
    b = project("b", "금호동 마을축제 프로젝트", policy_field="culture")
    c = project("c", "옥수동 작은도서관 네트워크 사업", policy_field="culture")
    ranked_a = rank_candidates(a, [a, b, c])
    ranked_b = rank_candidates(b, [a, b, c])
    assert [m.b.id for m in ranked_a] == ["b"]
    assert [m.b.id for m in ranked_b] == ["a"]
    assert ranked_a[0].score == ranked_b[0].score


def test_scan_finds_pairs_across_policy_fields_through_trigram_blocking() -> None:
    a = project("a", "성수동 어르신 고독사 예방 안부 확인 사업", policy_field="care")
    b = project(
        "b", "성수동 어르신 고독사 예방 안부확인 프로젝트", policy_field="safety"
    )  # mislabelled field
    noise = [
        project(f"n{i}", f"행당동 청년 창업 공간 {i}호점 사업", partners=[], policy_field="youth")
        for i in range(5)
    ]
    matches, stats = scan([a, b, *noise], min_score=0.6)
    pairs = {m.pair for m in matches}
    assert ("a", "b") in pairs
    # Only the youth block has two members: the care/safety pair came from the trigram pass.
    assert stats.blocks == 1


def test_scan_blocks_by_borough() -> None:
    a = project("a", "마을 축제 지원사업", sgg_code="11200")
    b = project("b", "마을 축제 지원사업", sgg_code="11620")
    matches, _ = scan([a, b], min_score=0.0)
    assert matches == []


def test_clusters_are_connected_components() -> None:
    a, b, c, d = (project(x, "금호동 마을 축제 사업") for x in "abcd")
    m_ab, m_bc = score_pair(a, b), score_pair(b, c)
    assert m_ab is not None and m_bc is not None
    assert clusters([m_ab, m_bc]) == [["a", "b", "c"]]
    assert d.id not in clusters([m_ab, m_bc])[0]


def test_scan_compares_city_wide_programmes_with_borough_projects() -> None:
    city = project("c", "서울시 어르신 돌봄 공동체 지원사업", sgg_code=None, funding=(500, 0, 100, 0))
    copy = project("b", "성동구 어르신돌봄공동체 사업", sgg_code="11200", funding=(0, 80, 0, 0))
    other_field = project("o", "행당동 청년 창업 공간 운영", sgg_code="11200", policy_field="youth")
    matches, _ = scan([city, copy, other_field])
    assert [m.pair for m in matches] == [("b", "c")]
    kinds = {r.kind for r in matches[0].reasons}
    assert "city_wide_covers_borough" in kinds and "same_borough" not in kinds
    assert funding_streams(city) == {"smg_city", "national"} and funding_streams(copy) == {"borough"}
    assert double_funded(city, copy)
    same_streams = project("s", "성동구 어르신 돌봄 공동체", sgg_code="11200", funding=(0, 50, 0, 9))
    assert not double_funded(copy, same_streams)  # private money is no public stream
    assert not double_funded(copy, project("p", "x", funding=(0, 0, 0, 10)))  # no public money at all
    # Sharing a stream (both on borough money) is an overlap inside it, not funding from two streams.
    assert not double_funded(copy, project("m", "y", sgg_code="11200", funding=(30, 20, 0, 0)))
    assert double_funded(project("g", "z", funding=(30, 0, 0, 0)), project("n", "z", funding=(0, 0, 9, 0)))


def test_scan_finds_every_same_field_city_borough_pair_of_the_seed() -> None:
    # The exhaustive oracle: each city-wide project ranked against every borough project of its field.
    from cg_registry.seed.generator import generate

    seeded = [
        DupProject.build(
            **{k: p[k] for k in ("id", "code", "title_ko", "sgg_code", "policy_field", "start_date")},
            end_date=p["end_date"],
            partners=p["partners"],
            target_groups=p["target_groups"],
            total_krw=p["total_krw"],
        )
        for p in generate().projects
    ]
    matches, _ = scan(seeded)
    found = {m.pair for m in matches if (m.a.sgg_code is None) != (m.b.sgg_code is None)}
    expected = set()
    for subject in (p for p in seeded if p.sgg_code is None):
        peers = [p for p in seeded if p.sgg_code is not None and p.policy_field == subject.policy_field]
        expected |= {m.pair for m in rank_candidates(subject, peers, min_score=SUSPECT_THRESHOLD)}
    assert expected and found == expected
