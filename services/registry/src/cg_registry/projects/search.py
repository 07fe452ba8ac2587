"""Free-text ``q`` over projects on PostgreSQL and SQLite, with one semantics.

``q`` is split into words; every word must occur as a substring of the project's search text (code,
titles, lead department, partner names — normalised with :func:`normalise_text`).

- PostgreSQL: ``LIKE '%word%'`` served by the pg_trgm GIN index for words of three or more characters;
  a two-character Hangul word (마을, 돌봄) has no trigram, so it is also tested against the GIN-indexed
  ``search_bigrams`` array (exactly implied by the LIKE, so results are identical, only faster).
- SQLite: words of three or more characters through the FTS5 trigram table; shorter words by ``LIKE``.

A word may also be met by one of its synonyms, and a long Hangul word by two parts of it (both
explained in :mod:`cg_registry.hangul`): the alternatives are OR-ed, each tested as above.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, String, Text, and_, bindparam, column, or_, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry import hangul
from cg_registry.domain import normalise_text
from cg_registry.projects.models import Project

MAX_WORDS = 8
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_fts_available: dict[str, bool] = {}


def has_hangul(q: str) -> bool:
    return _HANGUL.search(q) is not None


def words(q: str) -> list[str]:
    return normalise_text(q).split()[:MAX_WORDS]


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(word: str) -> str:
    # A double-quoted FTS5 string is matched literally (no operators), so any user input is safe.
    return '"' + word.replace('"', '""') + '"'


async def sqlite_fts_available(session: AsyncSession) -> bool:
    url = str(session.get_bind().engine.url)
    if url not in _fts_available:
        found = await session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'projects_fts'")
        )
        _fts_available[url] = bool(found)
    return _fts_available[url]


def _like_condition(term: str, *, postgres: bool) -> Any:
    """``search_text`` contains ``term``; on PostgreSQL a two-syllable Hangul term also tests the bigram
    array (exactly implied by the LIKE) so the planner can use its GIN index."""
    # Rendered into the SQL (safely quoted by SQLAlchemy), not bound: PostgreSQL then plans each
    # pattern on its own. A cached generic plan for "LIKE $1" picks the trigram bitmap scan, which
    # for a two-syllable word (no trigram to look up) reads the whole index — 100x slower than
    # walking the code index.
    # (The read pool binds them instead, planning each execution: see postgresql_text_filter.)
    pattern = bindparam(None, _like_pattern(term), type_=String(), literal_execute=True)
    like = Project.search_text.like(pattern, escape="\\")
    if postgres and len(term) == 2 and _HANGUL.search(term):
        bigram = Project.search_bigrams.contains(
            bindparam(None, [term], type_=ARRAY(String()), literal_execute=True)
        )
        return and_(bigram, like)
    return like


async def apply_text_filter(session: AsyncSession, stmt: Select[Any], q: str) -> Select[Any]:
    """Every word of ``q`` (or one of its synonyms, see :mod:`cg_registry.hangul`) must occur."""
    terms = words(q)
    if not terms:
        return stmt
    alternatives = [hangul.expand(t) for t in terms]
    dialect = session.get_bind().dialect.name
    postgres = dialect == "postgresql"

    def compound(alts: list[str]) -> bool:
        return any(hangul.splits(a) for a in alts)

    if dialect == "sqlite" and await sqlite_fts_available(session):
        # A word whose alternatives all have three or more characters goes to the FTS5 trigram table
        # (alternatives joined by OR); the others, and long Hangul words that may be split into parts
        # of two syllables, are matched by LIKE below.
        long_words = [alts for alts in alternatives if all(len(a) >= 3 for a in alts) and not compound(alts)]
        if long_words:
            match = " AND ".join("(" + " OR ".join(_fts_phrase(a) for a in alts) + ")" for alts in long_words)
            stmt = stmt.where(
                Project.id.in_(
                    text("SELECT project_id FROM projects_fts WHERE projects_fts MATCH :fts_q")
                    .bindparams(fts_q=match)
                    .columns(column("project_id"))
                )
            )
        alternatives = [alts for alts in alternatives if not all(len(a) >= 3 for a in alts) or compound(alts)]
    for alts in alternatives:
        conditions = []
        for a in alts:
            conditions.append(_like_condition(a, postgres=postgres))
            conditions.extend(
                and_(_like_condition(head, postgres=postgres), _like_condition(tail, postgres=postgres))
                for head, tail in hangul.splits(a)
            )
        stmt = stmt.where(conditions[0] if len(conditions) == 1 else or_(*conditions))
    return stmt


# --- PostgreSQL read pool: the same conditions with named, bound patterns -----------------------------
# cg_registry.readpool's search connections plan every execution with its values (plan_cache_mode =
# force_custom_plan), so binding the patterns keeps the per-word plans of the rendered ones while the
# statement text depends only on the *shape* of q: compiled and prepared once per shape, not per word.


def _is_bigram(term: str) -> bool:
    return len(term) == 2 and _HANGUL.search(term) is not None


def _conditions(q: str) -> list[list[list[tuple[str, str]]]]:
    """Per word of ``q``: its OR-ed conditions (each alternative; a compound also as two parts), each a
    list of AND-ed (parameter key, term) — the structure :func:`apply_text_filter` builds."""
    result = []
    for i, term in enumerate(words(q)):
        conditions: list[list[tuple[str, str]]] = []
        for j, alt in enumerate(hangul.expand(term)):
            conditions.append([(f"w{i}_{j}", alt)])
            conditions.extend(
                [(f"w{i}_{j}_{k}h", head), (f"w{i}_{j}_{k}t", tail)]
                for k, (head, tail) in enumerate(hangul.splits(alt))
            )
        result.append(conditions)
    return result


def _bound_like(key: str, term: str) -> Any:
    like = Project.search_text.like(bindparam(f"{key}_like", type_=String()), escape="\\")
    if _is_bigram(term):
        return and_(Project.search_bigrams.contains(bindparam(f"{key}_bigram", type_=ARRAY(Text()))), like)
    return like


def postgresql_text_filter(stmt: Select[Any], q: str) -> Select[Any]:
    """:func:`apply_text_filter` on PostgreSQL with named parameters (values: :func:`postgresql_text_values`)."""
    for conditions in _conditions(q):
        stmt = stmt.where(or_(*(and_(*(_bound_like(key, term) for key, term in c)) for c in conditions)))
    return stmt


def postgresql_text_values(q: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for conditions in _conditions(q):
        for key, term in (pair for c in conditions for pair in c):
            values[f"{key}_like"] = _like_pattern(term)
            if _is_bigram(term):
                values[f"{key}_bigram"] = [term]
    return values


def postgresql_text_shape(q: str) -> tuple[Any, ...]:
    """What decides the SQL of :func:`postgresql_text_filter` (not the words themselves)."""
    return tuple(tuple(tuple((k, _is_bigram(t)) for k, t in c) for c in cs) for cs in _conditions(q))
