"""The package layout: no import circle between modules, and each stage imports only stages below it."""

from __future__ import annotations

import grimp
import pytest

# Lowest first. A package may import from packages listed before it, never from one after it.
LAYERS = (
    "core",
    "data",
    "nn",
    "losses",
    "evaluation",
    "training",
    "reporting",
    "deploy",
    "experiments",
    "tracking",
    "doctor",
    "cli",
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("siamkit", exclude_type_checking_imports=True)


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (each is an import circle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_strongly_connected_finds_a_planted_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(edges) == [["a", "b", "c"]]


def test_no_import_circle_between_modules(graph):
    # Function-level imports count: a circle hidden inside a function is still a circle.
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert strongly_connected(edges) == []


def test_every_stage_imports_only_stages_below_it(graph):
    packages = {package_of(m) for m in graph.modules} - {None, "__main__"}
    assert packages == set(LAYERS), "a new package must be given its place in LAYERS (and in docs/design.md)"
    upward = []
    for module in graph.modules:
        source = package_of(module)
        if source not in LAYERS:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = package_of(imported)
            if target is None:
                upward.append(f"{module} imports the top-level siamkit package")
            elif target in LAYERS and LAYERS.index(target) > LAYERS.index(source):
                upward.append(f"{module} imports {imported}")
    assert upward == []


def test_no_module_is_over_300_lines():
    from pathlib import Path

    import siamkit

    root = Path(siamkit.__file__).parent
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}
