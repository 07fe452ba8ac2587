"""Reading uploaded CSV without a 500: the ``csv`` module raises ``csv.Error`` for a field longer than
its field limit (131,072 characters), a NUL byte, an unterminated quote … — none of which is the
server's fault. :func:`csv_guard` turns any of them into a 422 problem naming the line.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from typing import Any

from cg_shared.http import FieldError, Unprocessable

# The csv module's own default, stated here so the message can name it.
CSV_FIELD_LIMIT = csv.field_size_limit()


def csv_problem(exc: csv.Error, line: int, *, field: str = "body.file") -> Unprocessable:
    reason = str(exc)
    if "field larger than field limit" in reason:
        reason = f"a field is longer than {CSV_FIELD_LIMIT:,} characters"
    where = f"line {line}" if line else "the header"
    return Unprocessable(
        f"the CSV cannot be read at {where}: {reason}",
        errors=[FieldError(field=f"{field}: {where}", message=reason, type="csv_malformed")],
        slug="csv-malformed",
    )


@contextlib.contextmanager
def csv_guard(reader: Any, *, field: str = "body.file") -> Iterator[None]:
    """``with csv_guard(reader): ...`` — a ``csv.Error`` while reading becomes a 422 naming the line."""
    try:
        yield
    except csv.Error as exc:
        raise csv_problem(exc, int(getattr(reader, "line_num", 0) or 0), field=field) from exc


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
