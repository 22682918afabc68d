"""``autograd.trace``: one sample's graph replayed over a batch equals the eager loop.

Every replay (numpy, and the generated pure Python) is checked against the eager engine on
the same samples: the reduced loss and every captured leaf's gradient, within 1e-12
relative (float64). Nothing here is timed; speed is measured in ``python -m demos.benchmark``.
"""

from __future__ import annotations

import math
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import autograd
import nn
from autograd import OPS, Value, defop, trace
from autograd.views.page import unpacked
from nn import losses
from nn.traced import TERMS

ROOT = Path(__file__).resolve().parent.parent

try:
    import numpy  # noqa: F401

    BACKENDS = ["numpy", "python"]
except ImportError:  # the numpy replay's tests skip; the pure-Python replay runs everywhere
    BACKENDS = [pytest.param("numpy", marks=pytest.mark.skip(reason="numpy is not installed")), "python"]


def close(a: float, b: float, scale: float = 0.0) -> bool:
    """a equals b within 1e-12 relative (to the larger of |b| and ``scale``)."""
    return abs(a - b) <= 1e-12 * max(abs(b), scale) or a == b


def assert_grads_equal(eager: list[float], traced: list[float]) -> None:
    assert len(eager) == len(traced)
    scale = max((abs(g) for g in eager), default=0.0)
    bad = [(i, e, t) for i, (e, t) in enumerate(zip(eager, traced)) if not close(t, e, scale)]
    assert not bad, f"gradients differ (index, eager, traced): {bad[:5]}"


def eager_loss(model, loss: str, X, y, reduction: str = "mean") -> Value:
    """The loss exactly as nn computes it eagerly, on a batch."""
    scores = [model(x) for x in X]
    fn = {"hinge": losses.hinge, "mse": losses.mse,
          "binary_cross_entropy": losses.binary_cross_entropy,
          "cross_entropy": losses.cross_entropy}[loss]
    return fn(scores, y, reduction=reduction)


def targets_for(loss: str, y, classes: int):
    if loss == "cross_entropy":
        return [[1.0 if k == t else 0.0 for k in range(classes)] for t in y]
    return [float(t) for t in y]


def make_problem(seed: int, nin: int, hidden: list[int], loss: str, n: int, activation: str):
    rng = random.Random(seed)
    classes = rng.randint(2, 4) if loss == "cross_entropy" else 1
    model = nn.MLP(nin, hidden + [classes], activation=activation, rng=rng)
    for p in model.parameters():  # biases too, so no pre-activation is exactly 0
        p.data = rng.uniform(-1.0, 1.0)
    X = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(n)]
    if loss == "hinge":
        y = [rng.choice([-1, 1]) for _ in range(n)]
    elif loss == "mse":
        y = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    elif loss == "binary_cross_entropy":
        y = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
    else:
        y = [rng.randrange(classes) for _ in range(n)]
    return model, X, y, classes


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), nin=st.integers(1, 4),
       hidden=st.lists(st.integers(1, 5), max_size=2),
       loss=st.sampled_from(sorted(TERMS)), n=st.integers(1, 12),
       activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
       reduce=st.sampled_from(["mean", "sum"]))
def test_a_replayed_batch_equals_the_eager_loop(backend, seed, nin, hidden, loss, n, activation, reduce):
    model, X, y, classes = make_problem(seed, nin, hidden, loss, n, activation)
    params = model.parameters()
    model.zero_grad()
    eager = eager_loss(model, loss, X, y, reduce)
    eager.backward()
    expected = [p.grad for p in params]

    term = TERMS[loss]
    T = targets_for(loss, y, classes)
    traced = trace(lambda x, t: term(model(x), t), X[0], T[0], backend=backend)
    model.zero_grad()
    value = traced.batch(X, T, reduce=reduce)
    assert close(value, eager.data), (value, eager.data)
    assert_grads_equal(expected, [p.grad for p in params])


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_replay_reads_the_current_parameters_and_adds_to_grad(backend):
    w = Value(2.0, label="w")
    traced = trace(lambda x: (w * x).relu(), 1.0, backend=backend)
    assert traced.captured == [w]
    assert traced.batch([1.0, 3.0], reduce="sum") == 8.0 and w.grad == 4.0
    traced.batch([1.0, 3.0], reduce="sum")
    assert w.grad == 8.0  # adds, as backward does
    w.data = -1.0  # the next replay sees the new number: every sample now below 0
    w.grad = 0.0
    assert traced.batch([1.0, 3.0]) == 0.0 and w.grad == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_dependent_derivatives_replay_per_sample(backend):
    # relu, abs and leaky_relu (with a learned slope) change slope at 0: each sample of the
    # batch must take its own side, whatever side the traced example was on.
    a, slope = Value(0.7, label="a"), Value(0.1, label="slope")
    def f(x):
        return (a * x).relu() + abs(x - a) + (x * a - 0.5).leaky_relu(slope) + (x * x).sqrt()
    traced = trace(f, 2.0, backend=backend)
    xs = [-2.0, -0.3, 0.1, 0.7, 1.5, 3.0]
    a.grad = slope.grad = 0.0
    got = traced.batch(xs)
    expected = autograd.sum([f(Value(x)) for x in xs]) * (1.0 / len(xs))
    ga, gs = a.grad, slope.grad
    a.grad = slope.grad = 0.0
    expected.backward()
    assert close(got, expected.data)
    assert_grads_equal([a.grad, slope.grad], [ga, gs])


