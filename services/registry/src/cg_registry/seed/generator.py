"""Deterministic Seoul seed: 1,126 CG projects reproducing the Seoul Institute aggregates exactly.

Published figures (DOMAIN.md): 1,126 projects worth ₩7,661,500 million; 920 of them receive SMG grants
and are worth ₩6,060,700 million together. The generator

* apportions projects to the 25 boroughs by population (largest remainder), plus ~6 % city-wide ones;
* draws policy field, origin, target groups, period, partners and an assessment for each project from
  plausible distributions, and builds Korean titles from real neighbourhood names and CG vocabulary,
  with English titles alongside;
* plants near-duplicate clusters (same borough and field, variant titles, overlapping periods, shared
  partners) so duplicate detection has something real to find;
* picks exactly 920 SMG-funded projects and splits the published totals over the two groups with
  heavy-tailed weights (integer millions, largest remainder), then splits each project's money into
  funding lines by source and fiscal year — so the sums are exact by construction, not by luck.

Everything comes from one ``random.Random(SEED)``: the same call yields byte-identical rows. With
``scale`` the same recipe produces ``scale`` projects (totals scaled proportionally; only the default
scale promises the published figures).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from cg_registry.assessments.rubric import tokenism_risk
from cg_registry.domain import (
    FundingSource,
    Origin,
    PartnerKind,
    ProjectStatus,
    is_public_led,
    search_bigrams_for,
    search_text_for,
)
from cg_registry.duplicates.scoring import title_key
from cg_registry.seed import names
from cg_registry.seed import vocabulary as vocab
from cg_registry.seed.vocabulary import Phrase
from cg_shared.districts import DISTRICTS

SEED = 20_241_126
PUBLISHED_PROJECTS = 1_126
PUBLISHED_TOTAL_KRW = 7_661_500 * 1_000_000
PUBLISHED_SMG_PROJECTS = 920
PUBLISHED_SMG_TOTAL_KRW = 6_060_700 * 1_000_000
MILLION = 1_000_000
MIN_PROJECT_MILLIONS = 5
REFERENCE_DATE = date(2024, 6, 30)  # "today" of the seed world: decides planned/active/completed
CITY_WIDE_SHARE = 0.06
CLUSTER_SHARE = 0.05
ASSESSED_SHARE = 0.85
SEED_ACTOR = "system:seed"

_T = TypeVar("_T")
_Table = tuple[tuple[_T, ...], tuple[float, ...]]


def _table(pairs: Sequence[tuple[_T, float]]) -> _Table[_T]:
    return tuple(v for v, _ in pairs), tuple(itertools.accumulate(w for _, w in pairs))


_FIELDS = _table(list(vocab.FIELD_WEIGHTS.items()))
_ORIGINS = {
    "*": _table([("department", 45), ("civic_group", 33), ("resident", 22)]),
    "resident_autonomy": _table([("department", 30), ("civic_group", 25), ("resident", 45)]),
    "urban_regeneration": _table([("department", 60), ("civic_group", 25), ("resident", 15)]),
}
_START_YEARS = _table(list(zip(range(2019, 2026), (10, 12, 14, 15, 15, 13, 6), strict=True)))
_START_MONTHS = _table([(1, 5), (3, 3), (4, 1), (7, 1)])
_DURATIONS = _table([(12, 5), (24, 3), (36, 2)])
_EXTRA_PARTNERS = _table([(0, 5), (1, 4), (2, 1)])
_TARGET_COUNTS = _table([(1, 7), (2, 3)])
_SMG_COFUNDING = _table([("borough", 80), ("national", 12), ("private", 8)])
_OTHER_COFUNDING = _table([("national", 60), ("private", 40)])
_QUALIFIERS = _table(
    [
        (Phrase("", ""), 8),
        (Phrase("찾아가는", "outreach"), 1),
        (Phrase("함께하는", "shared"), 1),
        (Phrase("권역별", "area-based"), 1),
        (Phrase("온라인", "online"), 1),
        (Phrase("우리동네", "neighbourhood"), 1),
        (Phrase("주민주도", "resident-led"), 1),
    ]
)
# The form a programme takes; with the qualifiers it keeps 100,000 scaled titles varied.
_FORMS = _table(
    [
        (Phrase("", ""), 10),
        *(
            (Phrase(ko, en), 1)
            for ko, en in (
                ("교육", "education"),
                ("축제", "festival"),
                ("공모", "open call"),
                ("컨설팅", "consulting"),
                ("거점 공간", "hub"),
                ("아카데미", "academy"),
                ("캠페인", "campaign"),
                ("지도 만들기", "mapping"),
                ("실태조사", "survey"),
                ("협의체", "council"),
                ("박람회", "fair"),
                ("플랫폼", "platform"),
            )
        ),
    ]
)
_QUALIFIERS_SCALED = (_QUALIFIERS[0], tuple(itertools.accumulate([2, *([1] * (len(_QUALIFIERS[0]) - 1))])))
_FORMS_SCALED = (_FORMS[0], tuple(itertools.accumulate([2, *([1] * (len(_FORMS[0]) - 1))])))
_IAP2_BY_ORIGIN = {
    "department": _table(list(enumerate((25, 35, 25, 12, 3)))),
    "civic_group": _table(list(enumerate((8, 25, 35, 25, 7)))),
    "resident": _table(list(enumerate((5, 20, 30, 30, 15)))),
}


@dataclass
class SeedData:
    projects: list[dict[str, Any]]
    funding_lines: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    counters: dict[str, int]
    clusters: list[list[str]]  # codes of the planted near-duplicate clusters

    @property
    def total_krw(self) -> int:
        return sum(p["total_krw"] for p in self.projects)


@dataclass
class _Spec:
    area: str | None  # sgg_code, None = city-wide
    field: str
    origin: str
    targets: list[str]
    title_ko: str
    title_en: str
    place: Phrase
    qualifier: Phrase
    topic: Phrase
    form: Phrase
    start: date
    end: date
    partners: list[dict[str, str]]
    cluster: int | None = None
    smg: bool = False
    millions: int = 0
    weight: float = 1.0
    code: str = ""


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split integer ``total`` proportionally to ``weights`` (largest remainder; ties by position)."""
    if total < 0:
        raise ValueError("cannot apportion a negative total")
    if len(weights) == 1:
        return [total]
    weight_sum = float(sum(weights))
    if not weights or weight_sum <= 0:
        raise ValueError("weights must be positive")
    raw = [total * w / weight_sum for w in weights]
    parts = [math.floor(r) for r in raw]
    short = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    return parts


