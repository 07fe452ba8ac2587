"""The search text and its Hangul bigrams: the bigram pre-filter never loses a match."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from cg_registry.domain import normalise_text, search_bigrams_for, search_text_for

SYLLABLES = st.sampled_from(list("마을공동체돌봄청년성수행당 협치abcXY-1"))


@given(text=st.text(SYLLABLES, max_size=40), query=st.text(SYLLABLES, min_size=2, max_size=2))
def test_bigram_prefilter_is_exact_for_two_character_hangul_words(text: str, query: str) -> None:
    normalised = normalise_text(text)
    word = normalise_text(query)
    if len(word) != 2 or not any("가" <= ch <= "힣" for ch in word):
        return
    assert (word in normalised) == (word in search_bigrams_for(normalised))


def test_search_text_is_normalised_and_covers_partners() -> None:
    decomposed = unicodedata.normalize("NFD", "성수동 마을")
    text = search_text_for(
        code="CG-11200-00001",
        title_ko=decomposed,
        title_en="Seongsu  VILLAGE",
        lead_department="성동구 마을공동체과",
        partners=[{"name": "성수마을넷"}],
    )
    # The Korean title again, spaceless and as initial consonants (cg_registry.hangul).
    # Then the Korean title without spaces, and every Korean word's initials (cg_registry.hangul).
    assert text == (
        "cg-11200-00001 성수동 마을 seongsu village 성동구 마을공동체과 성수마을넷 "
        "성수동마을 ㅅㅅㄷ ㅁㅇ ㅅㄷㄱ ㅁㅇㄱㄷㅊㄱ ㅅㅅㅁㅇㄴ"
    )
    assert {"마을", "성수", "수마", "을넷", "공동"} <= set(search_bigrams_for(text))
    assert "cg" not in search_bigrams_for(text)  # only words with Hangul
