"""Blocked all-pairs duplicate scan: 100,000 projects in seconds, not hours.

Comparing every pair of 100k projects is 5·10⁹ comparisons. Duplicates that matter for fragmentation
live in the same borough or between a borough and the city-wide (SMG-run) programmes that cover it, so
three blocking passes run:

1. **borough + policy field**: all pairs inside each block, through rapidfuzz's vectorised ``cdist``
   with a score cut-off (C++, both cores);
2. **city-wide against boroughs, per policy field**: every city-wide project against the borough
   projects of its field (rectangular ``cdist``, same cut-off). At 100,000 projects (6,000 city-wide)
   this adds ~51 M comparisons to the ~23 M of pass 1;
3. **character trigrams across fields**: inside each borough, projects whose compact title keys share
   at least two *rare* trigrams (document frequency ≤ ``MAX_GRAM_DF``) become candidates even when
   their policy fields differ (a mislabelled field must not hide a duplicate).

Every candidate is then scored by :func:`score_pair`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Indel

from cg_registry.duplicates.scoring import (
    MIN_TITLE_SIMILARITY,
    SUSPECT_THRESHOLD,
    W_BOROUGH,
    W_FIELD,
    W_PARTNERS,
    W_PERIOD,
    W_TARGETS,
    W_TITLE,
    DupProject,
    Match,
    quick_score,
    score_pair,
)

MAX_GRAM_DF = 12  # a trigram in more titles than this says nothing about duplication
MIN_SHARED_GRAMS = 2


@dataclass
class ScanStats:
    projects: int = 0
    blocks: int = 0
    comparisons: int = 0  # title comparisons done in C++ (pass 1) and Python (pass 2)
    candidates: int = 0  # pairs whose titles passed the similarity cut-off
    matches: int = 0
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _area(project: DupProject) -> str:
    return project.sgg_code or "city"


def _trigrams(key: str) -> set[str]:
    if len(key) < 3:
        return {key} if key else set()
    return {key[i : i + 3] for i in range(len(key) - 2)}


def _field_blocks(projects: Sequence[DupProject]) -> Iterable[list[DupProject]]:
    blocks: dict[tuple[str, str], list[DupProject]] = defaultdict(list)
    for project in projects:
        if project.key:
            blocks[(_area(project), project.policy_field)].append(project)
    for key in sorted(blocks):
        if len(blocks[key]) > 1:
            yield blocks[key]


def _similarity_cutoff(min_score: float, other_max: float) -> float:
    """The title similarity below which a pair cannot reach ``min_score`` even with every other reason."""
    strength = max(0.0, (min_score - 5e-5 - other_max) / W_TITLE)
    return MIN_TITLE_SIMILARITY + strength * (1 - MIN_TITLE_SIMILARITY)


def _narrow_alphabet(keys: list[str]) -> list[str]:
    """Re-spell the keys with code points below 256 when the block uses fewer than 256 characters.

    Indel similarity only compares characters for equality, so a one-to-one re-spelling leaves every
    score unchanged, while rapidfuzz matches one-byte alphabets with a lookup table instead of a hash
    map: about five times faster for Hangul titles."""
    alphabet = sorted(set("".join(keys)))
    if len(alphabet) > 255:
        return keys
    table = {ord(ch): i + 1 for i, ch in enumerate(alphabet)}
    return [key.translate(table) for key in keys]


def _pairs_in_block(
    block: list[DupProject], *, min_score: float, workers: int
) -> Iterable[tuple[DupProject, DupProject, float]]:
    """Pairs of one borough+field block that may reach ``min_score`` (each unordered pair once)."""
    return _pairs_between(block, block, min_score=min_score, workers=workers)


def _pairs_between(
    left: list[DupProject], right: list[DupProject], *, min_score: float, workers: int
) -> Iterable[tuple[DupProject, DupProject, float]]:
    """Pairs (one of ``left``, one of ``right``) that may reach ``min_score``: titles compared in C++
    with a cut-off derived from the score bound, then a vectorised bound with the real period overlap
    and whether both have partners / target groups, so Python scores only pairs that can still qualify.
    ``left is right`` compares a block with itself (upper triangle only)."""
    same = left is right
    keys = _narrow_alphabet([p.key for p in left] + ([] if same else [p.key for p in right]))
    left_keys, right_keys = (keys, keys) if same else (keys[: len(left)], keys[len(left) :])
    cutoff = _similarity_cutoff(min_score, W_BOROUGH + W_FIELD + W_PERIOD + W_PARTNERS + W_TARGETS)
    matrix = process.cdist(
        left_keys,
        right_keys,
        scorer=Indel.normalized_similarity,
        score_cutoff=cutoff,
        dtype=np.float32,
        workers=workers,
    )
    rows, cols = (np.triu(matrix, 1) if same else matrix).nonzero()
    if not len(rows):
        return
    sims = matrix[rows, cols].astype(np.float64)

    def arrays(projects: list[DupProject]) -> tuple[Any, Any, Any, Any, Any]:
        start = np.array([p.start_date.toordinal() if p.start_date else 0 for p in projects], dtype=np.int64)
        end = np.array(
            [(p.end_date or p.start_date).toordinal() if p.start_date else 0 for p in projects],
            dtype=np.int64,
        )
        partner_bits = np.array([p.partner_bits for p in projects], dtype=np.int64)
        target_bits = np.array([p.target_bits for p in projects], dtype=np.int64)
        return start, end, np.maximum(end - start + 1, 1), partner_bits, target_bits

    l_start, l_end, l_span, l_partners, l_targets = arrays(left)
    r_start, r_end, r_span, r_partners, r_targets = (
        (l_start, l_end, l_span, l_partners, l_targets) if same else arrays(right)
    )
    overlap = (np.minimum(l_end[rows], r_end[cols]) - np.maximum(l_start[rows], r_start[cols]) + 1) / (
        np.minimum(l_span[rows], r_span[cols])
    )
    overlap = np.where((l_start[rows] > 0) & (r_start[cols] > 0), np.clip(overlap, 0.0, 1.0), 0.0)
    bound = (
        W_TITLE * (sims - MIN_TITLE_SIMILARITY) / (1 - MIN_TITLE_SIMILARITY)
        + W_BOROUGH
        + W_FIELD
        + W_PERIOD * overlap
        + W_PARTNERS * ((l_partners[rows] & r_partners[cols]) != 0)
        + W_TARGETS * ((l_targets[rows] & r_targets[cols]) != 0)
    )
    # Scores are rounded to 4 decimals, so a pair 0.00005 short still rounds up to the threshold.
    for k in np.nonzero(bound >= min_score - 5e-5)[0].tolist():
        yield left[int(rows[k])], right[int(cols[k])], float(sims[k])


def _cross_level_blocks(
    projects: Sequence[DupProject],
) -> Iterable[tuple[list[DupProject], list[DupProject]]]:
    """(city-wide projects of a field, the borough projects of that field): an SMG-run city-wide
    programme covers every borough, so a borough project copying it is an overlap across levels. One
    rectangle per field, not per borough: fewer, larger ``cdist`` calls keep both cores busy."""
    city: dict[str, list[DupProject]] = defaultdict(list)
    borough: dict[str, list[DupProject]] = defaultdict(list)
    for project in projects:
        if project.key:
            (city if project.sgg_code is None else borough)[project.policy_field].append(project)
    for policy_field in sorted(city):
        if borough.get(policy_field):
            yield city[policy_field], borough[policy_field]


def _cross_field_pairs(area: list[DupProject]) -> tuple[list[tuple[DupProject, DupProject]], int]:
    """Pairs with different policy fields sharing ≥ ``MIN_SHARED_GRAMS`` rare title trigrams."""
    postings: dict[str, list[int]] = defaultdict(list)
    for index, project in enumerate(area):
        for gram in _trigrams(project.key):
            postings[gram].append(index)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for members in postings.values():
        if len(members) < 2 or len(members) > MAX_GRAM_DF:
            continue
        for x in range(len(members)):
            first = area[members[x]]
            for y in range(x + 1, len(members)):
                if area[members[y]].policy_field != first.policy_field:
                    shared[(members[x], members[y])] += 1
    pairs = [(area[i], area[j]) for (i, j), count in shared.items() if count >= MIN_SHARED_GRAMS]
    return pairs, len(shared)


def scan(
    projects: Sequence[DupProject], *, min_score: float = SUSPECT_THRESHOLD, workers: int = -1
) -> tuple[list[Match], ScanStats]:
    """All pairs scoring ≥ ``min_score`` among ``projects`` (each unordered pair once), best first."""
    started = time.perf_counter()
    stats = ScanStats(projects=len(projects))
    matches: dict[tuple[str, str], Match] = {}

    def consider(a: DupProject, b: DupProject, similarity: float) -> None:
        stats.candidates += 1
        if quick_score(a, b, similarity) < min_score:
            return
        match = score_pair(a, b, similarity=similarity)
        if match is not None and match.score >= min_score:
            matches.setdefault(match.pair, match)

    for block in _field_blocks(projects):
        stats.blocks += 1
        stats.comparisons += len(block) * (len(block) - 1) // 2
        for a, b, similarity in _pairs_in_block(block, min_score=min_score, workers=workers):
            consider(a, b, similarity)
    field_pass_done = time.perf_counter()
    stats.extra["field_pass_s"] = round(field_pass_done - started, 3)

    for city, borough in _cross_level_blocks(projects):
        stats.blocks += 1
        stats.comparisons += len(city) * len(borough)
        for a, b, similarity in _pairs_between(city, borough, min_score=min_score, workers=workers):
            consider(a, b, similarity)
    cross_level_done = time.perf_counter()
    stats.extra["cross_level_pass_s"] = round(cross_level_done - field_pass_done, 3)

    areas: dict[str, list[DupProject]] = defaultdict(list)
    for project in projects:
        if project.key:
            areas[_area(project)].append(project)
    cross_cutoff = _similarity_cutoff(min_score, W_BOROUGH + W_PERIOD + W_PARTNERS + W_TARGETS)
    for area in areas.values():
        pairs, counted = _cross_field_pairs(area)
        stats.comparisons += counted
        for a, b in pairs:
            similarity = Indel.normalized_similarity(a.key, b.key)
            if similarity >= cross_cutoff:
                consider(a, b, similarity)
    stats.extra["trigram_pass_s"] = round(time.perf_counter() - cross_level_done, 3)

    result = sorted(matches.values(), key=lambda m: (-m.score, m.pair))
    stats.matches = len(result)
    stats.seconds = round(time.perf_counter() - started, 3)
    return result, stats


def clusters(matches: Iterable[Match]) -> list[list[str]]:
    """Connected components of the match graph (union-find), largest first; each sorted by id."""
    return clusters_of_pairs((match.a.id, match.b.id) for match in matches)


def clusters_of_pairs(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of a graph given by its edges, largest first; each sorted by id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for node in parent:
        groups[find(node)].append(node)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))
