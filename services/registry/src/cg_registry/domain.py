"""Controlled vocabularies of the registry: origins, statuses, funding sources, policy fields, partner kinds.

They are plain string enums so the API, imports, events and the database share one spelling.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple

from cg_registry.hangul import search_extras


class Origin(StrEnum):
    """Who started the project: the bottom-up origins are what the CG reform wants more of."""

    RESIDENT = "resident"
    CIVIC_GROUP = "civic_group"
    DEPARTMENT = "department"


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FundingSource(StrEnum):
    SMG_GRANT = "smg_grant"  # 시비 보조금: grants of the Seoul Metropolitan Government
    BOROUGH = "borough"  # 구비
    NATIONAL = "national"  # 국비
    PRIVATE = "private"  # 민간


class PartnerKind(StrEnum):
    CIVIC_GROUP = "civic_group"
    RESIDENT_GROUP = "resident_group"
    SOCIAL_ECONOMY = "social_economy"  # cooperatives, social enterprises, village enterprises
    COMPANY = "company"
    UNIVERSITY = "university"
    PUBLIC_INSTITUTION = "public_institution"


# A partner of one of these kinds brings civil society or the private sector to the table; a project
# whose only partners are public institutions is not collaborative in the 민관 sense.
CIVILIAN_PARTNER_KINDS = frozenset(k for k in PartnerKind if k is not PartnerKind.PUBLIC_INSTITUTION)


class PolicyField(NamedTuple):
    code: str
    name_ko: str
    name_en: str


POLICY_FIELDS: dict[str, PolicyField] = {
    f.code: f
    for f in (
        PolicyField("community", "마을공동체", "Village community"),
        PolicyField("youth", "청년", "Youth"),
        PolicyField("care", "돌봄·복지", "Care and welfare"),
        PolicyField("urban_regeneration", "도시재생", "Urban regeneration"),
        PolicyField("social_economy", "사회적경제", "Social economy"),
        PolicyField("resident_autonomy", "주민자치", "Resident autonomy"),
        PolicyField("environment", "환경·기후", "Environment and climate"),
        PolicyField("safety", "안전", "Safety"),
        PolicyField("culture", "문화", "Culture"),
        PolicyField("education", "교육", "Education"),
        PolicyField("other", "기타", "Other"),
    )
}
OTHER_FIELD = "other"


def is_public_led(origin: str, partners: Iterable[Mapping[str, object]]) -> bool:
    """DOMAIN rule: origin = department and no civilian partner."""
    if origin != Origin.DEPARTMENT:
        return False
    return not any(str(p.get("kind", "")) in CIVILIAN_PARTNER_KINDS for p in partners)


def normalise_text(value: str) -> str:
    """NFC + casefold + collapsed whitespace: Hangul typed on macOS arrives decomposed (NFD)."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


@functools.lru_cache(maxsize=65536)  # words repeat across thousands of projects
def _word_bigrams(word: str) -> tuple[str, ...]:
    return tuple(word[i : i + 2] for i in range(len(word) - 1)) if _HANGUL.search(word) else ()


def search_bigrams_for(search_text: str) -> list[str]:
    """Distinct two-character substrings of the Hangul-bearing words of ``search_text``.

    A two-syllable Hangul query (마을, 돌봄) has no trigram, so neither pg_trgm nor FTS5 can look it up;
    PostgreSQL answers it from a GIN index over these instead (see projects/search.py). A word of the
    query occurs in the text exactly when it occurs inside one of its words, so the array test is an
    exact pre-filter for the LIKE that follows."""
    grams: set[str] = set()
    for word in search_text.split():
        grams.update(_word_bigrams(word))
    return sorted(grams)


def search_text_for(
    *,
    code: str,
    title_ko: str,
    title_en: str,
    lead_department: str | None,
    partners: Iterable[Mapping[str, object]],
) -> str:
    """The text ``q`` searches: code, both titles, lead department and partner names (no summaries,

    whose template phrases would make every short query match everything)."""
    parts = [code, title_ko, title_en, lead_department or ""]
    parts.extend(str(p.get("name", "")) for p in partners)
    names = [lead_department or "", *(str(p.get("name", "")) for p in partners)]
    parts.append(search_extras(normalise_text(title_ko), names))  # spaceless and initials (hangul.py)
    return normalise_text(" ".join(p for p in parts if p))
