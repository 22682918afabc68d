"""Every op's forms compute what its float rules compute: the array form (numpy replay), the
Python-source form (generated replay) and the JavaScript form (the page, in Chromium).

The JavaScript checks share one page load: ``compute.js`` and every op's JS form on a page
with the pages' Content-Security-Policy (inline script, no eval), and each hypothesis
example is one call into it with a whole list of inputs.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

import autograd
from autograd import OPS, Value, defop, trace
from autograd.ops import ArrayForm, JsForm, SourceForm
from autograd.views.compute import js_rows, script
from autograd.views.page import policy

np = pytest.importorskip("numpy")
from autograd.tracing.numpy_replay import XP  # noqa: E402 - needs numpy

pytestmark = pytest.mark.slow

BUILTIN = sorted(op.name for op in vars(autograd.ops).values() if isinstance(op, autograd.ops.Op) and op.name)
REL = 1e-12

# Inputs the float rules treat specially: 0 and -0 (pow, sqrt, relu, abs), large |x|
# (sigmoid's two forms, exp's overflow), inf and nan, whole and fractional exponents.
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 3.0, 1e-300, 40.0, -40.0, 710.0, -745.0,
         1e300, -1e300, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.sampled_from(EDGES), st.floats(-60.0, 60.0), st.integers(-6, 6).map(float))


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=REL, abs_tol=1e-300)


def arity(name: str) -> int:
    return 4 if OPS[name].nary else len(OPS[name].js.local)


def floats_of(name: str, xs: list[float]):
    """The float form's value and locals, or None where it refuses the inputs."""
    op = OPS[name]
    try:
        out = op.forward(list(xs)) if op.nary else op.forward(*xs)
        local = op.local(out, list(xs)) if op.nary else op.local(out, *xs)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return out, [float(d) for d in local]


# -- the JavaScript forms, in Chromium -----------------------------------------------------


def _page(title: str, text: str) -> str:
    """A page running the script ``text`` under the pages' policy, which allows exactly it."""
    return (f'<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
            f'content="{policy(text)}"><title>{title}</title><script>{text}</script>')


@pytest.fixture(scope="module")
def js_tab(browser, tmp_path_factory):
    """One page holding compute.js and every op's JS form, under the pages' CSP."""
    path = tmp_path_factory.mktemp("forms") / "forms.html"
    path.write_text(_page("forms", f"\n{script(OPS.values())}\n"), encoding="utf-8")
    tab = browser.open(path)
    yield tab
    tab.check()


# One call for a whole list of cases: [name, inputs, the float form's out] each; returns
# [refused, out, locals computed from the float form's out] each (locals from the same out,
# so a last-bit difference of tanh or exp between libms is not multiplied by 1 - o²).
_JS_CASES = """cases => cases.map(([name, xs, pyOut]) => {
    const op = chainruleCompute.ops[name], N = chainruleCompute.number;
    xs = xs.map(N); pyOut = N(pyOut);
    const refused = op.invalid ? !!(op.nary ? op.invalid(xs) : op.invalid(...xs)) : false;
    if (refused) return [true, null, null];
    const out = op.nary ? op.forward(xs) : op.forward(...xs);
    const local = op.nary ? op.local(pyOut, xs) : op.local(pyOut, ...xs);
    const text = x => Number.isFinite(x) ? x : String(x);
    return [false, text(out), Array.from(local, text)];
})"""


def _js_number(x):
    return {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}[x] if isinstance(x, str) else float(x)


def _wire(x: float):
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def check_js(tab, name: str, inputs: list[list[float]]) -> None:
    expected = [floats_of(name, xs) for xs in inputs]
    cases = [[name, [_wire(x) for x in xs], _wire(e[0]) if e else 0.0] for xs, e in zip(inputs, expected)]
    for xs, want, (refused, out, local) in zip(inputs, expected, tab.js(_JS_CASES, cases)):
        assert refused == (want is None), (name, xs, "JS refuses" if refused else "JS accepts", want)
        if want is not None:
            assert close(_js_number(out), want[0]), (name, xs, out, want[0])
            got = [_js_number(d) for d in local]
            assert all(close(g, w) for g, w in zip(got, want[1])) and len(got) == len(want[1]), (name, xs, got, want[1])


