"""The command line against everything a user may type: options in any order, flat chains
and real nesting, carets under unusual text, ambiguous lines refused, one error line.

In-process runs go through ``main`` with stdout/stderr captured; what only a real process
shows (warnings on stderr, a closed pipe, the REPL) runs in a subprocess.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import fractions
import io
import itertools
import math
import re
import subprocess
import sys

import pytest
import wcwidth
from hypothesis import given, settings, strategies as st

from autograd import Value
from autograd.cli import main
from autograd.cli.commands import repl_namespace
from autograd.cli.expr import CARET_WIDTH, MAX_DEPTH, MAX_NODES, WINDOW, ExprError, Program, evaluate, parse


def call(*args):
    """(exit status, stdout, stderr) of ``main(args)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "autograd", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def assert_one_error(err, status=2):
    """stderr is one ``chainrule: error:`` line, then (for an expression) its line and carets."""
    lines = err.splitlines()
    assert lines and lines[0].startswith("chainrule: error: "), err
    assert "usage:" not in err and "Traceback" not in err and "Warning" not in err
    assert len(lines) in (1, 3), err
    if len(lines) == 3:
        assert re.fullmatch(r"  *\^+", lines[2]), lines[2]
    return lines


# -- options before or after the values ---------------------------------------------------------

LINES = [
    (["grad", "x*y"], ["x=2", "y=3"], [["--digits", "3"]]),
    (["explain", "x*y"], ["x=1", "y=2"], [["--wrt", "x"], ["--digits", "5"], ["--max-paths", "2"]]),
    (["tree", "n = x*y; tanh(n)"], ["x=0.5", "y=-1"], [["--digits", "2"]]),
    (["draw", "x*x + y"], ["x=1", "y=2"], [["--edge-labels"], ["--rankdir", "TB"], ["--max-nodes", "50"]]),
]


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(LINES), data=st.data())
def test_options_may_come_anywhere_after_the_command(case, data):
    """Every interleaving of options, expression and values gives what the usual order gives."""
    (command, expression), values, options = case[0], case[1], case[2]
    expected = call(command, expression, *values, *itertools.chain(*options))
    assert expected[0] == 0, expected
    words = [[expression]] + [[v] for v in values]  # the expression stays first of the words
    order = data.draw(st.permutations(range(len(words) + len(options))))
    groups, word_index, option_index = [], 0, 0
    slots = sorted(order[:len(words)])  # where the words go, in their own order
    for position in range(len(order)):
        if position in slots:
            groups.append(words[word_index])
            word_index += 1
        else:
            groups.append(options[option_index])
            option_index += 1
    assert call(command, *itertools.chain(*groups)) == expected


def test_the_two_lines_from_the_issue():
    status, out, err = call("explain", "x*y", "--wrt", "x", "x=1", "y=2")
    assert status == 0 and "∂(x*y)/∂x = sum over the 1 path = 2" in out and err == ""


def test_draw_with_the_output_before_the_values_writes_the_picture(tmp_path):
    out = tmp_path / "a.dot"
    status, stdout, err = call("draw", "x*x", "-o", str(out), "x=1")
    assert (status, stdout, err) == (0, f"wrote {out}\n", "")
    assert out.read_text().startswith("digraph chainrule {")


def test_an_expression_that_starts_with_a_dash_goes_after_double_dash():
    assert call("grad", "--digits", "3", "--", "-x*2", "x=1")[:2] == (0, "-x*2 = -2\nd/dx = -2\n")
    assert call("grad", "-2", "--digits", "2")[:2] == (0, "-2 = -2\n")  # a negative number is no option
    status, _, err = call("grad", "-x*2", "x=1")
    assert status == 2 and "put it after '--', e.g. chainrule grad -- \"-x*2\" x=1" in assert_one_error(err)[0]


# -- refused, not guessed ---------------------------------------------------------------------------

