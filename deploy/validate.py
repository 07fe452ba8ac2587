"""Offline validation of the rendered Kubernetes manifests (run by deploy/check.sh in .venv-deploy).

Every document of every rendered overlay is checked, and nothing is skipped:

* built-in kinds against the Kubernetes OpenAPI schemas shipped in ``kubernetes-validate``, in strict
  mode (unknown fields are errors, as with ``kubectl apply --validate=strict``), for each target version;
* Strimzi, CloudNativePG (and its Barman Cloud plugin), Gateway API, Envoy Gateway and Prometheus
  Operator kinds with ``deploy/schemas/validate-crs.mjs``: the generated validators of the
  ``@kubernetes-models/*`` npm packages (pinned in ``deploy/schemas/package-lock.json``) plus an
  unknown-field check against the packages' type declarations (the API server rejects unknown fields
  under strict field validation);
* a document of any other kind is an error, so a typo in ``kind``/``apiVersion`` cannot pass unnoticed.

On top of the schemas it checks what an API server cannot see offline but a rollout would trip over:
references (ConfigMaps, Secrets, ServiceAccounts, Service selectors and ports, HTTPRoute parents and
backends, rate-limit policy targets, HPA and
PDB targets, the Kafka cluster of topics/users/pools), the workload hardening policy, and that every file
under ``deploy/k8s`` is reachable from an overlay (a file no overlay includes would never be checked).

Messages name the source file (from kustomize's ``config.kubernetes.io/origin`` annotation), the rendered
overlay, the kind/name and the field path.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kubernetes_validate.utils as kv
import yaml

ORIGIN = "config.kubernetes.io/origin"
# RFC 1123 subdomain: what the API server requires of custom resource names.
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
WORKLOAD_KINDS = {"Deployment", "Job", "StatefulSet", "DaemonSet"}
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = {".yaml", ".yml", ".json", ".env"}

# Secrets that an operator creates from a resource in the render: (kind, suffix) -> keys it holds.
OPERATOR_SECRETS: dict[tuple[str, str], set[str]] = {
    ("KafkaUser", ""): {
        "password",
        "sasl.jaas.config",
        "user.crt",
        "user.key",
        "user.p12",
        "user.password",
        "ca.crt",
    },
    ("Kafka", "-cluster-ca-cert"): {"ca.crt", "ca.p12", "ca.password"},
    ("Cluster", "-app"): {"username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass"},
    ("Cluster", "-superuser"): {
        "username",
        "password",
        "host",
        "port",
        "dbname",
        "uri",
        "jdbc-uri",
        "pgpass",
    },
}


# Secrets the operator creates by hand before the first install (deploy/README.md, "First deploy"):
# name -> keys the manifests may reference.
EXTERNAL_SECRETS: dict[str, set[str]] = {
    "cg-budget-webhook-keys": {"keys"},
    "cg-backup-s3": {"ACCESS_KEY_ID", "ACCESS_SECRET_KEY"},
    "cg-api-tls": {"tls.crt", "tls.key"},
}


@dataclass
class Doc:
    """One rendered object and where it came from."""

    obj: dict[str, Any]
    render: str  # e.g. "overlays/prod"
    env: str  # overlay the render belongs to: "overlays/prod" for both prod and prod/migrate
    source: str  # repository-relative file the object was defined in

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", "?"))

    @property
    def name(self) -> str:
        meta = self.obj.get("metadata") or {}
        return str(meta.get("name", "?")) if isinstance(meta, dict) else "?"

    @property
    def namespace(self) -> str:
        meta = self.obj.get("metadata") or {}
        return str(meta.get("namespace", "")) if isinstance(meta, dict) else ""

    def where(self) -> str:
        return f"{self.source} [{self.render}] {self.kind}/{self.name}"


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors.append(message)


# --------------------------------------------------------------------------------------------- CRDs

# API groups whose resources are validated by deploy/schemas/validate-crs.mjs against the models published
# on npm (versions pinned in deploy/schemas/package-lock.json); every other document goes to
# kubernetes-validate. Keep in step with PACKAGES/LOCAL in validate-crs.mjs.
CR_GROUPS = {
    "kafka.strimzi.io",
    "postgresql.cnpg.io",
    "barmancloud.cnpg.io",
    "gateway.networking.k8s.io",
    "gateway.envoyproxy.io",
    "monitoring.coreos.com",
}


@dataclass
class CustomResourceResults:
    """What validate-crs.mjs said about each custom resource, keyed by the document's position."""

    errors: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    unknown: set[int] = field(default_factory=set)
    packages: dict[str, str] = field(default_factory=dict)


