"""Project codes ``CG-<borough|SMG>-NNNNN``: one at a time from a counter row, or many for an import."""

from __future__ import annotations

from sqlalchemy import (
    exists,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects.models import (
    CodeCounter,
    Project,
)


def code_prefix(sgg_code: str | None) -> str:
    return f"CG-{sgg_code or 'SMG'}"


# RETURNING sees the incremented counter; the code is rendered as Python's f"{n:05d}" (no truncation).
_NEXT_CODE_SQL = text(
    "UPDATE code_counters SET last_value = last_value + 1 WHERE prefix = :prefix "
    "RETURNING last_value, EXISTS (SELECT 1 FROM projects WHERE code = :prefix || '-' || "
    "CASE WHEN last_value < 100000 THEN lpad(last_value::text, 5, '0') ELSE last_value::text END) AS taken"
)


async def next_code(session: AsyncSession, sgg_code: str | None) -> str:
    """``CG-<borough|SMG>-NNNNN`` from a counter row (its row lock serialises concurrent registrations)."""
    prefix = code_prefix(sgg_code)
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        if postgres:
            # One round trip: take the number and learn whether an import already used its code.
            row = (await session.execute(_NEXT_CODE_SQL, {"prefix": prefix})).first()
            if row is not None:
                if not row.taken:
                    return f"{prefix}-{row.last_value:05d}"
                continue
            value = None
        else:
            value = await session.scalar(
                update(CodeCounter)
                .where(CodeCounter.prefix == prefix)
                .values(last_value=CodeCounter.last_value + 1)
                .returning(CodeCounter.last_value)
            )
        if value is None:  # a prefix the migration did not create (future boroughs): start it
            session.add(CodeCounter(prefix=prefix, last_value=1))
            await session.flush()
            value = 1
        code = f"{prefix}-{value:05d}"
        # An imported project may have taken this number explicitly: skip it.
        if not await session.scalar(select(exists().where(Project.code == code))):
            return code


_NEXT_CODE_AND_LINE_IDS_SQL = text(
    "UPDATE code_counters SET last_value = last_value + 1 WHERE prefix = :prefix "
    "RETURNING last_value, EXISTS (SELECT 1 FROM projects WHERE code = :prefix || '-' || "
    "CASE WHEN last_value < 100000 THEN lpad(last_value::text, 5, '0') ELSE last_value::text END) AS taken, "
    "ARRAY(SELECT nextval(pg_get_serial_sequence('funding_lines', 'id')) FROM generate_series(1, :lines)) "
    "AS line_ids"
)
_LINE_IDS_SQL = text(
    "SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('funding_lines', 'id')) FROM generate_series(1, :lines))"
)


async def reserve(
    session: AsyncSession, sgg_code: str | None, code: str | None, lines: int
) -> tuple[str, list[int] | None]:
    """A registration's code (``code``, or the next one) and, on PostgreSQL, the ids of its ``lines``
    funding lines — together in one round trip (None on SQLite: the lines get theirs when inserted)."""
    if session.get_bind().dialect.name != "postgresql":
        return code or await next_code(session, sgg_code), None
    if code is not None:
        ids = list(await session.scalar(_LINE_IDS_SQL, {"lines": lines}) or []) if lines else []
        return code, ids
    prefix = code_prefix(sgg_code)
    while True:
        row = (await session.execute(_NEXT_CODE_AND_LINE_IDS_SQL, {"prefix": prefix, "lines": lines})).first()
        if row is None:  # a prefix without its counter row: next_code starts it
            return await reserve(session, sgg_code, await next_code(session, sgg_code), lines)
        if not row.taken:  # else an import already used the number's code: take the next
            return f"{prefix}-{row.last_value:05d}", list(row.line_ids)


async def allocate_codes(session: AsyncSession, prefix: str, count: int, taken: set[str]) -> list[str]:
    """Reserve ``count`` fresh codes under ``prefix`` with one counter update (skipping taken numbers)."""
    codes: list[str] = []
    while len(codes) < count:
        need = count - len(codes)
        last = await session.scalar(
            update(CodeCounter)
            .where(CodeCounter.prefix == prefix)
            .values(last_value=CodeCounter.last_value + need)
            .returning(CodeCounter.last_value)
        )
        if last is None:
            session.add(CodeCounter(prefix=prefix, last_value=need))
            await session.flush()
            last = need
        candidates = [f"{prefix}-{n:05d}" for n in range(last - need + 1, last + 1)]
        used = set(
            (await session.execute(select(Project.code).where(Project.code.in_(candidates)))).scalars()
        )
        codes.extend(c for c in candidates if c not in used and c not in taken)
    return codes
