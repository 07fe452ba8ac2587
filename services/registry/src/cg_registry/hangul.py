"""What people type when they search Korean titles: initial consonants, no spaces, other words.

The registry's ``q`` matches substrings of a project's search text (projects/search.py). Three things
Korean users type that plain substrings miss are handled here, in one place:

- **Initial consonants (초성)**: ``ㅇㄹㅅ`` for 어르신. The search text carries the initials of each
  word of the Korean title, lead department and partner names (compatibility jamo, which ordinary text
  never contains), so ``ㄱㅇㅂㅇ`` finds 공유부엌 as a substring like any other word.
- **Spacing (띄어쓰기)**: ``주민공유부엌`` for "주민 공유 부엌". The search text also carries the Korean
  title with its spaces removed, and a long Hangul query word (five syllables or more) also matches
  when it splits into two parts of two syllables or more that both occur (주민 … 공유부엌).
- **Synonyms (유의어)**: ``노인`` for 어르신. A query word containing a word of :data:`SYNONYMS` is
  expanded to the same word with each synonym of its group, and any of them may match.

Both additions live in the search text, so every existing index (pg_trgm GIN and the bigram array on
PostgreSQL, the FTS5 trigram table on SQLite) serves them unchanged and both backends answer alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# Hangul syllables U+AC00–U+D7A3 are (initial × 21 + medial) × 28 + final; the 19 initials in order.
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_INITIALS_QUERY = re.compile(f"^[{_INITIALS}]+$")
_HANGUL_SYLLABLE = re.compile("[\uac00-\ud7a3]")

# Curated groups of interchangeable words in CG project titles (each word ≥ 2 syllables, in one group
# only). Kept small on purpose: a synonym that is not one widens every search that contains it.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("어르신", "노인", "시니어", "고령자"),
    ("아동", "어린이"),
    ("청소년", "십대"),
    ("장애인", "장애우"),
    ("다문화", "이주민", "외국인주민"),
    ("돌봄", "케어"),
    ("반찬", "밑반찬"),
    ("공유부엌", "공유주방", "마을부엌"),
    ("공동체", "커뮤니티"),
    ("텃밭", "도시농업"),
    ("일자리", "취업"),
    ("쓰레기", "폐기물"),
    ("자원순환", "재활용"),
    ("경로당", "노인정"),
    ("소상공인", "자영업자"),
    ("경력단절여성", "경단녀"),
)


@functools.cache
def _groups() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for group in SYNONYMS:
        for word in group:
            assert word not in index, f"{word} is in two synonym groups"
            index[word] = group
    return index


def initials(text: str) -> str:
    """The initial consonant of every Hangul syllable of ``text`` (other characters are dropped)."""
    out = []
    for ch in text:
        code = ord(ch)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            out.append(_INITIALS[(code - _SYLLABLE_FIRST) // 588])
    return "".join(out)


def is_initials_query(word: str) -> bool:
    return _INITIALS_QUERY.match(word) is not None


def search_extras(title_ko: str, names: Iterable[str] = ()) -> str:
    """What the search text adds: the Korean title without spaces (when it has several words), and the
    initials of every word of the title and of ``names`` (lead department, partners), word by word so
    that initials do not run across words."""
    words = title_ko.casefold().split()
    extras = []
    if len(words) > 1:
        extras.append("".join(words))
    for word in [*words, *(w for name in names for w in name.casefold().split())]:
        letters = initials(word)
        if len(letters) >= 2:
            extras.append(letters)
    return " ".join(dict.fromkeys(extras))


def expand(word: str) -> list[str]:
    """``word`` and, when it contains a listed word, the same word with each of that word's synonyms."""
    groups = _groups()
    for synonym in sorted(groups, key=len, reverse=True):  # the longest listed word inside ``word``
        if synonym in word:
            others = [word.replace(synonym, other) for other in groups[synonym] if other != synonym]
            return list(dict.fromkeys([word, *others]))
    return [word]


def has_syllables(text: str) -> bool:
    return _HANGUL_SYLLABLE.search(text) is not None


def splits(word: str) -> list[tuple[str, str]]:
    """Two-part splits of a Hangul-only word of five syllables or more, each part two syllables or more
    (주민공유부엌 → 주민|공유부엌, 주민공|유부엌, 주민공유|부엌): a word typed without its spaces."""
    if len(word) < 5 or not all(_SYLLABLE_FIRST <= ord(ch) <= _SYLLABLE_LAST for ch in word):
        return []
    return [(word[:i], word[i:]) for i in range(2, len(word) - 1)]
