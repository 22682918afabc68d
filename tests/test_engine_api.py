"""The engine's surface: errors, overflow, pickling and copying, repr, aliases, anomaly
mode, gradcheck, the grad transforms, scopes."""

from __future__ import annotations

import copy
import inspect
import math
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
from autograd import GradcheckError, Value, detect_anomaly, grad, gradcheck, no_grad, topological_order, value_and_grad


def next_line() -> int:
    """The line number of the caller's next line (where anomaly mode should point)."""
    return inspect.currentframe().f_back.f_lineno + 1


# ---------------------------------------------------------------------------------------
# Domain errors: the type, and a message naming the op, the numbers, the label, a remedy


@pytest.mark.parametrize(
    "make, error, parts",
    [
        (lambda: Value(-2.0, label="x").log(), ValueError, ["log", "> 0", "-2.0", "'x'", "clamp"]),
        (lambda: Value(0.0, label="p").log(), ValueError, ["log", "> 0", "got 0.0", "'p'"]),
        (lambda: Value(-4.0, label="v").sqrt(), ValueError, ["sqrt", ">= 0", "-4.0", "'v'", "abs()"]),
        (lambda: Value(1.0, label="a") / Value(0.0, label="b"), ZeroDivisionError,
         ["div", "1.0 / 0.0", "'a'", "'b'", "epsilon"]),
        (lambda: 3 / Value(0.0, label="d"), ZeroDivisionError, ["div", "3.0 / 0.0", "'d'"]),
        (lambda: Value(0.0, label="z") ** -2, ValueError, ["pow", "0.0 ** -2.0", "'z'", "positive"]),
        (lambda: Value(-8.0, label="n") ** 0.5, ValueError, ["pow", "-8.0 ** 0.5", "'n'", "whole-number"]),
        (lambda: Value(-8.0) ** Value(1.5, label="k"), ValueError, ["pow", "-8.0 ** 1.5", "'k'"]),
        (lambda: Value(math.inf, label="t").sin(), ValueError, ["sin", "finite", "inf", "'t'"]),
        (lambda: autograd.log(-1), ValueError, ["log", "-1.0"]),
    ],
    ids=["log_negative", "log_zero", "sqrt_negative", "div_zero", "rdiv_zero", "zero_to_negative",
         "negative_to_fraction", "negative_to_value_fraction", "sin_inf", "log_function"],
)
def test_domain_errors_name_op_values_and_label(make, error, parts):
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    assert message.startswith(parts[0] + ":")
    for part in parts[1:]:
        assert part in message, (part, message)


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], True, False],
                         ids=["str", "None", "complex", "list", "True", "False"])
def test_value_rejects_non_numbers_naming_the_type(bad):
    with pytest.raises(TypeError) as info:
        Value(bad)
    message = str(info.value)
    assert message.startswith("Value:") and type(bad).__name__ in message and repr(bad) in message


def test_value_of_a_value_says_to_use_data():
    with pytest.raises(TypeError, match=r"Value: .*got Value.*v\.data"):
        Value(Value(1.0))


def test_functions_reject_non_numbers():
    with pytest.raises(TypeError, match="exp: expected a Value or a number, got str 'a'"):
        autograd.exp("a")
    with pytest.raises(TypeError, match="sum: expected Values or numbers, got NoneType None"):
        autograd.sum([Value(1.0), None])
    with pytest.raises(TypeError, match="leaky_relu: slope must be a Value or a number, got str '0.1'"):
        Value(-1.0).leaky_relu("0.1")  # used to return NotImplemented silently
    with pytest.raises(TypeError, match="leaky_relu: slope .* got NoneType"):
        autograd.leaky_relu(-1.0, None)
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"


def test_sum_and_dot_reject_bad_lengths():
    with pytest.raises(ValueError, match="sum: needs at least one value"):
        autograd.sum([])
    with pytest.raises(ValueError, match="dot: .*same length, got 1 and 2"):
        autograd.dot([1.0], [1.0, 2.0])


