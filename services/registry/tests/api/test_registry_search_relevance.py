"""Relevance of Hangul search over the default seed: 60 queries people type, with their intended hits.

Each query names what the person means as *concepts*; a concept is met by any of its surface words.
A project is relevant when every concept occurs in what it is (its Korean title, lead department or a
partner's name, spaces ignored). The intended sets are computed from the seed generator's output, not
from the search code, and the API's answers over the seeded database are scored against them: the test
prints precision and recall per kind of query and overall (run with ``-s`` to see the table) and
fails when either falls below the floor this change was accepted at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cg_registry.seed.generator import generate


@dataclass(frozen=True)
class Query:
    kind: str
    q: str
    concepts: tuple[tuple[str, ...], ...]


def _q(kind: str, q: str, *concepts: str | tuple[str, ...]) -> Query:
    return Query(kind, q, tuple((c,) if isinstance(c, str) else c for c in concepts))


ELDERLY = ("어르신", "노인", "시니어", "고령자")
CHILDREN = ("아동", "어린이")
MIGRANTS = ("이주민", "다문화", "외국인주민")

QUERIES: Sequence[Query] = (
    # Initial consonants (초성) of the word meant.
    _q("initials", "ㅇㄹㅅ", "어르신"),
    _q("initials", "ㄱㅇㅂㅇ", "공유부엌"),
    _q("initials", "ㅁㅇㄱㄷㅊ", "마을공동체"),
    _q("initials", "ㄷㅅㅈㅅ", "도시재생"),
    _q("initials", "ㅈㅁㅊㅎ", "주민총회"),
    _q("initials", "ㅈㅇㄷㅅㄱ", "작은도서관"),
    _q("initials", "ㅈㄹㅇㅇㅅㅌ", "제로웨이스트"),
    _q("initials", "ㄱㄷㅅ", "고독사"),
    _q("initials", "ㅌㅎㄷㅂ", "통합돌봄"),
    _q("initials", "ㅅㅅㄱㅇ", "소상공인"),
    _q("initials", "ㅈㅇㅎㅍ", "지역화폐"),
    _q("initials", "ㄱㄹㄷㅈㅇㅅ", "경력단절여성"),
    _q("initials", "ㅎㅅㄱㅇㅈㄱ", "혁신교육지구"),
    # Spacing: words written together that titles write apart (or the reverse).
    _q("spacing", "주민공유부엌", "주민", "공유부엌"),
    _q("spacing", "공유부엌식사나눔", "공유부엌", "식사", "나눔"),
    _q("spacing", "고독사예방", "고독사", "예방"),
    _q("spacing", "안부확인", "안부", "확인"),
    _q("spacing", "마을계획단운영", "마을계획단", "운영"),
    _q("spacing", "청년창업공간", "청년", "창업", "공간"),
    _q("spacing", "도시재생뉴딜", "도시재생", "뉴딜"),
    _q("spacing", "기후위기대응", "기후위기", "대응"),
    _q("spacing", "안심귀갓길", "안심", "귀갓길"),
    _q("spacing", "전통시장활성화", "전통시장", "활성화"),
    _q("spacing", "골목길재생", "골목길", "재생"),
    _q("spacing", "노후주거지재생", "노후", "주거지", "재생"),
    _q("spacing", "숙의민주주의학교", "숙의", "민주주의", "학교"),
    _q("spacing", "어린이통학로안전", "어린이", "통학로", "안전"),
    _q("spacing", "하천생태보전", "하천", "생태", "보전"),
    _q("spacing", "디지털역량교육", "디지털", "역량", "교육"),
    _q("spacing", "재난대응주민네트워크", "재난", "대응", "주민네트워크"),
    _q("spacing", "민관협치의제발굴", "민관협치", "의제", "발굴"),
    # Synonyms: the word people use is not the word the title uses.
    _q("synonyms", "노인", ELDERLY),
    _q("synonyms", "시니어", ELDERLY),
    _q("synonyms", "고령자", ELDERLY),
    _q("synonyms", "노인 돌봄", ELDERLY, "돌봄"),
    _q("synonyms", "어린이", CHILDREN),
    _q("synonyms", "다문화", MIGRANTS),
    _q("synonyms", "외국인주민", MIGRANTS),
    _q("synonyms", "케어", ("돌봄", "케어")),
    _q("synonyms", "공유주방", ("공유부엌", "공유주방", "마을부엌")),
    _q("synonyms", "텃밭", ("도시농업", "텃밭")),
    _q("synonyms", "취업", ("일자리", "취업")),
    _q("synonyms", "자영업자", ("소상공인", "자영업자")),
    _q("synonyms", "경단녀", ("경력단절여성", "경단녀")),
    _q("synonyms", "커뮤니티", ("공동체", "커뮤니티")),
    # Plain words and phrases (what already worked must keep working).
    _q("plain", "어르신", ELDERLY),
    _q("plain", "청년", "청년"),
    _q("plain", "성수동", "성수동"),
    _q("plain", "강서구", "강서구"),
    _q("plain", "공정무역", "공정무역"),
    _q("plain", "협동조합", "협동조합"),
    _q("plain", "마을기업", "마을기업"),
    _q("plain", "작은도서관", "작은도서관"),
    _q("plain", "에너지 자립마을", "에너지", "자립마을"),
    _q("plain", "주민참여예산", "주민참여예산"),
    _q("plain", "제로웨이스트", "제로웨이스트"),
    _q("plain", "공유공간", "공유공간"),
    _q("plain", "1인가구", "1인가구"),
    _q("plain", "청년 일자리", "청년", ("일자리", "취업")),
    _q("plain", "어르신 공유부엌", ELDERLY, ("공유부엌", "공유주방", "마을부엌")),
)

FLOORS = {"precision": 0.95, "recall": 0.98}  # macro averages over all queries


def _about(project: dict[str, Any]) -> str:
    parts = [project["title_ko"], project.get("lead_department") or ""]
    parts += [p["name"] for p in project.get("partners") or []]
    return "".join(" ".join(parts).casefold().split())


def _intended(projects: Sequence[dict[str, Any]], query: Query) -> set[str]:
    return {
        p["code"]
        for p in projects
        if all(any(word in _about(p) for word in concept) for concept in query.concepts)
    }


async def _found(client: Any, q: str) -> set[str]:
    codes: set[str] = set()
    cursor = None
    while True:
        params = {"q": q, "limit": 500, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/projects", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        codes.update(p["code"] for p in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return codes


def _score(found: set[str], intended: set[str]) -> tuple[float, float]:
    hits = len(found & intended)
    precision = hits / len(found) if found else (1.0 if not intended else 0.0)
    recall = hits / len(intended) if intended else 1.0
    return precision, recall


async def test_hangul_search_relevance_on_the_seed(reg: Any, seeded_db: Any, db_backend: str) -> None:
    assert len(QUERIES) >= 50
    projects = generate().projects
    url = await seeded_db(db_backend)
    rows: list[tuple[Query, int, int, float, float]] = []
    async with reg.api(url) as client:
        for query in QUERIES:
            intended = _intended(projects, query)
            assert intended, f"{query.q}: the seed has nothing it means, so it measures nothing"
            found = await _found(client, query.q)
            precision, recall = _score(found, intended)
            rows.append((query, len(intended), len(found), precision, recall))
    print(f"\nHangul search relevance over the default seed ({db_backend}, {len(projects)} projects)")
    print(f"{'kind':<10} {'query':<16} {'meant':>6} {'found':>6} {'precision':>9} {'recall':>7}")
    for query, meant, found_n, precision, recall in rows:
        print(f"{query.kind:<10} {query.q:<16} {meant:>6} {found_n:>6} {precision:>9.3f} {recall:>7.3f}")
    macro: dict[str, float] = {}
    for kind in ("initials", "spacing", "synonyms", "plain", "all"):
        chosen = [r for r in rows if kind in ("all", r[0].kind)]
        p = sum(r[3] for r in chosen) / len(chosen)
        r_ = sum(r[4] for r in chosen) / len(chosen)
        print(f"{kind:<10} {len(chosen):>3} queries: macro precision {p:.3f}, macro recall {r_:.3f}")
        macro[kind] = p
        macro[kind + "_recall"] = r_
    assert macro["all"] >= FLOORS["precision"], macro
    assert macro["all_recall"] >= FLOORS["recall"], macro
