"""The engine's fast paths agree with the slow ones, and leave no trace. Nothing here is timed.

The speed-ups (see docs/performance.md) are: operator methods made once per op,
constants made without ``Value.__init__``, a backward walk that marks visited nodes
through their ``grad``, goes straight down to the last parent and pushes only the
unvisited parents of a wide node, ``dot`` reading its inputs once (``dot(ws, xs,
xs_data)`` for a layer's shared inputs), ``enter_scope``, and parents kept in a node's own
slots. These tests pin what those must not change.
"""

from __future__ import annotations

import gc
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

import autograd
import autograd.derivatives as derivatives
import autograd.graph as graph
from autograd import Value, detect_anomaly, no_grad, scope, topological_order


def reference_gradients(root: Value) -> dict[Value, float]:
    """The chain rule written plainly on ``topological_order``: what backward must compute."""
    grads = {node: 0.0 for node in topological_order(root)}
    grads[root] = 1.0
    for node in reversed(topological_order(root)):
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += grads[node] * local
    return grads


def random_dag(rng: random.Random, size: int) -> tuple[list[Value], Value]:
    """Leaves, then ops that reuse earlier nodes at random (shared nodes, a*a, constants)."""
    leaves = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(3)]
    nodes = list(leaves)
    for _ in range(size):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(7)
        if kind == 0:
            out = a * b
        elif kind == 1:
            out = a + b
        elif kind == 2:
            out = a - 0.5
        elif kind == 3:
            out = (a * 0.3).tanh()
        elif kind == 4:
            out = 2.0 * a
        elif kind == 5:
            out = autograd.dot([a, b, a], [b, 1.5, a])
        else:
            out = a.relu() + b.sigmoid()
        nodes.append(out)
    return leaves, autograd.sum(nodes[-4:])


@given(st.integers(0, 10_000), st.integers(1, 40))
def test_backward_is_the_plain_chain_rule_in_topological_order(seed, size):
    # backward's own walk visits the nodes in topological_order's order, so even on a graph
    # with shared nodes every gradient is summed in the same order: equal to the last bit.
    leaves, root = random_dag(random.Random(seed), size)
    expected = reference_gradients(root)
    root.backward()
    for node, g in expected.items():
        assert node.grad == g or (math.isnan(g) and math.isnan(node.grad))
        assert node.grad is not graph._VISITED  # every mark replaced by a real gradient
    with_graph = root.backward(create_graph=True)  # the create_graph path: the same sums
    assert all(with_graph[node].data == g for node, g in expected.items() if not math.isnan(g))


def test_a_tree_gets_exactly_the_reference_gradients():
    xs = [Value(0.1 * i - 0.7) for i in range(16)]
    level = [(x * 1.3 + 0.2).tanh() for x in xs]
    while len(level) > 1:
        level = [a * b + 0.5 for a, b in zip(level[0::2], level[1::2])]
    expected = reference_gradients(level[0])
    level[0].backward()
    assert all(node.grad == g for node, g in expected.items())


