"""Every derivative rule against central finite differences, and random expression trees.

The numeric side of each rule check is computed from plain ``math`` (not the engine), so
a wrong forward and a wrong rule are both caught. Random trees use the engine's own
forward (checked here rule by rule) through ``autograd.gradcheck``.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, strategies as st

import autograd
from autograd import Value, gradcheck, gradients


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(limit: float, gap: float) -> st.SearchStrategy[float]:
    """Floats in [-limit, -gap] or [gap, limit]: off a kink or pole at 0."""
    return st.one_of(reals(-limit, -gap), reals(gap, limit))


def central_difference(f, xs: list[float], i: int) -> float:
    """(f(x + h) - f(x - h)) / 2h along input i, with h relative to the input's size."""
    h = 1e-6 * max(1.0, abs(xs[i]))
    hi = list(xs)
    lo = list(xs)
    hi[i] += h
    lo[i] -= h
    return (f(*hi) - f(*lo)) / (hi[i] - lo[i])  # the step actually taken, after rounding


def check_rule(engine_f, reference_f, xs: list[float], which: list[int] | None = None) -> None:
    """engine_f on Values must equal reference_f on floats, and its gradients the slopes."""
    leaves = [Value(x) for x in xs]
    out = engine_f(*leaves)
    expected = reference_f(*xs)
    assert math.isclose(out.data, expected, rel_tol=1e-12, abs_tol=1e-300), (out.data, expected)
    out.backward()
    for i in which if which is not None else range(len(xs)):
        numeric = central_difference(reference_f, xs, i)
        assert math.isclose(leaves[i].grad, numeric, rel_tol=1e-5, abs_tol=1e-6), (
            f"input {i} = {xs[i]!r}: analytic {leaves[i].grad!r}, numeric {numeric!r}")


def ref_sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------------------------
# Binary arithmetic


@given(reals(-100, 100), reals(-100, 100))
def test_add(a, b):
    check_rule(lambda x, y: x + y, lambda x, y: x + y, [a, b])


@given(reals(-100, 100), reals(-100, 100))
def test_sub(a, b):
    check_rule(lambda x, y: x - y, lambda x, y: x - y, [a, b])


@given(reals(-100, 100), reals(-100, 100))
def test_mul(a, b):
    check_rule(lambda x, y: x * y, lambda x, y: x * y, [a, b])


@given(reals(-100, 100), away_from_zero(100, 0.01))
def test_div(a, b):
    check_rule(lambda x, y: x / y, lambda x, y: x / y, [a, b])


@given(reals(0.05, 10), reals(-3, 3))
def test_pow_number_exponent_positive_base(a, p):
    check_rule(lambda x: x**p, lambda x: x**p, [a])


@given(away_from_zero(10, 0.05), st.integers(-4, 4))
def test_pow_whole_exponent_any_sign_base(a, k):
    check_rule(lambda x: x**k, lambda x: x**k, [a])


@given(reals(0.05, 10), reals(-3, 3))
def test_pow_value_exponent(a, p):
    check_rule(lambda x, y: x**y, lambda x, y: x**y, [a, p])


@given(reals(0.05, 10), reals(-3, 3))
def test_rpow_number_base(base, p):
    check_rule(lambda y: base**y, lambda y: base**y, [p])


@given(reals(-10, 10), reals(-10, 10))
def test_numbers_on_either_side(a, c):
    # A plain number becomes a constant leaf; the rule is the same as with two Values.
    check_rule(lambda x: c + x, lambda x: c + x, [a])
    check_rule(lambda x: c - x, lambda x: c - x, [a])
    check_rule(lambda x: c * x, lambda x: c * x, [a])
    check_rule(lambda x: x - c, lambda x: x - c, [a])
    if abs(a) > 0.01:
        check_rule(lambda x: c / x, lambda x: c / x, [a])


def test_number_operand_is_a_constant_leaf():
    x = Value(3.0)
    y = 2 * x
    assert y.op == "mul"
    const, parent = y.parents
    assert parent is x and const.op == "" and const.data == 2.0 and isinstance(const, Value)


# ---------------------------------------------------------------------------------------
# Elementwise functions


@given(reals(-100, 100))
def test_neg(a):
    check_rule(lambda x: -x, lambda x: -x, [a])


@given(away_from_zero(100, 1e-3))
def test_abs(a):
    check_rule(lambda x: abs(x), lambda x: abs(x), [a])