def published_targets(n: int) -> tuple[int, int, int]:
    """(SMG-funded project count, their total in millions, the others' total in millions) for ``n``."""
    smg_total_m = PUBLISHED_SMG_TOTAL_KRW // MILLION
    other_total_m = (PUBLISHED_TOTAL_KRW - PUBLISHED_SMG_TOTAL_KRW) // MILLION
    if n == PUBLISHED_PROJECTS:
        return PUBLISHED_SMG_PROJECTS, smg_total_m, other_total_m
    factor = n / PUBLISHED_PROJECTS
    return round(PUBLISHED_SMG_PROJECTS * factor), round(smg_total_m * factor), round(other_total_m * factor)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


class _Generator:
    def __init__(self, n: int) -> None:
        self.n = n
        self.rng = random.Random(SEED)
        # A benchmark-sized registry needs more varied titles and more organisations than Seoul's
        # 1,126 projects, or it would be mostly template twins sharing the same dozen partners.
        self.scaled = n > 5 * PUBLISHED_PROJECTS
        self.codes = sorted(DISTRICTS)
        self.orgs = {area: names.org_pool(self.rng, area, scaled=self.scaled) for area in [*self.codes, None]}
        self.counters: dict[str, int] = {}

    # --- vocabulary helpers ---------------------------------------------------------------------

    def _pick(self, table: _Table[_T]) -> _T:
        # One random() per draw, like random.choices, with the cumulative weights computed once.
        values, cumulative = table
        return values[bisect.bisect(cumulative, self.rng.random() * cumulative[-1], 0, len(values) - 1)]

    def _origin(self, policy_field: str) -> str:
        return self._pick(_ORIGINS.get(policy_field, _ORIGINS["*"]))

    def _period(self) -> tuple[date, date]:
        year = self._pick(_START_YEARS)
        month = self._pick(_START_MONTHS)
        months = self._pick(_DURATIONS)
        start = date(year, month, 1)
        return start, _add_months(start, months) - timedelta(days=1)

    def _partners(
        self, area: str | None, origin: str, shared: Sequence[dict[str, str]] = ()
    ) -> list[dict[str, str]]:
        rng = self.rng
        pool = self.orgs[area]
        chosen: list[dict[str, str]] = [dict(p) for p in shared]
        if not shared:
            if origin == Origin.DEPARTMENT:
                if rng.random() < 0.45:  # a department project with only public partners: "public-led"
                    if rng.random() < 0.6:
                        chosen.append(dict(rng.choice(pool[PartnerKind.PUBLIC_INSTITUTION])))
                else:
                    kind = rng.choice(
                        (PartnerKind.CIVIC_GROUP, PartnerKind.SOCIAL_ECONOMY, PartnerKind.COMPANY)
                    )
                    chosen.append(dict(rng.choice(pool[kind])))
            elif origin == Origin.CIVIC_GROUP:
                kind = rng.choice(
                    (PartnerKind.CIVIC_GROUP, PartnerKind.CIVIC_GROUP, PartnerKind.SOCIAL_ECONOMY)
                )
                chosen.append(dict(rng.choice(pool[kind])))
            else:
                chosen.append(dict(rng.choice(pool[PartnerKind.RESIDENT_GROUP])))
        for _ in range(self._pick(_EXTRA_PARTNERS)):
            extra_kind: str = rng.choice(list(pool))
            candidate = dict(rng.choice(pool[extra_kind]))
            if all(candidate["name"] != p["name"] for p in chosen):
                chosen.append(candidate)
        roles = list(vocab.PARTNER_ROLES)
        for index, partner in enumerate(chosen):
            partner["role"] = "operator" if index == 0 and origin != Origin.DEPARTMENT else rng.choice(roles)
            partner["kind"] = str(partner["kind"])
        return chosen

    def _place(self, area: str | None) -> Phrase:
        if area is None:
            return self.rng.choice(names.CITY_PLACES)
        district = DISTRICTS[area]
        if self.rng.random() < 0.3:
            return Phrase(district.name_ko, district.name_en)
        return self.rng.choice(vocab.DONGS[area])

    def _targets(self, policy_field: str) -> list[str]:
        options = vocab.FIELD_TARGETS[policy_field]
        count = self._pick(_TARGET_COUNTS)
        return self.rng.sample(options, min(count, len(options)))

    def _spec(self, area: str | None) -> _Spec:
        policy_field = self._pick(_FIELDS)
        origin = self._origin(policy_field)
        targets = self._targets(policy_field)
        topic = self.rng.choice(vocab.TOPICS[policy_field])
        place = self._place(area)
        suffix = self.rng.choice(vocab.SUFFIXES)
        qualifier = self._pick(_QUALIFIERS_SCALED if self.scaled else _QUALIFIERS)
        form = self._pick(_FORMS_SCALED if self.scaled else _FORMS)
        title_ko, title_en = names.titles(place, qualifier, targets, topic, form, suffix)
        start, end = self._period()
        return _Spec(
            area=area,
            field=policy_field,
            origin=origin,
            targets=targets,
            title_ko=title_ko,
            title_en=title_en,
            place=place,
            qualifier=qualifier,
            form=form,
            topic=topic,
            start=start,
            end=end,
            partners=self._partners(area, origin),
        )

    def _cluster(self, area: str, size: int, cluster_id: int) -> list[_Spec]:
        """Near-duplicates: one programme registered several times (by a department and by civic groups,
        or again in a later year), with variant titles, overlapping periods and shared partners."""
        rng = self.rng
        base = self._spec(area)
        pool = self.orgs[area]
        civilians = (
            pool[PartnerKind.CIVIC_GROUP]
            + pool[PartnerKind.SOCIAL_ECONOMY]
            + pool[PartnerKind.RESIDENT_GROUP]
        )
        shared = rng.sample(civilians, rng.choice((1, 2)))
        variants = rng.sample((0, 1, 2, 3), size)
        members = []
        for k, variant in enumerate(variants):
            suffix = rng.choice(vocab.SUFFIXES)
            title_ko, title_en = names.titles(
                base.place, base.qualifier, base.targets, base.topic, base.form, suffix, variant
            )
            start = _add_months(base.start, rng.choice((0, 0, 3, 6))) if k else base.start
            origin = base.origin if k == 0 else self._origin(base.field)
            months = rng.choice((12, 24))
            members.append(
                _Spec(
                    area=area,
                    field=base.field,
                    origin=origin,
                    targets=list(base.targets),
                    title_ko=title_ko,
                    title_en=title_en,
                    place=base.place,
                    qualifier=base.qualifier,
                    form=base.form,
                    topic=base.topic,
                    start=start,
                    end=_add_months(start, months) - timedelta(days=1),
                    partners=self._partners(area, origin, shared),
                    cluster=cluster_id,
                )
            )
        return members

    # --- the data set --------------------------------------------------------------------------

    def specs(self) -> list[_Spec]:
        rng = self.rng
        city = round(self.n * CITY_WIDE_SHARE)
        quotas: dict[str | None, int] = dict(
            zip(
                self.codes,
                apportion(self.n - city, [DISTRICTS[c].population for c in self.codes]),
                strict=True,
            )
        )
        quotas[None] = city
        specs: list[_Spec] = []
        planted, target, cluster_id = 0, round(self.n * CLUSTER_SHARE), 0
        while planted < target:
            size = rng.choice((2, 2, 2, 3, 3, 4))
            eligible = [c for c in self.codes if quotas[c] >= size]
            if not eligible:
                break
            area = rng.choices(eligible, weights=[quotas[c] for c in eligible])[0]
            specs.extend(self._cluster(area, size, cluster_id))
            quotas[area] -= size
            planted += size
            cluster_id += 1
        for remaining in [*self.codes, None]:
            specs.extend(self._spec(remaining) for _ in range(quotas[remaining]))
        rng.shuffle(specs)
        for spec in specs:
            prefix = f"CG-{spec.area or 'SMG'}"
            self.counters[prefix] = self.counters.get(prefix, 0) + 1
            spec.code = f"{prefix}-{self.counters[prefix]:05d}"
        return specs

    def money(self, specs: list[_Spec]) -> None:
        rng = self.rng
        n_smg, smg_m, other_m = published_targets(self.n)
        city = [i for i, s in enumerate(specs) if s.area is None]
        boroughs = [i for i, s in enumerate(specs) if s.area is not None]
        # City-wide programmes are the city's own money; the rest of the grants go to borough projects.
        smg = set(city[:n_smg]) | set(rng.sample(boroughs, max(0, n_smg - len(city))))
        for i, spec in enumerate(specs):
            spec.smg = i in smg
            spec.weight = (
                vocab.FIELD_SIZE[spec.field] * rng.lognormvariate(0, 1.15) * (2.5 if spec.area is None else 1)
            )
        for members, total in (
            ([s for s in specs if s.smg], smg_m),
            ([s for s in specs if not s.smg], other_m),
        ):
            if not members:
                continue
            floor = MIN_PROJECT_MILLIONS * len(members)
            if total < floor:
                raise ValueError("the totals are too small for the project count")
            for spec, share in zip(
                members, apportion(total - floor, [s.weight for s in members]), strict=True
            ):
                spec.millions = MIN_PROJECT_MILLIONS + share

    def lines(self, spec: _Spec, project_id: str) -> list[dict[str, Any]]:
        rng = self.rng
        total = spec.millions
        if spec.smg:
            share = 1.0 if rng.random() < (0.7 if spec.area is None else 0.3) else rng.uniform(0.5, 0.95)
            smg_part = max(1, round(total * share))
            rest = total - smg_part
            other = self._pick(_SMG_COFUNDING) if spec.area else "national"
            by_source = {FundingSource.SMG_GRANT.value: smg_part, other: rest}
        else:
            share = 1.0 if rng.random() < 0.4 else rng.uniform(0.6, 0.95)
            borough_part = max(1, round(total * share))
            other = self._pick(_OTHER_COFUNDING)
            by_source = {FundingSource.BOROUGH.value: borough_part, other: total - borough_part}
        years = list(range(spec.start.year, spec.end.year + 1))
        result = []
        for source, amount in by_source.items():
            if amount <= 0:
                continue
            # The main sources are appropriated year by year; national/private money usually comes once.
            split_years = years if source in ("smg_grant", "borough") else years[:1]
            for year, part in zip(split_years, apportion(amount, [1.0] * len(split_years)), strict=True):
                if part > 0:
                    result.append(
                        {
                            "project_id": project_id,
                            "source": source,
                            "fiscal_year": year,
                            "amount_krw": part * MILLION,
                            "budget_line_id": None,
                            "allocation_id": None,
                            "request_id": None,
                        }
                    )
        return result

    def assessment(self, spec: _Spec, project_id: str, public_led: bool) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() >= ASSESSED_SHARE:
            return None
        level = self._pick(_IAP2_BY_ORIGIN[spec.origin])

        def near(value: int) -> int:
            return max(0, min(4, value + rng.choice((-1, 0, 0, 1))))

        feedback = 0 if rng.random() < (0.45 if level <= 2 else 0.1) else near(level)
        rung = max(1, min(8, level + 3 + rng.choice((-1, 0, 0, 1))))
        at = min(spec.start + timedelta(days=120), REFERENCE_DATE)
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "project_id": project_id,
            "iap2_level": level,
            "arnstein_rung": rung,
            "participation_depth": level,
            "decision_power": near(level),
            "starting_conditions": near(2),
            "institutional_design": near(2),
            "facilitative_leadership": near(level),
            "process": near(level),
            "feedback": feedback,
            "tokenism_risk": tokenism_risk(participation_depth=level, feedback=feedback),
            "public_led": public_led,
            "note": "",
            "assessed_by": SEED_ACTOR,
            "assessed_at": datetime(at.year, at.month, at.day, 9, 0, tzinfo=UTC),
        }


