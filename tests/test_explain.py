"""explain: every path from the root to wrt, their products, their sum == backward's grad."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import examples
from autograd import Value, explain
from examples import g4


def neuron():
    o, v = examples.neuron()
    return o, v["n"], v["x1"], v["w1"]


def test_neuron_one_path_with_its_local_derivatives():
    o, n, x1, w1 = neuron()
    e = explain(o, x1)
    assert e.n_paths == 1 and len(e.paths) == 1
    (path,) = e.paths
    assert path.nodes[0] is o and path.nodes[1] is n and path.nodes[-1] is x1
    # By hand: d tanh(n)/dn = 1 - o², the adds give 1, d(x1*w1)/dx1 = w1.
    assert path.locals == pytest.approx((1 - o.data ** 2, 1.0, 1.0, w1.data))
    assert e.gradient == pytest.approx(x1.grad) and e.backward == x1.grad and e.matches
    text = repr(e)
    assert text == str(e) == e.text
    assert "∂o/∂x1 by the chain rule: 1 path from o to x1" in text
    assert "∂o/∂n" in text and f"1 − tanh(n)² = {g4(1 - o.data ** 2)}" in text
    assert f"= w1 = {g4(w1.data)}" in text
    assert f"= {g4(x1.grad)}" in text and "backward gives the same" in text and "✓" in text


def test_a_times_a_has_two_paths():
    a = Value(3.0, label="a")
    y = a * a
    e = explain(y, a)
    assert e.n_paths == 2
    assert [p.locals for p in e.paths] == [(a.data,), (a.data,)]
    assert e.gradient == 2 * a.data == e.backward
    assert "sum over the 2 paths = 3 + 3 = 6" in e.text


def test_exponentially_many_paths_are_counted_not_listed():
    x = Value(1.0, label="x")
    y = x
    for _ in range(60):  # each squaring doubles the paths from y to x: 2**60 of them
        y = y * y
    start = time.perf_counter()
    e = explain(y, x, max_paths=3)
    assert time.perf_counter() - start < 2.0
    assert e.n_paths == 2 ** 60 and len(e.paths) == 3
    assert e.gradient == e.backward == 2.0 ** 60  # d x^(2^60)/dx at 1 = 2^60
    assert f"and {2 ** 60 - 3:,} more paths not shown" in e.text
    assert e.matches


def test_no_path_means_zero():
    x, z = Value(1.0, label="x"), Value(5.0, label="z")
    y = x.exp()
    e = explain(y, z)
    assert e.n_paths == 0 and e.gradient == 0.0 == e.backward and e.paths == []
    assert "does not depend on z" in e.text


def test_wrt_by_label_and_an_intermediate_node():
    o, n, x1, _ = neuron()
    e = explain(o, "n")
    assert e.wrt is n and e.n_paths == 1
    assert e.gradient == pytest.approx(1 - o.data ** 2)
    assert explain(o, "x1").gradient == pytest.approx(x1.grad)
    with pytest.raises(ValueError, match=r"no node labelled 'q'.*labels in the graph: b, n, o, w1, w2, x1, x2"):
        explain(o, "q")
    twin = Value(1.0, label="t") + Value(2.0, label="t")
    with pytest.raises(ValueError, match="2 nodes are labelled 't'"):
        explain(twin, "t")
    with pytest.raises(TypeError, match="wrt must be a Value or a label"):
        explain(o, 3)
    with pytest.raises(ValueError, match="max_paths"):
        explain(o, n, max_paths=-1)


def test_explain_leaves_grads_alone():
    o, n, x1, w1 = neuron()
    before = [v.grad for v in (o, n, x1, w1)]
    explain(o, x1)
    assert [v.grad for v in (o, n, x1, w1)] == before


def test_a_deep_chain_is_explained_without_recursion():
    x = Value(0.3, label="x")
    y = x
    for _ in range(100_000):
        y = y.sin()
    e = explain(y, x)
    assert e.n_paths == 1 and len(e.paths[0].locals) == 100_000
    assert "more steps" in e.text and len(e.text.splitlines()) < 40
    assert e.matches


# ---------------------------------------------------------------------------------------
# Hypothesis: random DAGs with shared subexpressions (so several paths reach a leaf).

UNARY = {"neg": lambda a: -a, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "sin": Value.sin,
         "cos": Value.cos, "relu": Value.relu, "square": lambda a: a ** 2, "abs": abs}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (b * b + 1.0), "const": lambda a, b: a * 0.5 + 2}

step = st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 50), st.integers(0, 50))


def build(inputs, steps):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    nodes = list(leaves)
    for op, i, j in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[op](a) if op in UNARY else BINARY[op](a, b))
    return nodes[-1], leaves


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3),
       steps=st.lists(step, min_size=1, max_size=9), which=st.integers(0, 2))
def test_sum_over_paths_equals_backward(inputs, steps, which):
    root, leaves = build(inputs, steps)
    root.backward()
    wrt = leaves[which % len(leaves)]
    assume(math.isfinite(root.data) and math.isfinite(wrt.grad))
    e = explain(root, wrt, max_paths=10 ** 6)
    assert len(e.paths) == e.n_paths  # all listed: their literal sum is checked
    products = [p.product for p in e.paths]
    scale = math.fsum(abs(p) for p in products)
    assert abs(math.fsum(products) - wrt.grad) <= 1e-9 * scale + 1e-12
    for path in e.paths:  # each path really is a chain of edges from root to wrt
        assert path.nodes[0] is root and path.nodes[-1] is wrt
        for node, slot, parent, local in zip(path.nodes, path.slots, path.nodes[1:], path.locals):
            assert node.parents[slot] is parent and node.local_grads[slot] == local
    capped = explain(root, wrt, max_paths=2)  # counted by DP, not listed
    assert capped.n_paths == e.n_paths and len(capped.paths) == min(2, e.n_paths)
    assert abs(capped.gradient - wrt.grad) <= 1e-9 * scale + 1e-12
    assert capped.matches and e.matches


# ---------------------------------------------------------------------------------------
# top=k: the k paths of largest |product|, not the first k found.


def all_products(root, wrt):
    """Every path's product, by brute force (small graphs only): a depth-first listing."""
    out = []
    stack = [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is wrt:
            out.append(product)
            continue
        stack.extend((p, product * local) for p, local in zip(node.parents, node.local_grads))
    return out


def test_top_paths_are_the_largest_not_the_first():
    x = Value(0.5, label="x")
    small, large = x * 0.001, x * 1000.0  # the first input's path is the small one
    y = small + large + x * -50.0
    y.label = "y"
    e = explain(y, x, top=1)
    assert e.n_paths == 3 and len(e.paths) == 1
    assert e.paths[0].product == 1000.0 and e.paths[0].nodes[-2] is large
    e = explain(y, x, top=2)
    assert [p.product for p in e.paths] == [1000.0, -50.0]  # by magnitude, signs kept
    assert "3 paths from y to x; the 2 with the largest products" in e.text
    assert "more path not shown, adding up to 0.001" in e.text
    assert f"{100 * 1000 / e.gradient:.3g}% of" in e.text and e.matches
    assert e.share == pytest.approx(950.0 / e.gradient)
    assert e.magnitude == pytest.approx(1050.001)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.lists(st.floats(-2, 2), min_size=1, max_size=3),
       steps=st.lists(step, min_size=1, max_size=10), which=st.integers(0, 2), top=st.integers(1, 6))