@given(reals(-30, 30))
def test_exp(a):
    check_rule(lambda x: x.exp(), math.exp, [a])


@given(reals(1e-3, 1e3))
def test_log(a):
    check_rule(lambda x: x.log(), math.log, [a])


@given(reals(1e-3, 1e3))
def test_sqrt(a):
    check_rule(lambda x: x.sqrt(), math.sqrt, [a])


@given(reals(-10, 10))
def test_tanh(a):
    check_rule(lambda x: x.tanh(), math.tanh, [a])


@given(reals(-30, 30))
def test_sigmoid(a):
    check_rule(lambda x: x.sigmoid(), ref_sigmoid, [a])


@given(away_from_zero(100, 1e-3))
def test_relu(a):
    check_rule(lambda x: x.relu(), lambda x: max(x, 0.0), [a])


@given(away_from_zero(100, 1e-3), reals(0, 1))
def test_leaky_relu_number_slope(a, s):
    check_rule(lambda x: x.leaky_relu(s), lambda x: x if x > 0 else s * x, [a])


@given(away_from_zero(100, 1e-3), reals(-1, 1))
def test_leaky_relu_value_slope(a, s):
    # The slope is an input (PReLU): d/dslope is x on the negative side, 0 on the positive.
    check_rule(lambda x, k: x.leaky_relu(k), lambda x, k: x if x > 0 else k * x, [a, s])


def test_leaky_relu_default_slope_is_0_01():
    x = Value(-2.0)
    y = x.leaky_relu()
    y.backward()
    assert y.data == -0.02 and x.grad == 0.01


@given(reals(-20, 20))
def test_sin(a):
    check_rule(lambda x: x.sin(), math.sin, [a])


@given(reals(-20, 20))
def test_cos(a):
    check_rule(lambda x: x.cos(), math.cos, [a])


# ---------------------------------------------------------------------------------------
# n-ary nodes


@given(st.lists(reals(-100, 100), min_size=1, max_size=8))
def test_sum(xs):
    check_rule(lambda *vs: autograd.sum(vs), lambda *fs: math.fsum(fs), xs)
    leaves = [Value(x) for x in xs]
    assert autograd.sum(leaves).parents == tuple(leaves)  # one node, inputs in order


@given(st.integers(1, 6).flatmap(lambda n: st.lists(reals(-10, 10), min_size=2 * n, max_size=2 * n)))
def test_dot(xs):
    n = len(xs) // 2
    check_rule(
        lambda *vs: autograd.dot(vs[:n], vs[n:]),
        lambda *fs: math.fsum(w * x for w, x in zip(fs[:n], fs[n:])),
        xs,
    )


def ref_logsumexp(*fs: float) -> float:
    # Plain math with its own shift, so an overflowing exp cannot hide a wrong forward.
    m = max(fs)
    return m + math.log(math.fsum(math.exp(f - m) for f in fs))


@given(st.lists(reals(-50, 50), min_size=1, max_size=8), st.floats(-1e3, 1e3))
def test_logsumexp(xs, shift):
    check_rule(lambda *vs: autograd.logsumexp(vs), ref_logsumexp, xs)
    # The shift inside: a thousand added to every input, and no overflow.
    big = autograd.logsumexp([Value(x + shift) for x in xs])
    assert math.isclose(big.data, ref_logsumexp(*xs) + shift, rel_tol=1e-12, abs_tol=1e-9)


@given(st.lists(reals(-50, 50), min_size=1, max_size=8))
def test_softmax_and_log_softmax(xs):
    for k in range(len(xs)):
        check_rule(lambda *vs, k=k: autograd.softmax(vs)[k],
                   lambda *fs, k=k: math.exp(fs[k] - ref_logsumexp(*fs)), xs)
        check_rule(lambda *vs, k=k: autograd.log_softmax(vs)[k],
                   lambda *fs, k=k: fs[k] - ref_logsumexp(*fs), xs)


@given(st.lists(reals(-100, 100), min_size=1, max_size=8).flatmap(
    lambda cs: st.tuples(st.just(cs), st.integers(0, len(cs) - 1))))
