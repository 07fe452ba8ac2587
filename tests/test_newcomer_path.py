"""A newcomer's first ten minutes (issue 7 §3).

- the README's quick start is made of Makefile targets, and every ``make <target>`` the README mentions
  exists, is documented in ``make help`` and runs something that exists;
- CI runs the README's test command;
- the README's relative links resolve, and docs/flows.md holds exactly one Mermaid sequence diagram;
- each service's OpenAPI document lists every endpoint of the app, each with a summary, and every
  request body with an example (JSON) or at least a description (file uploads).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from cg_shared.settings import ServiceSettings
from cg_shared.testing.helpers import repo_root

ROOT = repo_root()
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
SERVICES = ("registry", "committee", "planning", "budget")

_TARGET = re.compile(r"^([a-z][a-z0-9-]*):(?!=)([^#\n]*)(?:##\s*(.*))?$")
_MAKE_MENTION = re.compile(r"\bmake ([a-z][a-z0-9-]*)")


def _makefile_variables() -> dict[str, str]:
    return {m[1]: m[2].strip() for m in re.finditer(r"^([A-Z_]+)\s*:?=\s*(.*)$", MAKEFILE, re.M)}


def _expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(5):  # variables refer to variables ($(PY) → $(VENV)/bin/python)
        text = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m[1], m[0]), text)
    return text


def _targets() -> dict[str, tuple[str, list[str], list[str]]]:
    """target → (help text, prerequisites, recipe lines)."""
    found: dict[str, tuple[str, list[str], list[str]]] = {}
    current: str | None = None
    for line in MAKEFILE.splitlines():
        if line.startswith("\t") and current is not None:
            found[current][2].append(line.strip())
            continue
        match = _TARGET.match(line)
        current = None
        if match and not line.startswith("."):
            current = match[1]
            found[current] = ((match[3] or "").strip(), match[2].split(), [])
    return found


def _quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    assert block, "the README's quick start has no command block"
    return [line.split("#", 1)[0].strip() for line in block[1].splitlines() if line.split("#", 1)[0].strip()]


def _console_scripts() -> set[str]:
    scripts: set[str] = set()
    for pyproject in [
        ROOT / "pyproject.toml",
        ROOT / "shared" / "pyproject.toml",
        *ROOT.glob("services/*/pyproject.toml"),
    ]:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        scripts |= set(data.get("project", {}).get("scripts", {}))
    return scripts


def test_quick_start_is_make_targets_of_the_makefile() -> None:
    commands = _quick_start()
    targets = _targets()
    assert commands, "empty quick start"
    for command in commands:
        match = re.fullmatch(r"make ([a-z][a-z0-9-]*)", command)
        assert match, f"quick-start command {command!r} is not a make target"
        assert match[1] in targets, f"`{command}` is in the README but the Makefile has no {match[1]} target"
        assert targets[match[1]][0], f"`{command}` has no `## description` for `make help`"
    assert {"make run", "make test"} <= set(commands)


def test_every_make_target_the_readme_mentions_exists_and_is_documented() -> None:
    targets = _targets()
    mentioned = set(_MAKE_MENTION.findall(README))
    assert {"run", "test", "demo"} <= mentioned
    missing = sorted(t for t in mentioned if t not in targets)
    assert not missing, f"README mentions make targets the Makefile lacks: {missing}"
    undocumented = sorted(t for t in mentioned if not targets[t][0])
    assert not undocumented, f"targets without a `## description` (not in `make help`): {undocumented}"


def test_make_help_lists_them() -> None:
    make = shutil.which("make")
    assert make, "make is not installed: the README's quick start cannot work"
    out = subprocess.run([make, "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = set(re.findall(r"make (\S+)", out))
    for target in set(_MAKE_MENTION.findall(README)):
        assert target in listed, f"`make help` does not list {target}"


def _recipe_commands(target: str, targets: dict[str, tuple[str, list[str], list[str]]]) -> list[str]:
    """The recipe of ``target`` and of the documented targets it depends on (``bench`` → bench-*)."""
    seen: list[str] = []
    todo = [target]
    commands: list[str] = []
    while todo:
        name = todo.pop()
        if name in seen or name not in targets:
            continue
        seen.append(name)
        _, prerequisites, recipe = targets[name]
        commands += recipe
        todo += [p for p in prerequisites if p not in {"setup"} and not p.startswith(("$", "."))]
    return commands


def test_recipes_of_documented_targets_run_things_that_exist() -> None:
    targets = _targets()
    variables = _makefile_variables()
    scripts = _console_scripts()
    problems: list[str] = []
    for target in sorted(set(_MAKE_MENTION.findall(README))):
        for raw in _recipe_commands(target, targets):
            command = _expand(raw.lstrip("@-"), variables)
            words = command.split()
            if not words:
                continue
            if words[0].endswith("/python") and len(words) > 2 and words[1] == "-m":
                if importlib.util.find_spec(words[2]) is None:
                    problems.append(f"make {target}: module {words[2]} not found ({raw})")
            elif words[0].endswith("/python") and len(words) > 1 and words[1].endswith(".py"):
                if not (ROOT / words[1]).is_file():
                    problems.append(f"make {target}: {words[1]} does not exist ({raw})")
            elif words[0].startswith(".venv/bin/"):
                tool = words[0].removeprefix(".venv/bin/")
                if tool.startswith("cg-") and tool not in scripts:
                    problems.append(f"make {target}: no console script {tool} is declared ({raw})")
            elif words[0] == "bash" and len(words) > 1 and not (ROOT / words[1]).is_file():
                problems.append(f"make {target}: {words[1]} does not exist ({raw})")
    assert not problems, "\n".join(problems)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M), ".ci/run must run `make test`, the README's test command"


def test_readme_links_resolve() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [link.split("#", 1)[0] for link in links if not re.match(r"[a-z]+://|mailto:|#", link)]
    assert "docs/flows.md" in local, "the README must link the flows document"
    missing = sorted({link for link in local if link and not (ROOT / link).exists()})
    assert not missing, f"README links to files that do not exist: {missing}"


def test_flows_doc_has_exactly_one_mermaid_sequence_diagram() -> None:
    text = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    assert len(blocks) == 1, f"docs/flows.md must hold one Mermaid diagram, found {len(blocks)}"
    diagram = blocks[0]
    assert diagram.lstrip().startswith("sequenceDiagram")
    for participant in SERVICES:
        assert re.search(rf"participant \w+ as {participant}\b", diagram), (
            f"{participant} missing from the diagram"
        )
    for event in ("plan.submitted", "decision.recorded", "plan.adopted", "allocation.finalized"):
        assert event in diagram, f"the diagram does not show {event}"


# --- the API documentation of each service --------------------------------------------------------


def _openapi(service: str, tmp_path: Path) -> tuple[dict[str, Any], list[APIRoute]]:
    settings_module = importlib.import_module(f"cg_{service}.settings")
    (settings_class,) = [
        value
        for value in vars(settings_module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value.__module__ == settings_module.__name__
    ]
    app = importlib.import_module(f"cg_{service}.main").create_app(
        settings_class(database_url=f"sqlite+aiosqlite:///{tmp_path / service}.db")
    )
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    return app.openapi(), routes


def _has_example(schema: Any, schemas: dict[str, Any], depth: int = 0) -> bool:
    if depth > 8 or not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        return _has_example(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, depth + 1)
    if schema.get("examples") or "example" in schema:
        return True
    for key in ("allOf", "anyOf", "oneOf"):
        if any(_has_example(s, schemas, depth + 1) for s in schema.get(key, [])):
            return True
    return any(_has_example(p, schemas, depth + 1) for p in schema.get("properties", {}).values())


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_lists_every_endpoint_with_a_summary_and_examples(service: str, tmp_path: Path) -> None:
    doc, routes = _openapi(service, tmp_path)
    paths: dict[str, dict[str, Any]] = doc["paths"]
    schemas = doc.get("components", {}).get("schemas", {})
    problems: list[str] = []
    for route in routes:
        if not route.include_in_schema or not route.path.startswith("/v1"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if method.lower() not in paths.get(route.path, {}):
                problems.append(f"{method} {route.path}: served but missing from /openapi.json")
    operations = 0
    for path, operations_by_method in paths.items():
        for method, op in operations_by_method.items():
            operations += 1
            where = f"{method.upper()} {path}"
            if not (op.get("summary") or "").strip():
                problems.append(f"{where}: no summary")
            body = op.get("requestBody")
            if not body:
                continue
            for media_type, media in body.get("content", {}).items():
                if media.get("example") is not None or media.get("examples"):
                    continue
                if media_type == "application/json":
                    if not _has_example(media.get("schema", {}), schemas):
                        problems.append(f"{where}: JSON request body without an example")
                elif not (op.get("description") or body.get("description")):
                    problems.append(f"{where}: {media_type} upload with neither an example nor a description")
    assert operations > 0
    assert not problems, f"{service} API docs:\n" + "\n".join(problems)


def _console_scripts() -> list[str]:
    names: list[str] = []
    for pyproject in [ROOT / "shared" / "pyproject.toml", *(ROOT / "services").glob("*/pyproject.toml")]:
        names += tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("scripts", {})
    return sorted(names)


@pytest.mark.parametrize("script", _console_scripts())
def test_every_console_script_prints_help_and_starts_nothing(script: str, tmp_path: Path) -> None:
    """``cg-* --help`` is a CLI's help, never a side effect (``cg-dev-stack --help`` used to start the
    whole stack). Run in an empty folder so nothing could be created unnoticed."""
    binary = Path(shutil.which(script) or ROOT / ".venv" / "bin" / script)
    assert binary.exists(), f"{script} is not installed (make setup)"
    result = subprocess.run(
        [str(binary), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower(), result.stdout[:500]
    assert list(tmp_path.iterdir()) == [], f"{script} --help left files behind"
