"""The layers of ``src/rolecheck`` are true in the imports: no cycle, no import upwards, no private name across
packages (docs/architecture.md).

Every import is walked, at module level and inside functions, ``TYPE_CHECKING`` blocks included: an import hidden
from the interpreter is still a dependency for the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first. A module may import its own package and any package of a lower rank, never one above it.
LAYERS: tuple[tuple[str, ...], ...] = (
    # the root package holds only its version
    ("rolecheck", "rolecheck.errors", "rolecheck.stopping", "rolecheck.project"),
    ("rolecheck.engine",),
    ("rolecheck.policydoc",),
    ("rolecheck.analysis",),
    ("rolecheck.aws",),
    ("rolecheck.moto_adapter",),
    ("rolecheck.simulated_aws",),
    ("rolecheck.targets",),
    ("rolecheck.report",),
    ("rolecheck.suite",),
    ("rolecheck.audit",),
    ("rolecheck.mutation",),
    ("rolecheck.plugin",),
    ("rolecheck.steps",),
    ("rolecheck.cli", "rolecheck.init"),
)


def room_of(module: str) -> str:
    """The package (or top-level module) a module belongs to: the unit the layers are made of."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def rank_of(room: str) -> int:
    for rank, rooms in enumerate(LAYERS):
        if room in rooms:
            return rank
    raise AssertionError(f"{room} is in no layer: add it to LAYERS and docs/architecture.md")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in ``source``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name, node.lineno


def graph(root: Path) -> dict[str, dict[str, list[tuple[str | None, int]]]]:
    """Module → the rolecheck modules it imports, with the names and lines."""
    edges: dict[str, dict[str, list[tuple[str | None, int]]]] = {}
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        found = edges.setdefault(module, {})
        for target, name, line in imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            if target.split(".")[0] != "rolecheck":
                continue
            # `from rolecheck.aws import clients` imports the module rolecheck.aws.clients
            folder = root / Path(*target.split("."))
            if name and ((folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()):
                target, name = f"{target}.{name}", None
            found.setdefault(target, []).append((name, line))
    return edges


def cycles(edges: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan), each a cycle to break."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, {}):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def violations(edges: Mapping[str, Mapping[str, list[tuple[str | None, int]]]]) -> list[str]:
    """Upward imports and private names imported across packages, one line each."""
    wrong = []
    for module, targets in sorted(edges.items()):
        here = room_of(module)
        for target, uses in sorted(targets.items()):
            there = room_of(target)
            line = uses[0][1]
            if there != here and rank_of(there) > rank_of(here):
                wrong.append(f"{module}:{line} imports {target}, a layer above it")
            private = [name for name, _ in uses if name and name.startswith("_") and not name.startswith("__")]
            if private and there != here:
                wrong.append(f"{module}:{line} imports private {', '.join(private)} from {target}")
            if target.rpartition(".")[2].startswith("_") and not target.endswith("__init__") and there != here:
                wrong.append(f"{module}:{line} imports the private module {target}")
    return wrong


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(graph(SRC)) == []


def test_no_module_imports_upwards_or_a_private_name_of_another_package() -> None:
    assert violations(graph(SRC)) == []


def _tree(tmp_path: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "rolecheck" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("hidden", ["", "    from typing import TYPE_CHECKING\n    if TYPE_CHECKING:\n    "])
def test_a_cycle_is_found_even_through_a_function_level_or_type_checking_import(tmp_path: Path, hidden: str) -> None:
    root = _tree(tmp_path, {
        "__init__.py": "",
        "engine/__init__.py": "",
        "engine/a.py": "from rolecheck.engine import b\n",
        "engine/b.py": f"def f():\n{hidden}    from rolecheck.engine.a import thing\n",
    })
    assert cycles(graph(root)) == [["rolecheck.engine.a", "rolecheck.engine.b"]]


def test_an_upward_import_and_a_private_import_across_packages_are_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "__init__.py": "",
        "engine/__init__.py": "",
        "engine/policy.py": "def f():\n    from rolecheck.suite.claims import judge\n",
        "suite/__init__.py": "",
        "suite/claims.py": "from rolecheck.engine.policy import _hidden\n",
    })
    found = violations(graph(root))
    assert found == ["rolecheck.engine.policy:2 imports rolecheck.suite.claims, a layer above it",
                     "rolecheck.suite.claims:1 imports private _hidden from rolecheck.engine.policy"]


def test_the_layers_as_they_stand_need_no_exception() -> None:
    # every package of src/rolecheck has its place: a new one must be placed deliberately
    rooms = {room_of(module) for module in graph(SRC)}
    assert all(rank_of(room) >= 0 for room in rooms)
