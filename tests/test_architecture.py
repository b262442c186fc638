"""The import graph: no cycles, the runtime stands alone, bluev imports sit at the top of the file.

Layers, bottom to top: bluev's core helpers (errors, fileio, options, graph_forms, ...) ->
runtime (the artifact contract and the host pipeline) -> quant (recipes as model-to-model
transforms) -> export -> benchmarks -> the CLI. Read from the sources with `ast`, so a
function-local import cannot hide a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FOLDERS = {"bluev": "bluev", "runtime": "bluev.runtime", "quant": "bluev.quant", "export": "bluev.export"}
FOLDERS["benchmarks"] = "bluev.benchmarks"
PACKAGES = ("runtime", "quant", "export", "benchmarks")  # in layer order, lowest first
DEFERRED_MARK = "deferred"


def modules(repo: Path) -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((repo / folder).rglob("*.py")):
            parts = list(path.relative_to(repo / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def bluev_imports(path: Path, known: set[str]) -> list[tuple[str, ast.stmt, bool]]:
    """(imported bluev module, the statement, inside a function?) for every import in the file."""
    tree = ast.parse(path.read_text())
    local = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                for a in node.names
            ]
        for name in names:
            if name.split(".")[0] == "bluev":
                out.append((name, node, id(node) in local))
    return out


@pytest.fixture(scope="module")
def graph(repo) -> tuple[dict[str, set[str]], dict[str, Path]]:
    mods = modules(repo)
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for target, _, _ in bluev_imports(path, set(mods)):
            while target not in mods:  # `import bluev.x.y` where y is a name, not a module
                target = target.rpartition(".")[0]
            if target != name:
                edges[name].add(target)
    return edges, mods


def package_of(module: str) -> str:
    """runtime/quant/export/benchmarks; "cli" for the command line on top; "core" for bluev's helpers."""
    parts = module.split(".")
    if module in ("bluev.cli", "bluev.__main__"):
        return "cli"
    return parts[1] if len(parts) > 2 and parts[1] in PACKAGES else "core"


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_cycle_between_modules(graph):
    edges, _ = graph
    assert find_cycle(edges) is None


def test_no_cycle_between_packages_and_layers_point_down(graph):
    edges, _ = graph
    between: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            a, b = package_of(source), package_of(target)
            if a != b:
                between.setdefault(a, set()).add(b)
    assert find_cycle(between) is None, between
    order = ["core", *PACKAGES, "cli"]
    for source, targets in between.items():
        for target in targets:
            assert order.index(target) < order.index(source), f"{source} imports {target}"
    assert between.get("runtime", set()) <= {"core"}  # the runtime imports nothing of export/quant/benchmarks


def test_core_helpers_import_no_package(graph):
    edges, _ = graph
    for source, targets in edges.items():
        if package_of(source) == "core":
            assert {package_of(t) for t in targets} <= {"core"}, source


def test_bluev_imports_sit_at_the_top_unless_deferred_with_a_reason(graph):
    _, mods = graph
    for path in mods.values():
        lines = path.read_text().splitlines()
        for target, node, local in bluev_imports(path, set(mods)):
            if not local:
                continue
            before = "\n".join(lines[max(0, node.lineno - 4) : node.lineno])
            assert DEFERRED_MARK in before, f"{path}:{node.lineno}: function-local import of {target}"
