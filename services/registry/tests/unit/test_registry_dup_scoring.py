"""Duplicate scoring and the blocked scan as pure functions."""

from __future__ import annotations

from datetime import date

from cg_registry.duplicates.scan import clusters, scan
from cg_registry.duplicates.scoring import (
    SUSPECT_THRESHOLD,
    DupProject,
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
