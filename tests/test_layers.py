"""The package layout's rules, read from the code's own imports (every import, lazy ones too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "webui")

#: What each layer may import from Fahras (besides itself).  Imports only point down.
ALLOWED = {
    "indexer.errors": set(),
    "indexer.models": set(),
    "indexer.records": set(),
    "indexer.config": {"indexer.errors"},
    "indexer.text": {"indexer.config", "indexer.errors"},
    "indexer.ingest": {"indexer.text", "indexer.config", "indexer.errors", "indexer.records"},
    "indexer.storage": {"indexer.text", "indexer.config", "indexer.errors", "indexer.records"},
    "indexer.build": {"indexer.ingest", "indexer.storage", "indexer.text", "indexer.config", "indexer.errors",
                      "indexer.records", "indexer.models"},
    "indexer.search": {"indexer.ingest", "indexer.storage", "indexer.text", "indexer.config", "indexer.errors",
                       "indexer.records", "indexer.models"},
    "indexer.opensearch": {"indexer.search", "indexer.build", "indexer.ingest", "indexer.storage", "indexer.text",
                           "indexer.config", "indexer.errors", "indexer.records", "indexer.models"},
}
#: The top: the public API, the package itself, the command line and the web UI may use any layer.
TOP = {"indexer", "indexer.api", "indexer.cli", "indexer.__main__", "webui"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in (REPO / package).rglob("*.py")}


def imports_of(path: Path, name: str) -> list[tuple[str, list[str]]]:
    """``(module, imported names)`` of every import in a file, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [alias.name for alias in node.names]))
    return found


def fahras_targets(module: str, imported: list[str], known: dict[str, Path]) -> set[str]:
    """The Fahras modules an import statement reaches (``from pkg import mod`` names a module)."""
    targets = set()
    for name in imported:
        if f"{module}.{name}" in known:
            targets.add(f"{module}.{name}")
    if module in known and (not imported or len(targets) < len(imported)):
        targets.add(module)
    return targets


def layer_of(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return "webui" if module.startswith("webui") else module


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        edges[name] = set()
        for module, imported in imports_of(path, name):
            if module.split(".")[0] in PACKAGES:
                edges[name] |= fahras_targets(module, imported, known) - {name}
    return edges


def test_every_module_is_in_a_layer(graph):
    unplaced = {name for name in graph if layer_of(name) not in ALLOWED and layer_of(name) not in TOP}
    assert not unplaced


def test_imports_only_point_down(graph):
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if layer_of(name) in ALLOWED
        for target in targets
        if layer_of(target) != layer_of(name) and layer_of(target) not in ALLOWED[layer_of(name)]
    )
    assert not wrong


def test_no_import_cycles(graph):
    # Tarjan's strongly connected components: any component of more than one module is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles


def test_only_storage_touches_whoosh_internals():
    known = modules()
    private = sorted(
        f"{name}: {module}.{imported}"
        for name, path in known.items()
        for module, names in imports_of(path, name)
        if module.startswith("whoosh")
        for imported in names
        if imported.startswith("_") and name != "indexer.storage.whoosh_internals"
    )
    assert not private
    # Whoosh's public API: the analysis classes, opening an index directory, the writers.
    users = {layer_of(name) for name, path in known.items()
             for module, _ in imports_of(path, name) if module.startswith("whoosh")}
    assert users <= {"indexer.storage", "indexer.text", "indexer.build", "indexer.search"}


def test_the_read_side_never_imports_the_build_side(graph):
    assert not {target for name, targets in graph.items() if layer_of(name) == "indexer.search"
                for target in targets if layer_of(target) == "indexer.build"}


def test_the_design_map_names_every_module():
    text = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:indexer|webui)/[\w/]+\.py)`", text))
    actual = {path.relative_to(REPO).as_posix() for package in PACKAGES for path in (REPO / package).rglob("*.py")}
    packages = {name for name in actual if name.endswith("/__init__.py") and name.count("/") == 2}
    assert actual - packages - named == set(), "modules the map does not name"
    assert named - actual == set(), "the map names modules that are gone"
