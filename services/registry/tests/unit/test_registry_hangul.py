"""Initial consonants, spacing and synonyms of the registry's Hangul search (cg_registry.hangul)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cg_registry import hangul


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("어르신", "ㅇㄹㅅ"),
        ("주민 공유 부엌", "ㅈㅁㄱㅇㅂㅇ"),
        ("까치 뜰", "ㄲㅊㄸ"),
        ("1인가구 ABC 힣", "ㅇㄱㄱㅎ"),
        ("", ""),
    ],
)
def test_initials_of_hangul_syllables(text: str, expected: str) -> None:
    assert hangul.initials(text) == expected


@given(st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=12))
def test_every_syllable_has_exactly_one_initial_consonant(text: str) -> None:
    letters = hangul.initials(text)
    assert len(letters) == len(text)
    assert hangul.is_initials_query(letters)


def test_initials_queries_are_only_consonant_jamo() -> None:
    assert hangul.is_initials_query("ㅇㅅㄹ")
    assert not hangul.is_initials_query("ㅇ서ㄹ")
    assert not hangul.is_initials_query("ㅏ")  # a vowel is not an initial
    assert not hangul.is_initials_query("")


def test_search_extras_add_the_spaceless_title_and_initials_word_by_word() -> None:
    extras = hangul.search_extras("행당동 주민 공유부엌 식사 나눔", ["성동구 복지정책과", "행당 마을넷"])
    assert extras == "행당동주민공유부엌식사나눔 ㅎㄷㄷ ㅈㅁ ㄱㅇㅂㅇ ㅅㅅ ㄴㄴ ㅅㄷㄱ ㅂㅈㅈㅊㄱ ㅎㄷ ㅁㅇㄴ"
    assert hangul.search_extras("마을") == "ㅁㅇ"  # one word: nothing to join
    assert hangul.search_extras("ABC") == hangul.search_extras("1인") == ""  # one-letter initials add nothing


def test_long_words_split_into_two_parts_of_two_syllables() -> None:
    assert hangul.splits("주민공유부엌") == [("주민", "공유부엌"), ("주민공", "유부엌"), ("주민공유", "부엌")]
    assert hangul.splits("공유공간") == []  # four syllables: a word of its own
    assert hangul.splits("abcdef") == []


def test_synonyms_expand_inside_a_word_and_in_both_directions() -> None:
    assert hangul.expand("노인") == ["노인", "어르신", "시니어", "고령자"]
    assert hangul.expand("어르신") == ["어르신", "노인", "시니어", "고령자"]
    assert hangul.expand("노인돌봄") == ["노인돌봄", "어르신돌봄", "시니어돌봄", "고령자돌봄"]
    assert hangul.expand("노인정") == ["노인정", "경로당"]  # the longest listed word wins
    assert hangul.expand("어린이") == ["어린이", "아동"]
    assert hangul.expand("성수동") == ["성수동"]


def test_the_synonym_table_is_consistent() -> None:
    seen: set[str] = set()
    for group in hangul.SYNONYMS:
        assert len(group) >= 2
        for word in group:
            assert word == word.casefold() and " " not in word and len(word) >= 2, word
            assert word not in seen, f"{word} in two groups"
            seen.add(word)
