"""No import circles in ``src/tandem``, inside an app or across apps.

The layers contract (``lint-imports``, see ``pyproject.toml``) keeps apps pointing down; this
test covers what it does not: two modules of one app importing each other at module level (e.g.
``services`` ↔ ``tasks``). Only imports that run when a module is loaded count — top-level
statements, not imports inside functions or under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import tandem

SOURCE = Path(tandem.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _load_time_imports(node.body)
            yield from _load_time_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _load_time_imports(block)
            for handler in node.handlers:
                yield from _load_time_imports(handler.body)


def import_graph() -> dict[str, set[str]]:
    """Each Tandem module → the Tandem modules it imports when loaded."""
    files = {
        _module_name(path): path
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.relative_to(SOURCE).parts
    }
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        imported: set[str] = set()
        for node in _load_time_imports(ast.parse(path.read_text(), str(path)).body):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                imported.add(submodule if submodule in files else base)
        graph[module] = {name for name in imported if name in files and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_import_graph_sees_load_time_imports_only() -> None:
    graph = import_graph()
    # A plain module-level import, and a ``from package import module`` one.
    assert "tandem.core.models" in graph["tandem.core.services"]
    assert "tandem.enrolment.services.profiles" in graph["tandem.matches.views.directory"]
    # Imports under TYPE_CHECKING and inside functions do not run at load time.
    assert "tandem.accounts.models" not in graph["tandem.notifications.services"]
    assert "tandem.notifications.tasks" not in graph["tandem.notifications.services"]


def test_cycles_finds_a_circle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_src_has_no_import_circles() -> None:
    assert cycles(import_graph()) == []