@pytest.mark.parametrize("name", BUILTIN)
def test_the_js_form_computes_what_the_float_form_does(js_tab, name):
    @given(st.lists(st.lists(numbers, min_size=arity(name), max_size=arity(name)), min_size=1, max_size=40))
    def run(inputs):
        check_js(js_tab, name, inputs)

    run()
    check_js(js_tab, name, [[a, b, a, b][:arity(name)] for a in EDGES for b in EDGES])


# -- the array forms, with numpy ------------------------------------------------------------


def check_array(name: str, inputs: list[list[float]]) -> None:
    op, form = OPS[name], OPS[name].array
    cols = [np.array(c) for c in zip(*inputs)]
    expected = [floats_of(name, xs) for xs in inputs]
    with np.errstate(all="ignore"):  # the replay's IEEE results for refused inputs are unread
        refused = (form.invalid(XP, cols) if op.nary else form.invalid(XP, *cols)) if form.invalid else \
            np.zeros(len(inputs), dtype=bool)
        out = form.forward(XP, cols) if op.nary else form.forward(XP, *cols)
        py_out = np.array([e[0] if e else 1.0 for e in expected])
        local = form.local(XP, py_out, cols) if op.nary else form.local(XP, py_out, *cols)
    local = [np.broadcast_to(np.asarray(d, dtype=float), out.shape) for d in local]
    for k, (xs, want) in enumerate(zip(inputs, expected)):
        assert bool(np.broadcast_to(refused, out.shape)[k]) == (want is None), (name, xs, want)
        if want is not None:
            assert close(float(out[k]), want[0]), (name, xs, out[k], want[0])
            got = [float(d[k]) for d in local]
            assert all(close(g, w) for g, w in zip(got, want[1])), (name, xs, got, want[1])


@pytest.mark.parametrize("name", BUILTIN)
def test_the_array_form_computes_what_the_float_form_does(name):
    @given(st.lists(st.lists(numbers, min_size=arity(name), max_size=arity(name)), min_size=1, max_size=40))
    def run(inputs):
        check_array(name, inputs)

    run()
    check_array(name, [[a, b, a, b][:arity(name)] for a in EDGES for b in EDGES])


def test_every_builtin_op_has_every_form_and_a_doc():
    for name in BUILTIN:
        op = OPS[name]
        assert op.array and op.source and op.js and op.doc and op.formula, name
        assert op.describe().count("∂/∂") == (1 if op.nary else len(op.formula)), name


# -- one public defop call, every consumer --------------------------------------------------


def _hypot_local(out, a, b):
    return a / out, b / out


HYPOT = dict(
    name="hypot", symbol="hypot",
    forward=lambda a, b: math.sqrt(a * a + b * b), local=_hypot_local,
    formula=("{a}/hypot({A}, {B})", "{b}/hypot({A}, {B})"), doc="√({A}² + {B}²)",
    array=ArrayForm(lambda xp, a, b: xp.sqrt(a * a + b * b), lambda xp, out, a, b: (a / out, b / out)),
    source=SourceForm("{o} = sqrt({0} * {0} + {1} * {1})", ("{g} * ({0} / {o})", "{g} * ({1} / {o})"),
                      {"sqrt": math.sqrt}),
    js=JsForm("Math.sqrt({0} * {0} + {1} * {1})", ("{0} / {o}", "{1} / {o}")),
)


@pytest.fixture
def hypot():
    op = defop(**HYPOT)
    yield op
    del OPS["hypot"]


def model(x, w):
    """A small graph around the new op: hypot(x·w, x + 1), through tanh, times w."""
    return autograd.apply(OPS["hypot"], x * w, x + 1.0).tanh() * w + x


def eager(x: float, w: float):
    xv, wv = Value(x, label="x"), Value(w, label="w")
    y = model(xv, wv)
    y.backward()
    return y, xv, wv


