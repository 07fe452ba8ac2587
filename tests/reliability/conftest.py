"""Fixtures of the reliability suites and the ``--run-soak`` switch of ``make soak``.

Soak tests (marked ``soak``) run for minutes; they are skipped unless ``--run-soak`` is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.reliability.harness import SERVICES, Stack, running_stack


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-soak",
        action="store_true",
        default=False,
        help="run the long load-with-integrity tests marked soak (make soak)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    # getoption with a default: this conftest is not an initial one under a plain `pytest -q`.
    if item.get_closest_marker("soak") and not item.config.getoption("--run-soak", default=False):
        pytest.skip("soak test: run with --run-soak (make soak)")


@pytest.fixture(scope="module")
async def stack(request, database_factory, tmp_path_factory) -> AsyncIterator[Stack]:
    """Broker + the services as processes, each on its own PostgreSQL database (per module).

    A module may narrow the services with ``STACK_SERVICES``; the default is all four."""
    names = getattr(request.module, "STACK_SERVICES", SERVICES)
    log_dir = tmp_path_factory.mktemp("reliability")
    async with running_stack(database_factory, log_dir, names) as running:
        yield running
