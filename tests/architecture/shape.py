"""Measure the code's shape: import cycles inside a package, long files, long functions.

Run ``.venv/bin/python tests/architecture/shape.py`` for the figures issue 21 asks for; the
architecture test imports the same functions so the report and the gate cannot drift apart.
Imports are read with ``ast`` everywhere in a module (function bodies too, but not under
``if TYPE_CHECKING:``), so a cycle hidden by a function-level import still counts.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# One source package per entry: the import graph is built per package.
PACKAGES: dict[str, Path] = {
    "cg_shared": ROOT / "shared/src/cg_shared",
    "cg_registry": ROOT / "services/registry/src/cg_registry",
    "cg_committee": ROOT / "services/committee/src/cg_committee",
    "cg_planning": ROOT / "services/planning/src/cg_planning",
    "cg_budget": ROOT / "services/budget/src/cg_budget",
}
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def source_files() -> Iterator[Path]:
    for base in (ROOT / "services", ROOT / "shared"):
        for path in sorted(base.rglob("*.py")):
            if ".venv" in path.parts or "node_modules" in path.parts:
                continue
            yield path


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_files(limit: int = MAX_FILE_LINES) -> dict[str, int]:
    out = {}
    for path in source_files():
        n = line_count(path)
        if n > limit:
            out[str(path.relative_to(ROOT))] = n
    return out


def long_functions(limit: int = MAX_FUNCTION_LINES) -> dict[str, int]:
    """Functions (and methods) whose span, decorators excluded, is over ``limit`` lines."""
    out = {}
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > limit:
                    out[f"{path.relative_to(ROOT)}::{node.name}"] = n
    return out


def _module_name(package: str, base: Path, path: Path) -> str:
    rel = path.relative_to(base).with_suffix("")
    parts = [package, *rel.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_pkg: bool) -> Iterator[str]:
    def visit(node: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_pkg else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                yield f"{prefix}.{alias.name}"
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(tree)


def import_graph(package: str) -> dict[str, set[str]]:
    base = PACKAGES[package]
    modules = {}
    for path in sorted(base.rglob("*.py")):
        modules[_module_name(package, base, path)] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _imports(tree, name, path.name == "__init__.py"):
            # `from pkg import mod` names the module mod; `from mod import func` names mod.
            # (A package's __init__ also runs on the way in; like the import system's own
            # partial-module handling, that edge is not counted.)
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def cycles(package: str) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = import_graph(package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            strong(v)
    return out


def main() -> None:
    print("import cycles (strongly connected modules, function-level imports included):")
    for package in PACKAGES:
        for comp in cycles(package):
            print(f"  {package}: {len(comp)} modules: {', '.join(comp)}")
    files = long_files()
    print(f"files over {MAX_FILE_LINES} lines in services/ and shared/: {len(files)}")
    for name, n in sorted(files.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d} {name}")
    funcs = long_functions()
    print(f"functions over {MAX_FUNCTION_LINES} lines: {len(funcs)}")
    for name, n in sorted(funcs.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d} {name}")


if __name__ == "__main__":
    main()