def test_a_new_op_with_one_defop_runs_eagerly_in_both_replays_and_in_the_page(hypot, browser, tmp_path):
    xs = [-1.3, -0.2, 0.7, 2.5]
    w0 = 0.6
    # Eagerly: its rule against central differences.
    for x in xs:
        y, xv, wv = eager(x, w0)
        f = lambda x_, w_: model(Value(x_), Value(w_)).data  # noqa: E731
        h = 1e-6
        assert math.isclose(xv.grad, (f(x + h, w0) - f(x - h, w0)) / (2 * h), rel_tol=1e-6)
        assert math.isclose(wv.grad, (f(x, w0 + h) - f(x, w0 - h)) / (2 * h), rel_tol=1e-6)
    expected = sum(eager(x, w0)[0].data for x in xs)
    expected_grad = sum(eager(x, w0)[2].grad for x in xs)
    # Both replays, from the rows' forms.
    for backend in ("python", "numpy"):
        w = Value(w0, label="w")
        traced = trace(lambda x, w=w: model(x, w), 0.5, backend=backend)
        assert traced.backend == backend
        total = traced.batch(xs, reduce="sum")
        assert close(total, expected) or math.isclose(total, expected, rel_tol=REL), (backend, total, expected)
        assert math.isclose(w.grad, expected_grad, rel_tol=REL), (backend, w.grad, expected_grad)
    # The page's JavaScript, in Chromium: the graph as rows, evaluated; then a leaf edited.
    y, xv, wv = eager(xs[0], w0)
    order = autograd.topological_order(y)
    rows = js_rows(order)
    path = tmp_path / "hypot.html"
    path.write_text(_page("hypot", f"\n{script({n.op for n in order if n.op})}\n"), encoding="utf-8")
    tab = browser.open(path)
    result = tab.js("rows => chainruleCompute.evaluate(rows)", rows)
    assert result["error"] is None and result["missing"] == []
    for node, data, grad in zip(order, result["data"], result["grad"]):
        assert math.isclose(data, node.data, rel_tol=REL), (node, data)
        assert math.isclose(grad, node.grad, rel_tol=REL, abs_tol=1e-300), (node, grad)
    k = next(i for i, n in enumerate(order) if n is xv)
    edited = tab.js("([rows, k]) => { rows[k].data = 2.5; return chainruleCompute.evaluate(rows); }", [rows, k])
    y2, xv2, wv2 = eager(2.5, w0)
    assert math.isclose(edited["data"][-1], y2.data, rel_tol=REL)
    assert math.isclose(edited["grad"][k], xv2.grad, rel_tol=REL)
    assert math.isclose(edited["grad"][order.index(wv)], wv2.grad, rel_tol=REL)
    tab.check()


def test_an_op_without_forms_runs_eagerly_falls_back_in_python_and_is_refused_by_numpy(browser, tmp_path):
    cube = defop("cube_plain", "x³", lambda x: x ** 3, lambda out, x: (3.0 * x * x,))
    try:
        w = Value(0.5, label="w")
        y = autograd.apply(cube, w * 2.0)
        y.backward()
        assert (y.data, w.grad) == (1.0, 6.0)
        traced = trace(lambda x: autograd.apply(cube, x * w), 2.0, backend="python")
        w.grad = 0.0
        assert traced.batch([1.0, 2.0], reduce="sum") == 0.125 + 1.0
        assert w.grad == 3 * 0.25 * 1.0 + 3 * 1.0 * 2.0
        assert trace(lambda x: autograd.apply(cube, x * w), 2.0).backend == "python"  # chosen for it
        with pytest.raises(NotImplementedError, match=r"array form.*'cube_plain'.*backend='python'"):
            trace(lambda x: autograd.apply(cube, x * w), 2.0, backend="numpy")
        # The page: the op is missing from the script, its node keeps the engine's numbers
        # while its inputs do, and is listed (missing, and stale once an input changes).
        order = autograd.topological_order((autograd.apply(cube, w * 2.0) + w).tanh())
        path = tmp_path / "cube.html"
        path.write_text(_page("c", script({n.op for n in order if n.op})), encoding="utf-8")
        tab = browser.open(path)
        rows = js_rows(order)
        same = tab.js("rows => chainruleCompute.evaluate(rows)", rows)
        i = [n.op for n in order].index("cube_plain")
        assert same["missing"] == [i] and same["stale"] == [] and same["data"][-1] == order[-1].data
        k = order.index(w)
        edited = tab.js("([rows, k]) => { rows[k].data = 0.7; return chainruleCompute.evaluate(rows); }", [rows, k])
        assert edited["missing"] == [i] and edited["stale"] == [i]
        tab.check()
    finally:
        del OPS["cube_plain"]


