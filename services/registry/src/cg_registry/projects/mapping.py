"""A project's fields between their four shapes, by name: the request (:class:`ProjectCreate`), the row
(``projects`` columns as a dict), the read model (:class:`ProjectRead`) and the event payload
(:class:`ProjectSnapshot`).

Fields that mean the same thing carry the same name in all four, and every mapping here copies by name
(``model_dump`` / ``model_validate`` / the table's columns); only the few fields that differ are named
(``total_krw`` in a request is the row's ``declared_total_krw``, the read model nests the assessment,
the event names partners only). So a new project field is a column, a schema field, an event field and a
migration — nothing here changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from cg_registry.domain import FundingSource, is_public_led, search_bigrams_for, search_text_for
from cg_registry.duplicates.scoring import title_key
from cg_registry.projects import progress
from cg_registry.projects.models import FundingLine, Project
from cg_registry.projects.schemas import FundingLineIn, ProjectCreate, ProjectRead
from cg_shared.events.registry import ProjectRegistered, ProjectSnapshot

COLUMNS = tuple(c.key for c in Project.__table__.columns)
LINE_COLUMNS = tuple(c.key for c in FundingLine.__table__.columns)
# Columns that are not part of the read model (internal search keys, per-source totals, who wrote it).
_NOT_READ: tuple[str, ...] = (
    "search_text",
    "search_bigrams",
    "dup_key",
    "borough_krw",
    "national_krw",
    "private_krw",
)
_NOT_READ += ("iap2_level", "tokenism_risk", "assessed_at", "created_by", "updated_by")
# Read-model fields a change is not recorded for (identity, bookkeeping, values derived from others).
_UNTRACKED = {"id", "city_wide", "budget_line_ids", "smg_grant_krw", "has_smg_grant", "assessment"}
_UNTRACKED |= {"version", "created_at", "updated_at"}
# Fields a change is recorded for (history, audit, ProjectUpdated.changed_fields): every read-model field
# but those, and the assessment's two (flattened by :func:`comparable`).
TRACKED_FIELDS = (
    *(name for name in ProjectRead.model_fields if name not in _UNTRACKED),
    "iap2_level",
    "tokenism_risk",
)
# Request fields that are not columns of the same name.
_NOT_COLUMNS = {"funding_lines", "total_krw", "code"}
# A new project's columns that no request field sets.
_NEW_ROW = {
    "iap2_level": None,
    "tokenism_risk": None,
    "assessed_at": None,
    "version": 1,
}


def row_of(project: Project) -> dict[str, Any]:
    return {name: getattr(project, name) for name in COLUMNS}


def new_row(data: ProjectCreate, *, project_id: str, code: str, now: datetime, actor: str) -> dict[str, Any]:
    """The row of a project registered from ``data`` (money and derived columns: :func:`money`,
    :func:`derived`)."""
    row = {
        name: value.value if isinstance(value, Enum) else value
        for name, value in data.model_dump(exclude=_NOT_COLUMNS).items()
    }
    row.update(
        _NEW_ROW,
        id=project_id,
        code=code,
        partners=[p.model_dump(mode="json") for p in data.partners],
        declared_total_krw=data.total_krw,
        progress_pct=progress.initial(data.status),
        created_at=now,
        updated_at=now,
        created_by=actor,
        updated_by=actor,
    )
    return row


def line_row(project_id: str, line: FundingLineIn) -> dict[str, Any]:
    """The row of a funding line sent with a request (its id: None until the database gives one)."""
    values = {**line.model_dump(), "id": None, "project_id": project_id, "source": line.source.value}
    return {name: values.get(name) for name in LINE_COLUMNS}


def money(lines: Iterable[Mapping[str, Any]], declared_total_krw: int | None) -> dict[str, Any]:
    """The per-project totals statistics aggregate (maintained on write, never computed at read time)."""
    by_source = dict.fromkeys(FundingSource, 0)
    for line in lines:
        by_source[FundingSource(line["source"])] += line["amount_krw"]
    return {
        "smg_grant_krw": by_source[FundingSource.SMG_GRANT],
        "borough_krw": by_source[FundingSource.BOROUGH],
        "national_krw": by_source[FundingSource.NATIONAL],
        "private_krw": by_source[FundingSource.PRIVATE],
        "has_smg_grant": by_source[FundingSource.SMG_GRANT] > 0,
        "total_krw": max(declared_total_krw or 0, sum(by_source.values())),
    }


def derived(row: Mapping[str, Any]) -> dict[str, Any]:
    """Columns computed from the others: public-led flag, search text and bigrams, duplicate title key."""
    text = search_text_for(
        code=row["code"],
        title_ko=row["title_ko"],
        title_en=row["title_en"],
        lead_department=row["lead_department"],
        partners=row["partners"] or [],
    )
    return {
        "public_led": is_public_led(row["origin"], row["partners"] or []),
        "search_text": text,
        "search_bigrams": search_bigrams_for(text),
        "dup_key": title_key(row["title_ko"]),
    }


def line_dict(line: FundingLine | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(line, FundingLine):
        return {name: getattr(line, name) for name in LINE_COLUMNS}
    return dict(line)


def sorted_lines(lines: Iterable[FundingLine | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Funding lines as dicts in the read model's order (year, source, id)."""
    found = [line_dict(line) for line in lines]
    return sorted(found, key=lambda line: (line["fiscal_year"], line["source"], line["id"] or 0))


