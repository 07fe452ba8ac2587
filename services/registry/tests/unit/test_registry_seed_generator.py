"""The seed generator on its own: exact published aggregates, determinism, plausible spread, real clusters."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from cg_registry.domain import POLICY_FIELDS, is_public_led
from cg_registry.duplicates.scoring import SUSPECT_THRESHOLD, DupProject, score_pair
from cg_registry.seed.generator import (
    PUBLISHED_PROJECTS,
    PUBLISHED_SMG_PROJECTS,
    PUBLISHED_SMG_TOTAL_KRW,
    PUBLISHED_TOTAL_KRW,
    SeedData,
    apportion,
    generate,
)
from cg_shared.districts import DISTRICTS


@pytest.fixture(scope="module")
def seed() -> SeedData:
    return generate()


def test_published_aggregates_are_exact(seed: SeedData) -> None:
    projects = seed.projects
    smg = [p for p in projects if p["has_smg_grant"]]
    assert len(projects) == PUBLISHED_PROJECTS == 1126
    assert sum(p["total_krw"] for p in projects) == PUBLISHED_TOTAL_KRW == 7_661_500_000_000
    assert len(smg) == PUBLISHED_SMG_PROJECTS == 920
    assert sum(p["total_krw"] for p in smg) == PUBLISHED_SMG_TOTAL_KRW == 6_060_700_000_000
    assert round(len(smg) / len(projects), 3) == 0.817


def test_totals_are_the_sum_of_funding_lines(seed: SeedData) -> None:
    by_project: Counter[str] = Counter()
    grants: Counter[str] = Counter()
    for line in seed.funding_lines:
        assert line["amount_krw"] > 0 and line["amount_krw"] % 1_000_000 == 0
        by_project[line["project_id"]] += line["amount_krw"]
        if line["source"] == "smg_grant":
            grants[line["project_id"]] += line["amount_krw"]
    for p in seed.projects:
        assert p["total_krw"] == by_project[p["id"]]
        assert p["has_smg_grant"] == (grants[p["id"]] > 0)
        assert p["smg_grant_krw"] == grants[p["id"]]
        years = (
            {ln["fiscal_year"] for ln in seed.funding_lines if ln["project_id"] == p["id"]}
            if p["code"].endswith("001")
            else set()
        )
        assert all(p["start_date"].year <= y <= p["end_date"].year for y in years)


def test_deterministic(seed: SeedData) -> None:
    again = generate()
    assert again.projects == seed.projects
    assert again.funding_lines == seed.funding_lines
    assert again.assessments == seed.assessments


def test_spread_over_boroughs_fields_origins_and_levels(seed: SeedData) -> None:
    projects = seed.projects
    boroughs = Counter(p["sgg_code"] for p in projects)
    assert set(boroughs) == set(DISTRICTS) | {None}
    # Population-weighted: Songpa (650k) has more projects than Jung-gu (126k).
    assert boroughs["11710"] > 3 * boroughs["11140"]
    assert 40 <= boroughs[None] <= 100  # some city-wide programmes
    fields = Counter(p["policy_field"] for p in projects)
    assert set(fields) <= set(POLICY_FIELDS) and len(fields) >= 10
    origins = Counter(p["origin"] for p in projects)
    assert set(origins) == {"resident", "civic_group", "department"}
    levels = Counter(p["iap2_level"] for p in projects)
    assert {0, 1, 2, 3, 4} <= set(levels)
    assert all(any("가" <= ch <= "힣" for ch in p["title_ko"]) for p in projects)
    assert all(p["title_en"] and p["title_en"].isascii() for p in projects)
    assert len({p["code"] for p in projects}) == len(projects)
    for p in projects:
        assert p["public_led"] == is_public_led(p["origin"], p["partners"])
        assert p["start_date"] <= p["end_date"]
        assert p["status"] != "active" or p["start_date"] <= date(2024, 6, 30) <= p["end_date"]


def test_planted_clusters_are_genuine_near_duplicates(seed: SeedData) -> None:
    by_code = {p["code"]: p for p in seed.projects}
    assert len(seed.clusters) >= 15
    for codes in seed.clusters:
        members = [by_code[c] for c in codes]
        assert len({m["sgg_code"] for m in members}) == 1
        assert len({m["policy_field"] for m in members}) == 1
        shared = set.intersection(*({q["name"] for q in m["partners"]} for m in members))
        assert shared, codes
        dup = [
            DupProject.build(
                **{
                    k: m[k]
                    for k in (
                        "id",
                        "code",
                        "title_ko",
                        "sgg_code",
                        "policy_field",
                        "start_date",
                        "end_date",
                        "partners",
                        "target_groups",
                    )
                }
            )
            for m in members
        ]
        match = score_pair(dup[0], dup[1])
        assert match is not None and match.score >= SUSPECT_THRESHOLD, (codes, match)


def test_scaled_mode_keeps_the_proportions() -> None:
    data = generate(5_000)
    smg = [p for p in data.projects if p["has_smg_grant"]]
    assert len(data.projects) == 5_000
    assert round(len(smg) / len(data.projects), 3) == pytest.approx(0.817, abs=0.001)
    assert sum(p["total_krw"] for p in data.projects) == pytest.approx(
        7_661_500_000_000 * 5000 / 1126, rel=1e-6
    )


def test_apportion_is_exact() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(6_060_700, [0.3, 2.5, 9.1, 0.01])) == 6_060_700
    with pytest.raises(ValueError):
        apportion(-1, [1])
