"""The calls of scopes found from a graph (``autograd.pieces``): with numpy and in Python,
the same pieces on random graphs of nested scopes, and the names written from them."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings, strategies as st

import autograd
from autograd import Value, pieces as pieces_module, scope
from autograd.table import table

pytest.importorskip("numpy")

# Each op: which earlier nodes it reads, and the scope path it is made in (0 to 3 names
# from a small alphabet, so paths share prefixes and calls repeat).
OPS = st.lists(st.tuples(st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=4),
                         st.lists(st.sampled_from("abc"), max_size=3)), min_size=1, max_size=40)


def _graph(recipe) -> Value:
    nodes = [Value(0.5, label="w"), Value(1.5), Value(-2.0, label="x")]
    nodes[0].role = "param"
    for picks, path in recipe:
        ins = [nodes[-1 - p % min(len(nodes), 6)] if p % 3 else nodes[p % len(nodes)] for p in picks]
        with contextlib.ExitStack() as stack:
            for name in path:
                stack.enter_context(scope(name))
            nodes.append(autograd.sum(ins) if len(ins) > 2 else (ins[0] * ins[-1]).tanh())
    return autograd.sum(nodes[3:])


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_numpy_finds_the_pieces_python_finds(recipe):
    t = table(_graph(recipe))
    found = {}
    for name, edges in (("python", 10 ** 12), ("numpy", 0)):
        pieces_module.ARRAY_EDGES, before = edges, pieces_module.ARRAY_EDGES
        try:
            found[name] = pieces_module.pieces(t.parents, t.scopes, t.edge_arrays)
        finally:
            pieces_module.ARRAY_EDGES = before
    assert [tuple(level) for level in found["python"]] == [tuple(level) for level in found["numpy"]]
    for level, last in enumerate(found["python"]):
        for root, k in last.last.items():  # a piece's root is its first row, its last row its last
            members = [r for r, x in enumerate(last.roots) if x == root and t.parents[r] and len(t.scopes[r]) > level]
            assert root == min(members) and k == max(members)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_the_names_are_the_same_either_way(recipe):
    root = _graph(recipe)
    names = {}
    for name, edges in (("python", 10 ** 12), ("numpy", 0)):
        pieces_module.ARRAY_EDGES, before = edges, pieces_module.ARRAY_EDGES
        try:
            names[name] = table(root).names()
        finally:
            pieces_module.ARRAY_EDGES = before
    assert names["python"] == names["numpy"]
    assert len(set(names["python"])) == len(names["python"])
