"""What the rendered overlays promise an operator, checked against the code they deploy."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cg_shared.events.topics import ALL_TOPICS, CONSUMES, SERVICES
from cg_shared.settings import ServiceSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
Render = list[dict[str, Any]]
RenderFn = Callable[[str], Render]


def find(docs: Render, kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def of_kind(docs: Render, kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def app_container(deployment: dict[str, Any], service: str) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    matches: list[dict[str, Any]] = [c for c in containers if c["name"] == service]
    assert len(matches) == 1, f"no container {service!r}"
    return matches[0]


def effective_env(docs: Render, workload: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as the kubelet would build it; secret values become placeholders.

    envFrom ConfigMaps must be in the render; secret references must be mandatory (optional ones may be
    absent at run time, which would not "set" a variable). ``$(VAR)`` references are expanded.
    """
    env: dict[str, str] = {}
    namespace = workload["metadata"].get("namespace")
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            ref = source["configMapRef"]["name"]
            (cm,) = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"] == ref]
            assert cm["metadata"].get("namespace") == namespace
            env.update(cm.get("data", {}))
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), var["value"])
        elif "secretKeyRef" in var.get("valueFrom", {}):
            ref = var["valueFrom"]["secretKeyRef"]
            if not ref.get("optional", False):
                env[var["name"]] = f"secret-{ref['name']}-{ref['key']}"
    return env


@pytest.mark.parametrize("service", SERVICES)
def test_prod_deployment_is_probed_limited_and_hardened(render: RenderFn, service: str) -> None:
    docs = render("prod")
    deployment = find(docs, "Deployment", service)
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]

    assert spec["replicas"] == 3
    anti = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert any(
        term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
        and selects(term["podAffinityTerm"]["labelSelector"]["matchLabels"], labels)
        for term in anti
    )

    container = app_container(deployment, service)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["args"] == ["serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    for c in pod["containers"] + pod.get("initContainers", []):
        limits = c["resources"]["limits"]
        assert {"cpu", "memory"} <= set(limits), c["name"]
        assert {"cpu", "memory"} <= set(c["resources"]["requests"]), c["name"]
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]
    (tmp,) = [v for v in pod["volumes"] if v["name"] == "tmp"]
    assert "emptyDir" in tmp


