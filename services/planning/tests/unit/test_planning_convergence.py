"""Convergence scoring: which registry projects an item overlaps, ranked, with reasons."""

from __future__ import annotations

from datetime import date

from cg_planning.items.convergence import ItemProfile, ProjectProfile, periods_overlap, rank, title_similarity

ITEM = ItemProfile(
    title_ko="성수동 청년 마을공동체 공간 조성",
    title_en="Seongsu youth community space",
    partner_organisations=("성동청년센터", "성수 마을넷"),
    target_groups=("청년",),
    period_start=date(2027, 1, 1),
    period_end=date(2027, 12, 31),
    linked_project_ids=frozenset({"p-linked"}),
)


def project(
    pid: str,
    title: str,
    *,
    partners: tuple[str, ...] = (),
    targets: tuple[str, ...] = (),
    start: date | None = None,
    end: date | None = None,
) -> ProjectProfile:
    return ProjectProfile(pid, title, "", partners, targets, start, end)


def test_similar_title_shared_partner_and_target_rank_first_with_reasons() -> None:
    projects = [
        project(
            "p-title", "성수동 청년 공동체 공간 조성 사업", start=date(2026, 3, 1), end=date(2027, 6, 30)
        ),
        project(
            "p-all",
            "성수동 청년 마을공동체 공간 운영",
            partners=("성동 청년센터",),
            targets=("청년",),
            start=date(2027, 1, 1),
        ),
        project("p-partner", "어르신 건강 돌봄", partners=("성수 마을넷",), end=date(2020, 12, 31)),
        project("p-none", "하천 정화 캠페인", partners=("환경연합",), targets=("어린이",)),
    ]
    ranked = rank(ITEM, projects)
    assert [s.project_id for s in ranked] == ["p-all", "p-title", "p-partner"]
    best = ranked[0]
    # Spacing differences in organisation names do not hide a shared partner.
    assert best.shared_partners == ("성동청년센터",)
    assert best.shared_target_groups == ("청년",)
    assert best.period_overlap
    assert any(r.startswith("similar title") for r in best.reasons)
    partner_only = ranked[2]
    assert partner_only.title_similarity < 0.55
    assert partner_only.shared_partners == ("성수 마을넷",)
    assert not partner_only.period_overlap and "different period" in partner_only.reasons


def test_unrelated_project_is_not_suggested_and_min_score_filters() -> None:
    assert rank(ITEM, [project("x", "도로 포장 정비")]) == []
    scored = rank(ITEM, [project("p", "성수동 청년 마을공동체 공간 조성")])
    assert scored and scored[0].score > 0.6
    assert rank(ITEM, [project("p", "성수동 청년 마을공동체 공간 조성")], min_score=0.99) == []


def test_already_linked_is_flagged() -> None:
    (s,) = rank(ITEM, [project("p-linked", "성수동 청년 마을공동체 공간 조성")])
    assert s.already_linked and "already linked to this item" in s.reasons


def test_title_similarity_ignores_spacing_in_korean_compounds() -> None:
    assert title_similarity("마을공동체 협치 활성화", "마을 공동체 협치활성화") > 0.9
    assert title_similarity("청년 공간", "하천 정화") < 0.4


def test_periods_overlap_with_open_ends() -> None:
    start, end = date(2027, 1, 1), date(2027, 12, 31)
    assert periods_overlap(start, end, None, None)
    assert periods_overlap(start, end, date(2025, 1, 1), None)
    assert not periods_overlap(start, end, date(2028, 1, 1), None)
    assert not periods_overlap(start, end, None, date(2026, 12, 31))


def test_decomposed_hangul_matches_composed() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "성수동 청년 공간")
    assert nfd != "성수동 청년 공간"
    assert title_similarity("성수동 청년 공간", nfd) == 1.0
    (s,) = rank(ITEM, [project("p", "어르신 돌봄", partners=(unicodedata.normalize("NFD", "성동청년센터"),))])
    assert s.shared_partners == ("성동청년센터",)
