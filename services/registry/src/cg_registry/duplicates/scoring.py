"""Pure duplicate scoring: how likely two projects are the same thing registered twice.

Title similarity dominates (normalised Korean titles compared with rapidfuzz's Indel ratio, the
metric of ``fuzz.ratio``); borough, policy field, overlapping period, shared partners and shared
target groups add evidence. Every contribution is returned as a reason so an official sees *why*.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz.distance import Indel

from cg_shared.districts import DISTRICTS

# Weights sum to 1.0: title evidence alone can never make a suspected duplicate.
W_TITLE = 0.55
W_FIELD = 0.10
W_PERIOD = 0.10
W_PARTNERS = 0.15
W_TARGETS = 0.05
W_BOROUGH = 0.05

MIN_TITLE_SIMILARITY = 0.6  # below this, two projects are not candidates at all
DISPLAY_THRESHOLD = 0.5  # the per-project endpoint lists candidates from here
SUSPECT_THRESHOLD = 0.72  # candidates from here raise project.duplicate_suspected
CLUSTER_THRESHOLD = 0.7  # fragmentation clusters link projects from here

_PLACE_WORDS = sorted(
    {d.name_ko for d in DISTRICTS.values()} | {"서울특별시", "서울시", "서울"},
    key=len,
    reverse=True,
)
# Words that say "this is a project" rather than what it does; spacing of Korean compounds varies too.
_GENERIC = ("지원사업", "시범사업", "추진사업", "사업", "프로젝트", "지원", "추진", "운영", "조성")
_ORDINAL = re.compile(r"\(?\s*(?:제?\d+\s*(?:차|기|년도?|회)|20\d\d)\s*\)?")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


# One pass over the title (the scan keys 100,000 titles): longest alternatives first.
_NOISE = re.compile("|".join(re.escape(w) for w in sorted({*_PLACE_WORDS, *_GENERIC}, key=len, reverse=True)))


def title_key(title_ko: str) -> str:
    """Compact comparison key: NFC, lower-case, no place names, ordinals, generic words or spaces."""
    text = unicodedata.normalize("NFC", title_ko).casefold()
    text = _NOISE.sub(" ", _ORDINAL.sub(" ", text))
    return _NON_WORD.sub("", text)


def title_similarity(key_a: str, key_b: str) -> float:
    if not key_a or not key_b:
        return 0.0
    return float(Indel.normalized_similarity(key_a, key_b))


@dataclass(frozen=True, slots=True)
class DupProject:
    """What scoring needs of a project (loaded in bulk by the scan, so no ORM objects)."""

    id: str
    code: str
    title_ko: str
    sgg_code: str | None
    policy_field: str
    start_date: date | None
    end_date: date | None
    partners: frozenset[str]
    target_groups: frozenset[str]
    total_krw: int = 0
    # Money by source (smg_grant, borough, national, private): which funding streams pay for it.
    funding: tuple[int, int, int, int] = (0, 0, 0, 0)
    key: str = field(default="")
    # 63-bit signatures of the partner and target sets: no common bit means nothing in common, which
    # lets the scan rule out most pairs in numpy before scoring any in Python.
    partner_bits: int = 0
    target_bits: int = 0

    @staticmethod
    def build(
        *,
        id: str,
        code: str,
        title_ko: str,
        sgg_code: str | None,
        policy_field: str,
        start_date: date | None,
        end_date: date | None,
        partners: Iterable[object],
        target_groups: Iterable[object],
        total_krw: int = 0,
        funding: tuple[int, int, int, int] = (0, 0, 0, 0),
    ) -> DupProject:
        names = frozenset(
            _norm(str(p.get("name", "")) if isinstance(p, dict) else str(p)) for p in partners or ()
        )
        partner_set = frozenset(n for n in names if n)
        target_set = frozenset(_norm(str(t)) for t in target_groups or () if str(t).strip())
        return DupProject(
            id=id,
            code=code,
            title_ko=title_ko,
            sgg_code=sgg_code,
            policy_field=policy_field,
            start_date=start_date,
            end_date=end_date,
            partners=partner_set,
            target_groups=target_set,
            total_krw=total_krw,
            funding=tuple(int(v or 0) for v in funding),  # type: ignore[arg-type]
            key=title_key(title_ko),
            partner_bits=_signature(partner_set),
            target_bits=_signature(target_set),
        )


# Public funding streams a project can draw on. SMG money of a city-wide project is the city's own
# programme (SMG-run); SMG money of a borough project is a grant to the borough: the same purpose paid
# through both is the double funding problem 2 of the seed describes.
STREAM_SMG_CITY = "smg_city"
STREAM_SMG_GRANT = "smg_grant"
STREAM_BOROUGH = "borough"
STREAM_NATIONAL = "national"


def streams_of(sgg_code: str | None, funding: Sequence[int]) -> frozenset[str]:
    """The public streams of a project in ``sgg_code`` (None = city-wide) with money by source
    (smg_grant, borough, national, private); private money is no public stream."""
    smg, borough, national = funding[0], funding[1], funding[2]
    streams = set()
    if smg > 0:
        streams.add(STREAM_SMG_CITY if sgg_code is None else STREAM_SMG_GRANT)
    if borough > 0:
        streams.add(STREAM_BOROUGH)
    if national > 0:
        streams.add(STREAM_NATIONAL)
    return frozenset(streams)


def funding_streams(project: DupProject) -> frozenset[str]:
    return streams_of(project.sgg_code, project.funding)


def streams_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two overlapping projects look double-funded when both take public money and share no public
    stream: the same purpose paid once from one stream and again, separately, from another. Copies
    sharing a stream are an overlap inside that stream (fragmentation), not funding from two streams."""
    return bool(a) and bool(b) and not (a & b)


