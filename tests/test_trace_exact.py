"""A replay computes exactly what the eager loop computes, or ``trace`` refuses (issue #22,
class 2).

Random programs over two inputs and two parameters -- arithmetic, the elementwise ops,
gradients taken inside the function, and the ways a number can leak out of a Value (its
text, ``detach``, ``.data``, ``.grad``, ``.local_grads``) -- are traced and replayed over
a random batch with both backends. Either ``trace`` raises ``TraceError``, or the replayed
loss and every parameter's gradient equal the eager loop's over the same samples.
"""

from __future__ import annotations

import copy
import math
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from autograd import TraceError, Value, gradients, trace

UNARY = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "relu": lambda v: v.relu(),
    "abs": lambda v: abs(v),
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "exp": lambda v: v.tanh().exp(),
    "sqrt": lambda v: (v * v + 1).sqrt(),
    "log": lambda v: (v * v + 1).log(),
    "square": lambda v: v ** 2,
    "cube": lambda v: v ** 3,
    "neg": lambda v: -v,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b.tanh(),
}
# Ways a number leaks out of a Value. Each must be refused while tracing (or, for text
# without the number, replay exactly).
LEAKS = {
    "format": lambda a, b: a * float(f"{b:.3f}"),
    "str": lambda a, b: a * len(str(b)),
    "repr-eval": lambda a, b: a * (1.0 if "data=" in repr(b) else 2.0),
    "detach": lambda a, b: a / b.detach() if abs(b.detach().data) > 0 else a,
    "data": lambda a, b: a * b.data,
    "float": lambda a, b: a * float(b),
    "math": lambda a, b: a * math.tanh(b),
    "local_grads": lambda a, b: a * (b.local_grads[0] if b.local_grads else 1.0),
    "tree": lambda a, b: a * len(b.tree()),
    "grad-float": lambda a, b: a * gradients(b * b, [b])[0],
    "grad-relu": lambda a, b: a + gradients(b.relu() * b, [b], create_graph=True)[0],
    "grad-abs": lambda a, b: a + gradients(abs(b) * b, [b], create_graph=True)[0],
    "grad-pow": lambda a, b: a + gradients((b * b + 1) ** 1.5, [b], create_graph=True)[0],
    "grad-smooth": lambda a, b: a + gradients(b.tanh() * b, [b], create_graph=True)[0],
    "backward-grad": lambda a, b: a * _backward_then_grad(b),
    "deepcopy": lambda a, b: a * copy.deepcopy(b),
    "copy": lambda a, b: a * copy.copy(b),
    "pickle": lambda a, b: a * pickle.loads(pickle.dumps(b)),
    "bool": lambda a, b: a if b else -a,
    "compare": lambda a, b: a if b > 0 else -a,
}
STEP = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("leak"), st.sampled_from(sorted(LEAKS)), st.integers(0, 99), st.integers(0, 99)),
)
SAMPLE = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


def _backward_then_grad(b: Value) -> float:
    (b * b).backward()
    return b.grad


def program(steps, params):
    def fn(x0, x1):
        values = [x0, x1, *params]
        for kind, name, i, j in steps:
            a, b = values[i % len(values)], values[j % len(values)]
            if kind == "unary":
                values.append(UNARY[name](a))
            elif kind == "binary":
                values.append(BINARY[name](a, b))
            else:
                values.append(LEAKS[name](a, b))
        return values[-1] * values[-1] + values[0] * params[0]
    return fn


def eager(fn, params, xs, ys):
    """The loop trace stands in for: mean loss, and the parameters' gradients."""
    for p in params:
        p.grad = 0.0
    total = 0.0
    for x, y in zip(xs, ys):
        loss = fn(Value(x), Value(y)) * (1.0 / len(xs))
        loss.backward()
        total += loss.data
    return total, [p.grad for p in params]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@settings(max_examples=80)
@given(steps=st.lists(STEP, min_size=1, max_size=6), xs=st.lists(SAMPLE, min_size=1, max_size=4),
       ys=st.lists(SAMPLE, min_size=4, max_size=4), example=st.tuples(SAMPLE, SAMPLE))