AMBIGUOUS = [
    (["grad", "x*x", "x=1", "x=2"], "x is given twice ('x=1' and 'x=2'); give it once"),
    (["grad", "ﬁ*2", "ﬁ=1", "fi=2"], "fi is given twice ('ﬁ=1' and 'fi=2')"),  # one name to Python
    (["grad", "x*x", "x=1", "--digits", "3", "--digits", "4"], "--digits is given twice"),
    (["explain", "x*y", "--wrt", "x", "--wrt", "y", "x=1", "y=2"], "--wrt is given twice"),
    (["draw", "x", "-o", "a.svg", "--output", "b.svg", "x=1"], "--output is given twice"),
    (["explain", "x*y", "--w", "x", "x=1", "y=2"], "unknown option --w"),  # no abbreviations
    (["grad", "x*x", "--dig", "3", "x=1"], "unknown option --dig"),
    (["grad", "x=1", "x*x"], "'x=1' is a value (NAME=NUMBER), not an expression: the expression comes first"),
    (["grad", "x = -2.5"], "is a value (NAME=NUMBER), not an expression"),
    (["grad", "x*x", "x=1_000"], "'1_000' is not a number; write digits"),
    (["grad", "x*x", "x=١٢"], "'١٢' is not a number"),  # Arabic-Indic digits: float() takes them
    (["grad", "x*x", "x=nan"], "'nan' is not a number"),
    (["grad", "x*x", "x=inf"], "'inf' is not a number"),
    (["grad", "x*x", "x=1e999"], "too large for a float"),
    (["grad", "x*x", "x=0x10"], "'0x10' is not a number"),
    (["grad", "x*x", "x="], "'' is not a number"),
    (["--digits", "3", "grad", "x"], "unknown command '--digits'; options go after the command"),
    (["repl", "x*x"], "repl takes no expression or values"),
    (["grad"], "give an expression"),
    ([], "give a command: grad, draw, html, explain, tree, repl"),
    (["grad", "x", "x=1", "--bogus"], "unknown option --bogus"),
    (["grad", "x", "x=1", "--digits", "many"], "argument --digits: invalid int value: 'many'"),
    (["draw", "x", "x=1", "--rankdir", "up"], "argument --rankdir: invalid choice: 'up'"),
]


@pytest.mark.parametrize("args, message", AMBIGUOUS, ids=range(len(AMBIGUOUS)))
def test_lines_that_could_mean_two_things_are_refused_in_one_line(args, message):
    status, out, err = call(*args)
    assert status == 2 and out == ""
    assert message in assert_one_error(err)[0]


def test_unicode_names_are_matched_as_python_reads_them():
    assert call("grad", "ﬁ*2", "ﬁ=3")[:2] == (0, "ﬁ*2 = 6\nd/dfi = 2\n")
    assert call("grad", "名前 + x", "名前=1", "x=2")[:2] == (0, "名前 + x = 3\nd/d名前 = 1\nd/dx = 1\n")


# -- flat chains are one level; real nesting is limited ------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 1500), ops=st.lists(st.sampled_from("+-*/"), min_size=1, max_size=4), data=st.data())
def test_a_flat_chain_of_any_length_is_accepted_and_computed(n, ops, data):
    symbols = [data.draw(st.sampled_from(ops)) for _ in range(n - 1)]
    terms = [f"x{i}" for i in range(n)]
    text = terms[0] + "".join(f" {s} {t}" for s, t in zip(symbols, terms[1:]))
    if len(text) > 10_000:
        return
    values = {t: 1.0 + (i % 7) / 8 for i, t in enumerate(terms)}
    result = evaluate(text, values)
    # Python's own arithmetic, left to right within each precedence, as the parser reads it
    expected = eval(compile(ast.Expression(ast.parse(text, mode="eval").body), "<chain>", "eval"),
                    {"__builtins__": {}}, dict(values))
    assert math.isclose(result.value.data, expected, rel_tol=1e-9)


def test_the_issues_sum_of_101_terms():
    text = "+".join(f"x{i}" for i in range(101))
    status, out, err = call("grad", text, *[f"x{i}=1" for i in range(101)])
    assert status == 0 and out.startswith("value = 101\n") and err == ""
    # and a mixed flat chain: products inside a sum, powers inside products
    mixed = " + ".join(f"a{i}*b{i}**2 - c{i}/2" for i in range(200))
    assert len(parse(mixed).variables) == 600


@pytest.mark.parametrize("make", [
    lambda d: "tanh(" * d + "x" + ")" * d,
    lambda d: "x - (" * d + "x" + ")" * d,
    lambda d: "-" * d + "x",
    lambda d: "sum(x, " * d + "x" + ")" * d,
    lambda d: "(x * " * (d - 1) + "x" + ")" * (d - 1) + " + 1",
], ids=["calls", "right-side parentheses", "unary", "call arguments", "mixed"])
def test_real_nesting_is_allowed_up_to_the_limit_and_refused_past_it(make):
    parse(make(MAX_DEPTH))
    with pytest.raises(ExprError, match=f"nested too deeply \\(more than {MAX_DEPTH} levels\\)"):
        parse(make(MAX_DEPTH + 1))


