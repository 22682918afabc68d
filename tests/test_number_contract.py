"""No gradient is cut without a word (issue #22, class 3).

The contract: a Value gives up its number by ``.data`` (and by formatting, for printing).
Every conversion to a plain number -- float(), int(), round(), bool(), math.trunc/floor/ceil,
and so every math.* function, '%f' % v and numpy's float conversions -- is refused while
ops record, with a message naming ``.data`` and the Value's own ops; under ``no_grad``
nothing records, so nothing can be cut, and the conversion gives the number.

Each route below is tried as ``route(x) * w``: it must either refuse with our message or
give x the true gradient (numpy's ufuncs on object arrays call the Value's own method).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd import Value, no_grad

ROUTES = {
    "float": lambda v: float(v),
    "int": lambda v: int(v),
    "round": lambda v: round(v),
    "round(v, 2)": lambda v: round(v, 2),
    "bool": lambda v: 1.0 if v else 0.0,
    "and": lambda v: v and 2.0,
    "math.trunc": math.trunc,
    "math.floor": math.floor,
    "math.ceil": math.ceil,
    "math.exp": math.exp,
    "math.log": math.log,
    "math.sqrt": math.sqrt,
    "math.tanh": math.tanh,
    "math.pow": lambda v: math.pow(v, 2),
    "math.fsum": lambda v: math.fsum([v, 1.0]),
    "math.isfinite": lambda v: 1.0 if math.isfinite(v) else 0.0,
    "math.copysign": lambda v: math.copysign(2.0, v),
    "%f": lambda v: "%f" % v,  # noqa: UP031 - the route under test
    "complex": lambda v: complex(v).real,
    "statistics.fmean": lambda v: statistics.fmean([v, v]),
    "np.float64": lambda v: np.float64(v),
    "np.array float": lambda v: np.array([v], dtype=float)[0],
    "np.asarray float": lambda v: np.asarray(v, dtype=np.float64),
    "np.exp (object)": lambda v: np.exp(np.array([v], dtype=object))[0],
    "np.tanh (scalar)": lambda v: np.tanh(v),
    "np.sum (object)": lambda v: np.sum(np.array([v, v], dtype=object)),
}
# What each route computes, for the gradient check where a route keeps the graph.
TRUE = {"np.exp (object)": math.exp, "np.tanh (scalar)": math.tanh, "np.sum (object)": lambda x: 2 * x}


@pytest.mark.parametrize("route", sorted(ROUTES))
@given(x=st.floats(0.1, 3.0))
def test_every_way_out_of_a_value_refuses_or_keeps_the_gradient(route, x):
    v, w = Value(x, label="x"), Value(1.5, label="w")
    try:
        out = ROUTES[route](v)
    except TypeError as error:
        assert "cut the gradient" in str(error) and "v.data" in str(error) and "no_grad" in str(error)
        return
    # The route kept the graph: the result is a Value, and its gradient is the true one.
    assert isinstance(out, Value), f"{route} gave a plain {type(out).__name__}: the gradient was cut"
    (out * w).backward()
    f = TRUE[route]
    h = 1e-6
    slope = (f(x + h) - f(x - h)) / (2 * h) * 1.5
    assert math.isclose(v.grad, slope, rel_tol=1e-5, abs_tol=1e-7)


def test_the_example_of_the_issue_now_says_what_to_write():
    x, w = Value(3.0, label="x"), Value(1.1, label="w")
    with pytest.raises(TypeError, match=r"float\(\) of a Value 'x' \(data=3.0\).*v\.exp\(\)"):
        math.exp(x) * w
    y = x.exp() * w
    y.backward()
    assert math.isclose(x.grad, 1.1 * math.exp(3.0))


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_under_no_grad_every_route_gives_the_number(route):
    with no_grad():
        v = Value(2.0) * 1.0
        out = ROUTES[route](v)
    assert out is not None and not (isinstance(out, Value) and out.parents)


def test_printing_and_formatting_keep_working_while_recording():
    v = Value(2.0 / 3.0, label="v") * 1.0
    assert f"{v:.3f}" == "0.667" and f"{v:>8.2f}" == "    0.67" and "data=0.666667" in str(v)
    assert f"{v:.1e}" == "6.7e-01" and "data=" in f"{v}" and v.data == 2.0 / 3.0