def test_top_k_by_magnitude_matches_brute_force(inputs, steps, which, top):
    root, leaves = build(inputs, steps)
    wrt = leaves[which % len(leaves)]
    products = all_products(root, wrt)
    assume(all(math.isfinite(p) for p in products))
    e = explain(root, wrt, top=top)
    assert e.n_paths == len(products)
    want = sorted((abs(p) for p in products), reverse=True)[:top]
    got = [abs(p.product) for p in e.paths]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-300)
    assert got == sorted(got, reverse=True)
    assert e.magnitude == pytest.approx(math.fsum(abs(p) for p in products), rel=1e-9, abs=1e-300)
    for path in e.paths:  # each is a real chain of edges from root to wrt
        assert path.nodes[0] is root and path.nodes[-1] is wrt
        for node, slot, parent in zip(path.nodes, path.slots, path.nodes[1:]):
            assert node.parents[slot] is parent


def test_top_and_max_paths_are_one_option():
    x = Value(1.0, label="x")
    y = x * x
    assert len(explain(y, x, max_paths=1).paths) == 1
    with pytest.raises(ValueError, match="not both"):
        explain(y, x, top=3, max_paths=1)
    with pytest.raises(ValueError, match="top must be an int >= 0"):
        explain(y, x, top=-1)
    assert explain(y, x, top=0).paths == [] and explain(y, x, top=0).n_paths == 2


# Output grows with the graph, not with its square (issue 11, section 5): the text of a
# deep chain, a wide sum and a graph of astronomically many paths stays a few dozen lines.


@pytest.mark.parametrize("shape", ["deep", "wide", "doubling"])
def test_explain_text_stays_small_whatever_the_graph(shape):
    x = Value(0.7, label="x")
    if shape == "deep":
        y = x
        for _ in range(300_000):
            y = y * 1.0000001
    elif shape == "wide":
        y = autograd_sum([x * float(i % 7 + 1) for i in range(100_000)])
    else:
        y = x
        for _ in range(200):
            y = (y * y) * 0.5 + y
    e = explain(y, x, top=10)
    lines = e.text.splitlines()
    assert len(lines) <= 10 * (_MAX_STEPS_SHOWN + 6) + 10
    assert max(len(line) for line in lines) < 400
    assert e.matches or not math.isfinite(e.gradient)


def autograd_sum(values):
    import autograd

    return autograd.sum(values)


_MAX_STEPS_SHOWN = 17  # a path writes at most 16 steps and one "… more steps" line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.lists(st.floats(-2, 2), min_size=1, max_size=3),
       steps=st.lists(step, min_size=1, max_size=12), which=st.integers(0, 2), top=st.integers(1, 6))
def test_the_best_first_search_finds_what_the_pass_over_every_row_finds(inputs, steps, which, top):
    # explain finds its top paths best-first from the root, and falls back to a pass over
    # every row past a budget: both give the same paths, in the same order.
    from autograd.table import table
    from autograd.views.explain import _top_paths, _top_paths_everywhere

    root, leaves = build(inputs, steps)
    t = table(root)
    wrt = t.row.get(leaves[which % len(leaves)])
    assume(wrt is not None)
    count, most = [0] * len(t), [0.0] * len(t)
    count[wrt], most[wrt] = 1, 1.0
    for r in range(wrt + 1, len(t)):
        for p, local in zip(t.parents[r], t.locals[r]):
            if count[p]:
                count[r] += count[p]
                m = abs(local) * most[p]
                most[r] = max(most[r], m if m == m else math.inf)
    assume(count[-1] and all(math.isfinite(m) for m in most))
    fast = _top_paths(t, len(t) - 1, wrt, count, most, top)
    slow = _top_paths_everywhere(t, len(t) - 1, wrt, count, top)
    assert [abs(p.product) for p in fast] == pytest.approx([abs(p.product) for p in slow], rel=1e-9, abs=1e-300)
    assert [p.slots for p in fast] == [p.slots for p in slow] or any(
        abs(a.product) == pytest.approx(abs(b.product), rel=1e-9) for a, b in zip(fast[1:], fast))
