"""summary: what a graph holds, counted right, for small graphs by hand and big ones without recursion."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings

import autograd
from autograd import Value, function_scopes, scope, summary
from autograd.table import depths, table
from examples import RECIPES, random_graph


def test_counts_by_op_leaves_params_depth_edges():
    w = Value(0.5, label="w")
    w.role = "param"
    x = Value(2.0, label="x")
    y = (w * x + w).tanh() * 3.0  # leaves w, x, 3.0; ops mul, add, tanh, mul
    s = summary(y)
    assert s.nodes == len(autograd.topological_order(y)) == 7
    assert dict(s.by_op) == {"mul": 2, "leaf": 3, "add": 1, "tanh": 1}
    assert s.by_op[0] == ("leaf", 3)  # most first
    assert (s.leaves, s.params, s.edges, s.depth) == (3, 1, 7, 4)
    assert s.memory > 7 * 24
    text = str(s)
    assert text == repr(s)
    assert "7 nodes (4 ops, 3 leaves), 7 edges, depth 4" in text
    assert "1 parameter (role 'param'), 2 others" in text
    assert "<table" in s._repr_html_() and "tanh" in s._repr_html_()


def test_a_leaf_alone_and_bad_input():
    s = summary(Value(1.0))
    assert (s.nodes, s.leaves, s.depth, s.edges, s.by_op) == (1, 1, 0, 0, [("leaf", 1)])
    with pytest.raises(TypeError, match="summary: expected a Value, got float"):
        summary(1.0)


def test_scopes_fold_call_numbers_and_include_nested_scopes():
    def linear(x):
        return x * 2.0 + 1.0

    def block(x):
        return linear(linear(x)).tanh()

    with function_scopes():
        ys = [block(Value(float(i))) for i in range(3)]
    total = autograd.sum(ys)
    s = summary(total)
    rows = {r.path: r for r in s.by_scope}
    assert rows[()].nodes == 3 + 1  # the inputs and the sum, made outside every scope
    assert rows[("block",)].calls == 3 and rows[("block", "linear")].calls == 6
    # A call of linear makes 2 ops and 2 constants; block adds its tanh.
    assert rows[("block", "linear")].nodes == 6 * 4
    assert rows[("block",)].nodes == 6 * 4 + 3
    assert sum(r.nodes for r in s.by_scope if len(r.path) <= 1) == s.nodes
    lines = str(s).splitlines()
    assert lines.index(next(s for s in lines if s.strip().startswith("block"))) < \
        lines.index(next(s for s in lines if s.strip().startswith("linear")))  # tree order


def test_named_scopes_that_are_not_call_numbers_stay_apart():
    ys = []
    for t in range(3):
        with scope(f"t#{t}x"), scope("cell"):
            ys.append(Value(1.0) * 2.0)
    rows = {r.path for r in summary(autograd.sum(ys)).by_scope}
    assert ("t#0x",) in rows and ("t#0x", "cell") in rows


def test_many_scopes_are_cut_to_a_readable_table():
    ys = []
    for t in range(200):
        with scope(f"t={t}"):
            ys.append(Value(1.0) * 2.0)
    s = summary(autograd.sum(ys))
    assert s.more_scopes > 0 and len(s.by_scope) < 50
    assert "more scope rows not shown" in str(s)


def test_a_deep_chain_is_summarised_without_recursion():
    x = Value(0.1)
    y = x
    for _ in range(200_000):
        y = y * 1.000001
    s = summary(y)
    assert s.nodes == 400_001 and s.depth == 200_000 and s.edges == 400_000
    assert len(str(s).splitlines()) < 20  # the table does not grow with the graph


def test_wide_nodes_and_shared_subgraphs():
    xs = [Value(float(i)) for i in range(10)]
    shared = autograd.sum(xs)  # one node of 10 parents
    y = shared * shared + shared
    s = summary(y)
    assert s.nodes == 13 and s.edges == 10 + 2 + 2 and s.depth == 3


@settings(max_examples=60, deadline=None)
@given(RECIPES)
def test_summary_counts_what_a_plain_walk_of_the_order_counts(recipe):
    # Random graphs with reuse (a*a, one node in many), nodes of one, two and many
    # parents: the table's one walk gives topological_order's order, and summary the depth,
    # edges and counts that a plain loop over that order finds.
    root, w = random_graph(recipe)
    t = table(root)
    order = autograd.topological_order(root)
    assert list(t.nodes) == order
    depth = {}
    for node in order:
        depth[node] = 1 + max(depth[p] for p in node.parents) if node.parents else 0
    assert depths(t) == tuple(depth[n] for n in order)
    edges = sum(len(node.parents) for node in order)
    assert Counter(rule.name for rule in t.rules) == Counter(node.op for node in order)
    assert Counter(t.scopes) == Counter(node.scope for node in order)
    s = summary(root)
    assert (s.nodes, s.edges, s.depth, s.params) == (len(order), edges, depth[root], int(w in order))
    assert dict(s.by_op) == {op or "leaf": n for op, n in Counter(node.op for node in order).items()}
    assert s.name == t.names()[-1]


def test_summary_of_a_deep_chain_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(200_000):
        y = y * 1.0 + x
    s = summary(y)
    assert s.depth == 400_000 and s.nodes == 1 + 200_000 * 3
