"""Meta-tests of the package layers (``docs/architecture.md``), read from the source with
:mod:`ast` (no module of ``asymptote`` is imported or executed).

* ``asymptote.numeric`` holds engines only: its modules import nothing from ``asymptote``
  but the base modules (errors, precision, validation, floats) and each other;
* the module-level ("eager") imports of ``asymptote`` form no cycle (imports inside a
  function body, or under ``if TYPE_CHECKING:``, are lazy and allowed to close one);
* ``asymptote`` never imports ``proofs`` (``asymptote.claims.registry`` discovers the claims
  with ``importlib.import_module("proofs")``, a lookup by name, not an import statement).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "asymptote"

#: what an engine module of ``asymptote.numeric`` may import from ``asymptote``
ENGINE_ALLOWED = {
    "asymptote.errors",
    "asymptote._precision",
    "asymptote._validate",
    "asymptote._floats",
}


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` (a module of the package) at ``line``."""

    source: str
    target: str
    line: int
    lazy: bool


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``root``: dotted name -> file."""
    return {
        _module_name(path, root): path
        for path in sorted((root / package).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement with whether it is lazy (in a function or TYPE_CHECKING block)."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def handle(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, lazy))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.body:
                handle(stmt, True)
            for stmt in node.orelse:
                handle(stmt, lazy)
        else:
            inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for child in ast.iter_child_nodes(node):
                handle(child, inner)

    handle(tree, False)
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_names(module: str, path: Path, modules: set[str]) -> list[tuple[str, int, bool]]:
    """``(dotted target, line, lazy)`` for every import in ``path`` (any package).

    ``from pkg import name`` targets ``pkg.name`` when that is a module of ``modules``
    (``from .numeric import gaussian_np``), else ``pkg``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: list[tuple[str, int, bool]] = []
    for node, lazy in _imports(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno, lazy) for alias in node.names)
            continue
        base = _resolve(module, is_package, node)
        submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
        if len(submodules) < len(node.names):
            out.append((base, node.lineno, lazy))
        out.extend((name, node.lineno, lazy) for name in submodules)
    return out


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> list[Edge]:
    """Edges between modules of ``package`` (``import a.b.c`` counts as an edge to a.b.c)."""
    modules = discover(root, package)
    names = set(modules)
    edges: list[Edge] = []
    for module, path in modules.items():
        for target, line, lazy in imported_names(module, path, names):
            if target == package or target.startswith(package + "."):
                # ``import asymptote.x.y`` where only ``asymptote.x`` exists: keep the module
                while target not in names and "." in target:
                    target = target.rsplit(".", 1)[0]
                edges.append(Edge(module, target, line, lazy))
    return edges


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle (two or more nodes, or a self-loop).

    Tarjan's algorithm, iterative; each component sorted, components sorted.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    components.append(sorted(component))
    return sorted(components)


def eager_graph(edges: list[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for e in edges:
        if not e.lazy and e.source != e.target:
            graph.setdefault(e.source, set()).add(e.target)
    return graph


EDGES = import_graph()


# ------------------------------------------------------------------------------ the finder
def test_cycle_finder_on_a_synthetic_graph():
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},  # a -> b -> c -> a
        "d": {"e"},
        "e": set(),
        "f": {"f"},  # self-loop
        "g": {"h"},
        "h": {"g"},  # two-cycle
    }
    assert find_cycles(graph) == [["a", "b", "c"], ["f"], ["g", "h"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({}) == []


def test_graph_builder_resolves_relative_and_lazy_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import x\n")
    (pkg / "a.py").write_text("from .sub import b\nx = 1\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..a import x\n"
        "if TYPE_CHECKING:\n    from pkg import c\n"
        "def f():\n    import pkg.c\n"
    )
    (pkg / "c.py").write_text("import pkg.sub.b\n")
    edges = {(e.source, e.target, e.lazy) for e in import_graph(tmp_path, "pkg")}
    assert edges == {
        ("pkg", "pkg.a", False),
        ("pkg.a", "pkg.sub.b", False),
        ("pkg.sub.b", "pkg.a", False),
        ("pkg.sub.b", "pkg.c", True),
        ("pkg.c", "pkg.sub.b", False),
    }
    assert find_cycles(eager_graph(import_graph(tmp_path, "pkg"))) == [["pkg.a", "pkg.sub.b"]]


# ------------------------------------------------------------------------------ the layers
def test_graph_is_not_empty():
    # guards against a parser that silently finds nothing
    assert len(EDGES) > 100
    assert any(e.source == "asymptote" for e in EDGES)


def test_numeric_holds_engines_only():
    bad = [
        f"{e.source}:{e.line} imports {e.target}{' (lazily)' if e.lazy else ''}"
        for e in EDGES
        if e.source.startswith("asymptote.numeric")
        and e.target not in ENGINE_ALLOWED
        and not (e.target == "asymptote.numeric" or e.target.startswith("asymptote.numeric."))
    ]
    assert not bad, "numeric/ must not depend on subject code:\n" + "\n".join(bad)


def test_no_import_cycle_among_module_level_imports():
    cycles = find_cycles(eager_graph(EDGES))
    assert not cycles, f"module-level import cycles: {cycles}"


def test_asymptote_never_imports_proofs():
    modules = discover()
    names = set(modules)
    bad = [
        f"{module}:{line} imports {target}"
        for module, path in modules.items()
        for target, line, _ in imported_names(module, path, names)
        if target == "proofs" or target.startswith("proofs.")
    ]
    assert not bad, bad