def read_dict(row: Mapping[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The :class:`ProjectRead` fields of a project row and its lines (in :func:`sorted_lines` order)."""
    item = {name: value for name, value in row.items() if name not in _NOT_READ}
    item["city_wide"] = row["sgg_code"] is None
    item["partners"] = row["partners"] or []
    item["target_groups"] = row["target_groups"] or []
    item["budget_line_ids"] = sorted({line["budget_line_id"] for line in lines if line["budget_line_id"]})
    item["funding_lines"] = lines
    item["assessment"] = {
        "iap2_level": row["iap2_level"],
        "tokenism_risk": row["tokenism_risk"],
        "assessed_at": row["assessed_at"],
    }
    return item


def read_model(row: Mapping[str, Any], lines: Iterable[FundingLine | Mapping[str, Any]]) -> ProjectRead:
    return ProjectRead.model_validate(read_dict(row, sorted_lines(lines)))


def snapshot_of(
    row: Mapping[str, Any],
    lines: Sequence[FundingLine | Mapping[str, Any]],
    cls: type[ProjectSnapshot] = ProjectRegistered,
    **extra: Any,
) -> ProjectSnapshot:
    """The event payload: the row's fields the event declares, partner names, lines without ids."""
    data = {name: row[name] for name in cls.model_fields if name in row}
    data["project_id"] = row["id"]
    data["partner_organisations"] = [str(p.get("name", "")) for p in row["partners"] or []]
    data["target_groups"] = list(row["target_groups"] or [])
    data["funding_lines"] = [
        {"source": d["source"], "fiscal_year": d["fiscal_year"], "amount_krw": d["amount_krw"]}
        for d in map(line_dict, lines)
    ]
    return cls.model_validate({**data, **extra})


def comparable(dumped: Mapping[str, Any]) -> dict[str, Any]:
    """A read model dumped as JSON, as history compares it (line ids dropped, assessment flattened)."""
    data = dict(dumped)
    data["funding_lines"] = [{k: v for k, v in line.items() if k != "id"} for line in data["funding_lines"]]
    data["iap2_level"] = data["assessment"]["iap2_level"]
    data["tokenism_risk"] = data["assessment"]["tokenism_risk"]
    return data


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """History entry of a change between two JSON-dumped read models (``before`` None: registered)."""
    new = comparable(after)
    if before is None:
        return {name: {"before": None, "after": new[name]} for name in TRACKED_FIELDS}
    old = comparable(before)
    return {
        name: {"before": old[name], "after": new[name]} for name in TRACKED_FIELDS if old[name] != new[name]
    }
