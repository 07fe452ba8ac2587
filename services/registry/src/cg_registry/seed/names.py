"""The seed's Korean names: partner organisations of each area, programme titles in two languages,
summaries with the right particles (을/를). Pure text from the vocabulary; every draw comes from the
generator's one ``random.Random``, in the order the generator asks, so the output stays byte-identical."""

from __future__ import annotations

import functools
import random
from typing import Any

from cg_registry.domain import PartnerKind
from cg_registry.seed import vocabulary as vocab
from cg_registry.seed.vocabulary import Phrase
from cg_shared.districts import DISTRICTS

CITY_PLACES = (
    Phrase("서울시", "Seoul"),
    Phrase("서울형", "Seoul-model"),
    Phrase("서울시민", "Seoul citizens'"),
)


def josa(word: str, with_final: str, without_final: str) -> str:
    """Korean particle after ``word``: 을/를, 이/가 … depend on a final consonant (받침)."""
    last = word[-1]
    if "가" <= last <= "힣":
        return with_final if (ord(last) - 0xAC00) % 28 else without_final
    return without_final


def org_pool(rng: random.Random, area: str | None, *, scaled: bool) -> dict[str, list[dict[str, str]]]:
    """The organisations of an area (a borough, or the city for None) that partner its projects."""
    if area is None:
        stems = rng.sample(vocab.ORG_STEMS, 6)
        return {
            PartnerKind.CIVIC_GROUP: [
                {"name": f"서울{s}시민네트워크", "kind": PartnerKind.CIVIC_GROUP} for s in stems[:3]
            ],
            PartnerKind.SOCIAL_ECONOMY: [
                {"name": f"서울{s}사회적협동조합", "kind": PartnerKind.SOCIAL_ECONOMY} for s in stems[3:5]
            ],
            PartnerKind.RESIDENT_GROUP: [{"name": "서울시민회의", "kind": PartnerKind.RESIDENT_GROUP}],
            PartnerKind.COMPANY: [{"name": f"(주){stems[5]}소셜랩", "kind": PartnerKind.COMPANY}],
            PartnerKind.PUBLIC_INSTITUTION: [
                {"name": "서울시 협치지원센터", "kind": PartnerKind.PUBLIC_INSTITUTION},
                {"name": "서울연구원", "kind": PartnerKind.PUBLIC_INSTITUTION},
            ],
        }
    district = DISTRICTS[area]
    short = district.name_ko[:-1] if len(district.name_ko) > 2 else district.name_ko
    dongs = vocab.DONGS[area]
    stems = rng.sample(vocab.ORG_STEMS, 5)

    def stem_of(dong: Phrase) -> str:
        return dong.ko[:-1] if dong.ko.endswith("동") and len(dong.ko) > 2 else dong.ko

    pool: dict[str, list[dict[str, str]]] = {
        PartnerKind.CIVIC_GROUP: [
            *({"name": f"{stem_of(d)}마을넷", "kind": PartnerKind.CIVIC_GROUP} for d in dongs[:3]),
            {"name": f"{short}시민연대", "kind": PartnerKind.CIVIC_GROUP},
            {"name": f"{stems[0]}나눔회", "kind": PartnerKind.CIVIC_GROUP},
        ],
        PartnerKind.RESIDENT_GROUP: [
            {"name": f"{d.ko} 주민협의회", "kind": PartnerKind.RESIDENT_GROUP} for d in dongs[:3]
        ],
        PartnerKind.SOCIAL_ECONOMY: [
            {"name": f"{stems[1]}사회적협동조합", "kind": PartnerKind.SOCIAL_ECONOMY},
            {"name": f"{stem_of(dongs[-1])}마을기업", "kind": PartnerKind.SOCIAL_ECONOMY},
            {"name": f"{short}{stems[2]}협동조합", "kind": PartnerKind.SOCIAL_ECONOMY},
        ],
        PartnerKind.COMPANY: [{"name": f"(주){stems[3]}소셜랩", "kind": PartnerKind.COMPANY}],
        PartnerKind.PUBLIC_INSTITUTION: [
            {"name": f"{district.name_ko} 복지재단", "kind": PartnerKind.PUBLIC_INSTITUTION},
            {"name": f"{district.name_ko}도시관리공단", "kind": PartnerKind.PUBLIC_INSTITUTION},
            {"name": f"{district.name_ko} 자원봉사센터", "kind": PartnerKind.PUBLIC_INSTITUTION},
        ],
    }
    if scaled:
        for d in dongs:
            for stem in vocab.ORG_STEMS:
                pool[PartnerKind.CIVIC_GROUP].append(
                    {"name": f"{stem_of(d)}{stem}모임", "kind": PartnerKind.CIVIC_GROUP}
                )
                pool[PartnerKind.SOCIAL_ECONOMY].append(
                    {"name": f"{stem_of(d)}{stem}협동조합", "kind": PartnerKind.SOCIAL_ECONOMY}
                )
                pool[PartnerKind.RESIDENT_GROUP].append(
                    {"name": f"{d.ko} {stem} 주민모임", "kind": PartnerKind.RESIDENT_GROUP}
                )
    return pool


def titles(
    place: Phrase,
    qualifier: Phrase,
    targets: list[str],
    topic: Phrase,
    form: Phrase,
    suffix: Phrase,
    variant: int = 0,
) -> tuple[str, str]:
    target = vocab.TARGETS[targets[0]]
    # "청소년 청년 창업 공간" reads oddly: don't repeat the group a youth topic already names.
    with_target = target.ko not in topic.ko and not (targets[0] == "adolescents" and "청년" in topic.ko)
    words = [w for w in (qualifier.ko, target.ko if with_target else "") if w]
    tail = [form.ko] if form.ko else []
    if variant == 1:  # Korean compounds are spaced inconsistently across departments
        ko = f"{place.ko} {''.join([*words, topic.ko.replace(' ', ''), *tail])} {suffix.ko}"
    elif variant == 3 and "활성화" not in topic.ko:
        ko = " ".join([place.ko, *words, topic.ko, *tail, "활성화", suffix.ko])
    else:
        ko = " ".join([place.ko, *words, topic.ko, *tail, suffix.ko])
    if variant == 2:
        ko += " (2차)"
    lead = f"{place.en} {qualifier.en} " if qualifier.en else f"{place.en} "
    what = f"{topic.en} {form.en}" if form.en else topic.en
    en = f"{lead}{what} for {target.en} ({suffix.en})"
    if variant == 2:
        en += ", phase 2"
    elif variant == 3:
        en = f"{lead}{what} revitalisation for {target.en} ({suffix.en})"
    return ko, en


def summaries(spec: Any) -> tuple[str, str]:
    return summary_texts(spec.place, spec.targets[0], spec.topic)


@functools.lru_cache(maxsize=4096)
def summary_texts(place: Phrase, target_key: str, topic: Phrase) -> tuple[str, str]:
    target = vocab.TARGETS[target_key]
    ko = (
        f"{place.ko}의 {target.ko}{josa(target.ko, '을', '를')} 대상으로 {topic.ko}{josa(topic.ko, '을', '를')} "
        "주민·시민사회·행정이 함께 기획하고 실행하는 민관협치 사업입니다."
    )
    en = (
        f"A collaborative-governance project in which residents, civic groups and the administration of "
        f"{place.en} jointly plan and run {topic.en} for {target.en}."
    )
    return ko, en