def validate_custom_resources(
    docs: list[Doc], node: str, schemas_dir: Path, report: Report
) -> CustomResourceResults:
    """Run the Node validator once over every custom resource of every render."""
    results = CustomResourceResults()
    chosen = [i for i, d in enumerate(docs) if is_custom_resource(d.obj)]
    if not chosen:
        return results
    with tempfile.TemporaryDirectory() as tmp:
        payload = Path(tmp) / "docs.json"
        payload.write_text(json.dumps([docs[i].obj for i in chosen]), encoding="utf-8")
        proc = subprocess.run(
            [node, str(schemas_dir / "validate-crs.mjs"), str(payload)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if proc.returncode != 0:
        report.error(f"ERROR validate-crs.mjs failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return results
    answer = json.loads(proc.stdout)
    results.packages = answer["packages"]
    for item in answer["results"]:
        index = chosen[item["index"]]
        if item.get("unknown"):
            results.unknown.add(index)
        results.errors[index] = item["errors"]
    return results


def is_custom_resource(obj: dict[str, Any]) -> bool:
    api_version = obj.get("apiVersion")
    return isinstance(api_version, str) and split_api_version(api_version)[0] in CR_GROUPS


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".") or "<root>"


# -------------------------------------------------------------------------------------- validation


def validate_schema(
    index: int,
    doc: Doc,
    custom: CustomResourceResults,
    k8s_versions: list[str],
    report: Report,
) -> None:
    obj = doc.obj
    api_version = obj.get("apiVersion")
    if not isinstance(api_version, str) or not isinstance(obj.get("kind"), str):
        report.error(f"ERROR {doc.where()}: document has no apiVersion/kind")
        return
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        report.error(f"ERROR {doc.where()}: metadata.name is missing")
        return
    if is_custom_resource(obj):
        if index in custom.unknown:
            report.error(
                f"ERROR {doc.where()}: no schema for {api_version} {doc.kind} in deploy/schemas "
                "(unknown kind or version of a custom resource)"
            )
            return
        if index not in custom.errors:
            return  # the Node validator failed as a whole, reported once
        name = meta["name"]
        if len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            report.error(f"ERROR {doc.where()}: metadata.name: {name!r} is not a valid Kubernetes name")
        for key in ("labels", "annotations"):
            values = meta.get(key, {})
            if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
                report.error(f"ERROR {doc.where()}: metadata.{key}: values must be strings")
        for err in sorted(custom.errors[index], key=lambda e: e["path"]):
            report.error(
                f"ERROR {doc.where()}: {err['path']}: {err['message']} (schema {api_version} {doc.kind})"
            )
        return
    for k8s_version in k8s_versions:
        try:
            kv.validate(obj, k8s_version, strict=True)
        except kv.ValidationError as err:
            report.error(
                f"ERROR {doc.where()}: {json_path(err.path)}: {err.message} (Kubernetes {k8s_version}, strict)"
            )
        except kv.SchemaNotFoundError:
            report.error(
                f"ERROR {doc.where()}: unknown kind {api_version} {doc.kind}: neither a built-in kind of "
                f"Kubernetes {k8s_version} nor a custom resource of a group deploy/schemas models"
            )
            return


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    spec = obj.get("spec", {})
    if obj.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template = spec.get("template", {}) if isinstance(spec, dict) else {}
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, dict) else None


def pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    return labels if isinstance(labels, dict) else {}


def check_workload_policy(doc: Doc, report: Report) -> None:
    """Hardening every platform workload must keep (the same rules as Pod Security "restricted")."""
    pod = pod_spec(doc.obj)
    if pod is None:
        return
    pod_sc = pod.get("securityContext", {}) or {}
    containers = [("containers", c) for c in pod.get("containers", [])]
    containers += [("initContainers", c) for c in pod.get("initContainers", [])]
    for group, container in containers:
        where = f"{doc.where()}: {group}[{container.get('name', '?')}]"
        sc = container.get("securityContext", {}) or {}

        def effective(key: str, sc: dict[str, Any] = sc) -> Any:
            return sc.get(key, pod_sc.get(key))

        if effective("runAsNonRoot") is not True:
            report.error(f"ERROR {where}: securityContext.runAsNonRoot must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            report.error(f"ERROR {where}: securityContext.allowPrivilegeEscalation must be false")
        if sc.get("readOnlyRootFilesystem") is not True:
            report.error(f"ERROR {where}: securityContext.readOnlyRootFilesystem must be true")
        if sc.get("privileged"):
            report.error(f"ERROR {where}: securityContext.privileged must not be set")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            report.error(f"ERROR {where}: securityContext.capabilities.drop must contain ALL")
        if sc.get("capabilities", {}).get("add"):
            report.error(f"ERROR {where}: securityContext.capabilities.add must be empty")
        seccomp = (effective("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            report.error(f"ERROR {where}: seccompProfile.type must be RuntimeDefault")
        resources = container.get("resources", {}) or {}
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(bound) or {}):
                    report.error(f"ERROR {where}: resources.{bound}.{resource} is not set")
        if doc.kind == "Deployment" and group == "containers":
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container:
                    report.error(f"ERROR {where}: {probe} is not set")


def check_references(docs: list[Doc], report: Report) -> None:
    """Cross-object references within one environment (an overlay and its migrate build together)."""
    by_env: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_env[doc.env].append(doc)
    for env_docs in by_env.values():
        _check_env_references(env_docs, report)


def _selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _check_env_references(docs: list[Doc], report: Report) -> None:
    index: dict[tuple[str, str, str], Doc] = {}
    for doc in docs:
        key = (doc.kind, doc.namespace, doc.name)
        other = index.get(key)
        if other is not None and other.render == doc.render:
            report.error(f"ERROR {doc.where()}: defined twice in one render (also {other.source})")
        # The app and migrate builds both carry the generated ConfigMaps; they must be identical.
        if other is not None and other.render != doc.render and other.obj.get("data") != doc.obj.get("data"):
            report.error(f"ERROR {doc.where()}: differs from the same object in {other.render}")
        index[key] = doc

    secret_keys: dict[tuple[str, str], set[str] | None] = {}
    configmap_keys: dict[tuple[str, str], set[str]] = {}
    for doc in docs:
        ns = doc.namespace
        if doc.kind == "Secret":
            keys = set((doc.obj.get("data") or {}) | (doc.obj.get("stringData") or {}))
            secret_keys[(ns, doc.name)] = keys
        elif doc.kind == "ConfigMap":
            configmap_keys[(ns, doc.name)] = set(doc.obj.get("data") or {})
        for (kind, suffix), keys in OPERATOR_SECRETS.items():
            if doc.kind == kind and doc.obj.get("apiVersion", "").split("/")[0] in (
                "kafka.strimzi.io",
                "postgresql.cnpg.io",
            ):
                secret_keys.setdefault((ns, doc.name + suffix), keys)

    for ns in {d.namespace for d in docs}:
        for name, keys in EXTERNAL_SECRETS.items():
            secret_keys.setdefault((ns, name), keys)
    kafkas = {(d.namespace, d.name) for d in docs if d.kind == "Kafka"}
    services = {(d.namespace, d.name): d for d in docs if d.kind == "Service"}
    workloads = [d for d in docs if d.kind in WORKLOAD_KINDS]
    accounts = {(d.namespace, d.name) for d in docs if d.kind == "ServiceAccount"}

    def need_secret(doc: Doc, where: str, name: str, key: str | None, optional: bool) -> None:
        keys = secret_keys.get((doc.namespace, name))
        if (doc.namespace, name) not in secret_keys:
            if not optional:
                report.error(
                    f"ERROR {doc.where()}: {where}: Secret {name!r} is neither rendered nor operator-made"
                )
        elif key is not None and keys is not None and key not in keys:
            report.error(f"ERROR {doc.where()}: {where}: Secret {name!r} has no key {key!r}")

    def need_configmap(doc: Doc, where: str, name: str, key: str | None, optional: bool) -> None:
        keys = configmap_keys.get((doc.namespace, name))
        if keys is None:
            if not optional:
                report.error(f"ERROR {doc.where()}: {where}: ConfigMap {name!r} is not rendered")
        elif key is not None and key not in keys:
            report.error(f"ERROR {doc.where()}: {where}: ConfigMap {name!r} has no key {key!r}")

    for doc in workloads:
        pod = pod_spec(doc.obj) or {}
        account = pod.get("serviceAccountName")
        if account and (doc.namespace, account) not in accounts:
            report.error(f"ERROR {doc.where()}: serviceAccountName {account!r} is not rendered")
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            cname = c.get("name", "?")
            for i, src in enumerate(c.get("envFrom", []) or []):
                where = f"containers[{cname}].envFrom[{i}]"
                if "configMapRef" in src:
                    ref = src["configMapRef"]
                    need_configmap(doc, where, ref.get("name", ""), None, bool(ref.get("optional")))
                if "secretRef" in src:
                    ref = src["secretRef"]
                    need_secret(doc, where, ref.get("name", ""), None, bool(ref.get("optional")))
            for env in c.get("env", []) or []:
                where = f"containers[{cname}].env[{env.get('name')}]"
                value_from = env.get("valueFrom") or {}
                if "secretKeyRef" in value_from:
                    ref = value_from["secretKeyRef"]
                    need_secret(doc, where, ref.get("name", ""), ref.get("key"), bool(ref.get("optional")))
                if "configMapKeyRef" in value_from:
                    ref = value_from["configMapKeyRef"]
                    need_configmap(doc, where, ref.get("name", ""), ref.get("key"), bool(ref.get("optional")))
            mounts = {m.get("name") for m in c.get("volumeMounts", []) or []}
            volumes = {v.get("name") for v in pod.get("volumes", []) or []}
            for missing in sorted(mounts - volumes):
                report.error(f"ERROR {doc.where()}: containers[{cname}] mounts undefined volume {missing!r}")
        for vol in pod.get("volumes", []) or []:
            where = f"volumes[{vol.get('name')}]"
            if "secret" in vol:
                ref = vol["secret"]
                for item in ref.get("items", []) or [{"key": None}]:
                    need_secret(
                        doc, where, ref.get("secretName", ""), item.get("key"), bool(ref.get("optional"))
                    )
            if "configMap" in vol:
                ref = vol["configMap"]
                need_configmap(doc, where, ref.get("name", ""), None, bool(ref.get("optional")))

    for doc in docs:
        spec = doc.obj.get("spec") or {}
        if doc.kind == "Service" and spec.get("selector"):
            matching = [
                w
                for w in workloads
                if w.namespace == doc.namespace and _selector_matches(spec["selector"], pod_labels(w.obj))
            ]
            if not matching:
                report.error(f"ERROR {doc.where()}: spec.selector matches no workload's pods")
            port_names = {
                p.get("name")
                for w in matching
                for c in (pod_spec(w.obj) or {}).get("containers", [])
                for p in c.get("ports", []) or []
            }
            for port in spec.get("ports", []):
                target = port.get("targetPort")
                if isinstance(target, str) and target not in port_names:
                    report.error(
                        f"ERROR {doc.where()}: targetPort {target!r} is no container port of its pods"
                    )
        elif doc.kind == "HTTPRoute":
            gateways = {d.name for d in docs if d.kind == "Gateway" and d.namespace == doc.namespace}
            for parent in spec.get("parentRefs", []) or []:
                if parent.get("kind", "Gateway") == "Gateway" and parent.get("name") not in gateways:
                    report.error(f"ERROR {doc.where()}: parentRefs: no Gateway {parent.get('name')!r}")
                listeners = {
                    lst.get("name")
                    for d in docs
                    if d.kind == "Gateway" and d.name == parent.get("name") and d.namespace == doc.namespace
                    for lst in (d.obj.get("spec") or {}).get("listeners", []) or []
                }
                if "sectionName" in parent and parent["sectionName"] not in listeners:
                    report.error(
                        f"ERROR {doc.where()}: parentRefs: Gateway {parent.get('name')!r} has no listener "
                        f"{parent['sectionName']!r}"
                    )
            for i, rule in enumerate(spec.get("rules", []) or []):
                for backend in rule.get("backendRefs", []) or []:
                    if backend.get("kind", "Service") != "Service":
                        continue
                    svc = services.get((doc.namespace, backend.get("name", "")))
                    if svc is None:
                        report.error(f"ERROR {doc.where()}: rules[{i}]: no Service {backend.get('name')!r}")
                        continue
                    svc_ports = {p.get("port") for p in svc.obj.get("spec", {}).get("ports", [])}
                    if backend.get("port") not in svc_ports:
                        report.error(
                            f"ERROR {doc.where()}: rules[{i}]: Service {backend.get('name')!r} has no port "
                            f"{backend.get('port')}"
                        )
        elif doc.kind == "BackendTrafficPolicy":
            for ref in spec.get("targetRefs", []) or []:
                if (ref.get("kind"), doc.namespace, ref.get("name")) not in index:
                    report.error(
                        f"ERROR {doc.where()}: targetRefs: {ref.get('kind')}/{ref.get('name')} is not rendered"
                    )
        elif doc.kind == "HorizontalPodAutoscaler":
            ref = spec.get("scaleTargetRef") or {}
            if (ref.get("kind"), doc.namespace, ref.get("name")) not in index:
                report.error(
                    f"ERROR {doc.where()}: scaleTargetRef {ref.get('kind')}/{ref.get('name')} is not rendered"
                )
        elif doc.kind == "PodDisruptionBudget":
            selector = (spec.get("selector") or {}).get("matchLabels") or {}
            if not any(
                w.namespace == doc.namespace and _selector_matches(selector, pod_labels(w.obj))
                for w in workloads
            ):
                report.error(f"ERROR {doc.where()}: spec.selector matches no workload's pods")
        elif doc.kind in ("KafkaTopic", "KafkaUser", "KafkaNodePool"):
            cluster = ((doc.obj.get("metadata") or {}).get("labels") or {}).get("strimzi.io/cluster")
            if (doc.namespace, cluster) not in kafkas:
                report.error(
                    f"ERROR {doc.where()}: label strimzi.io/cluster={cluster!r} names no rendered Kafka"
                )


# ------------------------------------------------------------------------------------ reachability


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def reachable_files(overlay_dirs: list[Path], report: Report, repo_root: Path) -> set[Path]:
    """Every file the overlays' kustomizations pull in (resources, components, patches, generators)."""
    seen_dirs: set[Path] = set()
    files: set[Path] = set()

    def visit_dir(directory: Path) -> None:
        directory = directory.resolve()
        if directory in seen_dirs:
            return
        seen_dirs.add(directory)
        kfile = kustomization_file(directory)
        if kfile is None:
            report.error(f"ERROR {rel(directory, repo_root)}: referenced directory has no kustomization.yaml")
            return
        files.add(kfile.resolve())
        data = yaml.safe_load(kfile.read_text(encoding="utf-8")) or {}
        refs: list[str] = list(data.get("resources", []) or []) + list(data.get("components", []) or [])
        refs += list(data.get("patchesStrategicMerge", []) or [])
        for patch in list(data.get("patches", []) or []) + list(data.get("patchesJson6902", []) or []):
            if isinstance(patch, dict) and patch.get("path"):
                refs.append(patch["path"])
        for gen in list(data.get("configMapGenerator", []) or []) + list(
            data.get("secretGenerator", []) or []
        ):
            refs += list(gen.get("envs", []) or []) + [
                f.split("=", 1)[-1] for f in gen.get("files", []) or []
            ]
            if gen.get("env"):
                refs.append(gen["env"])
        for ref in refs:
            if not isinstance(ref, str):
                continue
            if "://" in ref or ref.startswith(("github.com/", "git@")):
                report.error(
                    f"ERROR {rel(kfile, repo_root)}: remote resource {ref!r} cannot be checked offline"
                )
                continue
            target = (directory / ref).resolve()
            if target.is_dir():
                visit_dir(target)
            elif target.is_file():
                files.add(target)
            else:
                report.error(f"ERROR {rel(kfile, repo_root)}: {ref!r} does not exist")

    for overlay in overlay_dirs:
        visit_dir(overlay)
    return files


DISPLAY_ROOTS: list[tuple[Path, str]] = []


def rel(path: Path, repo_root: Path) -> str:
    """Path for messages: ``deploy/...`` for anything in the checked deploy directory (even a copy)."""
    resolved = path.resolve()
    for root, prefix in [*DISPLAY_ROOTS, (repo_root.resolve(), "")]:
        try:
            return prefix + str(resolved.relative_to(root))
        except ValueError:
            continue
    return str(resolved)


# ------------------------------------------------------------------------------------------- main


def load_render(
    render_file: Path, overlay_dir: Path, k8s_dir: Path, repo_root: Path, report: Report
) -> list[Doc]:
    render = str(overlay_dir.resolve().relative_to(k8s_dir.resolve()))
    parts = Path(render).parts
    env = str(Path(*parts[:2])) if len(parts) >= 2 else render
    try:
        raw_docs = list(yaml.safe_load_all(render_file.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        report.error(f"ERROR [{render}]: rendered output is not YAML: {exc}")
        return []
    docs: list[Doc] = []
    for raw in raw_docs:
        if raw is None:
            continue
        if not isinstance(raw, dict):
            report.error(f"ERROR [{render}]: rendered document is not a mapping: {str(raw)[:80]!r}")
            continue
        annotations = (raw.get("metadata") or {}).get("annotations") or {}
        origin = yaml.safe_load(annotations.get(ORIGIN, "")) if annotations.get(ORIGIN) else None
        source_ref = None
        if isinstance(origin, dict):
            source_ref = origin.get("path") or origin.get("configuredIn")
        if source_ref:
            source = rel(overlay_dir / source_ref, repo_root)
        else:
            source = f"{rel(overlay_dir, repo_root)} (origin unknown)"
            report.error(
                f"ERROR {source} [{render}] {raw.get('kind')}/{(raw.get('metadata') or {}).get('name')}: "
                "no config.kubernetes.io/origin annotation: add `buildMetadata: [originAnnotations]` to the overlay"
            )
        docs.append(Doc(obj=raw, render=render, env=env, source=source))
    return docs


def iter_manifest_files(k8s_dir: Path) -> Iterator[Path]:
    for path in sorted(k8s_dir.rglob("*")):
        if path.is_file() and (path.suffix in MANIFEST_SUFFIXES or path.name in KUSTOMIZATION_NAMES):
            yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deploy-dir", type=Path, required=True)
    parser.add_argument("--repo-root", type=Path, required=True)
    parser.add_argument("--k8s-version", action="append", required=True, help="repeatable")
    parser.add_argument("--node", required=True, help="node executable for validate-crs.mjs")
    parser.add_argument(
        "--schemas-dir", type=Path, required=True, help="validate-crs.mjs with its npm ci'd node_modules"
    )
    parser.add_argument(
        "render", nargs="+", help="OVERLAY_DIR=RENDERED_FILE pairs, one per `kubectl kustomize` output"
    )
    args = parser.parse_args(argv)

    report = Report()
    deploy_dir: Path = args.deploy_dir
    DISPLAY_ROOTS.append((deploy_dir.resolve(), "deploy/"))
    k8s_dir = deploy_dir / "k8s"

    docs: list[Doc] = []
    overlay_dirs: list[Path] = []
    for pair in args.render:
        overlay, _, rendered = pair.partition("=")
        overlay_dirs.append(Path(overlay))
        docs += load_render(Path(rendered), Path(overlay), k8s_dir, args.repo_root, report)

    custom = validate_custom_resources(docs, args.node, args.schemas_dir, report)
    for index, doc in enumerate(docs):
        validate_schema(index, doc, custom, args.k8s_version, report)
        if doc.kind in WORKLOAD_KINDS or doc.kind == "CronJob":
            check_workload_policy(doc, report)
    check_references(docs, report)

    reachable = reachable_files(overlay_dirs, report, args.repo_root)
    for path in iter_manifest_files(k8s_dir):
        if path.resolve() not in reachable:
            report.error(
                f"ERROR {rel(path, args.repo_root)}: not included by any overlay, so never rendered or checked"
            )

    for line in report.errors:
        print(line)
    kinds = sorted({d.kind for d in docs})
    print(
        f"validate: {len(docs)} documents from {len(args.render)} renders "
        f"({', '.join(kinds)}) against Kubernetes {', '.join(args.k8s_version)} and "
        f"{', '.join(f'{k}@{v}' for k, v in sorted(custom.packages.items())) or 'no custom-resource models'}: "
        f"{len(report.errors)} error(s)"
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
