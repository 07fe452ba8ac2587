"""CSV in and out without harm.

Reading uploaded CSV without a 500: the ``csv`` module raises ``csv.Error`` for a field longer than
its field limit (131,072 characters), a NUL byte, an unterminated quote … — none of which is the
server's fault. :func:`csv_guard` turns any of them into a 422 problem naming the line.

Writing CSV for spreadsheets (OWASP "CSV injection"): :func:`neutralise` gives a cell a spreadsheet
would run as a formula a leading apostrophe, which Excel and LibreOffice display as plain text; every
service's exports go through it (:func:`csv_text`, the open-data datasets, the registry export).
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Strings starting with = + - @ TAB or CR get a leading ``'``; other values pass unchanged.

    Numbers stay numbers: a negative integer written by us is data, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with every text cell neutralised; ``None`` becomes an empty cell. UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return "\ufeff" + out.getvalue()


# The csv module's own default, stated here so the message can name it.
CSV_FIELD_LIMIT = csv.field_size_limit()


def csv_problem(exc: csv.Error, line: int, *, field: str = "body.file") -> Unprocessable:
    reason = str(exc)
    if "field larger than field limit" in reason:
        reason = msg("a field is longer than {limit} characters", limit=f"{CSV_FIELD_LIMIT:,}")
    where = msg("line {line}", line=line) if line > 1 else msg("line 1 (the header)")
    return Unprocessable(
        msg("the CSV cannot be read at {where}: {reason}", where=where, reason=reason),
        errors=[FieldError(field=f"{field}: line {max(line, 1)}", message=reason, type="csv_malformed")],
        slug="csv-malformed",
    )


@contextlib.contextmanager
def csv_guard(reader: Any, *, field: str = "body.file") -> Iterator[None]:
    """``with csv_guard(reader): ...`` — a ``csv.Error`` while reading becomes a 422 naming the line."""
    try:
        yield
    except csv.Error as exc:
        # DictReader updates its own line_num only after a successful row: ask the reader underneath.
        line = getattr(getattr(reader, "reader", reader), "line_num", 0)
        raise csv_problem(exc, int(line or 0), field=field) from exc


class SafeDictReader(csv.DictReader):  # type: ignore[type-arg]
    """``csv.DictReader`` whose read errors are 422 problems naming the line (header included)."""

    def __init__(self, *args: Any, problem_field: str = "body", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._problem_field = problem_field

    @property
    def fieldnames(self) -> Any:
        with csv_guard(self, field=self._problem_field):
            return super().fieldnames

    @fieldnames.setter
    def fieldnames(self, value: Any) -> None:
        self._fieldnames = value

    def __next__(self) -> dict[Any, Any]:
        with csv_guard(self, field=self._problem_field):
            return super().__next__()