def test_pick(case):
    choices, k = case
    # The index is input 0: a whole number, not differentiable (its gradient is 0, the
    # slope of a step function away from its jumps); the choices get a one-hot gradient.
    check_rule(lambda i, *vs: autograd.pick(i, vs), lambda i, *fs: fs[int(round(i))],
               [float(k)] + choices, which=list(range(1, len(choices) + 1)))
    index = Value(float(k))
    leaves = [Value(c) for c in choices]
    autograd.pick(index, leaves).backward()
    assert index.grad == 0.0 and [v.grad for v in leaves] == [float(j == k) for j in range(len(choices))]


@pytest.mark.parametrize("index", [-1, 3, 1.5, math.nan, math.inf])
def test_pick_refuses_an_index_that_is_not_a_place(index):
    with pytest.raises(ValueError, match=r"pick: the index \(first input\) must be a whole number from 0 to 2, got"):
        autograd.pick(Value(index), [Value(1.0), Value(2.0), Value(3.0)])


def test_sum_and_dot_accept_plain_numbers():
    w = Value(2.0)
    s = autograd.sum([w, 3, 0.5])
    d = autograd.dot([w, -1.0], [4, w])
    s.backward()
    assert s.data == 5.5 and w.grad == 1.0
    w.grad = 0.0
    d.backward()
    assert d.data == 2 * 4 - 2.0 and w.grad == 4.0 - 1.0


# ---------------------------------------------------------------------------------------
# The function forms and the kinks


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs"])
@pytest.mark.parametrize("x", [0.7, 2.5])
def test_functions_match_methods_and_take_numbers(name, x):
    fn = getattr(autograd, name)
    method = abs if name == "abs" else getattr(Value, name)
    a, b = Value(x), Value(x)
    fa, fb = fn(a), method(b)
    fa.backward()
    fb.backward()
    assert fa.data == fb.data and a.grad == b.grad and fa.op == name
    from_number = fn(x)  # a number becomes a constant leaf
    assert isinstance(from_number, Value) and from_number.data == fa.data


def test_leaky_relu_function_matches_method():
    assert autograd.leaky_relu(-3, 0.2).data == Value(-3.0).leaky_relu(0.2).data == -0.6000000000000001


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda x: x.relu(), 0.0),
        (lambda x: abs(x), 0.0),
        (lambda x: x.leaky_relu(0.1), 0.1),
        (lambda x: x.sqrt(), math.inf),
        (lambda x: x**0.5, math.inf),
        (lambda x: x**0, 0.0),
        (lambda x: x**1, 1.0),
        (lambda x: x**2, 0.0),
    ],
    ids=["relu", "abs", "leaky_relu", "sqrt", "pow_half", "pow_zero", "pow_one", "pow_two"],
)
def test_derivative_at_zero(make, expected):
    # The conventions PyTorch uses at 0 (subgradient 0 at a kink, IEEE inf at a pole);
    # x ** 0.5 and x ** 0 at 0 used to raise a bare "math domain error" from the rule.
    x = Value(0.0)
    make(x).backward()
    assert x.grad == expected


def test_pow_at_zero_base_with_value_exponent():
    x, p = Value(0.0), Value(0.5)
    y = x**p
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf and p.grad == 0.0  # lim 0**p·log(0) is 0


def test_pow_negative_base_has_no_exponent_gradient():
    x, k = Value(-2.0), Value(3.0)
    y = x**k
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0 and k.grad == 0.0


def test_local_grads_are_stored_per_parent():
    a, b = Value(3.0), Value(-2.0)
    assert (a * b).local_grads == (-2.0, 3.0)
    assert (a / b).local_grads == (1 / -2.0, -3.0 / 4.0)  # -a / b²
    assert (a - b).local_grads == (1.0, -1.0)
    # n-ary ops too, each derivative with its own parent: d(w·x)/dw_i = x_i, d/dx_i = w_i.
    w, x = [Value(2.0), Value(5.0)], [Value(7.0), Value(-1.0)]
    d = autograd.dot(w, x)
    assert d.parents == (*w, *x) and d.local_grads == (7.0, -1.0, 2.0, 5.0)
    s = autograd.sum([a, b, a])
    assert s.parents == (a, b, a) and s.local_grads == (1.0, 1.0, 1.0)


# ---------------------------------------------------------------------------------------
# Random expression trees over 2-3 variables, each op kept inside its valid domain.


class Reject(Exception):
    """The drawn point is too near a kink or too large for finite differences."""


UNARY = ["neg", "tanh", "sigmoid", "sin", "cos", "exp", "log", "sqrt", "relu", "abs",
         "leaky", "square", "cube", "pow_const"]
