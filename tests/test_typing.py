"""Type checkers and readers see every operator and method of ``Value``.

mypy and pyright read tests/typing_user_script.py (every operator, both operand orders,
numbers on either side, every method) with no error, and report the mistakes in a script
of wrong uses, so the check can fail. Each method the op table makes is written in the
class body: its body (``apply`` of the row) and the fast method that runs give the same
node, and ``help`` shows the formula and the row's derivative.
"""

from __future__ import annotations

import inspect
import json
import os
import pydoc
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value, ops
from autograd.value import _RowMethod

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "typing_user_script.py"

# Wrong uses, each on a line marked ``# error``: both checkers must report every marked
# line and nothing else.
WRONG = '''\
from autograd import Value

x = Value(1.0)
x + "a"  # error
"a" * x  # error
x.tanh(2)  # error
x.leaky_relu("steep")  # error
x.no_such_method()  # error
text: str = x * 2  # error
number: float = x.backward(create_graph=True)  # error
y = x * 2 + 1
'''


def _marked_lines(source: str) -> set[int]:
    return {i for i, line in enumerate(source.splitlines(), 1) if line.endswith("# error")}


def _mypy(path: Path) -> tuple[int, set[int], str]:
    """mypy's exit status, the lines of ``path`` it reports, and its output. The project's
    config (pyproject.toml) applies; errors inside the library are left to CI's own run."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--show-error-codes", "--no-pretty", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    # By file name: mypy's cache may give the path where it last saw a module of that name.
    found = re.finditer(rf"^(?:.*[/\\])?{re.escape(path.name)}:(\d+): error:", done.stdout, re.M)
    lines = {int(m.group(1)) for m in found}
    return done.returncode, lines, done.stdout + done.stderr


def _pyright_command() -> list[str]:
    """pyright from PyPI (the dev extra installs it with its own Node.js), or skip: under
    CI=true a missing pyright is a failure."""
    try:
        import pyright  # noqa: F401
    except ImportError:
        exe = shutil.which("pyright")
        if exe:
            return [exe]
        if os.environ.get("CI"):
            pytest.fail("CI is set but pyright is missing: the dev extra installs it (pip install -e '.[dev]')")
        pytest.skip("pyright is not installed (pip install -e '.[dev]')")
    return [sys.executable, "-m", "pyright"]


def _pyright(path: Path) -> tuple[set[int], str]:
    """The lines of ``path`` pyright reports errors on (0-based in its JSON), and its output."""
    done = subprocess.run(
        [*_pyright_command(), "--outputjson", "--pythonpath", sys.executable, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright gave no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    lines = {d["range"]["start"]["line"] + 1 for d in errors if Path(d["file"]) == path}
    shown = "\n".join(f"{d['range']['start']['line'] + 1}: {d['message']}" for d in errors)
    return lines, shown


def test_the_user_script_runs():
    runpy.run_path(str(SCRIPT), run_name="__main__")


def test_mypy_reads_every_operator_and_method_of_value():
    status, lines, output = _mypy(SCRIPT)
    assert status == 0 and not lines, output


def test_pyright_reads_every_operator_and_method_of_value():
    lines, output = _pyright(SCRIPT)
    assert not lines, output


def test_mypy_reports_each_wrong_use(tmp_path):
    script = tmp_path / "wrong.py"
    script.write_text(WRONG)
    status, lines, output = _mypy(script)
    assert status == 1
    assert lines == _marked_lines(WRONG), output


def test_pyright_reports_each_wrong_use(tmp_path):
    script = tmp_path / "wrong.py"
    script.write_text(WRONG)
    lines, output = _pyright(script)
    assert lines == _marked_lines(WRONG), output


# -- what runs is what the class body says ----------------------------------------------

ROW_METHODS = {name: method for name, method in vars(Value).items() if hasattr(method, "__wrapped__")}


def test_every_op_method_is_written_in_the_class_body():
    # The rows' methods, Python's operators included, and none left as a marker.
    names = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
             "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__",
             "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"}
    assert set(ROW_METHODS) == names
    assert not any(isinstance(m, _RowMethod) for m in vars(Value).values())
    for name, method in ROW_METHODS.items():
        assert inspect.getsourcefile(inspect.unwrap(method)).endswith(os.path.join("autograd", "value.py")), name
        assert f"def {name}(self" in inspect.getsource(method), name
        assert method.__qualname__ == f"Value.{name}" and method.__module__ == "autograd.value"


OPERANDS = [0.5, 2, -1.25, 3.0, 0.0]


def _node_or_error(method, inputs):
    try:
        out = method(*inputs)
    except (ValueError, ZeroDivisionError) as error:  # outside the op's domain: log(-1.25)
        return type(error), str(error)
    assert type(out) is Value
    return out.data, out.op, out.local_grads, [p.data for p in out.parents], inputs[0] in out.parents


@pytest.mark.parametrize("name", sorted(ROW_METHODS))
def test_the_fast_method_gives_the_node_its_body_gives(name):
    method = ROW_METHODS[name]
    body = method.__wrapped__
    binary = len(inspect.signature(body).parameters) == 2
    for a in OPERANDS:
        others = [*OPERANDS, *map(Value, OPERANDS)] if binary else []
        for inputs in [(Value(a), b) for b in others] if binary else [(Value(a),)]:
            assert _node_or_error(method, inputs) == _node_or_error(body, inputs), (name, inputs)
    if binary:  # neither a Value nor a number: Python asks the other operand, then raises
        assert method(Value(1.0), "a") is NotImplemented


def test_help_shows_the_formula_and_the_rows_derivative():
    text = pydoc.render_doc(Value.tanh, renderer=pydoc.plaintext)
    assert "tanh(x), the hyperbolic tangent: (e^x − e^−x) / (e^x + e^−x)" in text
    assert "∂/∂x = 1 − tanh(x)²" in text
    assert "(the row ops.OPS['tanh'])" in text
    assert ">>> x = Value(0.5); y = x.tanh(); y.backward()" in text
    assert "tanh(self) -> 'Value'" in text  # the signature a reader wrote, not the fast closure's


@pytest.mark.parametrize("name", sorted(ROW_METHODS) + ["leaky_relu"])
def test_every_op_methods_docstring_has_its_formula_and_derivatives(name):
    method = getattr(Value, name)
    binary = len(inspect.signature(method).parameters) == 2
    rule = ops.OPS[(method(Value(2.0), 0.5) if binary else method(Value(2.0))).op]
    names = ("x", "s") if name == "leaky_relu" else ("a", "b") if binary else ("x",)
    assert rule.doc and method.__doc__.startswith(rule.describe(*names) + "\n"), method.__doc__
    assert method.__doc__.count("∂/∂") == len(rule.formula) >= 1, method.__doc__
    assert f"ops.OPS[{rule.name!r}]" in method.__doc__
    assert "{" not in method.__doc__  # every placeholder of the row's texts was filled in