def double_funded(a: DupProject, b: DupProject) -> bool:
    return streams_differ(funding_streams(a), funding_streams(b))


def same_area(a: DupProject, b: DupProject) -> bool:
    """Same borough, or one of them city-wide (an SMG-run programme covers every borough)."""
    return a.sgg_code == b.sgg_code or a.sgg_code is None or b.sgg_code is None


def _signature(values: frozenset[str]) -> int:
    bits = 0
    for value in values:
        bits |= 1 << (zlib.crc32(value.encode()) % 63)
    return bits


@functools.lru_cache(maxsize=65536)  # partner and target names repeat across thousands of projects
def _norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


@dataclass(frozen=True, slots=True)
class Reason:
    # title_similarity | same_borough | city_wide_covers_borough | same_policy_field | overlapping_period
    # | shared_partners | same_target_groups
    kind: str
    detail: str
    weight: float  # contribution to the score

    def text(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Match:
    a: DupProject
    b: DupProject
    score: float
    reasons: tuple[Reason, ...]

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a.id, self.b.id) if self.a.id < self.b.id else (self.b.id, self.a.id)


def period_overlap(a: DupProject, b: DupProject) -> tuple[float, date, date] | None:
    """Overlap as a share of the shorter period (1.0 = one lies inside the other), with its bounds."""
    if a.start_date is None or b.start_date is None:
        return None
    a_end = a.end_date or a.start_date
    b_end = b.end_date or b.start_date
    start = max(a.start_date, b.start_date)
    end = min(a_end, b_end)
    if end < start:
        return None
    shorter = min((a_end - a.start_date).days, (b_end - b.start_date).days) + 1
    return min(1.0, ((end - start).days + 1) / max(shorter, 1)), start, end


