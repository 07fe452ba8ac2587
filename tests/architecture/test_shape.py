"""The code's shape (issue 21): no import cycle inside a package, no source file over 600 lines, no function over 80.

Imports are read statically (``tests/architecture/shape.py``), function-level ones included, so
a cycle cannot hide behind a deferred import. Files that are still too long are listed below with
the line count they had when they were allowed: the list may only shrink — a listed file that
grows, or that has been brought under the limit and is still listed, fails too.
"""

from __future__ import annotations

import pytest

from tests.architecture import shape

# Not split yet (path → lines when allowed). Split them and delete the entry; never raise a count.
ALLOWED_LONG_FILES: dict[str, int] = {}


@pytest.mark.parametrize("package", sorted(shape.PACKAGES))
def test_no_import_cycle_inside_a_package(package: str) -> None:
    found = shape.cycles(package)
    assert not found, f"import cycles in {package}: " + "; ".join(" ↔ ".join(c) for c in found)


def test_cycle_detector_sees_function_level_imports(tmp_path, monkeypatch) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import x\n    return x\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    monkeypatch.setitem(shape.PACKAGES, "pkg", pkg)
    assert shape.cycles("pkg") == [["pkg.a", "pkg.b"]]


def _check_ratchet(long: dict[str, int], allowed: dict[str, int], what: str, limit: int) -> None:
    """Nothing over ``limit`` outside ``allowed``; allowed entries may only shrink and must go when fixed."""
    new = {name: n for name, n in long.items() if name not in allowed}
    grown = {name: (n, allowed[name]) for name, n in long.items() if name in allowed and n > allowed[name]}
    stale = sorted(set(allowed) - set(long))
    assert not new, f"{what} over {limit} lines (split them): {new}"
    assert not grown, f"allow-listed {what} grew (now, allowed): {grown}"
    assert not stale, f"{what} no longer over {limit} lines, drop them from the allow-list: {stale}"


def test_no_source_file_over_the_limit() -> None:
    _check_ratchet(shape.long_files(), ALLOWED_LONG_FILES, "files", shape.MAX_FILE_LINES)


# Functions still over the limit (qualified name → lines when allowed); the list may only shrink.
ALLOWED_LONG_FUNCTIONS: dict[str, int] = {}


def test_no_function_over_the_limit() -> None:
    """Functions (sources, tests and migrations of services/ and shared/) of at most 80 lines."""
    _check_ratchet(shape.long_functions(), ALLOWED_LONG_FUNCTIONS, "functions", shape.MAX_FUNCTION_LINES)