def test_a_replay_is_the_eager_loop_or_trace_refuses(backend, steps, xs, ys, example):
    params = [Value(0.7, label="w0"), Value(-1.3, label="w1")]
    fn = program(steps, params)
    ys = ys[:len(xs)]
    try:
        traced = trace(fn, *example, backend=backend)
    except TraceError:
        return
    except NotImplementedError:  # the numpy replay lacks an op: the python one has them all
        return
    except TypeError:  # what the eager loop refuses too (float() of a parameter, w0 > 0)
        with pytest.raises(TypeError):
            eager(fn, params, xs, ys)
        return
    expected_loss, expected_grads = eager(fn, params, xs, ys)
    for p in params:
        p.grad = 0.0
    loss = traced.batch(xs, ys)
    assert math.isclose(loss, expected_loss, rel_tol=1e-9, abs_tol=1e-9), (loss, expected_loss)
    for p, g in zip(params, expected_grads):
        assert math.isclose(p.grad, g, rel_tol=1e-7, abs_tol=1e-9), (p.label, p.grad, g)


LEAKING = sorted(set(LEAKS) - {"grad-smooth"})


@pytest.mark.parametrize("leak", LEAKING)
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_each_way_a_number_leaks_is_refused_naming_the_users_line(leak, backend):
    w = Value(0.5, label="w")
    with pytest.raises(TraceError, match=r"test_trace_exact\.py:\d+"):
        trace(lambda x: LEAKS[leak](x * w, x * w + 0.25), 1.0, backend=backend)


def test_the_issues_relu_gradient_penalty_is_refused_not_replayed_wrong():
    w = Value(0.8, label="w")

    def penalty(x, y):
        h = (x * w).relu()
        (g,) = gradients(h, [x], create_graph=True)
        return (h - y) ** 2 + g * g

    with pytest.raises(TraceError, match=r"create_graph=True through relu"):
        trace(penalty, 1.0, 0.5)


@pytest.mark.parametrize("text", [str, repr, print, lambda v: f"{v}", lambda v: f"{v:.3f}", lambda v: "%s" % v])  # noqa: UP031
def test_text_of_a_traced_value_is_refused_and_of_a_parameter_is_not(text):
    w = Value(0.5, label="w")
    with pytest.raises(TraceError, match=r"into text.*Traced.values"):
        trace(lambda x: text(x * w) and x * w, 2.0)
    assert trace(lambda x: (text(w), x * w)[1], 2.0).values([4.0]) == [2.0]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_traced_has_its_own_replay_and_leaves(backend, how):
    w = Value(0.5, label="w")
    traced = trace(lambda x, y: (w * x - y) ** 2, 1.0, 0.0, backend=backend)
    traced.batch([1.0, 2.0], [1.0, 1.0])  # the original has run (and cached its steps)
    twin = copy.deepcopy(traced) if how == "deepcopy" else pickle.loads(pickle.dumps(_named(traced)))
    (w2,) = [v for v in twin.captured if v.label == "w"]
    assert w2 is not w and w2.data == 0.5
    w.grad = w2.grad = 0.0
    assert twin.batch([3.0], [0.0]) == 2.25 and w2.grad == 9.0 and w.grad == 0.0
    w2.data = 1.0  # the twin reads its own leaf
    assert twin.values([3.0], [0.0]) == [9.0] and traced.values([3.0], [0.0]) == [2.25]


def _square_error(x, y):
    return (_W * x - y) ** 2


_W = Value(0.5, label="w")


def _named(traced):
    """The same trace over a module-level function, which pickle can name."""
    return trace(_square_error, 1.0, 0.0, backend=traced.backend)


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("bad", [["12"], ["1.5", "2"], [True, 2.0], [b"12"], [None]])
def test_a_sample_that_is_not_a_number_is_refused_as_the_eager_loop_refuses_it(backend, bad):
    w = Value(0.5)
    if isinstance(bad[0], str) and len(bad[0]) == 2:
        traced = trace(lambda x: x[0] * w + x[1], [1.0, 2.0], backend=backend)
    else:
        traced = trace(lambda x: x * w, 1.0, backend=backend)
    with pytest.raises((TypeError, ValueError), match=r"sample 0"):
        traced.values(bad)
