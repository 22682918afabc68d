"""The chainrule command line (through subprocess and in-process) and the expression parser."""

from __future__ import annotations

import ast
import importlib.metadata
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from autograd import Value, draw, tanh
from autograd.cli import main
from autograd.cli.commands import COMMANDS
from autograd.cli.examples import EXAMPLES
from autograd.cli.exercise_commands import EXERCISE_COMMANDS
from autograd.cli.expr import FUNCTIONS, ExprError, Program, evaluate, parse

NEURON = "tanh(x*w + b)"
VALUES = ["x=2", "w=-3", "b=6.8814"]


def run(*args, env=None, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograd", *args], capture_output=True, text=True,
                          env=env, input=stdin, cwd=cwd, timeout=60)


def engine_neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    y = tanh(x * w + b)
    y.backward()
    return y, x, w, b


def test_grad_prints_the_value_and_each_gradient():
    result = run("grad", NEURON, *VALUES)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    y, x, w, b = engine_neuron()
    title, value = lines[0].rsplit(" = ", 1)
    assert title == NEURON and math.isclose(float(value), y.data, rel_tol=1e-5)
    got = dict(line.split(" = ") for line in lines[1:])
    assert list(got) == ["d/dx", "d/dw", "d/db"]
    for name, leaf in (("x", x), ("w", w), ("b", b)):
        assert math.isclose(float(got[f"d/d{name}"]), leaf.grad, rel_tol=1e-5)