def _status(spec: _Spec, rng: random.Random) -> str:
    if rng.random() < 0.02:
        return ProjectStatus.CANCELLED.value
    if spec.start > REFERENCE_DATE:
        return ProjectStatus.PLANNED.value
    if spec.end < REFERENCE_DATE:
        return ProjectStatus.COMPLETED.value
    return ProjectStatus.ACTIVE.value


def _project_row(
    spec: _Spec,
    project_id: str,
    project_lines: list[dict[str, Any]],
    assessment: dict[str, Any] | None,
    *,
    public_led: bool,
    status: str,
) -> dict[str, Any]:
    """The project's row from its spec, its funding lines and its assessment (no draws)."""
    by_source = dict.fromkeys((s.value for s in FundingSource), 0)
    for line in project_lines:
        by_source[line["source"]] += line["amount_krw"]
    smg_amount = by_source[FundingSource.SMG_GRANT.value]
    district_dept = "서울특별시" if spec.area is None else DISTRICTS[spec.area].name_ko
    lead_department = f"{district_dept} {vocab.DEPARTMENTS[spec.field]}"
    summary_ko, summary_en = names.summaries(spec)
    search_text = search_text_for(
        code=spec.code,
        title_ko=spec.title_ko,
        title_en=spec.title_en,
        lead_department=lead_department,
        partners=spec.partners,
    )
    created = datetime(spec.start.year, spec.start.month, spec.start.day, 0, 0, tzinfo=UTC) - timedelta(
        days=45
    )
    return {
        "id": project_id,
        "code": spec.code,
        "title_ko": spec.title_ko,
        "title_en": spec.title_en,
        "summary_ko": summary_ko,
        "summary_en": summary_en,
        "sgg_code": spec.area,
        "lead_department": lead_department,
        "partners": spec.partners,
        "origin": spec.origin,
        "policy_field": spec.field,
        "target_groups": [vocab.TARGETS[t].ko for t in spec.targets],
        "start_date": spec.start,
        "end_date": spec.end,
        "status": status,
        "progress_pct": 100 if status == "completed" else 0,  # the seed has no milestones
        "plan_item_id": None,
        "declared_total_krw": None,
        "total_krw": sum(line["amount_krw"] for line in project_lines),
        "smg_grant_krw": smg_amount,
        "borough_krw": by_source[FundingSource.BOROUGH.value],
        "national_krw": by_source[FundingSource.NATIONAL.value],
        "private_krw": by_source[FundingSource.PRIVATE.value],
        "has_smg_grant": smg_amount > 0,
        "public_led": public_led,
        "iap2_level": assessment["iap2_level"] if assessment else None,
        "tokenism_risk": assessment["tokenism_risk"] if assessment else None,
        "assessed_at": assessment["assessed_at"] if assessment else None,
        "search_text": search_text,
        "search_bigrams": search_bigrams_for(search_text),
        "dup_key": title_key(spec.title_ko),
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "created_by": SEED_ACTOR,
        "updated_by": SEED_ACTOR,
    }


