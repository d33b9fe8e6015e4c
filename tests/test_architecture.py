"""The shape of the application code: layers that point one way, no import cycle, small modules
and functions (issue 9).

Application code is the packages ``bot``, ``handlers``, ``services``, ``scheduler`` and
``models`` (Alembic's ``models/migrations`` aside). Every import counts, also one inside a
function (a lazy import is still a dependency) and one under ``if TYPE_CHECKING:``.

Layers: ``bot/`` is the composition root and may import anything; ``handlers/`` imports nothing
from ``bot/``; ``services/`` and ``scheduler/`` import nothing from ``handlers/`` or ``bot/``;
``services/`` and ``models/`` import no aiogram; ``models/`` imports no other application
package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "services", "scheduler", "models")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# importer package → what it must not import (application packages or third-party ones)
FORBIDDEN: dict[str, frozenset[str]] = {
    "handlers": frozenset({"bot"}),
    "services": frozenset({"bot", "handlers", "aiogram"}),
    "scheduler": frozenset({"bot", "handlers"}),
    "models": frozenset({"bot", "handlers", "services", "scheduler", "aiogram"}),
}


@dataclass(frozen=True)
class Module:
    name: str  # dotted: "handlers.common"
    path: Path

    @property
    def file(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def package(self) -> str:
        return self.name.split(".")[0]


@cache
def modules() -> dict[str, Module]:
    """Every application module by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, path)
    return found


@cache
def tree(module: Module) -> ast.Module:
    return ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    """The dotted module an ``from … import …`` statement reads from (relative ones resolved)."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if module.path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported(module: Module) -> Iterator[tuple[str, int]]:
    """(dotted name, line) of everything ``module`` imports, anywhere in the file. For
    ``from package import name`` the submodule ``package.name`` is named when it exists."""
    known = modules()
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                yield (submodule if submodule in known else source), node.lineno


def _application_module(name: str) -> str | None:
    """The application module ``name`` lives in (itself, or its nearest known parent)."""
    known = modules()
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def layer_violations() -> set[str]:
    found = set()
    for module in modules().values():
        banned = FORBIDDEN.get(module.package, frozenset())
        for name, line in imported(module):
            if name.split(".")[0] in banned:
                found.add(f"layer: {module.file}:{line} imports {name}")
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for module in modules().values():
        for name, _ in imported(module):
            target = _application_module(name)
            if target is not None and target != module.name:
                graph[module.name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components of ``graph`` with more than one member (each is an import cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

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
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def cycle_violations() -> set[str]:
    files = {name: module.file for name, module in modules().items()}
    return {
        "cycle: " + " <-> ".join(sorted(files[name] for name in component))
        for component in strongly_connected(import_graph())
    }


def package_cycle_violations() -> set[str]:
    """Cycles among the packages themselves (``bot`` → ``handlers`` → ``bot``)."""
    packages: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for name, targets in import_graph().items():
        for target in targets:
            if target.split(".")[0] != name.split(".")[0]:
                packages[name.split(".")[0]].add(target.split(".")[0])
    return {
        "package cycle: " + " <-> ".join(sorted(component))
        for component in strongly_connected(packages)
    }


def size_violations() -> set[str]:
    found = set()
    for module in modules().values():
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.add(f"module: {module.file} has more than {MAX_MODULE_LINES} lines")
        for node in ast.walk(tree(module)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.add(f"function: {module.file}:{node.name} over {MAX_FUNCTION_LINES}")
    return found


def all_violations() -> set[str]:
    return layer_violations() | cycle_violations() | package_cycle_violations() | size_violations()


def test_imports_follow_the_layers() -> None:
    assert sorted(layer_violations()) == []


def test_no_import_cycle() -> None:
    assert sorted(cycle_violations()) == []


def test_no_import_cycle_among_the_packages() -> None:
    assert sorted(package_cycle_violations()) == []


def test_modules_and_functions_stay_small() -> None:
    assert sorted(size_violations()) == []


def test_the_checker_sees_lazy_imports_and_cycles(tmp_path: Path) -> None:
    """The checker itself: an import inside a function counts, and a two-module cycle is found."""
    source = "def later():\n    from bot.factory import create_bot\n    return create_bot\n"
    module = Module("handlers.lazy", tmp_path / "lazy.py")
    module.path.write_text(source, encoding="utf-8")
    assert ("bot.factory", 2) in set(imported(module))
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
