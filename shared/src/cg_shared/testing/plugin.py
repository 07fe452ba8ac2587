"""pytest plugin (loaded from pyproject ``addopts``): PostgreSQL, SQLite and Tansu fixtures."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from cg_shared.testing.kafka import KafkaCluster, KafkaUnavailable, fetch
from cg_shared.testing.postgres import PostgresServer, find_or_start_postgres
from cg_shared.testing.tansu import TansuBroker

DatabaseFactory = Callable[[str], Awaitable[str]]


def pytest_configure(config: pytest.Config) -> None:
    """Tests never reach a fixed port: an app built without a broker address gets one that nothing
    listens on, not the default 127.0.0.1:9092 (which may be a running ``make run`` stack's broker)."""
    if "CG_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        from cg_shared.testing.tansu import free_port

        os.environ["CG_KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{free_port()}"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
async def postgres_server() -> AsyncIterator[PostgresServer | None]:
    server: PostgresServer | None
    try:
        server = await find_or_start_postgres()
    except Exception as exc:
        if _in_ci():
            pytest.fail(f"CI=true but no PostgreSQL could be had: {exc}")
        warnings.warn(
            f"NO POSTGRESQL AVAILABLE ({exc}): PostgreSQL-backed tests are skipped and only SQLite runs",
            stacklevel=1,
        )
        server = None
    yield server
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
async def database_factory(
    postgres_server: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DatabaseFactory]:
    """``await database_factory("postgresql" | "sqlite")`` → URL of a brand-new empty database."""
    created: list[str] = []
    counter = 0

    async def make(backend: str) -> str:
        nonlocal counter
        if backend == "sqlite":
            counter += 1
            path: Path = tmp_path_factory.mktemp("sqlite") / f"db{counter}.sqlite"
            return f"sqlite+aiosqlite:///{path}"
        if postgres_server is None:
            pytest.skip("PostgreSQL not available (see warning)")
        name = await postgres_server.create_database()
        created.append(name)
        return postgres_server.url_for(name)

    yield make
    if postgres_server is not None:
        for name in created:
            try:
                await postgres_server.drop_database(name)
            except Exception as exc:
                warnings.warn(f"could not drop test database {name}: {exc}", stacklevel=1)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Parametrize a test over both databases."""
    return str(request.param)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A Tansu broker on a free port for the whole session (tests may restart it).

    Tansu rejects the idempotent producer: services built in this session get it off by default."""
    previous = os.environ.get("CG_KAFKA_IDEMPOTENCE")
    os.environ["CG_KAFKA_IDEMPOTENCE"] = "false"
    instance = TansuBroker(log_path=tmp_path_factory.mktemp("tansu") / "tansu.log")
    instance.start()
    yield instance
    instance.stop()
    if previous is None:
        os.environ.pop("CG_KAFKA_IDEMPOTENCE", None)
    else:
        os.environ["CG_KAFKA_IDEMPOTENCE"] = previous


def _kafka_or_skip() -> None:
    try:
        fetch()
    except KafkaUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true but Apache Kafka cannot be had: {exc}")
        pytest.skip(f"Apache Kafka not available: {exc}")


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    """Apache Kafka 4.x, three KRaft nodes on loopback (replication 3, min.insync.replicas 2) for the
    whole session. Tests may kill, pause and restart nodes; each must leave all three running."""
    _kafka_or_skip()
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka3"), nodes=3)
    cluster.start()
    yield cluster
    cluster.stop(kill=True)  # throwaway logs: a controlled shutdown of three nodes only costs time


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    """A single-node Apache Kafka (what ``make run`` uses) for the whole session."""
    _kafka_or_skip()
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka1"), nodes=1)
    cluster.start()
    yield cluster
    cluster.stop()
