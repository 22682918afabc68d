"""The layers hold: read with plain ``ast``, every module of ``autograd/`` and ``nn/``

- imports no other module's underscore names and reads no underscore attribute it does
  not define itself (the node layout belongs to ``autograd/graph.py`` alone);
- of ``nn/``, imports from autograd only what ``autograd/__init__.py`` exports;
- takes part in no import cycle, counting imports inside functions (``if TYPE_CHECKING:``
  blocks, which never run, are left out).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import statement."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [alias.name for alias in node.names], node.lineno))
    return found


def _edges(name: str) -> set[str]:
    """The modules of ours that ``name`` imports explicitly (a name taken from a package
    that is one of its submodules counts as that submodule)."""
    targets = set()
    for target, names, _ in _imports(name):
        if target not in MODULES:
            continue
        subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
        if subs:
            targets.update(subs)
        if not subs or len(subs) < len(names):
            targets.add(target)
    targets.discard(name)
    return targets


def _defined_private_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # __slots__ entries
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if n.startswith("_")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# micrograd's read-only aliases, defined by Value for code written for micrograd.
MICROGRAD_NAMES = {"_prev", "_op"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_reaches_into_another_modules_underscore_names(name):
    tree = ast.parse(MODULES[name].read_text())
    mine = _defined_private_names(tree)
    problems = []
    for target, names, line in _imports(name):
        if target.split(".")[0] in PACKAGES:
            problems += [f"line {line}: imports {n} from {target}" for n in names if _private(n)]
            if _private(target.rpartition(".")[2]):
                problems.append(f"line {line}: imports the private module {target}")
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in mine:
            module = isinstance(node.value, ast.Name) and node.value.id in ("sys", "os")
            if node.attr not in MICROGRAD_NAMES and not module:
                problems.append(f"line {node.lineno}: reads .{node.attr}, which this module does not define")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] == "nn"))
def test_nn_uses_only_what_autograd_exports(name):
    exported = set(autograd.__all__)
    tree = ast.parse(MODULES[name].read_text())
    problems = []
    for target, names, line in _imports(name):
        if target == "autograd":
            problems += [f"line {line}: autograd.{n} is not exported" for n in names if n not in exported]
        elif target.startswith("autograd."):
            problems.append(f"line {line}: imports {target}; use what autograd/__init__.py exports")
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "autograd":
            if node.attr not in exported:
                problems.append(f"line {node.lineno}: autograd.{node.attr} is not exported")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_no_import_cycles():
    graph = {name: _edges(name) for name in MODULES}
    # Iterative depth-first search: a module met again while still on the path is a cycle.
    cycles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_checks_see_what_they_check():
    # The checks are only as good as the import graph they read: it must see the engine's
    # real dependencies, imports inside functions included.
    assert "autograd.graph" in _edges("autograd.value")
    assert "autograd.views.text" in _edges("autograd.value")  # Value.tree, inside a function
    assert "autograd.ops" in _edges("autograd.graph")
    assert any(t == "autograd" for t, _, _ in _imports("nn.layers"))
