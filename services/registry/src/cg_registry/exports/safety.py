"""Spreadsheet-safe CSV cells (OWASP "CSV injection"): a cell a spreadsheet would run as a formula gets
a leading apostrophe, which Excel and LibreOffice display as plain text."""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Strings starting with = + - @ TAB or CR are prefixed with ``'``; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
