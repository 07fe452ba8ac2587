# Seoul Collaborative Governance Platform — the only entry points a newcomer needs.
#   make run    start the whole system on embedded defaults (SQLite files + single-node Apache Kafka)
#   make test   lint, type-check, all tests (PostgreSQL + Apache Kafka + Tansu), deploy-check
# Everything installs itself from a machine that has only python3 and make.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.synced

.PHONY: help setup kafka test-kafka run demo test lint fmt typecheck pytest deploy-check bench bench-rest bench-events bench-pb bench-scale soak asyncapi clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages --python python3
	@touch $(STAMP)

setup: $(STAMP) ## install uv, Python dependencies and the workspace packages

kafka: setup ## fetch Apache Kafka 4.x (Maven Central) into .cache/kafka (once)
	$(PY) -m cg_shared.testing.kafka fetch

run: setup kafka ## start broker + four services (SQLite under var/), demo data seeded; Ctrl-C stops
	$(VENV)/bin/cg-dev-stack

demo: setup ## walk one borough through a CG year against the system `make run` started
	$(PY) -m demo

lint: setup ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared/src services/registry/src services/committee/src services/planning/src services/budget/src

fmt: setup ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

pytest: setup kafka ## all pytest suites (unit, integration, api, cross-service, Kafka)
	$(VENV)/bin/pytest -q

test-kafka: setup kafka ## only the suites on Apache Kafka (3-broker KRaft cluster, single node)
	$(VENV)/bin/pytest -q -m kafka

asyncapi: setup ## regenerate docs/asyncapi.yaml from the event models
	$(PY) -m cg_shared.asyncapi > docs/asyncapi.yaml

deploy-check: ## hadolint, kustomize render and schema validation of deploy/
	bash deploy/check.sh

test: lint pytest deploy-check ## what CI runs (.ci/run)

bench: bench-pb bench-events bench-rest bench-scale ## all benchmarks (ratios vs baselines)

bench-rest: setup
	$(PY) bench/rest/run.py

bench-events: setup
	$(PY) bench/events/run.py

bench-pb: setup
	$(PY) bench/pb/run.py

bench-scale: setup
	$(PY) bench/scale/run.py

soak: setup ## long reliability run: concurrent writers, broker restart, reconciliation
	$(VENV)/bin/pytest -q -m soak tests/reliability --run-soak

clean: ## remove local state (var/, caches); keeps the virtualenvs
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
