"""The KafkaTopic manifest is generated from cg_shared.events.topics and must not drift from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from cg_shared.events import topics

GENERATOR = Path(__file__).resolve().parents[2] / "deploy" / "gen_kafka_topics.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_kafka_topics", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_kafka_topics", module)
    spec.loader.exec_module(module)
    return module


def test_committed_manifest_is_what_the_code_generates() -> None:
    gen = load_generator()
    assert gen.MANIFEST.read_text(encoding="utf-8") == gen.render(), (
        "deploy/k8s/base/platform/kafka-topics.yaml drifted from cg_shared.events.topics: "
        "run .venv/bin/python deploy/gen_kafka_topics.py"
    )
    assert gen.main(["--check"]) == 0


def test_manifest_declares_exactly_the_code_topics_with_kubernetes_names() -> None:
    gen = load_generator()
    docs = [d for d in yaml.safe_load_all(gen.MANIFEST.read_text(encoding="utf-8")) if d]
    assert [d["spec"]["topicName"] for d in docs] == list(topics.ALL_TOPICS)
    for doc in docs:
        assert doc["apiVersion"] == "kafka.strimzi.io/v1"
        assert "_" not in doc["metadata"]["name"]
        kind = doc["metadata"]["labels"]["cg.seoul/topic-kind"]
        assert (kind == "dead-letter") == (doc["spec"]["topicName"] in topics.DEAD_LETTER_TOPICS)


def test_a_setting_declared_in_the_code_reaches_the_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    """TOPIC_SPECS is the one declaration: change a topic there and the generated KafkaTopic follows
    (and the committed manifest no longer matches, so --check fails until it is regenerated)."""
    import dataclasses

    gen = load_generator()
    changed = dataclasses.replace(
        topics.TOPIC_SPECS[topics.BUDGET_CYCLE], partitions=12, retention_ms=86_400_000
    )
    monkeypatch.setitem(topics.TOPIC_SPECS, topics.BUDGET_CYCLE, changed)
    spec = gen.kafka_topic(topics.BUDGET_CYCLE)["spec"]
    assert spec["partitions"] == 12
    assert spec["replicas"] == topics.PRODUCTION_REPLICATION
    assert spec["config"]["retention.ms"] == 86_400_000
    assert spec["config"]["min.insync.replicas"] == 2  # the rest of the declaration stays
    assert gen.render() != gen.MANIFEST.read_text(encoding="utf-8")
    assert gen.main(["--check"]) == 1