BINARY = ["add", "sub", "mul", "div", "pow_value", "prelu"]


def trees(n_vars: int) -> st.SearchStrategy:
    leaf = st.one_of(
        st.tuples(st.just("var"), st.integers(0, n_vars - 1)),
        st.tuples(st.just("const"), reals(-2, 2)),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(UNARY), children),
            st.tuples(st.sampled_from(BINARY), children, children),
            st.tuples(st.just("sum"), st.lists(children, min_size=1, max_size=4)),
            st.tuples(st.just("dot"), st.lists(st.tuples(children, children), min_size=1, max_size=3)),
        )

    return st.recursive(leaf, extend, max_leaves=12)


def build(tree, xs: list[Value], guard: bool = True):
    """The tree as an engine expression. A constant stays a plain number, so the
    number-on-either-side paths are exercised. With ``guard`` it rejects points that
    finite differences can't judge (near a kink, or huge values)."""
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "sum":
        return autograd.sum([build(t, xs, guard) for t in tree[1]])
    if kind == "dot":
        pairs = [(build(a, xs, guard), build(b, xs, guard)) for a, b in tree[1]]
        return autograd.dot([p[0] for p in pairs], [p[1] for p in pairs])
    if kind in UNARY:
        c = build(tree[1], xs, guard)
        c = c if isinstance(c, Value) else Value(c)
        if guard and kind in ("relu", "abs", "leaky") and abs(c.data) < 1e-2:
            raise Reject
        out = {
            "neg": lambda: -c,
            "tanh": c.tanh,
            "sigmoid": c.sigmoid,
            "sin": c.sin,
            "cos": c.cos,
            "exp": c.exp,
            "log": lambda: (c * c + 0.5).log(),
            "sqrt": lambda: (c * c + 0.1).sqrt(),
            "relu": c.relu,
            "abs": lambda: abs(c),
            "leaky": lambda: c.leaky_relu(0.1),
            "square": lambda: c**2,
            "cube": lambda: c**3,  # negative bases allowed: whole-number exponent
            "pow_const": lambda: (c * c + 0.5) ** -1.5,
        }[kind]()
    else:
        a, b = build(tree[1], xs, guard), build(tree[2], xs, guard)
        if kind == "add":
            out = a + b
        elif kind == "sub":
            out = a - b
        elif kind == "mul":
            out = a * b
        elif kind == "div":
            out = a / (b * b + 0.5)
        elif kind == "pow_value":
            out = (a * a + 0.5) ** autograd.tanh(b)
        else:  # prelu: a learned slope
            a = a if isinstance(a, Value) else Value(a)
            if guard and abs(a.data) < 1e-2:
                raise Reject
            out = a.leaky_relu(b)
    if guard and isinstance(out, Value) and not abs(out.data) < 1e4:
        raise Reject
    return out


def tree_function(tree, guard: bool = False):
    def f(*xs):
        out = build(tree, list(xs), guard)
        return out if isinstance(out, Value) else Value(out)

    return f


def random_graph():
    """A random expression tree over 2-3 variables and a point: (tree, point)."""
    return st.integers(2, 3).flatmap(
        lambda n: st.tuples(trees(n), st.lists(reals(-2, 2), min_size=n, max_size=n)))


def built(case):
    """(root, leaves) for a random_graph() case; cases outside the ops' domains are skipped."""
    tree, point = case
    xs = [Value(x) for x in point]
    try:
        out = tree_function(tree, guard=True)(*xs)
    except Reject:
        assume(False)
    return out, xs


@given(random_graph())
def test_random_expression_trees_match_finite_differences(case):
    tree, point = case
    try:
        tree_function(tree, guard=True)(*[Value(x) for x in point])
    except Reject:
        assume(False)
    assert gradcheck(tree_function(tree), *point, eps=1e-6, atol=1e-5, rtol=1e-4)


@given(random_graph())
def test_random_trees_graph_gradients_equal_float_gradients(case):
    # backward(create_graph=True) runs each rule on Values instead of floats: same numbers.
    out, xs = built(case)
    as_floats = gradients(out, xs)
    as_values = gradients(out, xs, create_graph=True)
    for g, v in zip(as_floats, as_values):
        assert isinstance(v, Value)
        assert math.isclose(v.data, g, rel_tol=1e-12, abs_tol=1e-12)
