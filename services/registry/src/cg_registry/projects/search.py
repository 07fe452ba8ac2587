"""Free-text ``q`` over projects on PostgreSQL and SQLite, with one semantics.

``q`` is split into words; every word must occur as a substring of the project's search text (code,
titles, lead department, partner names — normalised with :func:`normalise_text`).

- PostgreSQL: ``LIKE '%word%'`` served by the pg_trgm GIN index for words of three or more characters;
  a two-character Hangul word (마을, 돌봄) has no trigram, so it is also tested against the GIN-indexed
  ``search_bigrams`` array (exactly implied by the LIKE, so results are identical, only faster).
- SQLite: words of three or more characters through the FTS5 trigram table; shorter words by ``LIKE``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, String, bindparam, column, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

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


async def apply_text_filter(session: AsyncSession, stmt: Select[Any], q: str) -> Select[Any]:
    terms = words(q)
    if not terms:
        return stmt
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and await sqlite_fts_available(session):
        long_terms = [t for t in terms if len(t) >= 3]
        if long_terms:
            match = " AND ".join(_fts_phrase(t) for t in long_terms)
            stmt = stmt.where(
                Project.id.in_(
                    text("SELECT project_id FROM projects_fts WHERE projects_fts MATCH :fts_q")
                    .bindparams(fts_q=match)
                    .columns(column("project_id"))
                )
            )
        terms = [t for t in terms if len(t) < 3]
    postgres = dialect == "postgresql"
    for term in terms:
        if postgres and len(term) == 2 and _HANGUL.search(term):
            # No trigram in a two-syllable word: the bigram GIN index finds its rows (the LIKE below
            # stays, the array test only lets the planner use the index).
            stmt = stmt.where(
                Project.search_bigrams.contains(
                    bindparam(None, [term], type_=ARRAY(String()), literal_execute=True)
                )
            )
        # Rendered into the SQL (safely quoted by SQLAlchemy), not bound: PostgreSQL then plans each
        # pattern on its own. A cached generic plan for "LIKE $1" picks the trigram bitmap scan, which
        # for a two-syllable word (no trigram to look up) reads the whole index — 100x slower than
        # walking the code index.
        pattern = bindparam(None, _like_pattern(term), type_=String(), literal_execute=True)
        stmt = stmt.where(Project.search_text.like(pattern, escape="\\"))
    return stmt