def test_size_limits_still_hold_for_flat_chains():
    with pytest.raises(ExprError, match="too large"):
        parse("+".join(["1"] * (MAX_NODES // 2 + 2)))


# -- the caret, under any text ---------------------------------------------------------------------

NAMES = ["x", "é", "e\u0301", "名前", "ﬁ", "x̃y", "Ωmega", "_a1", "ñandú", "变量名", "ｘ"]
GAPS = ["", " ", "  ", "\t", " \t ", "\u3000"]  # \u3000 (ideographic space) is refused itself
LEAD = ["", " ", "\t", "  \t", "\f"]


def caret_target(err_lines):
    """The text at the caret, found by terminal width (wcwidth), not by our own arithmetic."""
    shown, carets = err_lines[1][2:], err_lines[2][2:]
    at = len(carets) - len(carets.lstrip(" "))
    for k in range(len(shown), -1, -1):  # the longest such prefix: combining marks join theirs
        if wcwidth.wcswidth(shown[:k]) == at:
            return shown[k:]
    raise AssertionError(f"no prefix of {shown!r} is {at} columns wide")


@settings(max_examples=150, deadline=None)
@given(lead=st.sampled_from(LEAD), left=st.sampled_from(NAMES), right=st.sampled_from(NAMES),
       gap1=st.sampled_from(GAPS), gap2=st.sampled_from(GAPS), bad=st.sampled_from(["%", "//", "@", "<<"]),
       before=st.sampled_from(["", "a = 1; ", "a = 1\n", "a = 1\r\n", "a\f= 1\n", "t = 2;\n  "]))
def test_the_caret_is_under_the_offending_operator_whatever_the_text(lead, left, right, gap1, gap2, bad, before):
    source = f"{before}{lead}{left}{gap1}{bad}{gap2}{right}"
    status, out, err = call("grad", source)
    assert status == 2 and out == ""
    lines = assert_one_error(err)
    if "\u3000" in gap1 + gap2:  # refused as a character, and pointed at
        assert "U+3000" in lines[0] and caret_target(lines).startswith("\ufffd")
        return
    assert f"operator {bad} is not supported" in lines[0], lines[0]
    assert caret_target(lines).startswith(bad)
    line = int(re.search(r"line (\d+)", lines[0]).group(1)) if "line " in lines[0] else 1
    assert line == 1 + before.count("\n") - before.count("\r\n") + before.count("\r")


@pytest.mark.parametrize("source, target", [
    ("名前 % x", "%"), ("x +\t$", "$"), ("x\u00a0+ 1", "\ufffd"), ("x\u202e + y.z", "\ufffd + y.z"),
    ("\u200bx + 1", "\ufffd"), ("  x = 1;\n\t\ty = x.q", "x.q"), ("a = 1\x0cb = 2\nb.c", "b = 2"),
    ("x = 1\x0c\nb.c", "b.c"), ("x = 1\ry.z", "y.z"), ("e\u0301\u0301 + q.r", "q.r"), ("😀 + 1", "😀"),
    ("x = 1\x1cy = 2\ny.z", "\ufffdy = 2"),  # \x1c ends no line for Python: line 1
])
def test_the_caret_under_control_bidi_wide_and_combining_characters(source, target):
    status, _, err = call("grad", source)
    lines = assert_one_error(err)
    assert caret_target(lines).startswith(target), lines


def test_leading_whitespace_is_no_syntax_error():
    assert call("grad", "  x*2", "x=1")[:2] == (0, "x*2 = 2\nd/dx = 2\n")
    assert call("grad", "\tn = x*2;\n    n + 1", "x=1")[:2] == (0, "n = x*2; n + 1 = 3\nd/dx = 2\n")


@pytest.mark.parametrize("source", [
    "+".join(f"x{i}" for i in range(1500)) + ".y",
    "(" + "+".join(f"x{i}" for i in range(1500)) + ").y",
    "x" * 9000 + " % 2",
    "2 + " * 2000 + "'text'",
])
def test_a_long_line_shows_a_window_and_at_most_40_carets(source):
    status, _, err = call("grad", source)
    lines = assert_one_error(err)
    assert len(lines[1]) <= WINDOW + 4 and lines[2].count("^") <= CARET_WIDTH
    assert len(err) < 600


def test_python_warnings_never_reach_stderr():
    # "2(x)" and "x is 1" make the compiler warn on stderr; we refuse them with our own line.
    for source in ("2(x)", "1 is 1", "'\\d' + x", "x(1)(2)"):
        result = run("grad", source, "x=1")
        assert result.returncode == 2
        assert_one_error(result.stderr)


@settings(max_examples=80, deadline=None)
@given(args=st.lists(st.sampled_from(
    ["grad", "draw", "tree", "explain", "x*y", "x=1", "y=2", "x=", "=1", "--digits", "3", "0", "--wrt", "x",
     "-o", "--", "-x", "x.y", "tanh(", "名前", "\t", "", "--max-nodes", "-1", "--help2", "x=1e999", "1/0"]),
    max_size=7))
def test_any_command_line_gives_output_or_exactly_one_error(args):
    status, out, err = call(*args)
    if status == 0:
        assert err == ""
    else:
        assert status in (1, 2) and out == ""
        assert_one_error(err, status)


# -- the expression evaluator's own inputs -------------------------------------------------------


@pytest.mark.parametrize("values, message", [
    ([("x", 1.0)], "values must be a mapping of name to number, e.g. {'x': 2.0}, got list"),
    ({"x": "1"}, "the value of x must be a real number (e.g. 2 or -0.5) or a Value, got str '1'"),
    ({"x": True}, "must be a real number"),
    ({"x": 1j}, "got complex 1j"),
    ({"x": None}, "got NoneType None"),
    ({"x": 10 ** 400}, "the value of x is too large for a float"),
    ({"x": [1.0]}, "got list [1.0]"),
])
def test_evaluate_refuses_wrong_kinds_of_values_with_its_own_error(values, message):
    with pytest.raises(ExprError, match=re.escape(message)):
        evaluate("x * 2", values)


def test_evaluate_takes_any_real_number_and_refuses_what_is_not_an_expression():
    assert evaluate("x * 2", {"x": fractions.Fraction(1, 4)}).value.data == 0.5
    assert evaluate("x * 2", {"x": Value(3.0)}).value.data == 6.0
    for bad in (3, b"x*2", None):
        with pytest.raises(ExprError, match="expected the expression as text"):
            evaluate(bad, {})
    # A Program is checked again from its source: steps built by hand are never computed.
    forged = Program("x", ((None, ast.parse("__import__('os')", mode="eval").body),), ("x",))
    assert evaluate(forged, {"x": 2.0}).value.data == 2.0


# -- the REPL and real processes -----------------------------------------------------------------


def test_the_repl_keeps_pythons_builtins():
    namespace = repl_namespace()
    for name, obj in namespace.items():
        if hasattr(builtins, name):
            assert obj is getattr(builtins, name), name
    assert {"vsum", "vabs", "Value", "tree", "explain", "autograd"} <= set(namespace)
    result = run("repl", stdin="print(sum(range(4)), abs(-2), vsum([Value(1.0), 2.0]).data, vabs(-3.0).data)\n")
    assert result.returncode == 0, result.stderr
    assert "6 2 3.0 3.0" in result.stdout and "vsum, vabs" in result.stderr  # the banner names them


def test_a_closed_pipe_ends_quietly():
    text = "+".join(f"x{i}" for i in range(1500))
    args = [sys.executable, "-m", "autograd", "draw", text, "--max-nodes", "10000",
            *[f"x{i}=1" for i in range(1500)]]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.readline()
    child.stdout.close()  # as `| head -1` does
    err = child.stderr.read().decode()
    child.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err and err == ""


@pytest.mark.parametrize("argv", ["grad x*y x=1 y=2", ["grad", 3], ("grad", None), [b"grad"]])
def test_main_refuses_what_is_not_a_list_of_strings_in_one_line(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(argv) == 2
    assert "main: argv must be a list of strings, e.g. main([\"grad\"" in assert_one_error(err.getvalue())[0]
    assert main(("grad", "x*y", "x=2", "y=3")) == 0  # any sequence of strings


LONG = "q" * 9000


@pytest.mark.parametrize("args", [
    ["grad", "-" * 9999 + "x"], ["grad", "x", "--" + LONG], ["grad", "x", "x=" + LONG], ["grad", "x", LONG + "=1"],
    ["grad", "x", "--digits", LONG], ["grad", f"__{LONG}"], ["grad", f"{LONG}(x)"], ["grad", f"{LONG} = 1; {LONG} = 2"],
    ["grad", "+".join(f"v{i}" for i in range(1500))], ["explain", "x", "x=1", "--wrt", LONG], [LONG],
    ["grad", "x*x", "x=1", "x=" + LONG], ["draw", "x", "x=1", "-o", LONG + ".jpeg"], ["grad", f"x = 1; {LONG}"],
])
def test_an_error_line_stays_short_whatever_was_typed(args):
    status, out, err = call(*args)
    assert status == 2 and out == ""
    lines = assert_one_error(err)
    assert len(lines[0]) <= 400, lines[0][:500]
    assert all(len(line) <= WINDOW + 4 for line in lines[1:])