# One expression per op of the table, with inputs inside its domain.
OP_CASES = {
    "add": lambda x, w: x + w, "sub": lambda x, w: x - w, "mul": lambda x, w: x * w,
    "div": lambda x, w: w / (x * x + 1.0), "pow": lambda x, w: (x * x + 0.5) ** w,
    "neg": lambda x, w: -(x * w), "abs": lambda x, w: abs(x * w), "exp": lambda x, w: (x * w).exp(),
    "log": lambda x, w: (x * x + w * w).log(), "sqrt": lambda x, w: (x * x + w).sqrt(),
    "tanh": lambda x, w: (x * w).tanh(), "sigmoid": lambda x, w: (x * w).sigmoid(),
    "relu": lambda x, w: (x * w).relu(), "leaky_relu": lambda x, w: x.leaky_relu(w),
    "sin": lambda x, w: (x * w).sin(), "cos": lambda x, w: (x * w).cos(),
    "sum": lambda x, w: autograd.sum([x, w, x * w, 2.0]),
    "dot": lambda x, w: autograd.dot([x, w, x], [x, x, w]),
    "pick": lambda x, w: autograd.pick(1, [x * w, x + w, w]),
    "logsumexp": lambda x, w: autograd.logsumexp([x * w, x, w, 2.0]),
}


def test_every_op_of_the_table_has_a_case():
    # The engine's own entries (other tests and docs may add theirs to OPS for a while).
    builtin = {op.name for op in vars(autograd.ops).values() if isinstance(op, autograd.ops.Op) and op.name}
    assert builtin <= set(OPS) and set(OP_CASES) == builtin, builtin ^ set(OP_CASES)
    # every row has every form: the numpy replay runs them all, the page recomputes them all
    assert all(OPS[name].array and OPS[name].source and OPS[name].js and OPS[name].doc for name in builtin)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(OP_CASES))
def test_every_op_replays_as_the_engine_computes_it(backend, name):
    expr = OP_CASES[name]
    w = Value(0.8, label="w")
    # A number as the exponent of pow is a constant; a Value one is learned: both here.
    traced = trace(lambda x: expr(x, w), 0.5, backend=backend)
    xs = [-1.7, -0.4, 0.0, 0.3, 1.2, 2.5]
    w.grad = 0.0
    got = traced.batch(xs, reduce="sum")
    traced_grad = w.grad
    w.grad = 0.0
    expected = autograd.sum([expr(Value(x), w) for x in xs])
    expected.backward()
    assert close(got, expected.data), (got, expected.data)
    assert close(traced_grad, w.grad), (traced_grad, w.grad)
    values = traced.values(xs)
    assert all(close(v, expr(Value(x), w).data) for v, x in zip(values, xs))