def test_ints_become_floats():
    v = Value(3)
    assert v.data == 3.0 and type(v.data) is float and type((v + 1).data) is float


# ---------------------------------------------------------------------------------------
# IEEE behaviour at the extremes


def test_exp_overflow_is_inf_not_an_exception():
    x = Value(1000.0)
    y = x.exp()
    assert y.data == math.inf
    y.backward()
    assert x.grad == math.inf
    assert Value(-1000.0).exp().data == 0.0


def test_pow_overflow_is_signed_inf():
    assert (Value(10.0) ** 400).data == math.inf
    assert (10 ** Value(400.0)).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(-10.0) ** 400).data == math.inf


def test_sum_and_dot_overflow_like_addition():
    # math.fsum raises where + gives inf or nan; sum/dot used to raise a bare OverflowError.
    assert autograd.sum([Value(1e308), Value(1e308)]).data == math.inf
    assert math.isnan(autograd.sum([Value(math.inf), Value(-math.inf)]).data)
    assert autograd.dot([Value(1e308), Value(1e308)], [1.0, 1.0]).data == math.inf


@pytest.mark.parametrize("x, tanh, sigmoid",
                         [(1000.0, 1.0, 1.0), (-1000.0, -1.0, 0.0), (800.0, 1.0, 1.0), (-800.0, -1.0, 0.0)])
def test_tanh_and_sigmoid_saturate_exactly(x, tanh, sigmoid):
    a, b = Value(x), Value(x)
    t, s = a.tanh(), b.sigmoid()
    t.backward()
    s.backward()
    assert (t.data, s.data) == (tanh, sigmoid)
    assert (a.grad, b.grad) == (0.0, 0.0)


# ---------------------------------------------------------------------------------------
# Pickling and copying


def small_graph():
    a = Value(-1.5, label="a")
    b = Value(2.0, label="b")
    with autograd.scope("block"):
        c = a * b + a.tanh()
    c.label = "c"
    b.role = "param"
    c.backward()
    return c


def same_graph(x: Value, y: Value) -> None:
    """x and y are equal graphs made of different nodes."""
    xs, ys = topological_order(x), topological_order(y)
    assert len(xs) == len(ys)
    index_x = {id(n): i for i, n in enumerate(xs)}
    index_y = {id(n): i for i, n in enumerate(ys)}
    for p, q in zip(xs, ys):
        assert p is not q
        assert (p.data, p.grad, p.op, p.label, p.scope, p.role, p.local_grads) == (
            q.data, q.grad, q.op, q.label, q.scope, q.role, q.local_grads)
        assert [index_x[id(r)] for r in p.parents] == [index_y[id(r)] for r in q.parents]


def test_pickle_round_trip_keeps_data_grad_labels_and_structure():
    c = small_graph()
    back = pickle.loads(pickle.dumps(c))
    same_graph(c, back)
    a = back.parents[0].parents[0]
    assert a.label == "a" and back.parents[1].parents[0] is a  # shared node stays shared
    assert back.scope == ("block",) and back.parents[0].parents[1].role == "param"
    autograd.zero_grad(back)
    back.backward()  # the copy is a working graph
    assert a.grad == 2.0 + 1 - math.tanh(-1.5) ** 2


def test_pickle_of_a_100k_deep_chain_needs_no_recursion():
    x = Value(0.5)
    for _ in range(100_000):
        x = x * 1.0
    back = pickle.loads(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))
    back.backward()
    depth, node = 0, back
    while node.parents:  # down the chain to the original leaf
        node = node.parents[0]
        depth += 1
    assert depth == 100_000 and node.data == 0.5 and node.grad == 1.0


def test_copy_shares_the_parents_and_deepcopy_rebuilds_the_graph():
    c = small_graph()
    twin = copy.copy(c)
    assert twin is not c and twin.parents == c.parents and twin.parents[0] is c.parents[0]
    assert (twin.data, twin.grad, twin.op, twin.label) == (c.data, c.grad, c.op, c.label)
    twin.grad = 99.0
    assert c.grad == 1.0
    deep = copy.deepcopy(c)
    same_graph(c, deep)


