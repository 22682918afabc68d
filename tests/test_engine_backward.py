"""backward and the graph: sharing, accumulation, modes, deep chains and freeing memory."""

from __future__ import annotations

import gc
import math
import threading
import time
import weakref
from contextlib import contextmanager

import pytest
from hypothesis import given
from test_engine_rules import built, random_graph

import autograd
from autograd import Value, enable_grad, gradients, is_grad_enabled, no_grad, topological_order

# ---------------------------------------------------------------------------------------
# Sharing: a node used several times gets the sum of its paths


def test_x_plus_x():
    x = Value(3.0)
    y = x + x
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 2.0


def test_a_times_a():
    a = Value(-3.0)
    y = a * a
    assert y.parents == (a, a) and y.local_grads == (-3.0, -3.0)
    y.backward()
    assert a.grad == -6.0


def test_shared_subexpression():
    x = Value(1.5)
    s = x.sin()  # used three times
    y = s * s + s * x
    y.backward()
    expected = 2 * math.sin(1.5) * math.cos(1.5) + math.cos(1.5) * 1.5 + math.sin(1.5)
    assert math.isclose(x.grad, expected, rel_tol=1e-14)
    assert math.isclose(s.grad, 2 * math.sin(1.5) + 1.5, rel_tol=1e-14)


def test_diamond():
    a = Value(2.0)
    b = a * 3
    c = a + 5
    d = b * c  # 3a(a + 5): d' = 6a + 15
    d.backward()
    assert a.grad == 27.0 and b.grad == 7.0 and c.grad == 6.0


def test_stacked_diamonds_count_every_path():
    # Each level doubles the number of paths: 2**20 paths, yet one visit per node.
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y + y
    y.backward()
    assert y.data == 2.0**20 and x.grad == 2.0**20
    assert len(topological_order(y)) == 21


# ---------------------------------------------------------------------------------------
# Accumulation: repeated backward, zero_grad, gradients()


@given(random_graph())
def test_backward_twice_is_exactly_twice_once(case):
    out, xs = built(case)
    order = topological_order(out)
    out.backward()
    once = [n.grad for n in order]
    out.backward()
    assert [n.grad for n in order] == [2 * g for g in once]  # leaves and intermediates


def test_backward_from_an_intermediate_then_the_root_adds_up():
    x = Value(2.0)
    h = x * x  # dh/dx = 4
    y = h * 3 + x  # dy/dx = 13
    h.backward()
    y.backward()
    assert x.grad == 4.0 + 13.0
    assert h.grad == 1.0 + 3.0


def test_backward_does_not_touch_nodes_outside_the_graph():
    x, other = Value(1.0), Value(5.0)
    other.grad = 7.0
    (x * 2).backward()
    assert other.grad == 7.0 and x.grad == 2.0


@given(random_graph())
def test_zero_grad_clears_every_node(case):
    out, xs = built(case)
    out.backward()
    autograd.zero_grad(out)
    assert all(n.grad == 0.0 for n in topological_order(out))
    out.backward()
    out.zero_grad()  # the method does the same
    assert all(n.grad == 0.0 for n in topological_order(out))


def test_zero_grad_leaves_other_graphs_alone():
    x = Value(1.0)
    a, b = x * 2, x * 3
    a.backward()
    b.backward()
    autograd.zero_grad(a)
    assert x.grad == 0.0 and a.grad == 0.0 and b.grad == 1.0


def test_gradients_leaves_grad_untouched():
    x, y, unused = Value(2.0), Value(3.0), Value(9.0)
    x.grad = 0.5
    z = x * y + x
    assert gradients(z, [x, y, unused, z]) == [4.0, 2.0, 0.0, 1.0]
    assert x.grad == 0.5 and y.grad == 0.0 and z.grad == 0.0


@given(random_graph())
def test_topological_order_puts_parents_first_and_root_last(case):
    out, _ = built(case)
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is out
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


# ---------------------------------------------------------------------------------------
# Modes: no_grad, enable_grad, detach


def test_no_grad_makes_leaves():
    x = Value(2.0)
    with no_grad():
        y = (x * 3).tanh() + 1
        assert not is_grad_enabled()
    assert y.op == "" and y.parents == () and y.data == math.tanh(6.0) + 1
    assert is_grad_enabled()
    z = x * 3
    assert z.op == "mul" and z.parents[0] is x