def generate(scale: int | None = None) -> SeedData:
    """The seed data set (pure; no database). ``scale`` = number of projects (default 1,126)."""
    n = scale or PUBLISHED_PROJECTS
    if n < 50:
        raise ValueError("the seed needs at least 50 projects to spread over 25 boroughs")
    gen = _Generator(n)
    specs = gen.specs()
    gen.money(specs)
    projects: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []
    clusters: dict[int, list[str]] = {}
    for spec in specs:
        # The draws of one project, in this order: its id (from the seeded generator: deterministic
        # like everything else, and cheaper than uuid5), its funding lines, its assessment, its status.
        project_id = str(uuid.UUID(int=gen.rng.getrandbits(128), version=4))
        project_lines = gen.lines(spec, project_id)
        lines.extend(project_lines)
        public_led = is_public_led(spec.origin, spec.partners)
        assessment = gen.assessment(spec, project_id, public_led)
        if assessment is not None:
            assessments.append(assessment)
        if spec.cluster is not None:
            clusters.setdefault(spec.cluster, []).append(spec.code)
        status = _status(spec, gen.rng)
        projects.append(
            _project_row(spec, project_id, project_lines, assessment, public_led=public_led, status=status)
        )
    return SeedData(
        projects=projects,
        funding_lines=lines,
        assessments=assessments,
        counters=gen.counters,
        clusters=[sorted(codes) for _, codes in sorted(clusters.items())],
    )
