"""Convergence suggestions: registry projects an item overlaps, ranked, with the reasons (pure).

The point is to join projects up instead of adding another fragment: a project is suggested when it
is in the item's borough and policy field (the caller filters on those) and either its title is
similar or it shares a partner organisation or a target group. Period overlap raises the score but is
not enough on its own — every live project in a field overlaps in time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, utils

TITLE_THRESHOLD = 0.55
W_TITLE, W_PARTNERS, W_TARGETS, W_PERIOD = 0.5, 0.2, 0.15, 0.15


@dataclass(frozen=True)
class ItemProfile:
    title_ko: str
    title_en: str
    partner_organisations: tuple[str, ...]
    target_groups: tuple[str, ...]
    period_start: date
    period_end: date
    linked_project_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProjectProfile:
    project_id: str
    title_ko: str
    title_en: str
    partner_organisations: tuple[str, ...]
    target_groups: tuple[str, ...]
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class Suggestion:
    project_id: str
    score: float
    title_similarity: float
    shared_partners: tuple[str, ...]
    shared_target_groups: tuple[str, ...]
    period_overlap: bool
    already_linked: bool
    reasons: tuple[str, ...]


def _nfc(text: str) -> str:
    # Registry data may carry decomposed Hangul (NFD): compare composed syllables, never jamo.
    return unicodedata.normalize("NFC", text)


def _norm(text: str) -> str:
    # Organisation names vary in spacing ("성동 청년센터" / "성동청년센터"): compare without it.
    return "".join(_nfc(text).split()).casefold()


def title_similarity(a_ko: str, b_ko: str, a_en: str = "", b_en: str = "") -> float:
    """0..1. token_set_ratio handles reordered and extra words; Hangul counts as word characters."""
    a_ko, b_ko = _nfc(a_ko), _nfc(b_ko)
    scores = [fuzz.token_set_ratio(a_ko, b_ko, processor=utils.default_process)]
    if a_en.strip() and b_en.strip():
        scores.append(fuzz.token_set_ratio(a_en, b_en, processor=utils.default_process))
    # Korean compounds are often written with or without spaces: compare the joined forms too.
    scores.append(fuzz.ratio(_norm(a_ko), _norm(b_ko)))
    return round(max(scores) / 100.0, 4)


def _shared(mine: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, ...]:
    theirs_norm = {_norm(t) for t in theirs}
    seen: set[str] = set()
    out: list[str] = []
    for name in mine:
        key = _norm(name)
        if key in theirs_norm and key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)


def periods_overlap(start: date, end: date, other_start: date | None, other_end: date | None) -> bool:
    # An open end means "still running" / "not yet dated": it overlaps on that side.
    if other_end is not None and other_end < start:
        return False
    return not (other_start is not None and other_start > end)


def score_project(item: ItemProfile, project: ProjectProfile) -> Suggestion | None:
    similarity = title_similarity(item.title_ko, project.title_ko, item.title_en, project.title_en)
    partners = _shared(item.partner_organisations, project.partner_organisations)
    targets = _shared(item.target_groups, project.target_groups)
    if similarity < TITLE_THRESHOLD and not partners and not targets:
        return None
    overlap = periods_overlap(item.period_start, item.period_end, project.start_date, project.end_date)
    partner_part = min(1.0, len(partners) / max(1, min(len(item.partner_organisations), 3)))
    target_part = min(1.0, len(targets) / max(1, min(len(item.target_groups), 3)))
    score = (
        W_TITLE * similarity + W_PARTNERS * partner_part + W_TARGETS * target_part + W_PERIOD * float(overlap)
    )
    reasons: list[str] = []
    if similarity >= TITLE_THRESHOLD:
        reasons.append(f"similar title ({round(similarity * 100)}%)")
    if partners:
        reasons.append("shared partners: " + ", ".join(partners))
    if targets:
        reasons.append("shared target groups: " + ", ".join(targets))
    if overlap:
        reasons.append(f"runs in the same period ({item.period_start.year}–{item.period_end.year})")
    else:
        reasons.append("different period")
    linked = project.project_id in item.linked_project_ids
    if linked:
        reasons.append("already linked to this item")
    return Suggestion(
        project_id=project.project_id,
        score=round(score, 4),
        title_similarity=similarity,
        shared_partners=partners,
        shared_target_groups=targets,
        period_overlap=overlap,
        already_linked=linked,
        reasons=tuple(reasons),
    )


def rank(item: ItemProfile, projects: list[ProjectProfile], *, min_score: float = 0.0) -> list[Suggestion]:
    """Suggestions best first (ties by project id so the order is stable)."""
    found = [s for p in projects if (s := score_project(item, p)) is not None and s.score >= min_score]
    return sorted(found, key=lambda s: (-s.score, s.project_id))
