"""The exercise set and its checker (autograd.exercises, `chainrule exercises/exercise/check`).

Every reference passes; typical wrong answers (tests/exercise_answers.py) are caught with the
node they first show at; the issue's numbers (Mazur, Zero to Hero) come out exactly; the
command's exit codes; a learner's endless loop, sleep or huge allocation ends with a message.
Most checks call the child's ``run`` in this process (the same code, without the process);
the tests of the command and of the limits start the child as the checker does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd import OPS
from autograd.exercises import Case, check, child, exercise, exercises, first_difference, load, marked_tree, names
from autograd.exercises.format import run_source

sys.path.insert(0, str(Path(__file__).parent))
from exercise_answers import WRONG

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def verdict(tmp_path, monkeypatch):
    """The child's verdict on a solution text, computed in this process."""

    def run(name: str, text: str) -> dict:
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.setattr(sys, "argv", list(sys.argv))
        file = tmp_path / "solution.py"
        file.write_text(text, encoding="utf-8")
        try:
            return child.run(str(exercise(name).path), str(file))
        finally:
            OPS.pop("softplus", None)  # the custom-op exercise's learner registers one

    return run


def test_the_set_has_at_least_twelve_in_order_of_level():
    every = exercises()
    assert len(every) >= 12 and [e.name for e in every] == names()
    levels = [e.level for e in every]
    assert levels == sorted(levels) and levels[0] == 1 and levels[-1] >= 4
    for e in every:
        assert e.summary and e.start and e.notice, e.name


def test_every_exercise_has_two_typical_wrong_answers():
    assert set(WRONG) == set(names())
    assert all(len(WRONG[n]) >= 2 for n in names())


@pytest.mark.parametrize("name", names())
def test_reference_passes(name, verdict):
    v = verdict(name, exercise(name).reference)
    assert v["status"] == "right", v["message"]
    assert v["notice"] == exercise(name).notice


@pytest.mark.parametrize("name", names())
def test_start_file_is_not_right(name, verdict):
    assert verdict(name, exercise(name).start)["status"] != "right"


@pytest.mark.parametrize("name,mistake,text,node",
                         [(n, m, t, node) for n in names() for m, t, node in WRONG[n]],
                         ids=[f"{n}: {m}" for n in names() for m, _, _ in WRONG[n]])
def test_wrong_answer_is_caught_at_its_node(name, mistake, text, node, verdict):
    v = verdict(name, text)
    assert v["status"] == "wrong", v["message"]
    assert v["node"] == node, v["message"]
    assert node in v["message"]
    if v["what"] in ("data", "grad", "number"):
        assert f"{v['expected']:.10g}" in v["message"] and f"{v['given']:.10g}" in v["message"]
    if v["what"] == "grad":  # the marked tree and explain's paths to the right number
        assert "◀──" in v["tree"] and "by the chain rule" in v["explanation"]


def test_recursive_sort_is_named_with_its_error(verdict):
    text = dict((m, t) for m, t, _ in WRONG["topological-sort"])["micrograd's recursive build_topo"]
    v = verdict("topological-sort", text)
    assert "RecursionError" in v["message"] and "10,000 deep" in v["message"] and "line 5" in v["message"]


# -- the numbers, exactly ------------------------------------------------------------


def _reference_case(name: str) -> Case:
    (case,) = exercise(name).reference_cases()
    return case


def _by_label(root):
    from autograd import topological_order

    return {n.label: n for n in topological_order(root) if n.label}


def test_mazur_w5_after_one_step():
    case = _reference_case("mazur-step")
    assert f"{case.root.data:.9f}" == "0.298371109"
    assert round(case.numbers["w5 after one step"], 8) == 0.35891648


def test_zero_to_hero_f_and_its_gradient_exactly():
    from autograd import Value
    from autograd.exercises.set.zero_to_hero_f import f

    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    y = f(a, b, c)
    y.backward()
    assert y.data == 6.336362190988558
    assert [a.grad, b.grad, c.grad] == [-12.353553390593273, 10.25699027111255, 0.0625]
    gradf = run_source(exercise("zero-to-hero-f").reference, "<reference>")["gradf"]
    assert gradf(2, 3, 4) == [-12.353553390593273, 10.25699027111255, 0.0625]


def test_softmax_nll_exactly():
    case = _reference_case("softmax-nll")
    nodes = _by_label(case.root)
    assert case.root.data == 2.1755153626167147
    assert [nodes[f"logit{k}"].grad for k in range(4)] == [
        0.041772570515350445, 0.8390245074625319, 0.005653302662216329, -0.8864503806400986]


# -- comparing ------------------------------------------------------------------------------


def test_graphs_of_another_shape_are_compared_by_label():
    from autograd import Value

    def loss(twice: bool):
        x = Value(1.5, label="x")
        y = (x + x if twice else x * 2.0).tanh()
        y.label = "y"
        y.backward()
        return Case("y", y)

    assert first_difference(loss(True), loss(False)) is None  # same numbers, other ops


def test_marked_tree_of_a_deep_chain_shows_one_path_without_recursion():
    from autograd import Value, topological_order

    x = y = Value(1.0, label="x")
    for _ in range(20_000):
        y = y * 1.0
    y.label = "y"
    text = marked_tree(y, topological_order(y).index(x), "here")
    assert "more on the path" in text and "x  data=1  grad=0   ◀── here" in text and len(text.splitlines()) < 50


# -- a teacher's own exercise ---------------------------------------------------------------------