def test_a_users_op_replays_in_python_and_numpy_refuses_it_by_name():
    cube = defop("cube_for_trace_test", "x³", lambda x: x * x * x, lambda out, x: (3.0 * x * x,))
    try:
        w = Value(1.5)
        f = lambda x: autograd.apply(cube, x * w)  # noqa: E731
        traced = trace(f, 1.0)
        assert traced.backend == "python"  # chosen because numpy has no rule for it
        w.grad = 0.0
        assert close(traced.batch([1.0, 2.0], reduce="sum"), 1.5**3 * 9)
        assert close(w.grad, 3 * 1.5**2 * (1 + 8))
        if "numpy" in BACKENDS:
            with pytest.raises(NotImplementedError, match="cube_for_trace_test.*backend='python'"):
                trace(f, 1.0, backend="numpy")
    finally:
        del OPS["cube_for_trace_test"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_list_arguments_and_several_outputs(backend):
    w = [Value(0.5), Value(-2.0)]
    def f(pair, scale):
        (a, b), c = pair, scale
        return [a * w[0] + b * w[1], c * a]
    traced = trace(f, [[1.0, 2.0]][0], 3.0, backend=backend)
    assert traced.values([[1.0, 2.0], [0.0, 1.0]], [3.0, -1.0]) == [[-3.5, 3.0], [-2.0, -0.0]]
    with pytest.raises(TypeError, match="returned a list; batch needs one Value"):
        traced.batch([[1.0, 2.0]], [1.0])
    nested = trace(lambda p: p[0][0] * p[1] * w[0], [[1.0], 2.0], backend=backend)
    assert nested.values([[[3.0], 2.0]]) == [3.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sample_outside_an_ops_domain_gets_the_engines_own_error(backend):
    w = Value(1.0)
    traced = trace(lambda x: (x * w).log(), 2.0, backend=backend)
    with pytest.raises(ValueError, match=r"log: input must be > 0, got -3\.0"):
        traced.batch([1.0, -3.0])
    with pytest.raises(ZeroDivisionError, match="div: the divisor must not be 0"):
        trace(lambda x: w / x, 1.0, backend=backend).batch([2.0, 0.0])


def test_bad_batches_and_bad_traces_are_refused_with_what_to_do():
    w = Value(1.0)
    traced = trace(lambda x, y: x * w - y, 1.0, 2.0)
    with pytest.raises(ValueError, match=r"different lengths \[1, 2\]"):
        traced.batch([1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        traced.batch([1.0])
    with pytest.raises(ValueError, match="the batch is empty"):
        traced.batch([], [])
    with pytest.raises(ValueError, match="reduce must be 'mean' or 'sum'"):
        traced.batch([1.0], [1.0], reduce="max")
    with pytest.raises((TypeError, ValueError), match="sample 0"):
        trace(lambda x: x[0] * w, [1.0, 2.0]).batch([[1.0]])
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(ValueError, match="does not depend on its arguments"):
        trace(lambda x: w * 2.0, 1.0)
    with pytest.raises(TypeError, match="argument arg0 must be a Value, a number or a list"):
        trace(lambda x: x, "one")
    with pytest.raises(ValueError, match="backend must be"):
        trace(lambda x: x * w, 1.0, backend="gpu")


def test_the_traced_graph_is_a_graph_the_views_show():
    model = nn.MLP(2, [3, 1], seed=0)
    traced = trace(lambda x, y: nn.traced.hinge_term(model(x), y), [0.5, -1.0], 1.0)
    graph = traced.graph
    assert isinstance(graph, Value) and graph.op == "relu"
    assert autograd.tree(graph).startswith("relu: ReLU") and "arg0[1]" in autograd.tree(graph)
    explained = autograd.explain(graph, model.layers[0].neurons[0].w[0])
    assert explained is not None
    if shutil.which("dot"):
        assert "ReLU" in autograd.draw(graph).pipe(format="svg").decode()
        page = autograd.html(graph)  # the step-through page of the traced sample
        assert len(page.steps) > 3 and "ReLU" in unpacked(str(page))
    assert "3 inputs" in repr(traced) and "captured" in repr(traced)


def test_without_numpy_trace_uses_the_generated_python():
    # A fresh interpreter in which numpy cannot be imported.
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from autograd import Value, trace\n"
        "w = Value(2.0)\n"
        "t = trace(lambda x: (w * x - 1.0) ** 2, 1.0)\n"
        "print(t.backend, t.batch([1.0, 2.0]), w.grad)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", "5.0", "7.0"]  # mean(1, 9); mean(2·1·1, 2·2·3)


def test_the_generated_source_is_straight_line_code_from_the_tape():
    w = Value(2.0)
    traced = trace(lambda x: (w * x).relu(), 1.0, backend="python")
    source = traced._replay.source(True)
    # One loop, over the samples; no calls into the engine, no node objects.
    assert source.count("for ") == 1 and "Value" not in source
    lines = [line.strip() for line in source.splitlines()]
    assert "v3 = 0.0 if v2 <= 0.0 else v2" in lines  # relu, inline
    assert "g2 = (g3 if v2 > 0.0 else 0.0)" in lines  # its slope, per sample
    assert "a0 += g2 * v1" in lines  # into the accumulator of the captured w
    assert math.isfinite(traced.batch([1.0]))


@pytest.mark.parametrize("loss", sorted(TERMS))
def test_fit_with_trace_trains_exactly_as_eager_fit(loss):
    X, labels = nn.make_moons(40, noise=0.1, seed=0)
    y = {"hinge": [2 * t - 1 for t in labels], "mse": [float(t) for t in labels]}.get(loss, labels)
    runs = []
    for traced in (False, True):
        model = nn.MLP(2, [6, 2 if loss == "cross_entropy" else 1], seed=1)
        history = nn.fit(model, X, y, epochs=4, loss=loss, batch_size=16, alpha=1e-3, seed=3,
                         progress=False, trace=traced, optimizer=nn.Adam(model.parameters(), lr=0.02))
        runs.append((history, [p.data for p in model.parameters()]))
    (eager, eager_weights), (replayed, replayed_weights) = runs
    assert replayed["trace"] in ("numpy", "python") and "trace" not in eager
    assert all(close(a, b) for a, b in zip(replayed["loss"], eager["loss"])), (replayed["loss"], eager["loss"])
    assert replayed.get("accuracy") == eager.get("accuracy")
    assert_grads_equal(eager_weights, replayed_weights)


def test_fit_says_why_it_cannot_trace_and_trains_eagerly():
    X, labels = nn.make_xor()
    y = [2 * t - 1 for t in labels]
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.warns(UserWarning, match=r"fit\(trace=True\): cannot trace, the loss is a function"):
        history = nn.fit(model, X, y, epochs=2, loss=lambda s, t: nn.hinge(s, t), progress=False, trace=True)
    assert history["trace"].startswith("eager: the loss is a function")
    with pytest.raises(ValueError, match=r"fit: loss='hinge' \(the default\) takes labels -1 and \+1"
                       r".*\[2 \* t - 1 for t in y\]"):
        nn.fit(model, X, labels, epochs=1, progress=False, trace=True)


# -- sound or refused: each way of turning a traced Value into a Python number ------------

REFUSED = {
    ".data": (lambda w: lambda x: x * w if x.data > 0 else -x, r"reads the number of a traced Value \(\.data\)"),
    "float()": (lambda w: lambda x: Value(math.exp(x)) * w, r"into a number \(float\(\), math"),
    "bool()": (lambda w: lambda x: x * w if x else -x, r"branches on a traced Value"),
    "<": (lambda w: lambda x: x * w if x < w else -x, r"compares a traced Value \(<"),
    ">=": (lambda w: lambda x: x * w if x * 2 >= 1.0 else -x, r"compares a traced Value \(>="),
    "max": (lambda w: lambda x: max(x * w, x), r"compares a traced Value \(>"),
    "sorted": (lambda w: lambda x: sorted([x, x * w])[0], r"compares a traced Value \(<"),
    "a loss that reads numbers": (lambda w: lambda x: nn.cross_entropy([x * w, x], 0),
                                  r"\.data.*inside nn\.losses line \d+"),
}


@pytest.mark.parametrize("way", sorted(REFUSED))
def test_branching_on_a_traced_number_is_refused_with_the_users_line(way):
    make, message = REFUSED[way]
    fn = make(Value(0.5))
    with pytest.raises(autograd.TraceError, match=message) as caught:
        trace(fn, 1.0)
    text = str(caught.value)
    assert "test_trace.py:" in text and "relu" in text  # the user's line, and what to use


def test_outside_trace_and_for_untraced_values_nothing_changes():
    w = Value(0.5)
    # Parameters and constants may be read while tracing: they are not per-sample.
    traced = trace(lambda x: (x * w).relu() * w.data + w.data, 2.0)
    assert traced.values([2.0]) == [1.0]
    # The guard is gone once trace returns, even after a refusal.
    with pytest.raises(autograd.TraceError):
        trace(lambda x: x.data * w, 1.0)
    x = Value(3.0) * 2
    assert x.data == 6.0
    with autograd.no_grad():  # Value's own contract: numbers out only where nothing records
        assert float(x) == 6.0 and bool(x) is True
    with pytest.raises(TypeError, match="'<' not supported"):
        x < w  # noqa: B015 - comparisons stay unsupported, as before
    assert "data" in type(x).__mro__[1].__dict__ and not isinstance(type(x).__mro__[1].__dict__["data"], property)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bias_columns_and_the_layers_that_cannot_take_one_replay_exactly(backend):
    # The numpy plan puts a layer's biases into its matrix product as one more column,
    # against a row holding their common factor under the layer's inputs. Here: a layer
    # whose factor is a parameter (its gradient is checked too); a layer on the last of the
    # same inputs with another factor (the row is taken: its bias is added apart); a layer
    # whose factors are separate constants; and one where a neuron has no bias.
    rng = random.Random(7)
    p = lambda: Value(rng.uniform(-1, 1))  # noqa: E731
    c, d = Value(0.5, label="c"), Value(-1.5, label="d")
    A = [([p(), p()], p()) for _ in range(3)]
    B = [([p()], p()) for _ in range(2)]
    C = [([p(), p(), p()], p()) for _ in range(2)]
    D = [[p(), p()], [p(), p(), p()]]
    params = [c, d] + [q for ws, b in A + B + C for q in ws + [b]] + [q for ws in D for q in ws]

    def f(x):
        a = [autograd.dot(ws + [b], x + [c]).tanh() for ws, b in A]
        b_ = [autograd.dot(ws + [b], x[1:] + [d]).relu() for ws, b in B]
        h = [autograd.dot(ws + [b], a + [1.0]).tanh() for ws, b in C]
        last = [autograd.dot(D[0], h), autograd.dot(D[1], h + [c])]
        return autograd.sum(last + b_) ** 2

    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(7)]
    traced = trace(f, [0.1, 0.2], backend=backend)
    if backend == "numpy":  # the first layer did take the column, the others did not
        spare_rows = [view[2] for view in traced._replay.views.values()]
        assert sum(r is not None for r in spare_rows) == 1 and len(spare_rows) == 4
    for q in params:
        q.grad = 0.0
    got = traced.batch(X, reduce="sum")
    traced_grads = [q.grad for q in params]
    for q in params:
        q.grad = 0.0
    expected = autograd.sum([f([Value(a) for a in x]) for x in X])
    expected.backward()
    assert close(got, expected.data)
    assert_grads_equal([q.grad for q in params], traced_grads)
    assert c.grad != 0.0  # the factor's own gradient is in the comparison
    c.data = 2.0  # a new factor is read by the next replay
    assert all(close(v, f([Value(a) for a in x]).data) for v, x in zip(traced.values(X), X))


@pytest.mark.parametrize("backend", BACKENDS)
def test_shared_inputs_tied_weights_and_shared_nodes_replay_exactly(backend):
    # The cases a plan must not get wrong: one input read twice by one group (a*a, and two
    # muls of the same level both reading x), one weight in two neurons and in two layers
    # (tied), a node of parameters only (computed once per replay), a dot of per-sample
    # values on both sides, a sum with fixed terms.
    w, v, c = Value(0.7, label="w"), Value(-0.4, label="v"), Value(1.3, label="c")
    def f(x, y):
        shared = w * c  # depends on parameters only
        h1 = autograd.dot([w, v, w], [x, y, 1.0]).tanh()
        h2 = autograd.dot([v, w, c], [x, y, 1.0]).relu()
        out = autograd.dot([w, w], [h1, h2]) + x * x + (x * w) * (x * v) + shared * y
        return autograd.sum([out, autograd.dot([x, h1], [y, h2]), c, 2.0]) ** 2
    X = [random.Random(k).uniform(-2, 2) for k in range(9)]
    Y = [random.Random(k + 50).uniform(-2, 2) for k in range(9)]
    traced = trace(f, 0.3, -0.2, backend=backend)
    for p in (w, v, c):
        p.grad = 0.0
    got = traced.batch(X, Y)
    traced_grads = [w.grad, v.grad, c.grad]
    for p in (w, v, c):
        p.grad = 0.0
    expected = autograd.sum([f(Value(x), Value(y)) for x, y in zip(X, Y)]) * (1.0 / len(X))
    expected.backward()
    assert close(got, expected.data)
    assert_grads_equal([w.grad, v.grad, c.grad], traced_grads)
    # And after the parameters change, the next replay follows them.
    w.data, c.data = -0.2, 0.5
    assert all(close(a, f(Value(x), Value(y)).data) for a, x, y in zip(traced.values(X, Y), X, Y))