def test_a_js_form_that_would_end_the_script_is_refused():
    defop("sneaky", "s", lambda x: x, lambda out, x: (1.0,), js=JsForm("'</script>' && {0}", ("1",)))
    try:
        with pytest.raises(ValueError, match="sneaky.*</"):
            script(["sneaky"])
    finally:
        del OPS["sneaky"]


def test_defop_checks_the_kind_of_each_form():
    with pytest.raises(TypeError, match="'bad'.*array= takes a ArrayForm"):
        defop("bad", "b", lambda x: x, lambda out, x: (1.0,), array=(lambda xp, x: x, None))
    assert "bad" not in OPS


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300), max_size=30))
def test_js_exact_sum_is_math_fsum(js_tab, xs):
    got = js_tab.js("xs => chainruleCompute.exactSum(xs)", xs)
    assert float(got) == autograd.ops.exact_sum(xs)  # playwright hands whole numbers over as int


def test_js_exact_sum_where_fsum_refuses(js_tab):
    cases = [[1e308, 1e308, -1e308], [math.inf, -math.inf], [math.inf, 1.0], [math.nan, 1.0], [1e308, 1e308]]
    got = js_tab.js("cs => cs.map(xs => String(chainruleCompute.exactSum(xs.map(chainruleCompute.number))))",
                    [[_wire(x) for x in c] for c in cases])
    want = [autograd.ops.exact_sum(c) for c in cases]
    assert [_js_number({"Infinity": "Infinity", "-Infinity": "-Infinity", "NaN": "NaN"}.get(g, g)) for g in got] \
        == pytest.approx(want, nan_ok=True)


def test_an_nary_op_of_ones_own_runs_node_by_node_in_the_numpy_replay(browser, tmp_path):
    # Not sum or dot, which the numpy replay plans as block sums and matrix products: its
    # array form, over the list of inputs (per-sample blocks and fixed numbers mixed).
    def rms(xs):
        return math.sqrt(math.fsum(x * x for x in xs) / len(xs))

    op = defop(
        "rms", "rms", rms, lambda out, xs: tuple(x / (len(xs) * out) for x in xs), nary=True,
        formula=("{A}/(n·rms)",), doc="√(mean of the squares)",
        array=ArrayForm(lambda xp, xs: xp.sqrt(sum(x * x for x in xs) / len(xs)),
                        lambda xp, out, xs: tuple(x / (len(xs) * out) for x in xs)),
        source=SourceForm(lambda o, xs: f"{o} = rms([{', '.join(xs)}])",
                          lambda g, o, xs: [f"{g} * ({x} / ({len(xs)} * {o}))" for x in xs], {"rms": rms}),
        js=JsForm("Math.sqrt(exactSum({xs}.map(x => x * x)) / {xs}.length)",
                  ("{xs}.map(x => x / ({xs}.length * {o}))",)),
    )
    try:
        def f(x, w, b):
            return autograd.apply(op, x * w, x, b, x * w).tanh()

        xs = [-1.5, 0.25, 2.0]
        w, b = Value(0.7, label="w"), Value(-0.3, label="b")
        expected = autograd.sum([f(Value(x), w, b) for x in xs])
        expected.backward()
        want = (expected.data, w.grad, b.grad)
        for backend in ("numpy", "python"):
            w.grad = b.grad = 0.0
            total = trace(lambda x, w=w, b=b: f(x, w, b), 1.0, backend=backend).batch(xs, reduce="sum")
            got = (total, w.grad, b.grad)
            assert all(math.isclose(g, e, rel_tol=REL) for g, e in zip(got, want)), (backend, got, want)
        # and in the page
        w.grad = b.grad = 0.0
        y = f(Value(0.25, label="x"), w, b)
        y.backward()
        order = autograd.topological_order(y)
        path = tmp_path / "rms.html"
        path.write_text(_page("r", script({n.op for n in order if n.op})), encoding="utf-8")
        tab = browser.open(path)
        result = tab.js("rows => chainruleCompute.evaluate(rows)", js_rows(order))
        for node, data, grad in zip(order, result["data"], result["grad"]):
            assert math.isclose(data, node.data, rel_tol=REL) and math.isclose(grad, node.grad, rel_tol=REL), node
        tab.check()
    finally:
        del OPS["rms"]
