"""The layers hold: read with plain ``ast``, every module of ``autograd/`` and ``nn/``

- imports no other module's underscore names and reads no underscore attribute it does
  not define itself (the node layout belongs to ``autograd/graph.py`` alone);
- of ``nn/``, imports from autograd only what ``autograd/__init__.py`` exports and the
  submodules docs/engine.md documents in its "API" section (``autograd.scopes``,
  ``autograd.views.page``...), never an underscore name;
- takes part in no import cycle, counting imports inside functions (``if TYPE_CHECKING:``
  blocks, which never run, are left out).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
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


def _imports(name: str, tree: ast.AST | None = None) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import statement."""
    tree = tree or ast.parse(MODULES[name].read_text())
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


def _api_section() -> str:
    """The "API" section of docs/engine.md: which names are public, which submodules documented."""
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    return text.split("\n## API", 1)[1].split("\n## ", 1)[0]


def _documented_submodules() -> set[str]:
    """The autograd submodules docs/engine.md's "API" section names (each in backquotes)."""
    return {m for m in re.findall(r"`(autograd(?:\.\w+)+)`", _api_section()) if m in MODULES}


DOCUMENTED = _documented_submodules()


def _nn_problems(name: str, source: str) -> list[str]:
    """What module ``name`` (of nn, with this source) takes from autograd that it may not."""
    exported = set(autograd.__all__)
    tree = ast.parse(source)
    problems = []

    def check_module(module: str, line: int) -> None:
        if any(_private(part) for part in module.split(".")):
            problems.append(f"line {line}: imports the private module {module}")
        elif module not in DOCUMENTED:
            problems.append(f"line {line}: imports {module}, which docs/engine.md's API section does not "
                            "document; use what autograd/__init__.py exports or a documented submodule")

    for target, names, line in _imports(name, tree):
        if target == "autograd":
            for n in names:
                if f"autograd.{n}" in MODULES or _private(n):
                    check_module(f"autograd.{n}", line)
                elif n not in exported:
                    problems.append(f"line {line}: autograd.{n} is not exported")
        elif target.startswith("autograd."):
            check_module(target, line)
            problems += [f"line {line}: imports {n} from {target}" for n in names if _private(n)]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "autograd":
            if f"autograd.{node.attr}" in MODULES or _private(node.attr):
                check_module(f"autograd.{node.attr}", node.lineno)
            elif node.attr not in exported:
                problems.append(f"line {node.lineno}: autograd.{node.attr} is not exported")
    return problems


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] == "nn"))
def test_nn_uses_only_what_autograd_exports_or_documents(name):
    problems = _nn_problems(name, MODULES[name].read_text())
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_the_nn_check_fails_on_plumbing_and_underscore_names():
    source = "\n".join([
        "import autograd",
        "from autograd import Value, files",           # exported; a documented submodule
        "from autograd.scopes import enter_scope",     # a documented submodule
        "from autograd.graph import _VISITED",         # an underscore name
        "from autograd import _FROM_MODE",             # an underscore name at the top
        "from autograd.tracing.guard import x",        # a submodule the API does not document
        "from autograd import Page",                   # no longer exported
        "y = autograd._private_thing",
        "z = autograd.page_shell",
    ])
    problems = sorted(_nn_problems("nn.layers", source), key=lambda p: int(p.split(":")[0][5:]))
    assert [p.split(":")[0] for p in problems] == [
        "line 4", "line 5", "line 6", "line 7", "line 8", "line 9"], problems
    assert "_VISITED" in problems[0] and "autograd._FROM_MODE" in problems[1], problems


def test_the_api_section_documents_the_submodules_nn_uses_and_every_public_name():
    assert {"autograd.scopes", "autograd.views.page", "autograd.files"} <= DOCUMENTED
    for module in DOCUMENTED:
        assert ast.get_docstring(ast.parse(MODULES[module].read_text())), f"{module} has no docstring"
    # A name added to autograd.__all__ is a promise to users: say so in the docs.
    users = _api_section().split("**Documented submodules**")[0]
    missing = [name for name in autograd.__all__ if f"`{name}`" not in users]
    assert not missing, f"docs/engine.md's API section does not name {missing}"


def test_top_level_names_are_what_users_call_and_moved_ones_still_work():
    # Every exported name is there without a warning; every name that moved to a
    # submodule still works from the top, with a DeprecationWarning naming its new home.
    # In a fresh interpreter, so that no earlier import has already bound a name.
    script = """
import importlib, warnings
warnings.simplefilter("error")
import autograd
for name in autograd.__all__:
    getattr(autograd, name)
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from autograd import Page, enter_scope
# one warning a name, pointing at the importing line
assert [w.filename for w in caught] == ["<string>"] * 2, [(w.filename, str(w.message)) for w in caught]
for name, (module, attr) in autograd.MOVED.items():
    if name in ("Page", "enter_scope"):
        continue
    assert name not in autograd.__all__, name
    with warnings.catch_warnings(record=True) as caught:
        value = getattr(autograd, name)
    assert value is getattr(importlib.import_module(module), attr), name
    assert [w.category for w in caught] == [DeprecationWarning], (name, caught)
    assert f"{module}.{attr}" in str(caught[0].message), caught[0].message
try:
    autograd.no_such_name
except AttributeError as error:
    assert "no_such_name" in str(error)
else:
    raise AssertionError("autograd.no_such_name did not raise")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


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