TEACHER = '''\
"""Square: the derivative of x * x.

Write `square_local(x)`: d (x*x) / dx.
"""
from autograd import Value
from autograd.exercises import Case

LEVEL = 1
START = "def square_local(x):\\n    return ...\\n"
REFERENCE = "def square_local(x):\\n    return 2 * x\\n"
NOTICE = "x is used twice: each use hands back x."
COMPARE = ("x", "y")


def cases(solution):
    x = Value(3.0, label="x")
    y = x * x; y.label = "y"
    y.backward()
    x.grad = float(solution.square_local(3.0))
    return [Case("y = x * x at 3", y)]
'''


def test_a_teachers_exercise_file(tmp_path):
    path = tmp_path / "square.py"
    path.write_text(TEACHER, encoding="utf-8")
    e = load(path)
    assert (e.name, e.level, e.summary) == ("square", 1, "Square: the derivative of x * x")
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text("def square_local(x):\n    return x + x\n", encoding="utf-8")
    wrong.write_text("def square_local(x):\n    return x\n", encoding="utf-8")
    assert check(str(path), right).exit_code == 0
    result = check(str(path), wrong)
    assert (result.exit_code, result.node, result.expected, result.given) == (1, "x", 6.0, 3.0)


# -- the command and the child process ----------------------------------------------------------


def _chainrule(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograd", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_command_lists_writes_a_start_and_checks(tmp_path):
    listed = _chainrule("exercises", cwd=tmp_path)
    assert listed.returncode == 0 and len([ln for ln in listed.stdout.splitlines() if " level " in ln]) >= 12
    shown = _chainrule("exercise", "tanh-local", "--start", "tanh.py", cwd=tmp_path)
    assert shown.returncode == 0 and "tanh_local(x, out)" in shown.stdout
    assert (tmp_path / "tanh.py").read_text(encoding="utf-8") == exercise("tanh-local").start
    (tmp_path / "tanh.py").write_text("# mine\n", encoding="utf-8")
    again = _chainrule("exercise", "tanh-local", "--start", "tanh.py", cwd=tmp_path)
    assert again.returncode == 2 and "already there" in again.stderr
    assert (tmp_path / "tanh.py").read_text(encoding="utf-8") == "# mine\n"  # nothing a user saved is lost

    (tmp_path / "right.py").write_text(exercise("tanh-local").reference, encoding="utf-8")
    (tmp_path / "wrong.py").write_text(WRONG["tanh-local"][0][1], encoding="utf-8")
    right = _chainrule("check", "tanh-local", "right.py", cwd=tmp_path)
    assert right.returncode == 0 and "right" in right.stdout and "Notice next" in right.stdout
    wrong = _chainrule("check", "tanh-local", "wrong.py", cwd=tmp_path)
    assert wrong.returncode == 1
    assert "the gradient of n should be 0.5, yours is 0.2928932188" in wrong.stdout
    assert "◀── yours: 0.2928932188" in wrong.stdout and "1 − tanh(n)² = 0.5" in wrong.stdout


@pytest.mark.parametrize("text,words", [
    ("def tanh_local(x, out)\n    return 1\n", "line 1"),
    ("y = 1 / 0\n", "ZeroDivisionError"),
    ("def other(x):\n    return x\n", "defines no 'tanh_local'"),
    ("import sys\nsys.exit(3)\n", "called exit(3)"),
])
def test_command_says_why_a_file_cannot_be_used(tmp_path, text, words):
    (tmp_path / "bad.py").write_text(text, encoding="utf-8")
    done = _chainrule("check", "tanh-local", "bad.py", cwd=tmp_path)
    assert done.returncode == 2 and words in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("args,words", [
    (("check", "tanh-local", "nowhere.py"), "no file 'nowhere.py'"),
    (("check", "no-such-exercise", "x.py"), "no exercise 'no-such-exercise'"),
    (("check", "tanh-local"), "required: FILE"),
    (("check", "tanh-local", "x.py", "--time-limit", "0"), "must be positive"),
])
def test_command_refuses_bad_arguments(tmp_path, args, words):
    done = _chainrule(*args, cwd=tmp_path)
    assert done.returncode == 2 and words in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("text,limit,words", [
    ("while True:\n    pass\n", {"time_limit": 1}, "time limit (1 s of CPU)"),
    ("import time\ntime.sleep(60)\n", {"time_limit": 0.5}, "did not finish within 6 s (wall clock)"),
    ("x = [0] * 10 ** 10\n", {}, "memory limit (1024 MB)"),
    ("x = []\nwhile True:\n    x.append(' ' * 10 ** 6)\n", {"memory_limit": 300}, "memory limit (300 MB)"),
])
def test_limits_end_a_runaway_file_with_a_message(tmp_path, text, limit, words):
    (tmp_path / "runaway.py").write_text(text, encoding="utf-8")
    result = check("tanh-local", tmp_path / "runaway.py", **limit)
    assert result.exit_code == 2 and words in result.message, result.message


def test_a_runaway_inside_the_learners_function_is_limited_too(tmp_path):
    (tmp_path / "slow.py").write_text("def tanh_local(x, out):\n    while True:\n        pass\n", encoding="utf-8")
    result = check("tanh-local", tmp_path / "slow.py", time_limit=1)
    assert result.exit_code == 2 and "time limit" in result.message


def test_notebook_display_outlines_the_node(tmp_path):
    (tmp_path / "wrong.py").write_text(WRONG["accumulate"][0][1], encoding="utf-8")
    result = check("accumulate", tmp_path / "wrong.py")
    assert (result.exit_code, result.node, result.case) == (1, "a", "a + a")
    page = result._repr_html_()
    assert "<svg" in page and 'stroke="#d62728"' in page and "the first place yours differs" in page
    assert "<script" not in page.lower()
    link = result.page_link(tmp_path / "a.html")
    assert link.startswith("file://") and "#step=end&node=n" in link and (tmp_path / "a.html").exists()