def test_copy_and_pickle_keep_nodes_of_every_arity():
    # One, two and many parents are stored differently (autograd/value.py's docstring).
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    many = autograd.dot([a, b, a], [b, b, Value(0.5)])  # 6 parents
    root = autograd.sum([many, a * b, a.exp()])  # 3 parents: a sum, a product, an exp
    root.backward()
    for node in (root, many, root.parents[1], root.parents[2]):
        twin = copy.copy(node)
        assert twin.parents == node.parents and twin.local_grads == node.local_grads
    same_graph(root, pickle.loads(pickle.dumps(root)))
    same_graph(root, copy.deepcopy(root))


def test_deepcopy_of_a_deep_chain():
    x = Value(1.0)
    for _ in range(20_000):
        x = x + 1.0
    deep = copy.deepcopy(x)
    assert deep.data == 20_001.0 and len(topological_order(deep)) == len(topological_order(x))


# ---------------------------------------------------------------------------------------
# How a Value shows itself


def test_repr():
    y = Value(math.atanh(-0.5)).tanh()
    y.label = "y"
    y.backward()
    assert repr(y) == "Value(data=-0.5, grad=1.0, op='tanh', label='y')"
    assert repr(Value(-4.0, label="a")) == "Value(data=-4.0, grad=0.0, label='a')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(1) / 3) == "Value(data=0.333333, grad=0.0, op='div')"  # 6 digits
    assert repr(Value(math.inf)) == "Value(data=inf, grad=0.0)"


def test_format_and_print_give_the_number_and_float_is_refused_while_recording():
    v = Value(2.0 / 3.0, label="v")
    assert f"{v:.3f}" == "0.667" and f"{v:+.1e}" == "+6.7e-01" and str(v) == repr(v)
    with pytest.raises(TypeError, match=r"float\(\) of a Value 'v'.*v\.exp\(\).*v\.data.*no_grad"):
        float(v)
    with no_grad():  # nothing is recorded, so nothing can be cut
        assert float(v) == v.data and math.sqrt(Value(4.0)) == 2.0 and int(Value(2.7)) == 2
        assert round(v, 2) == 0.67 and bool(Value(0.0)) is False and math.floor(Value(1.5)) == 1


def test_micrograd_aliases():
    a, b = Value(2.0), Value(3.0)
    cases = {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a**b, "tanh": a.tanh(),
             "exp": a.exp(), "ReLU": a.relu()}
    for symbol, node in cases.items():
        assert node._op == symbol and node._prev == node.parents
    assert a._op == "" and a._prev == ()
    assert set((a * b)._prev) == {a, b}  # micrograd's _prev is a set; ours iterates the same


def test_op_names():
    a, b = Value(0.5), Value(2.0)
    made = {
        "add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "pow": a**b, "neg": -a,
        "abs": abs(a), "exp": a.exp(), "log": a.log(), "sqrt": a.sqrt(), "tanh": a.tanh(),
        "sigmoid": a.sigmoid(), "relu": a.relu(), "leaky_relu": a.leaky_relu(0.1), "sin": a.sin(),
        "cos": a.cos(), "sum": autograd.sum([a, b]), "dot": autograd.dot([a], [b]),
    }
    assert {name: node.op for name, node in made.items()} == {name: name for name in made}
    assert a.op == "" and +a is a


def test_parents_are_ordered_with_duplicates():
    a, b = Value(1.0), Value(2.0)
    assert (b - a).parents == (b, a)
    assert (a * a).parents == (a, a)
    assert (a**b).parents == (a, b)
    assert autograd.sum([a, b, a]).parents == (a, b, a)
    assert autograd.dot([a, b], [b, b]).parents == (a, b, b, b)
    assert (a - 1).parents[0] is a and (1 - a).parents[1] is a