def test_no_grad_nests_and_enable_grad_records_inside():
    x = Value(2.0)
    with no_grad():
        with no_grad():
            a = x * 2
        b = x * 2  # still off after the inner block closed
        with enable_grad():
            assert is_grad_enabled()
            c = x * 2
            with no_grad():
                d = x * 2
            e = x * 2
        f = x * 2
    g = x * 2
    assert [n.op for n in (a, b, c, d, e, f, g)] == ["", "", "mul", "", "mul", "", "mul"]


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled() and (Value(1.0) * 2).op == "mul"


def test_no_grad_in_one_thread_does_not_affect_another():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def worker():
        with no_grad():
            inside.set()
            seen["worker"] = (Value(1.0) * 2).op
            done.wait(10)  # stays inside no_grad while the main thread records
            seen["worker_after"] = (Value(1.0) * 2).op

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(10)
    main = (Value(1.0) * 2).op  # the worker is inside no_grad right now
    done.set()
    thread.join(10)
    assert main == "mul" and seen == {"worker": "", "worker_after": ""}


def test_no_grad_in_main_thread_does_not_reach_a_new_thread():
    result = []
    with no_grad():
        thread = threading.Thread(target=lambda: result.append((Value(1.0) * 2).op))
        thread.start()
        thread.join(10)
    assert result == ["mul"]


def test_detach_stops_the_gradient():
    x = Value(3.0, label="x")
    d = x.detach()
    assert d is not x and d.data == 3.0 and d.op == "" and d.parents == () and d.label == "x"
    y = d * x  # only the second factor carries gradient
    y.backward()
    assert x.grad == 3.0 and d.grad == 3.0


# ---------------------------------------------------------------------------------------
# Deep graphs: no recursion anywhere


def test_deep_chain_100k_backward_and_order():
    # The quick deep test (the 3M one below is marked slow): 100,000 ops deep.
    x = leaf = Value(0.5)
    for _ in range(100_000):
        x = x * 1.0  # an op node and a constant leaf per step
    x.backward()
    assert leaf.grad == 1.0
    assert len(topological_order(x)) == 1 + 2 * 100_000


@pytest.mark.slow
def test_three_million_node_chain_backward_and_drop():
    rounds = 1_000_000  # 3 op nodes a round (mul, add, relu): 3,000,000 op nodes
    started = time.perf_counter()
    x = leaf = Value(1.0)
    for _ in range(rounds):
        x = (x * 1.0001 + 0.0001).relu()
    built_at = time.perf_counter()
    x.backward()
    backward_at = time.perf_counter()

    # The same arithmetic on floats: the forward value and the chain-rule product, in
    # the order backward multiplies them, so they agree to the last bit.
    value, slope = 1.0, 1.0
    for _ in range(rounds):
        value = max(value * 1.0001 + 0.0001, 0.0)
        slope *= 1.0001
    assert x.data == value
    assert math.isclose(leaf.grad, slope, rel_tol=1e-12)
    assert x.op == "relu" and leaf.grad > 1e43  # 1.0001**1e6 ≈ e**100

    checked_at = time.perf_counter()
    del x  # dropping the chain frees 5,000,001 nodes without recursing
    dropped_at = time.perf_counter()
    assert leaf.grad == slope  # still alive and untouched
    print(f"3M-node chain: build {built_at - started:.1f}s, backward {backward_at - built_at:.1f}s, "
          f"float check {checked_at - backward_at:.1f}s, drop {dropped_at - checked_at:.1f}s")


# ---------------------------------------------------------------------------------------
# Freeing: the engine makes no reference cycles, so reference counting alone frees graphs


class Probe(Value):
    """A leaf that can be weakly referenced (Value has no __weakref__ slot, to stay small)."""

    __slots__ = ("__weakref__",)


@contextmanager
def collector_off():
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def live_values() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, Value))


def test_a_dropped_graph_frees_its_leaf():
    with collector_off():
        x = Probe(0.7, label="x")
        alive = weakref.ref(x)
        w = Value(-1.2)
        y = autograd.dot([x, w], [x.tanh(), x.sigmoid()]) + (x**2).log() * x.exp() / (w * w)
        y.backward()
        del x
        assert alive() is not None  # y's graph still holds it
        del y
        assert alive() is None  # freed by reference counting alone


