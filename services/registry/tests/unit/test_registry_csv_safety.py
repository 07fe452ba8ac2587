"""CSV injection: cells a spreadsheet would evaluate are neutralised."""

from __future__ import annotations

import pytest

from cg_shared.csvsafe import neutralise


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rx"])
def test_formula_starts_are_prefixed(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["성수동 마을 협치", "CG-11200-00001", "", "a=b"])
def test_plain_text_is_unchanged(value: str) -> None:
    assert neutralise(value) == value


def test_numbers_are_unchanged() -> None:
    assert neutralise(-5) == -5
    assert neutralise(120_000_000) == 120_000_000