def quick_score(a: DupProject, b: DupProject, similarity: float) -> float:
    """The score of :func:`score_pair` without building reasons (the scan tries many more pairs than
    it keeps)."""
    score = W_TITLE * (similarity - MIN_TITLE_SIMILARITY) / (1 - MIN_TITLE_SIMILARITY)
    if same_area(a, b):
        score += W_BOROUGH
    if a.policy_field == b.policy_field:
        score += W_FIELD
    if a.start_date is not None and b.start_date is not None:
        a_end, b_end = a.end_date or a.start_date, b.end_date or b.start_date
        days = (min(a_end, b_end) - max(a.start_date, b.start_date)).days
        if days >= 0:
            shorter = min((a_end - a.start_date).days, (b_end - b.start_date).days) + 1
            score += W_PERIOD * min(1.0, (days + 1) / max(shorter, 1))
    if a.partner_bits & b.partner_bits:
        shared = len(a.partners & b.partners)
        if shared:
            score += W_PARTNERS * shared / min(len(a.partners), len(b.partners))
    if a.target_bits & b.target_bits:
        common = len(a.target_groups & b.target_groups)
        if common:
            score += W_TARGETS * common / len(a.target_groups | b.target_groups)
    return round(min(1.0, score), 4)


def score_pair(a: DupProject, b: DupProject, *, similarity: float | None = None) -> Match | None:
    """Score two projects; ``None`` when their titles are not similar enough to be candidates."""
    sim = title_similarity(a.key, b.key) if similarity is None else similarity
    if sim < MIN_TITLE_SIMILARITY:
        return None
    # Rescale [cut-off, 1] to [0, 1]: two titles sharing a template ("○○동 어르신 돌봄 …") are ~0.8
    # similar without being the same project, so only near-identical titles earn most of the weight.
    strength = (sim - MIN_TITLE_SIMILARITY) / (1 - MIN_TITLE_SIMILARITY)
    reasons = [Reason("title_similarity", f"{sim:.2f} ({a.title_ko} ~ {b.title_ko})", W_TITLE * strength)]
    if a.sgg_code == b.sgg_code:
        reasons.append(Reason("same_borough", a.sgg_code or "city-wide", W_BOROUGH))
    elif a.sgg_code is None or b.sgg_code is None:
        borough = a.sgg_code or b.sgg_code
        reasons.append(Reason("city_wide_covers_borough", f"city-wide ~ {borough}", W_BOROUGH))
    if a.policy_field == b.policy_field:
        reasons.append(Reason("same_policy_field", a.policy_field, W_FIELD))
    overlap = period_overlap(a, b)
    if overlap is not None:
        share, start, end = overlap
        reasons.append(
            Reason(
                "overlapping_period",
                f"{start.isoformat()}..{end.isoformat()} ({share:.0%})",
                W_PERIOD * share,
            )
        )
    shared = a.partners & b.partners
    if shared:
        coefficient = len(shared) / min(len(a.partners), len(b.partners))
        reasons.append(Reason("shared_partners", ", ".join(sorted(shared)), W_PARTNERS * coefficient))
    common = a.target_groups & b.target_groups
    if common:
        jaccard = len(common) / len(a.target_groups | b.target_groups)
        reasons.append(Reason("same_target_groups", ", ".join(sorted(common)), W_TARGETS * jaccard))
    score = round(min(1.0, sum(r.weight for r in reasons)), 4)
    return Match(a=a, b=b, score=score, reasons=tuple(reasons))


def rank_candidates(
    subject: DupProject, others: Sequence[DupProject], *, min_score: float = DISPLAY_THRESHOLD
) -> list[Match]:
    """Every other project scoring at least ``min_score`` against ``subject``, best first."""
    if not others or not subject.key:
        return []
    from rapidfuzz import process

    sims = process.cdist(
        [subject.key],
        [o.key for o in others],
        scorer=Indel.normalized_similarity,
        score_cutoff=MIN_TITLE_SIMILARITY,
        workers=1,
    )[0]
    matches: list[Match] = []
    for index in sims.nonzero()[0]:
        other = others[int(index)]
        if other.id == subject.id:
            continue
        match = score_pair(subject, other, similarity=float(sims[index]))
        if match is not None and match.score >= min_score:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.b.code))
    return matches