@pytest.mark.parametrize("service", SERVICES)
def test_prod_service_has_pdb_hpa_and_networkpolicy(render: RenderFn, service: str) -> None:
    docs = render("prod")
    deployment = find(docs, "Deployment", service)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]

    pdbs = [
        p
        for p in of_kind(docs, "PodDisruptionBudget")
        if selects(p["spec"]["selector"]["matchLabels"], pod_labels)
    ]
    assert len(pdbs) == 1 and pdbs[0]["spec"]["maxUnavailable"] == 1

    hpas = [
        h for h in of_kind(docs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == service
    ]
    assert len(hpas) == 1
    hpa = hpas[0]["spec"]
    assert hpa["scaleTargetRef"]["kind"] == "Deployment"
    assert hpa["minReplicas"] == 3 and hpa["maxReplicas"] == 10

    # The service's own policy; the namespace-wide ones (default-deny, DNS) select every pod, and budget
    # has its webhook-egress policy besides.
    selecting = [
        n["metadata"]["name"]
        for n in of_kind(docs, "NetworkPolicy")
        if selects(n["spec"]["podSelector"].get("matchLabels", {}), pod_labels)
        or n["spec"]["podSelector"] == {}
    ]
    extra = {"budget-webhook-egress"} if service == "budget" else set()
    assert sorted(selecting) == sorted({service, "default-deny", "allow-dns"} | extra)
    policy = find(docs, "NetworkPolicy", service)["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    sources = [peer for rule in policy["ingress"] for peer in rule["from"]]
    namespaces = {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in sources}
    assert namespaces == {"envoy-gateway-system", "monitoring"}
    assert all(port["port"] == 8000 for rule in policy["ingress"] for port in rule["ports"])
    egress_ports = {(p["protocol"], p["port"]) for rule in policy["egress"] for p in rule["ports"]}
    assert {("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 9093)} <= egress_ports
    db_rules = [r for r in policy["egress"] if any("cnpg.io/cluster" in str(p) for p in r["to"])]
    assert (
        db_rules and db_rules[0]["to"][0]["podSelector"]["matchLabels"]["cnpg.io/cluster"] == f"{service}-db"
    )


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_topic_in_the_code_has_a_kafkatopic(render: RenderFn, overlay: str) -> None:
    topics = of_kind(render(overlay), "KafkaTopic")
    declared = [t["spec"].get("topicName", t["metadata"]["name"]) for t in topics]
    assert sorted(declared) == sorted(ALL_TOPICS)
    for topic in topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "cg-kafka"
        assert topic["spec"]["partitions"] >= 1
        assert int(topic["spec"]["config"]["retention.ms"]) > 0
    if overlay == "prod":
        assert all(t["spec"]["replicas"] == 3 for t in topics)
        assert all(t["spec"]["config"]["min.insync.replicas"] == 2 for t in topics)


def test_kafka_acls_follow_the_code(render: RenderFn) -> None:
    users = {u["metadata"]["name"]: u for u in of_kind(render("prod"), "KafkaUser")}
    assert set(users) == {f"cg-{s}" for s in SERVICES}
    for service in SERVICES:
        acls = users[f"cg-{service}"]["spec"]["authorization"]["acls"]
        writes = {a["resource"]["name"] for a in acls if "Write" in a["operations"]}
        reads = {
            a["resource"]["name"]
            for a in acls
            if a["resource"]["type"] == "topic" and "Read" in a["operations"]
        }
        groups = {a["resource"]["name"] for a in acls if a["resource"]["type"] == "group"}
        own = {t for t in ALL_TOPICS if t.startswith(f"cg.{service}.")} | {f"cg.dlq.{service}"}
        assert writes == own, service
        assert reads == set(CONSUMES[service]), service
        assert groups == {f"cg-{service}"}
        assert all(a["resource"]["patternType"] == "literal" for a in acls)
        assert not any({"Create", "Delete", "Alter", "All"} & set(a["operations"]) for a in acls)


def test_prod_kafka_is_tls_with_scram_and_acls(render: RenderFn) -> None:
    kafka = find(render("prod"), "Kafka", "cg-kafka")["spec"]["kafka"]
    assert [(lst["tls"], lst["authentication"]["type"]) for lst in kafka["listeners"]] == [
        (True, "scram-sha-512")
    ]
    assert kafka["authorization"]["type"] == "simple"
    assert kafka["config"]["auto.create.topics.enable"] is False


@pytest.mark.parametrize("service", SERVICES)
def test_prod_sets_every_setting_production_requires(render: RenderFn, service: str) -> None:
    docs = render("prod")
    migrate_docs = render("prod/migrate")
    required = ServiceSettings.required_in_production()
    assert required, "ServiceSettings.required_in_production() is empty"
    workloads = [
        (docs, find(docs, "Deployment", service), service),
        (migrate_docs, find(migrate_docs, "Job", f"{service}-migrate"), "migrate"),
    ]
    for source_docs, workload, container_name in workloads:
        containers = workload["spec"]["template"]["spec"]["containers"]
        (container,) = [c for c in containers if c["name"] == container_name]
        env = effective_env(source_docs, workload, container)
        missing = sorted(name for name in required if not env.get(name))
        assert not missing, f"{workload['kind']}/{workload['metadata']['name']} lacks {missing}"
        assert env["CG_ENV"] == "prod"
        assert env["CG_AUTH_MODE"] == "jwks"
        # The API pods go through the PgBouncer pooler, migrations straight to the primary.
        host = f"{service}-db-pooler-rw" if workload["kind"] == "Deployment" else f"{service}-db-rw"
        assert env["CG_DATABASE_URL"] == (
            f"postgresql+asyncpg://secret-{service}-db-app-username:secret-{service}-db-app-password"
            f"@{host}:5432/{service}"
        )


@pytest.mark.parametrize("service", SERVICES)
def test_prod_environment_passes_the_settings_validation(
    render: RenderFn, service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The prod ConfigMap plus secrets is accepted by ServiceSettings exactly as a pod would start."""
    docs = render("prod")
    deployment = find(docs, "Deployment", service)
    env = effective_env(docs, deployment, app_container(deployment, service))
    for name in [n for n in os.environ if n.startswith("CG_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    assert settings.env.value == "prod"
    assert settings.kafka_security_protocol == "SASL_SSL"
    assert settings.kafka_sasl_username == f"cg-{service}"
    assert settings.kafka_sasl_password is not None
    assert settings.kafka_ssl_cafile == "/etc/cg/kafka-ca/ca.crt"
    assert settings.kafka_create_topics is False
    mounts = {m["mountPath"] for m in app_container(deployment, service)["volumeMounts"]}
    assert "/etc/cg/kafka-ca" in mounts


@pytest.mark.parametrize("overlay", ["dev", "prod"])
@pytest.mark.parametrize("service", SERVICES)
def test_migration_job_runs_alembic_with_the_release_image_and_config(
    render: RenderFn, overlay: str, service: str
) -> None:
    deployment = find(render(overlay), "Deployment", service)
    job = find(render(f"{overlay}/migrate"), "Job", f"{service}-migrate")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    app = app_container(deployment, service)
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["workingDir"] == f"/app/services/{service}"
    assert migrate["image"] == app["image"]
    assert migrate["envFrom"][0] == app["envFrom"][0]  # same content-hashed ConfigMap
    # The schema gate in front of the app container runs from the same image and directory.
    (gate,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert gate["image"] == app["image"] and gate["workingDir"] == migrate["workingDir"]
    assert "alembic current" in gate["args"][0]


def test_gateway_routes_each_prefix_to_its_service_rate_limited_with_root_path(render: RenderFn) -> None:
    docs = render("prod")
    gateway = find(docs, "Gateway", "cg-api")["spec"]
    listeners = {lst["name"]: lst for lst in gateway["listeners"]}
    assert listeners["https"]["tls"]["certificateRefs"][0]["name"] == "cg-api-tls"
    assert listeners["https"]["hostname"] == listeners["http"]["hostname"]
    redirect = find(docs, "HTTPRoute", "cg-api-https-redirect")["spec"]
    assert redirect["parentRefs"] == [{"name": "cg-api", "sectionName": "http"}]
    for service in SERVICES:
        route = find(docs, "HTTPRoute", service)["spec"]
        assert route["parentRefs"] == [{"name": "cg-api", "sectionName": "https"}]
        (rule,) = route["rules"]
        assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": f"/{service}"}}]
        assert rule["filters"][0]["urlRewrite"]["path"] == {
            "type": "ReplacePrefixMatch",
            "replacePrefixMatch": "/",
        }
        assert [b["name"] for b in rule["backendRefs"]] == [service]
        policy = find(docs, "BackendTrafficPolicy", f"{service}-rate-limit")["spec"]
        assert policy["targetRefs"][0]["name"] == service
        assert all(r["limit"]["requests"] > 0 for r in policy["rateLimit"]["local"]["rules"])
        # The app knows the prefix the route strips, so its docs and OpenAPI servers match the URL.
        deployment = find(docs, "Deployment", service)
        env = effective_env(docs, deployment, app_container(deployment, service))
        assert env["CG_ROOT_PATH"] == f"/{service}"
    assert not of_kind(docs, "Ingress")


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_one_postgres_cluster_and_database_per_service(render: RenderFn, overlay: str) -> None:
    clusters = {c["metadata"]["name"]: c["spec"] for c in of_kind(render(overlay), "Cluster")}
    assert set(clusters) == {f"{s}-db" for s in SERVICES}
    for service in SERVICES:
        initdb = clusters[f"{service}-db"]["bootstrap"]["initdb"]
        assert initdb["database"] == service and initdb["owner"] == service
        assert clusters[f"{service}-db"]["instances"] == (3 if overlay == "prod" else 1)


def test_dev_overlay_is_single_replica_and_plaintext(render: RenderFn) -> None:
    docs = render("dev")
    for service in SERVICES:
        assert find(docs, "Deployment", service)["spec"]["replicas"] == 1
    assert all(p["spec"]["replicas"] == 1 for p in of_kind(docs, "KafkaNodePool"))
    assert not of_kind(docs, "KafkaUser")
    kafka = find(docs, "Kafka", "cg-kafka")["spec"]["kafka"]
    assert [lst["tls"] for lst in kafka["listeners"]] == [False]


def test_one_parametrised_dockerfile_serves_every_service() -> None:
    assert not [s for s in SERVICES if (REPO_ROOT / "services" / s / "Dockerfile").exists()]
    text = (REPO_ROOT / "services" / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+) AS (\w+)$", text, flags=re.MULTILINE)
    assert [name for _, name in stages] == ["builder", "runtime"]
    builder, runtime = text.split("AS runtime", 1)
    assert "ARG SERVICE" in builder and "ARG SERVICE" in runtime  # an ARG is scoped to its stage
    assert re.search(r"pip install --no-cache-dir uv==\d+\.\d+\.\d+", builder)
    assert "uv sync --frozen --no-dev --package cg-${SERVICE}" in builder
    assert "ln -s cg-${SERVICE} /app/.venv/bin/cg-service" in builder
    assert "uv " not in runtime and "apt-get" not in text
    assert "USER 10001:10001" in runtime
    assert "WORKDIR /app/services/${SERVICE}" in runtime
    assert "EXPOSE 8000" in runtime
    assert 'ENTRYPOINT ["cg-service"]' in runtime
    # Every service has the console script the symlink points at.
    for service in SERVICES:
        manifest = (REPO_ROOT / "services" / service / "pyproject.toml").read_text(encoding="utf-8")
        assert f"cg-{service} = " in manifest, service


@pytest.mark.parametrize("service", SERVICES)
def test_apps_reach_postgres_through_a_pooler_and_migrations_directly(render: RenderFn, service: str) -> None:
    docs = render("prod")
    pooler = find(docs, "Pooler", f"{service}-db-pooler-rw")["spec"]
    assert pooler["cluster"]["name"] == f"{service}-db" and pooler["type"] == "rw"
    deployment = find(docs, "Deployment", service)
    url = {e["name"]: e.get("value") for e in app_container(deployment, service)["env"]}["CG_DATABASE_URL"]
    assert f"@{service}-db-pooler-rw:5432/{service}" in url
    job = next(j for j in of_kind(render("prod/migrate"), "Job") if j["metadata"]["name"].startswith(service))
    job_env = {
        e["name"]: e.get("value") for c in job["spec"]["template"]["spec"]["containers"] for e in c["env"]
    }
    assert f"@{service}-db-rw:5432/{service}" in job_env["CG_DATABASE_URL"]
    # The pooler may reach the database, and the API pods the pooler.
    db_policy = find(docs, "NetworkPolicy", f"{service}-db")["spec"]
    peers = [p for rule in db_policy["ingress"] for p in rule["from"]]
    assert {"podSelector": {"matchLabels": {"cnpg.io/poolerName": f"{service}-db-pooler-rw"}}} in peers
    metrics = [r for r in db_policy["ingress"] if any(p["port"] == 9187 for p in r["ports"])]
    assert metrics and metrics[0]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }


@pytest.mark.parametrize("service", SERVICES)
def test_prod_databases_archive_to_object_storage_and_back_up_nightly(render: RenderFn, service: str) -> None:
    docs = render("prod")
    cluster = find(docs, "Cluster", f"{service}-db")["spec"]
    assert cluster["imageName"].split(":")[1].startswith("18.")
    (plugin,) = cluster["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"] is True
    store = find(docs, "ObjectStore", plugin["parameters"]["barmanObjectName"])["spec"]
    assert store["configuration"]["destinationPath"].endswith(f"/{service}")
    scheduled = find(docs, "ScheduledBackup", f"{service}-db-nightly")["spec"]
    assert scheduled["cluster"]["name"] == f"{service}-db" and scheduled["method"] == "plugin"
    restore = find(render("prod/restore"), "Cluster", f"{service}-db-restore")["spec"]
    (source,) = restore["externalClusters"]
    assert restore["bootstrap"]["recovery"]["source"] == source["name"] == f"{service}-db"
    assert source["plugin"]["parameters"] == {
        "barmanObjectName": f"{service}-backup",
        "serverName": f"{service}-db",
    }
    assert restore["imageName"] == cluster["imageName"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_namespace_denies_by_default_and_allows_dns(render: RenderFn, overlay: str) -> None:
    docs = render(overlay)
    deny = find(docs, "NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = find(docs, "NetworkPolicy", "allow-dns")["spec"]
    assert dns["podSelector"] == {} and {p["port"] for p in dns["egress"][0]["ports"]} == {53}
    # The operator-managed pods keep the traffic they need (replication, API server, object store).
    for name in ("kafka-operands", "postgres-operands", "postgres-poolers"):
        assert "Egress" in find(docs, "NetworkPolicy", name)["spec"]["policyTypes"]


def test_webhook_egress_reaches_public_https_only_in_prod(render: RenderFn) -> None:
    prod = find(render("prod"), "NetworkPolicy", "budget-webhook-egress")["spec"]
    assert prod["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "budget",
        "app.kubernetes.io/component": "api",
    }
    (rule,) = prod["egress"]
    assert [(p["protocol"], p["port"]) for p in rule["ports"]] == [("TCP", 443)]
    (peer,) = rule["to"]
    blocked = set(peer["ipBlock"]["except"])
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= blocked
    dev = find(render("dev"), "NetworkPolicy", "budget-webhook-egress")["spec"]
    assert {p["port"] for rule in dev["egress"] for p in rule["ports"]} == {80, 443, 8080}