def test_labels_scopes_and_roles():
    x = Value(1.0)
    assert (x.label, x.scope, x.role) == ("", (), "")
    with autograd.scope("mlp"):
        with autograd.scope("layer0"):
            assert autograd.current_scope() == ("mlp", "layer0")
            h = x * 2
            h2 = x * 3
            w = Value(0.5, label="w")
        assert (x * 1).scope == ("mlp",)
    assert autograd.current_scope() == ()
    assert h.scope == ("mlp", "layer0") and w.scope == ("mlp", "layer0") and w.label == "w"
    h.label = "h"  # nodes of a scope share their Meta: relabelling one must not touch others
    h.role = "param"
    assert (h.label, h.role, h.scope) == ("h", "param", ("mlp", "layer0"))
    assert (h2.label, h2.role) == ("", "")


# ---------------------------------------------------------------------------------------
# detect_anomaly


def test_anomaly_forward_inf_names_op_input_and_line():
    x = Value(1000.0, label="big")
    with detect_anomaly():
        line = next_line()
        with pytest.raises(FloatingPointError) as info:
            x.exp()
    message = str(info.value)
    assert message.startswith("exp produced inf from input 1000.0 (Value 'big')")
    assert f"{__file__}:{line + 1}" in message and "x.exp()" in message


def test_anomaly_forward_nan():
    a, b = Value(math.inf), Value(math.inf)
    where = r"sub produced nan from inputs inf, inf, at .*test_engine_api\.py"
    with detect_anomaly(), pytest.raises(FloatingPointError, match=where):
        a - b


def test_anomaly_backward_inf_gradient_names_op_and_line():
    with detect_anomaly():
        x = Value(0.0, label="x")
        line = next_line()
        y = x.sqrt() * 2
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert message.startswith("backward of sqrt gave gradient inf to its input 0.0 ('x')")
    assert f"{__file__}:{line}" in message
    assert x.grad == 0.0 and y.grad == 0.0  # a failed backward leaves no partial gradients


@pytest.mark.parametrize("make", [lambda x: x.sqrt() + x * 2, lambda x: x * 2 + x.sqrt()],
                         ids=["sqrt_first", "sqrt_last"])
def test_anomaly_backward_blames_the_op_that_made_the_inf(make):
    # x has two consumers; only sqrt's contribution is inf (it used to blame the last one).
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"^backward of sqrt gave gradient inf"):
        make(Value(0.0)).backward()


def test_nan_passes_through_every_elementwise_op():
    # A NaN must stay visible; relu used to turn it into 0.0 (NaN > 0 is False).
    for op in ("relu", "tanh", "sigmoid", "exp", "sin", "cos", "abs", "leaky_relu"):
        assert math.isnan(getattr(autograd, op)(math.nan).data), op
    assert math.isnan(autograd.sum([Value(math.nan), 1.0]).data)


def test_outside_anomaly_mode_inf_and_nan_pass_silently():
    x = Value(0.0)
    y = x.sqrt() + Value(1000.0).exp()
    y.backward()
    assert y.data == math.inf and x.grad == math.inf
    assert autograd.is_grad_enabled() and not autograd.mode.MODE.get().anomaly


# ---------------------------------------------------------------------------------------
# gradcheck


def test_gradcheck_passes_on_correct_functions():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / (y * y + 1), 0.3, -1.2) is True
    assert gradcheck(lambda x: autograd.sum([x, x**2, x.sin()]), 0.7)


def test_gradcheck_catches_a_wrong_rule():
    # d(x²)/dx written as 3x on purpose.
    op = autograd.defop("wrong_square", "x²", lambda x: x * x, lambda out, x: (3.0 * x,))
    try:
        with pytest.raises(GradcheckError) as info:
            gradcheck(lambda x, y: autograd.apply(op, x) + y, 1.5, 2.0)
    finally:
        del autograd.OPS["wrong_square"]
    message = str(info.value)
    header = message.splitlines()[1].split()
    assert header == ["input", "value", "analytic", "numeric", "difference"]
    row_x, row_y = message.splitlines()[2].split(), message.splitlines()[3].split()
    assert row_x[:3] == ["0", "1.5", "4.5"] and abs(float(row_x[3]) - 3.0) < 1e-6 and row_x[-1] == "<--"
    assert row_y[:3] == ["1", "2", "1"] and row_y[-1] != "<--"
    assert isinstance(info.value, AssertionError) and "wrong_square" not in autograd.OPS


