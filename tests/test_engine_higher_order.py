"""Second and third derivatives: backward(create_graph=True), gradients(..., create_graph=True)
and nested grad, against analytic derivatives and finite differences of the gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, strategies as st
from test_engine_rules import Reject, reals, tree_function, trees

import autograd
from autograd import Value, grad, gradients, no_grad


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# (name, f on Values, analytic f'' on floats, domain)
SECOND_DERIVATIVES = [
    ("sin", lambda x: x.sin(), lambda x: -math.sin(x), reals(-10, 10)),
    ("cos", lambda x: x.cos(), lambda x: -math.cos(x), reals(-10, 10)),
    ("exp", lambda x: x.exp(), math.exp, reals(-10, 10)),
    ("tanh", lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), reals(-5, 5)),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)), reals(-10, 10)),
    ("log", lambda x: x.log(), lambda x: -1 / x**2, reals(0.05, 100)),
    ("sqrt", lambda x: x.sqrt(), lambda x: -0.25 * x**-1.5, reals(0.05, 100)),
    ("cube", lambda x: x**3, lambda x: 6 * x, reals(-10, 10)),
    ("pow_2.5", lambda x: x**2.5, lambda x: 2.5 * 1.5 * x**0.5, reals(0.05, 10)),
    ("reciprocal", lambda x: 1 / x, lambda x: 2 / x**3, reals(0.1, 10)),
    ("x_exp_x", lambda x: x * x.exp(), lambda x: (x + 2) * math.exp(x), reals(-5, 5)),
    ("relu_sq", lambda x: x.relu() * x, lambda x: 2.0 if x > 0 else 0.0, reals(-5, 5)),
    ("abs_cube", lambda x: abs(x) ** 3, lambda x: 6 * abs(x), reals(-5, 5)),
]


def second_by_backward(f, x0: float) -> float:
    x = Value(x0)
    grads = f(x).backward(create_graph=True)
    assert x.grad == grads[x].data  # the first derivative, as a number
    x.grad = 0.0
    grads[x].backward()
    return x.grad


def second_by_gradients(f, x0: float) -> float:
    x = Value(x0)
    (dx,) = gradients(f(x), [x], create_graph=True)
    (ddx,) = gradients(dx, [x])
    return ddx


def second_by_grad(f, x0: float) -> float:
    return grad(grad(f))(x0)


ROUTES = [second_by_backward, second_by_gradients, second_by_grad]


@pytest.mark.parametrize("route", ROUTES, ids=["backward", "gradients", "grad_grad"])
@pytest.mark.parametrize("name, f, f2, domain", SECOND_DERIVATIVES, ids=[c[0] for c in SECOND_DERIVATIVES])
@given(data=st.data())
def test_second_derivative(route, name, f, f2, domain, data):
    x0 = data.draw(domain)
    got = route(f, x0)
    assert math.isclose(got, f2(x0), rel_tol=1e-9, abs_tol=1e-12), (name, x0, got, f2(x0))


def test_backward_create_graph_returns_values_for_every_node():
    x, y = Value(2.0), Value(3.0)
    h = x * y
    z = h.sin()
    grads = z.backward(create_graph=True)
    assert set(grads) == {x, y, h, z}
    assert all(isinstance(g, Value) for g in grads.values())
    assert grads[z].data == 1.0 and math.isclose(grads[x].data, 3 * math.cos(6.0), rel_tol=1e-15)
    assert x.grad == grads[x].data and y.grad == grads[y].data  # .grad gets the numbers too


def test_mixed_partials_of_x_times_y():
    x, y = Value(2.0), Value(-3.0)
    dx, dy = gradients(x * y, [x, y], create_graph=True)
    assert gradients(dx, [x, y]) == [0.0, 1.0]
    assert gradients(dy, [x, y]) == [1.0, 0.0]
    assert grad(lambda a, b: grad(lambda a, b: a * b, 0)(a, b), 1)(2.0, -3.0) == 1.0


def test_mixed_partials_of_pow_with_value_exponent():
    a0, b0 = 1.7, 0.6
    a, b = Value(a0), Value(b0)
    da, db = gradients(a**b, [a, b], create_graph=True)
    daa, dab = gradients(da, [a, b])
    dba, dbb = gradients(db, [a, b])
    assert math.isclose(daa, b0 * (b0 - 1) * a0 ** (b0 - 2), rel_tol=1e-12)
    assert math.isclose(dab, a0 ** (b0 - 1) * (1 + b0 * math.log(a0)), rel_tol=1e-12)
    assert math.isclose(dba, dab, rel_tol=1e-12)
    assert math.isclose(dbb, a0**b0 * math.log(a0) ** 2, rel_tol=1e-12)


def test_mixed_partials_of_division_and_prelu_and_dot():
    a, b = Value(3.0), Value(-2.0)
    da, db = gradients(a / b, [a, b], create_graph=True)
    assert gradients(db, [a, b]) == [-1 / 4.0, 2 * 3.0 / (-2.0) ** 3]
    x, s = Value(-1.5), Value(0.2)
    dx, ds = gradients(x.leaky_relu(s), [x, s], create_graph=True)
    assert (dx.data, ds.data) == (0.2, -1.5)
    assert gradients(dx, [x, s]) == [0.0, 1.0]
    w1, w2, x1, x2 = Value(1.0), Value(2.0), Value(3.0), Value(4.0)
    (dw1,) = gradients(autograd.dot([w1, w2], [x1, x2]), [w1], create_graph=True)
    assert gradients(dw1, [w1, w2, x1, x2]) == [0.0, 0.0, 1.0, 0.0]


def test_hessian_vector_product():
    # f = x²y + sin(x)·y³; H = [[2y - sin(x)y³, 2x + 3cos(x)y²], [2x + 3cos(x)y², 6sin(x)y]]
    x0, y0, v = 0.8, -1.3, (0.5, 2.0)
    x, y = Value(x0), Value(y0)
    gx, gy = gradients(x * x * y + x.sin() * y**3, [x, y], create_graph=True)
    hv = gradients(gx * v[0] + gy * v[1], [x, y])
    hxx = 2 * y0 - math.sin(x0) * y0**3
    hxy = 2 * x0 + 3 * math.cos(x0) * y0**2
    hyy = 6 * math.sin(x0) * y0
    assert math.isclose(hv[0], hxx * v[0] + hxy * v[1], rel_tol=1e-12)
    assert math.isclose(hv[1], hxy * v[0] + hyy * v[1], rel_tol=1e-12)


@pytest.mark.parametrize(
    "f, f3, x0",
    [
        (lambda x: x**4, lambda x: 24 * x, 1.3),
        (lambda x: x.sin(), lambda x: -math.cos(x), 0.4),
        (lambda x: x.exp() * x, lambda x: (x + 3) * math.exp(x), -0.7),
        (lambda x: x.log(), lambda x: 2 / x**3, 2.5),
    ],
)
def test_third_derivative_by_three_nested_grads(f, f3, x0):
    assert math.isclose(grad(grad(grad(f)))(x0), f3(x0), rel_tol=1e-12)
    x = Value(x0)  # and by create_graph twice
    (d1,) = gradients(f(x), [x], create_graph=True)
    (d2,) = gradients(d1, [x], create_graph=True)
    assert math.isclose(gradients(d2, [x])[0], f3(x0), rel_tol=1e-12)


def test_grad_of_a_closure_over_the_outer_variable():
    assert grad(lambda x: x * grad(lambda y: x * y)(3.0))(2.0) == 4.0


def test_nested_grad_does_not_confuse_its_argument_with_a_closure():
    # d/dx [d/dy (y·x) at y = x] = d/dx [x] = 1. Passing the outer Value straight in
    # used to make the inner grad differentiate x·x, giving 2 (perturbation confusion).
    assert grad(lambda x: grad(lambda y: y * x)(x))(2.0) == 1.0
    assert grad(lambda x: grad(lambda y: y * y * x)(x))(3.0) == 4 * 3.0


def test_grad_ignores_an_outer_no_grad():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert grad(grad(lambda x: x**3))(2.0) == 12.0


def test_no_grad_inside_the_function_still_applies():
    def f(x):
        with no_grad():
            c = x * 10  # a constant as far as the gradient is concerned
        return c * x

    assert grad(f)(2.0) == 20.0


@given(st.integers(2, 3).flatmap(lambda n: st.tuples(trees(n), st.lists(reals(-2, 2), min_size=n, max_size=n))))
def test_random_tree_hessian_matches_finite_differences_of_the_gradient(case):
    tree, point = case
    f = tree_function(tree)
    xs = [Value(x) for x in point]
    try:
        out = tree_function(tree, guard=True)(*xs)
    except Reject:
        assume(False)
    first = gradients(out, xs, create_graph=True)
    for i, g in enumerate(first):
        row = gradients(g, xs)
        for j in range(len(point)):
            h = 1e-5
            hi, lo = list(point), list(point)
            hi[j] += h
            lo[j] -= h
            g_hi = gradients(f(*(vs := [Value(v) for v in hi])), vs)[i]
            g_lo = gradients(f(*(vs := [Value(v) for v in lo])), vs)[i]
            numeric = (g_hi - g_lo) / (hi[j] - lo[j])
            assert math.isclose(row[j], numeric, rel_tol=1e-4, abs_tol=1e-4), (i, j, row[j], numeric)
