"""tree: the graph as indented text, shared subgraphs shown once."""

from __future__ import annotations

import pytest

from autograd import Value, tree

from examples import g4, neuron


def test_neuron_tree_lists_op_data_and_grad_in_order():
    o, v = neuron()
    x1, x2, w1, w2, b, n = (v[k] for k in ("x1", "x2", "w1", "w2", "b", "n"))
    lines = tree(o).splitlines()
    assert lines[0] == f"o: tanh  data={g4(o.data)}  grad=1"
    assert lines[1] == f"└── n: +  data={g4(n.data)}  grad={g4(n.grad)}"
    assert lines[-1] == f"    └── b  data={g4(b.data)}  grad={g4(b.grad)}"
    for leaf in (x1, x2, w1, w2):
        assert sum(line.endswith(f"{leaf.label}  data={g4(leaf.data)}  grad={g4(leaf.grad)}") for line in lines) == 1
    # x1 and w1 are the two inputs of one *, listed in order under it at the same depth.
    i = next(k for k, line in enumerate(lines) if "x1  data" in line)
    assert lines[i].index("x1") == lines[i + 1].index("w1") and "├──" in lines[i] and "└──" in lines[i + 1]
    assert len(lines) == 10  # 10 nodes, none shared
    assert o.tree() == tree(o)


def test_a_shared_subgraph_is_printed_once_and_referenced():
    x, y = Value(2.0, label="x"), Value(5.0, label="y")
    a = x * y
    a.label = "a"
    c = (a + a) * a  # a is used three times
    c.backward()
    text = tree(c)
    assert text.count("x  data") == 1 and text.count("y  data") == 1
    assert text.count(f"a: *  data={g4(a.data)}  grad={g4(a.grad)}  [#1]") == 1
    assert text.count("a: *  [#1, shown above]") == 2


def test_leaves_and_constants():
    assert tree(Value(2.0)) == "leaf  data=2  grad=0"
    y = Value(1.5, label="v") * 2
    assert tree(y).splitlines()[1:] == ["├── v  data=1.5  grad=0", "└── leaf  data=2  grad=0"]


def test_long_graphs_are_cut_with_a_count_and_never_recurse():
    x = Value(0.1, label="x")
    y = x
    for _ in range(50_000):
        y = y.tanh()
    lines = tree(y, max_lines=20).splitlines()
    assert len(lines) == 21
    assert lines[-1].startswith(f"… {50_001 - 20} more lines not shown")
    with pytest.raises(ValueError, match="max_lines"):
        tree(y, max_lines=0)
    assert tree(Value(1.0 / 3.0), digits=2) == "leaf  data=0.33  grad=0"
