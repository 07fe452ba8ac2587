"""deploy/check.sh passes on the tree and fails, naming the culprit, on deliberately broken copies."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"

pytestmark = pytest.mark.slow


def broken_copy(tmp_path: Path, relpath: str, old: str, new: str) -> Path:
    """Copy deploy/ and replace exactly one occurrence of ``old`` in ``relpath`` by ``new``."""
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY_DIR, copy)
    target = copy / relpath
    text = target.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {relpath}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def test_check_passes_on_the_repository(check_run: tuple[int, str]) -> None:
    returncode, output = check_run
    assert returncode == 0, output
    assert "deploy-check: OK" in output
    linted = re.search(r"hadolint: (\d+) Dockerfile\(s\) checked", output)
    assert linted and int(linted.group(1)) >= 2, output  # the services' parametrised one and the web app's
    # dev, dev/migrate, prod, prod/migrate, prod/restore
    assert "kustomize: 5 overlay(s) rendered" in output
    assert " 0 error(s)" in output


def test_check_fails_on_a_deployment_with_an_invalid_field(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    copy = broken_copy(
        tmp_path,
        "k8s/base/services/registry/deployment.yaml",
        "  revisionHistoryLimit: 5\n",
        "  revisionHistoryLimit: 5\n  replicaCount: 2\n",
    )
    returncode, output = deploy_check({"CG_DEPLOY_DIR": str(copy)})
    assert returncode != 0, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert errors, output
    assert all("deploy/k8s/base/services/registry/deployment.yaml" in e for e in errors), errors
    assert all("Deployment/registry" in e and "replicaCount" in e for e in errors), errors


def test_check_fails_on_a_kafkatopic_with_an_invalid_field(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    copy = broken_copy(
        tmp_path,
        "k8s/base/platform/kafka-topics.yaml",
        "  topicName: cg.budget.cycle\n",
        "  topicName: cg.budget.cycle\n  retentionDays: 7\n",
    )
    returncode, output = deploy_check({"CG_DEPLOY_DIR": str(copy)})
    assert returncode != 0, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert errors, output
    for e in errors:
        assert "deploy/k8s/base/platform/kafka-topics.yaml" in e
        assert "KafkaTopic/cg.budget.cycle" in e
        assert "retentionDays" in e


def test_check_fails_on_a_document_of_unknown_kind(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    copy = broken_copy(tmp_path, "k8s/base/platform/kafka.yaml", "kind: Kafka\n", "kind: KafkaCluster\n")
    returncode, output = deploy_check({"CG_DEPLOY_DIR": str(copy)})
    assert returncode != 0, output
    assert "KafkaCluster/cg-kafka" in output
    assert "no schema for kafka.strimzi.io/v1 KafkaCluster" in output


def test_check_fails_on_a_manifest_no_overlay_includes(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY_DIR, copy)
    (copy / "k8s/base/platform/forgotten.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8"
    )
    returncode, output = deploy_check({"CG_DEPLOY_DIR": str(copy)})
    assert returncode != 0, output
    assert "deploy/k8s/base/platform/forgotten.yaml: not included by any overlay" in output


def test_check_fails_on_a_dockerfile_with_a_hadolint_error(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    root = tmp_path / "repo"
    (root / "services" / "demo").mkdir(parents=True)
    # DL3000 (relative WORKDIR) is an error-level rule.
    (root / "services" / "demo" / "Dockerfile").write_text(
        "FROM python:3.11.11-slim-bookworm\nWORKDIR app\nUSER 10001\n", encoding="utf-8"
    )
    returncode, output = deploy_check({"CG_REPO_ROOT": str(root)})
    assert returncode != 0, output
    assert "hadolint services/demo/Dockerfile" in output
    assert "DL3000" in output


def test_check_fails_on_a_restore_cluster_with_an_invalid_field(
    tmp_path: Path, deploy_check: Callable[[dict[str, str]], tuple[int, str]]
) -> None:
    """The restore manifest is validated too, so the first time it is applied is not the first time it is checked."""
    copy = broken_copy(
        tmp_path,
        "k8s/overlays/prod/restore/clusters.yaml",
        "      source: registry-db\n",
        "      source: registry-db\n      sourceCluster: registry-db\n",
    )
    returncode, output = deploy_check({"CG_DEPLOY_DIR": str(copy)})
    assert returncode != 0, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert errors, output
    assert all("Cluster/registry-db-restore" in e and "sourceCluster" in e for e in errors), errors
