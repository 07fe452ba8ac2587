"""Tests that read the shared data folder (outside the repository) skip cleanly when it is absent.

The folder is ``../shared/data`` next to the repository, or the one named by the ``CG_SHARED_DATA``
environment variable. A fresh clone has neither, so every test that needs those files goes through
:func:`shared_file` (inside a test) or :func:`shared_files` (for ``pytest.mark.parametrize``): both skip
with a reason that names ``CG_SHARED_DATA`` instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cg_shared.testing.helpers import shared_data_dir

__all__ = ["missing_reason", "shared_data_dir", "shared_file", "shared_files"]


def missing_reason(path: Path) -> str:
    return (
        f"shared test data {path} is absent: set CG_SHARED_DATA to the folder holding the shared data "
        f"(default: ../shared/data beside the repository)"
    )


def shared_file(*parts: str) -> Path:
    """The path of a shared data file; skips the calling test when the file is absent."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(missing_reason(path))
    return path


def shared_files(folder: str, pattern: str = "*") -> list[Any]:
    """Sorted files of a shared data folder for ``parametrize``; one skipped parameter when absent."""
    path = shared_data_dir() / folder
    found = sorted(path.glob(pattern)) if path.is_dir() else []
    if not found:
        return [pytest.param(None, id="no-shared-data", marks=pytest.mark.skip(reason=missing_reason(path)))]
    return found