def test_gradcheck_inside_no_grad_still_checks():
    with autograd.no_grad():
        assert gradcheck(lambda x: x * x, 3.0)


# ---------------------------------------------------------------------------------------
# grad and value_and_grad


def test_grad_argnums_int_and_tuple():
    f = lambda x, y, z: x * y * y + autograd.sin(z)  # noqa: E731  (args not in argnums stay floats)
    assert grad(f)(2.0, 3.0, 0.0) == 9.0
    assert grad(f, 1)(2.0, 3.0, 0.0) == 12.0
    assert grad(f, -1)(2.0, 3.0, 0.0) == 1.0
    assert grad(f, (0, 2))(2.0, 3.0, 0.0) == (9.0, 1.0)
    assert grad(f, (1,))(2.0, 3.0, 0.0) == (12.0,)


def test_value_and_grad():
    value, g = value_and_grad(lambda x, y: x * y + 1, (0, 1))(3.0, 4.0)
    assert (value, g) == (13.0, (4.0, 3.0)) and type(value) is float
    value, g = value_and_grad(lambda x: x.exp())(0.0)
    assert (value, g) == (1.0, 1.0)


def test_grad_of_values_returns_values():
    x = Value(2.0)
    g = grad(lambda v: v**3)(x)
    assert isinstance(g, Value) and g.data == 12.0
    assert autograd.gradients(g, [x]) == [12.0]  # and can be differentiated again


def test_grad_edge_cases():
    # A plain-number result left the graph: refused, never a silent 0 (issue #11).
    with pytest.raises(TypeError, match=r"returned a plain number \(float 5.0\).*x \* 0 \+ c"):
        grad(lambda x: 5.0)(1.0)
    assert grad(lambda x: x * 0 + 5.0)(1.0) == 0.0  # a constant function, written as one
    assert grad(lambda x, y: x * 0 + y * 2)(1.0, 3.0) == 0.0  # argument used for nothing
    with pytest.raises(TypeError, match="plain number"):  # y * 2 never entered the graph
        grad(lambda x, y: y * 2)(1.0, 3.0)
    with pytest.raises(IndexError, match="argnums 2 is out of range for 2 arguments"):
        grad(lambda x, y: x, 2)(1.0, 2.0)
    with pytest.raises(TypeError, match="must return a Value, got str"):
        grad(lambda x: "x")(1.0)


# ---------------------------------------------------------------------------------------
# The test suite's own guard: on CI, a missing graphviz stops the run at once


def test_ci_without_dot_stops_the_session(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    assert shutil.which("dot", path=str(bin_dir)) is None
    env = dict(os.environ, CI="1", PATH=str(bin_dir))
    tests = Path(__file__).parent
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         str(tests / "test_worked_examples.py")],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "graphviz's `dot`" in result.stderr + result.stdout


def test_pickling_several_values_keeps_shared_leaves_shared():
    import pickle

    x = Value(2.0, label="x")
    w = Value(3.0, label="w")
    y = (x * w).tanh()
    z = y + x
    x2, y2, z2 = pickle.loads(pickle.dumps([x, y, z]))
    assert y2.parents[0].parents[0] is x2  # the leaf x, shared by y and z, is one object
    assert z2.parents[1] is x2
    assert (x2.label, x2.data, z2.data) == ("x", 2.0, z.data)


def test_bare_format_is_str_and_a_spec_formats_the_number():
    v = Value(0.5, label="h")
    assert f"{v}" == str(v) == repr(v)
    assert f"{v:.3f}" == "0.500"