@pytest.mark.skipif(shutil.which("chainrule") is None, reason="console script not installed")
def test_the_console_script_is_installed():
    result = subprocess.run(["chainrule", "grad", "x * y", "x=3", "y=4"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.splitlines() == ["x * y = 12", "d/dx = 4", "d/dy = 3"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
def test_draw_writes_an_svg_with_values_and_edge_labels(tmp_path):
    out = tmp_path / "graph.svg"
    result = run("draw", NEURON, *VALUES, "-o", str(out), "--edge-labels")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out}"
    texts = [t.text for t in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text")]
    y, x, w, b = engine_neuron()
    for name, leaf in (("x", x), ("w", w), ("b", b)):
        i = texts.index(name)
        assert texts[i + 1: i + 3] == [f"data {leaf.data:.4g}", f"grad {leaf.grad:.4g}"]
    assert "x*w + b" in texts and NEURON in texts  # intermediate results named by their text
    assert f"{1 - y.data ** 2:.4g}" in texts  # tanh's local derivative on its edge


def test_draw_without_output_prints_the_dot_source():
    result = run("draw", NEURON, *VALUES)
    assert result.returncode == 0
    expected = evaluate(NEURON, {"x": 2, "w": -3, "b": 6.8814})
    expected.value.backward()
    assert result.stdout == draw(expected.value).source


def test_explain_and_tree():
    result = run("explain", NEURON, *VALUES, "--wrt", "x")
    assert result.returncode == 0, result.stderr
    y, x, w, _ = engine_neuron()
    assert result.stdout.startswith("∂tanh(x*w + b)/∂x by the chain rule: 1 path")
    assert f"= w = {w.data:.4g}" in result.stdout
    assert f"sum over the 1 path = {x.grad:.4g}" in result.stdout and "✓" in result.stdout
    every = run("explain", "n = x*y; n + x", "x=2", "y=5")
    assert every.stdout.count("by the chain rule") == 2  # one per variable
    assert "∂(n + x)/∂x by the chain rule: 2 paths" in every.stdout
    tree = run("tree", "n = x*y; o = tanh(n)", "x=0.5", "y=-1")
    assert tree.returncode == 0
    assert tree.stdout.splitlines()[:2] == [f"o: tanh  data={math.tanh(-0.5):.4g}  grad=1",
                                            f"└── n: *  data=-0.5  grad={1 - math.tanh(-0.5) ** 2:.4g}"]


def test_repl_has_the_tools_loaded():
    result = run("repl", stdin="e = explain(tanh(Value(0.5, label='q')), 'q')\nprint('OK', e.matches)\n")
    assert result.returncode == 0, result.stderr
    assert "OK True" in result.stdout


def run_without_dot(args, cwd):
    """Run the command where neither graphviz's dot nor graphviz-pure can be found.

    PATH holds only a folder with a link to Python: no dot on it. The link starts as the
    base interpreter (a venv's python does so when linked from elsewhere), so beside it
    there is no venv bin/ with graphviz-pure either; PYTHONPATH gives it this checkout and
    the venv's packages, so it imports exactly what the test run does.
    """
    bin_dir = cwd / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python").exists():
        (bin_dir / "python").symlink_to(os.path.realpath(sys.executable))
    checkout = os.path.dirname(os.path.dirname(autograd.__file__))
    env = dict(os.environ, PATH=str(bin_dir),
               PYTHONPATH=os.pathsep.join([checkout] + [p for p in sys.path if p and os.path.isdir(p)]))
    return subprocess.run([str(bin_dir / "python"), "-m", "autograd", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=60)


def test_missing_dot_writes_the_dot_file_and_exits_1(tmp_path):
    out = tmp_path / "neuron.svg"
    result = run_without_dot(["draw", NEURON, *VALUES, "-o", str(out)], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("chainrule: error:")
    for advice in ("apt-get install graphviz", "brew install graphviz", "conda install"):
        assert advice in result.stderr
    assert not out.exists()
    assert (tmp_path / "neuron.dot").read_text().startswith("digraph chainrule {")
    assert len(result.stderr.splitlines()) == 1


def test_missing_dot_never_overwrites_a_dot_file_it_did_not_make(tmp_path):
    mine = tmp_path / "fig.dot"
    mine.write_text("the user's own graph")
    (tmp_path / "fig-1.dot").symlink_to("elsewhere.dot")  # taken too, though it leads nowhere
    for expected in ("fig-2.dot", "fig-3.dot"):  # a second run does not overwrite the first's either
        result = run_without_dot(["draw", "x*y", "-o", "fig.png", "x=1", "y=2"], tmp_path)
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
        assert f"the graph was saved as '{expected}' ('fig.dot' was already there and is left as it was)" \
            in result.stderr
        assert (tmp_path / expected).read_text().startswith("digraph chainrule {")
    assert mine.read_text() == "the user's own graph"
    assert not (tmp_path / "elsewhere.dot").exists() and not (tmp_path / "fig.png").exists()


def test_hostile_input_through_a_real_process_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    for text in (f"__import__('os').system('touch {marker}')", f"open('{marker}', 'w')"):
        result = run("grad", text, cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert not marker.exists()


HOSTILE = [
    "__import__('os').system('ls')", "x.__class__", "x[0]", "lambda: 1", "[x for x in y]",
    "open('f')", "exec('1')", "eval('1')", "2**2**2**2**2", "x ** (2 ** (2 ** 2 ** 2))", "x if x else y",
    "x < y", "x and y", "not x", "~x", "x // y", "x % y", "x @ y", "'abc'", "b'x'", "None", "True", "1j",
    "(x, y)", "{x}", "{x: 1}", "f'{x}'", "(y := 1)", "await x", "*x", "tanh(x, foo=1)", "tanh(*x)",
    "import os", "del x", "x = 1; x.y", "", "   ", "\x00", "(" * 300, "-" * 20000 + "x", "1e999",
    "9" * 400, "x\nimport os", "globals()", "tanh()", "tanh(x, y)", "tanh", "x = 2\nx = 3",
    "y = x; x = 1", "é + x.y", "x +", "1 +" * 3000 + "1", "sum()", "yield x", "def f(): pass",
    "x; y", "a = a", "__x + 1", "(lambda: 1)()", "x.y()", "getattr(x, 'y')", "x if 1 else 2", "[].__class__",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_expressions_exit_2_with_one_line_and_a_caret(text, capsys):
    assert main(["grad", text]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("chainrule: error: ") and "Traceback" not in err
    column = re.search(r"column (\d+)\)$", lines[0])
    if column and len(lines) == 3:  # the expression, then ^ under the part at that column
        shown, at = lines[1][2:], lines[2].index("^") - 2
        if not shown.startswith("…"):  # the whole line is shown
            assert at == int(column.group(1)) - 1
        # A long line is cut to a window around the part; an invisible character is shown
        # as one mark. Either way the caret is under the character the message names.
        where = re.search(r"\(at (?:line (\d+), )?column (\d+)\)$", lines[0])
        line = re.split(r"\r\n|\r|\n", text)[int(where.group(1) or 1) - 1]
        col = int(where.group(2)) - 1
        if col < len(line):
            assert shown[at] == (line[col] if line[col].isprintable() else "\ufffd")
        else:  # just past the end, as for "x +": the caret follows the line
            assert at == len(shown)


def test_the_caret_points_at_the_offending_part(capsys):
    assert main(["grad", "tanh(x.y + b)", "b=1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["chainrule: error: not allowed: attribute access (x.y) (at column 6)",
                   "  tanh(x.y + b)", "       ^^^"]


@pytest.mark.parametrize("args, message", [
    (["grad", NEURON, "x=2"], "missing values for w, b: give w=<number> b=<number>"),
    (["grad", NEURON, "x2", "w=1", "b=1"], "bad value 'x2': write NAME=NUMBER"),
    (["grad", NEURON, "x=abc", "w=1", "b=1"], "'abc' is not a number"),
    (["grad", NEURON, *VALUES, "q=1"], "the expression has no variable q (its variables: x, w, b)"),
    (["grad", "n = x*2; n", "x=1", "n=3"], "n is computed by the expression"),
    (["explain", NEURON, *VALUES, "--wrt", "q"], "--wrt q: not a variable"),
    (["draw", NEURON, *VALUES, "-o", "g.jpeg"], "end the file name in .svg, .png, .pdf or .dot"),
    (["grad", "log(x)", "x=-1"], "log: input must be > 0"),
    (["grad", "x / (x - 1)", "x=1"], "div: the divisor must not be 0"),
    (["grad", NEURON, *VALUES, "--digits", "0"], "--digits must be from 1 to 17"),
])
def test_bad_arguments_exit_2_and_say_what_is_wrong(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[0]


def test_version_prints_the_one_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"chainrule {autograd.__version__}\n"
    result = run("-V")
    assert (result.returncode, result.stdout) == (0, f"chainrule {autograd.__version__}\n")
    assert main(["--version", "grad"]) == 2
    assert "--version takes nothing after it" in capsys.readouterr().err


def test_the_installed_metadata_has_the_one_version():
    installed = importlib.metadata.version("chainrule")
    assert installed == autograd.__version__, (
        f"chainrule's installed metadata says {installed}, autograd.__version__ {autograd.__version__}: "
        "pyproject.toml reads the version from autograd/__init__.py at install time; reinstall (pip install -e .)")


def test_every_command_has_examples():
    assert set(EXAMPLES) == set(COMMANDS) | set(EXERCISE_COMMANDS)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_commands_help_shows_examples_that_run(name, capsys, tmp_path, monkeypatch):
    assert main([name, "--help"]) == 0
    shown = capsys.readouterr().out
    assert "examples:" in shown
    monkeypatch.chdir(tmp_path)  # the examples that write files write them here
    if name == "check":  # its example checks the file `exercise --start` writes: not filled in yet, so wrong
        assert main(shlex.split(EXAMPLES["exercise"][-1][0])[1:]) == 0
        capsys.readouterr()
    for command, what in EXAMPLES[name]:
        assert f"  {command}\n" in shown and what.split()[0] in shown
        words = shlex.split(command)
        assert words[0] == "chainrule"
        if name == "repl":
            continue  # interactive; test_repl_* cover it
        assert main(words[1:]) == (1 if name == "check" else 0), command
        assert capsys.readouterr().out, f"{command} printed nothing"
    for output in tmp_path.iterdir():
        assert output.stat().st_size > 0


def test_the_top_help_shows_an_example_of_each_command_and_the_version_option(capsys):
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert "--version" in shown
    for examples in EXAMPLES.values():
        assert f"  {examples[0][0]}\n" in shown


def test_argparse_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["nonsense"]) == 2
    assert main(["grad", "x", "x=1", "--bogus"]) == 2
    assert main(["--help"]) == 0
    assert "usage: chainrule" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------
# Fuzzing the parser: random text and random syntax trees. The only outcomes allowed are
# a Program or an ExprError (and, evaluated, an Evaluation or an ExprError).

NAMES = ["x", "y", "tanh", "exp", "sum", "leaky_relu", "__import__", "open", "__x", "eval"]
OPERATORS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv, ast.BitXor, ast.MatMult]
CONSTANTS = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False), st.booleans(),
                      st.text(max_size=3), st.none(), st.complex_numbers(max_magnitude=5))
FORBIDDEN = (ast.Attribute, ast.Subscript, ast.Compare, ast.IfExp, ast.Tuple, ast.BoolOp)


def _trees(children):
    name = st.builds(ast.Name, id=st.sampled_from(NAMES), ctx=st.just(ast.Load()))
    return st.one_of(
        st.builds(ast.BinOp, left=children, op=st.sampled_from(OPERATORS).map(lambda o: o()), right=children),
        st.builds(ast.UnaryOp, op=st.sampled_from([ast.USub, ast.UAdd, ast.Not, ast.Invert]).map(lambda o: o()),
                  operand=children),
        st.builds(ast.Call, func=st.one_of(name, children), args=st.lists(children, max_size=3),
                  keywords=st.just([])),
        st.builds(ast.Attribute, value=children, attr=st.sampled_from(["y", "__class__"]), ctx=st.just(ast.Load())),
        st.builds(ast.Subscript, value=children, slice=children, ctx=st.just(ast.Load())),
        st.builds(ast.Compare, left=children, ops=st.just([ast.Lt()]),
                  comparators=st.lists(children, min_size=1, max_size=1)),
        st.builds(ast.IfExp, test=children, body=children, orelse=children),
        st.builds(ast.Tuple, elts=st.lists(children, max_size=2), ctx=st.just(ast.Load())),
        st.builds(ast.BoolOp, op=st.just(ast.And()), values=st.lists(children, min_size=2, max_size=2)),
    )


TREES = st.recursive(
    st.one_of(st.builds(ast.Name, id=st.sampled_from(NAMES), ctx=st.just(ast.Load())),
              st.builds(ast.Constant, value=CONSTANTS)),
    _trees, max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=40),
                      st.text(alphabet="xy123.+-*/()e ,_tanhsumlogp", max_size=40)))
def test_fuzz_random_text(text):
    try:
        program = parse(text)
    except ExprError as error:
        assert str(error) and error.message
        return
    assert isinstance(program, Program)
    try:
        result = evaluate(program, {name: 0.7 for name in program.variables})
    except ExprError:
        return
    assert isinstance(result.value, Value)


def _allowed(children):
    unary = [name for name, (fewest, _, _) in FUNCTIONS.items() if fewest == 1]
    return st.one_of(
        st.builds(ast.BinOp, left=children, op=st.sampled_from(OPERATORS[:5]).map(lambda o: o()), right=children),
        st.builds(ast.UnaryOp, op=st.just(ast.USub()), operand=children),
        st.builds(ast.Call, func=st.builds(ast.Name, id=st.sampled_from(unary), ctx=st.just(ast.Load())),
                  args=st.lists(children, min_size=1, max_size=1), keywords=st.just([])),
    )


# Trees made only of whitelisted parts: the parser must accept them (bar exponent towers
# and infinite constants) and evaluation must give a Value or an ExprError.
ALLOWED = st.recursive(
    st.one_of(st.builds(ast.Name, id=st.sampled_from(["x", "y"]), ctx=st.just(ast.Load())),
              st.builds(ast.Constant, value=st.one_of(st.integers(-100, 100), st.floats(allow_nan=False)))),
    _allowed, max_leaves=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=ALLOWED, x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_fuzz_whitelisted_syntax_trees_are_accepted(tree, x, y):
    source = ast.unparse(ast.fix_missing_locations(ast.Expression(body=tree)))
    try:
        program = parse(source)
    except ExprError as error:
        assert "exponent tower" in error.message or "is not finite" in error.message, (source, error)
        return
    assert set(program.variables) <= {"x", "y"}
    try:
        result = evaluate(program, {"x": x, "y": y})
    except ExprError as error:  # a domain error, e.g. log of a negative number
        assert error.message.split(":")[0] in ("log", "sqrt", "div", "pow", "sin", "cos"), (source, error)
        return
    assert isinstance(result.value, Value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_fuzz_random_syntax_trees(tree, x, y):
    source = ast.unparse(ast.fix_missing_locations(ast.Expression(body=tree)))
    try:
        program = parse(source)
    except ExprError:
        return
    # Accepted: then nothing outside the whitelist was in it.
    for node in ast.walk(ast.parse(source, mode="eval")):
        assert not isinstance(node, FORBIDDEN)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        if isinstance(node, ast.Constant):
            assert type(node.value) in (int, float)
    try:
        result = evaluate(program, {"x": x, "y": y, "__x": 1.0, "open": 1.0, "eval": 1.0, "__import__": 1.0})
    except ExprError:
        return
    assert isinstance(result.value, Value)


def test_draw_writes_through_a_symlink_keeping_permissions_and_refuses_a_fifo(tmp_path, capsys):
    real = tmp_path / "real.dot"
    real.write_text("old")
    os.chmod(real, 0o640)
    (tmp_path / "link.dot").symlink_to("real.dot")
    assert main(["draw", "x*y", "-o", str(tmp_path / "link.dot"), "x=1", "y=2"]) == 0
    assert (tmp_path / "link.dot").is_symlink() and real.read_text().startswith("digraph chainrule {")
    assert os.stat(real).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["link.dot", "real.dot"]
    os.mkfifo(tmp_path / "pipe.dot")
    capsys.readouterr()
    assert main(["draw", "x", "-o", str(tmp_path / "pipe.dot"), "x=1"]) == 1  # returns: never blocks
    err = capsys.readouterr().err.splitlines()
    assert err == [f"chainrule: error: not a regular file (a FIFO); it is left as it is: {tmp_path / 'pipe.dot'}"]
