"""The paths tallied from one row up to the root (``autograd.views.tallies``): with numpy
level by level and in Python row by row, the same numbers to the last bit on random
graphs (NaN and inf included), and the arrays' refusals that hand the work back."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings, strategies as st

import autograd
from autograd import Value, explain
from autograd.table import table
from autograd.views import tallies

np = pytest.importorskip("numpy")

# Each op: which earlier nodes it reads (1 to 5 of them) and what it does with them.
OPS = st.lists(st.tuples(st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=5),
                         st.sampled_from(["sum", "mul", "tanh", "log", "div", "pow"])),
               min_size=1, max_size=40)
LEAVES = st.lists(st.sampled_from([0.5, -2.0, 0.0, 3.0, -0.0, math.inf, math.nan, 1e300]), min_size=1, max_size=4)


def _graph(leaves: list[float], recipe) -> Value:
    nodes = [Value(x) for x in [1.5, *leaves]]
    for picks, op in recipe:
        ins = [nodes[-1 - p % min(len(nodes), 5)] if p % 3 else nodes[p % len(nodes)] for p in picks]
        with np.errstate(all="ignore"):
            try:
                nodes.append(_op(op, ins))
            except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
                nodes.append(ins[0] + ins[-1])  # an op refused for these numbers: another one instead
    return autograd.sum(nodes[1:])


def _op(op: str, ins: list[Value]) -> Value:
    a, b = ins[0], ins[-1]
    if op == "sum":
        return autograd.sum(ins)
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "pow":
        return a ** 2
    return a.tanh() if op == "tanh" else a.log()


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _same(a: tallies.Tally, b: tallies.Tally) -> bool:
    return (list(a.counts) == list(b.counts) and list(map(_bits, a.most)) == list(map(_bits, b.most))
            and _bits(a.gradient) == _bits(b.gradient) and _bits(a.magnitude) == _bits(b.magnitude))


@settings(max_examples=200, deadline=None)
@given(LEAVES, OPS, st.integers(0, 10 ** 6), st.booleans())
def test_levels_give_what_rows_give_to_the_bit(leaves, recipe, pick, two_roots):
    root_node = _graph(leaves, recipe)
    # A table of two roots (rows above the first one are left out) or of one.
    t = table(root_node, root_node.parents[0] * 3) if two_roots else table(root_node)
    wrt = pick % len(t)
    root = t.roots[0]
    above = t.above(wrt)
    by_rows = tallies.by_rows(t, wrt, root, above)
    by_levels = tallies.by_levels(np, t, wrt, root, above)
    if by_levels is None:  # these graphs are shallow: only a count a float cannot hold refuses
        assert max(by_rows.counts) >= 2 ** 53
        return
    assert _same(by_rows, by_levels)
    if by_rows.counts[root] < 10_000:
        assert by_rows.counts[root] == len(list(_paths(t, root, wrt)))


def _paths(t, r, wrt):
    """Every path from row r down to row wrt, listed (the small graphs here only)."""
    stack = [r]
    while stack:
        k = stack.pop()
        if k == wrt:
            yield k
        else:
            stack.extend(p for p in t.parents[k] if p >= wrt)


def test_a_graph_deeper_than_the_levels_is_tallied_in_python():
    x = Value(0.9)
    y = x
    for _ in range(tallies.MAX_LEVELS + 1):
        y = (y * 1.01).tanh()
    t = table(y)
    k = t.row[x]
    assert tallies.by_levels(np, t, k, t.roots[0], t.above(k)) is None
    shallow = table(x * 2 + x)
    k = shallow.row[x]
    assert tallies.by_levels(np, shallow, k, shallow.roots[0], shallow.above(k)) is not None


def test_more_paths_than_a_float_counts_are_counted_in_python(monkeypatch):
    x = Value(1.0, label="x")
    y = x
    for _ in range(60):  # 2**60 paths from y down to x, on 60 levels
        y = y * y
    t = table(y)
    k = t.row[x]
    assert tallies.by_levels(np, t, k, t.roots[0], t.above(k)) is None
    monkeypatch.setattr(tallies, "ARRAY_ROWS", 0)  # every tally tries the arrays first
    assert explain(y, x, top=0).n_paths == 2 ** 60


def test_explain_of_a_wide_graph_reads_the_same_either_way(monkeypatch):
    """A graph past ``ARRAY_ROWS`` rows above the node explained: the written-out
    explanation is the same text whichever way the paths were tallied."""
    xs = [Value(0.1 * k - 2.0, label=f"x{k}") for k in range(60)]
    layer = xs
    for _ in range(4):
        layer = [autograd.sum([v * w for v, w in zip(layer, layer[k:] + layer[:k])]).tanh() for k in range(60)]
    loss = autograd.sum(layer)
    t = table(loss)
    assert len(t.above(t.row[xs[0]])) > 200
    texts = []
    for rows in (10 ** 9, 0):
        monkeypatch.setattr(tallies, "ARRAY_ROWS", rows)
        e = explain(loss, xs[0], top=5)
        assert e.matches
        texts.append(e.text)
    assert texts[0] == texts[1]