def test_an_interrupted_backward_puts_every_gradient_back(monkeypatch):
    x = Value(3.0)
    x.grad = 0.25  # an old gradient, kept while backward works
    y = x * x + x
    real_walk = graph.clear_and_order

    def walk_then_interrupt(root, saved):
        real_walk(root, saved)
        raise KeyboardInterrupt

    monkeypatch.setattr(derivatives, "clear_and_order", walk_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert x.grad == 0.25 and all(n.grad == 0.0 for n in topological_order(y) if n is not x)
    monkeypatch.undo()
    y.backward()  # no mark left behind: a later call is exact
    assert x.grad == 0.25 + 7.0 and y.grad == 1.0


def test_the_short_path_and_the_general_path_make_the_same_nodes():
    def build(a, b):
        return [a * b, a + 2, 3 - a, a / b, a ** 2, -a, abs(b), a.exp(), (a * b).tanh(),
                b.relu(), a.leaky_relu(0.1), autograd.dot([a, b], [b, 2.0]), autograd.sum([a, 1, b])]

    plain = build(Value(0.7), Value(-1.3))
    with scope("s"):  # still the short path, with a shared Meta
        scoped = build(Value(0.7), Value(-1.3))
    with detect_anomaly():  # the general path (_record)
        checked = build(Value(0.7), Value(-1.3))
    for p, s, c in zip(plain, scoped, checked):
        assert p.op == s.op == c.op and p.data == s.data == c.data
        assert p.local_grads == s.local_grads == c.local_grads
        assert [q.data for q in p.parents] == [q.data for q in c.parents]
        assert s.scope == ("s",) and p.scope == ()
    with no_grad():
        assert all(v.op == "" and v.parents == () for v in build(Value(0.7), Value(-1.3)))


def test_numbers_of_any_real_type_become_constant_leaves_and_others_are_refused():
    x = Value(2.0)
    for number in (3, 3.0, Fraction(3, 1)):
        y = x * number
        assert y.data == 6.0 and y.parents[1].op == "" and y.parents[1].data == 3.0
        z = number - x  # reflected: the constant is the first input
        assert z.data == 1.0 and z.parents[0].data == 3.0 and z.parents[1] is x
    for bad in (True, "3", None, [1.0]):
        with pytest.raises(TypeError):
            x * bad
    with pytest.raises(TypeError, match="dot: expected Values or numbers, got str"):
        autograd.dot([x], ["a"])


def test_a_value_subclass_works_with_the_operators():
    class Tagged(Value):
        __slots__ = ()

    t = Tagged(1.5)
    y = Value(2.0) * t + t
    y.backward()
    assert y.data == 4.5 and t.grad == 3.0


def test_wide_dots_sharing_weights_get_exactly_the_reference_gradients():
    # A model's shape: the same weights feed every example's dot node, an input repeats
    # inside one dot, and some leaves start with an old gradient. backward's walk pushes
    # only the parents of a wide node not visited yet and marks leaves too; the sums must
    # still be the plain chain rule's, to the last bit, and the old gradients kept.
    rng = random.Random(7)
    ws = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(6)]
    examples = [[Value(rng.uniform(-1, 1)) for _ in range(6)] for _ in range(5)]
    outs = []
    for xs in examples:
        xs = xs[:5] + [xs[0]]  # x0 twice in one dot
        outs.append(autograd.dot(ws, xs).relu() + autograd.dot(ws[::-1], xs) * 0.5)
    root = autograd.dot(outs, outs[::-1])  # each out twice, wide again
    old = {ws[1]: 0.75, examples[2][3]: -1.5}
    for leaf, g in old.items():
        leaf.grad = g
    expected = reference_gradients(root)
    root.backward()
    for node, g in expected.items():
        assert node.grad == old.get(node, 0.0) + g
    autograd.zero_grad(root)
    root.backward()
    root.backward()  # fresh each call: exactly twice one call
    assert all(node.grad == 2 * g for node, g in expected.items())


def test_dot_given_the_inputs_numbers_is_dot():
    dot_with_data = autograd.dot  # dot(ws, xs, xs_data): the layer's shared-inputs path
    ws = [Value(0.5), Value(-2.0), Value(1.25)]
    xs = [Value(3.0), Value(0.1), Value(1.0)]
    fast = dot_with_data(ws, xs, [x.data for x in xs])
    plain = autograd.dot(ws, xs)
    assert ((fast.data, fast.op, fast.parents, fast.local_grads)
            == (plain.data, plain.op, plain.parents, plain.local_grads))
    # A weight that is a plain number takes dot's general path: a constant leaf.
    mixed = dot_with_data([0.5] + ws[1:], xs, [x.data for x in xs])
    assert mixed.data == plain.data and mixed.parents[0].op == "" and mixed.parents[1] is ws[1]
    with pytest.raises(ValueError, match="same length"):
        dot_with_data(ws[:2], xs, [x.data for x in xs])


def test_enter_scope_is_scope_without_a_with():
    from autograd.scopes import current_scope, enter_scope, exit_scope

    with scope("layer"):
        token = enter_scope("neuron0")
        try:
            y = Value(2.0) * 3
            with scope("inner"):
                z = y + 1
            with pytest.raises(ZeroDivisionError):
                y / 0.0
        finally:
            exit_scope(token)
        with scope("neuron0"):
            same = Value(1.0) * 2
        assert current_scope() == ("layer",)
    assert y.scope == ("layer", "neuron0") and z.scope == ("layer", "neuron0", "inner")
    assert y._meta is same._meta  # the cached mode's shared Meta, as scope() gives
    assert current_scope() == ()


def test_a_node_of_one_or_two_parents_is_one_object_for_the_collector():
    # Building a large graph costs mostly the cyclic collector's scans (docs/performance.md):
    # parents and local derivatives live in the node's slots, not in a tuple
    # of their own, so the collector tracks one object per node.
    x, y = Value(1.5), Value(2.0)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [(x * y).relu() for _ in range(1000)]  # a binary and a unary node each
        made = len(gc.get_objects()) - before
    finally:
        if was_enabled:
            gc.enable()
    assert len(nodes) == 1000 and 2000 <= made <= 2001 + 5  # + the list itself, and slack