def test_create_graph_results_are_freed():
    with collector_off():
        x = Probe(0.3)
        alive = weakref.ref(x)
        y = (x * x).sin() * x.exp()
        grads = y.backward(create_graph=True)
        (second,) = gradients(grads[x], [x], create_graph=True)
        assert second.data != 0.0
        del x, y, grads, second
        assert alive() is None


def test_nested_grad_frees_everything():
    with collector_off():
        before = live_values()
        f = lambda x: (x * x * x).tanh()  # noqa: E731
        value = autograd.grad(autograd.grad(f))(0.4)
        assert isinstance(value, float)
        assert live_values() == before


def test_graph_in_scopes_labels_and_anomaly_mode_is_freed():
    with collector_off():
        before = live_values()
        with autograd.scope("layer"), autograd.detect_anomaly():
            a = Value(1.0, label="a")
            b = (a * 2).tanh()
            b.label = "b"
            b.role = "param"
        b.backward()
        del a, b
        assert live_values() == before



def test_a_table_and_its_calls_are_freed_by_reference_counting(monkeypatch):
    # The views pause the cyclic collector while they work (autograd/collector.py): a
    # graph table that its own parts referred back to would outlive every view until the
    # collector ran. Calls with their pieces found by numpy (autograd.pieces) once did.
    from autograd import pieces
    from autograd.table import GraphTable, table

    monkeypatch.setattr(pieces, "ARRAY_EDGES", 0)
    with collector_off():
        ys = []
        for i in range(2):
            with autograd.scope("f"):
                ys.append((Value(float(i)) * 2).tanh())
        t = table(ys[0] + ys[1])
        level0 = t.calls().pieces(0)  # found with numpy, from the table's edge arrays
        assert level0[t.row[ys[0]]] != level0[t.row[ys[1]]]
        assert len(set(t.names())) == len(t)
        del t
        assert not [o for o in gc.get_objects() if isinstance(o, GraphTable)]


def test_the_views_pause_the_collector_and_put_it_back():
    x = Value(0.5, label="x")
    y = x
    with autograd.scope("chain"):
        for _ in range(2000):  # enough containers made per view for the collector to run
            y = (y * 1.0001).tanh()
    views = {"summary": lambda: autograd.summary(y), "tree": lambda: autograd.tree(y, max_lines=20),
             "explain": lambda: autograd.explain(y, x), "draw": lambda: autograd.draw(y, collapse=1).source}
    collections: list[str] = []
    record = lambda phase, info: collections.append(phase)  # noqa: E731
    for enabled in (True, False):
        gc.collect()
        (gc.enable if enabled else gc.disable)()
        gc.callbacks.append(record)
        try:
            for name, view in views.items():
                view()
                # None while it works: at most the one its leftovers start once it is done.
                assert collections in ([], ["start", "stop"]), name
                assert gc.isenabled() is enabled, name
                collections.clear()
        finally:
            gc.callbacks.remove(record)
            gc.enable()


def test_a_domain_error_leaves_nothing_behind():
    with collector_off():
        x = Probe(-1.0)
        alive = weakref.ref(x)
        try:
            (x * 2).log()
        except ValueError:
            pass
        del x
        assert alive() is None


def test_dropping_a_100k_chain_frees_every_node():
    with collector_off():
        before = live_values()
        x = Value(0.1)
        for _ in range(50_000):
            x = (x * 0.5).sin()
        x.backward()
        assert live_values() - before == 1 + 3 * 50_000
        del x
        assert live_values() == before


# ---------------------------------------------------------------------------------------
# The garbage collector's state is restored


def test_backward_and_fast_training_restore_the_collector():
    gc.enable()
    (Value(1.0) * 2).backward()
    assert gc.isenabled()
    with autograd.fast_training():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        (Value(1.0) * 2).backward()
        with autograd.fast_training():
            pass
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()


def test_backward_restores_the_collector_when_anomaly_raises():
    gc.enable()
    with autograd.detect_anomaly():
        y = Value(0.0).sqrt()
        with pytest.raises(FloatingPointError):
            y.backward()
    assert gc.isenabled()
