"""tree: the graph as indented text, shared subgraphs shown once."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from autograd import Value, tree
from autograd.views.text import FOLD_DEPTH
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
    # A node is called by its one name (autograd.names): a constant by its number.
    assert tree(Value(2.0)) == "2  data=2  grad=0"
    y = Value(1.5, label="v") * 2
    assert tree(y).splitlines()[1:] == ["├── v  data=1.5  grad=0", "└── 2  data=2  grad=0"]


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
    assert tree(Value(1.0 / 3.0), digits=2) == "0.33  data=0.33  grad=0"


# -- output grows with the graph, not with the square of its depth ----------------------------

LONGEST_GUIDE = 4 * FOLD_DEPTH  # the indentation never passes FOLD_DEPTH levels of 4 characters


def line_depth(line):
    """The depth a tree line shows: its [depth N] marker, or its indentation in levels."""
    marker = re.search(r"\[depth (\d+)\] [├└]── ", line)
    if marker:
        return int(marker.group(1))
    branch = re.search(r"[├└]── ", line)
    return 0 if branch is None else branch.start() // 4 + 1


def test_a_100k_deep_chain_prints_in_bytes_linear_in_its_nodes():
    n = 100_000
    y = Value(0.5, label="x")
    for _ in range(n):
        y = y.tanh()
    text = tree(y, max_lines=None)
    lines = text.splitlines()
    assert len(lines) == n + 1
    longest = max(len(line.encode()) for line in lines)
    assert longest <= 3 * LONGEST_GUIDE + 60  # guides are 3 bytes each in UTF-8, plus the marker and node
    assert len(text.encode()) <= (n + 1) * (longest + 1)  # each line and its newline
    assert lines[FOLD_DEPTH + 1].count("[depth") == 1 and line_depth(lines[FOLD_DEPTH + 1]) == FOLD_DEPTH + 1
    assert line_depth(lines[-1]) == n and lines[-1].endswith("x  data=0.5  grad=0")


def test_lines_up_to_the_fold_depth_are_plain_indentation():
    y = Value(1.0, label="x")
    for _ in range(FOLD_DEPTH):
        y = y + 1.0
    lines = tree(y, max_lines=None).splitlines()
    assert "[depth" not in "\n".join(lines)
    x_line = next(line for line in lines if "x  data" in line)
    assert line_depth(x_line) == FOLD_DEPTH and x_line.index("x  data") == 4 * FOLD_DEPTH


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.sampled_from(["tanh", "mul", "add_branch", "neg"]), min_size=1, max_size=160))
def test_every_line_shows_its_true_depth_in_any_shape(steps):
    """Random trees (each node used once), deep enough to fold: the depth each line shows
    is the node's distance from the root, whether indented or written as a number."""
    y = Value(0.3, label="n0")
    for i, step in enumerate(steps, 1):
        if step == "tanh":
            y = y.tanh()
        elif step == "mul":
            y = y * Value(1.1, label=f"s{i}")
        elif step == "neg":
            y = -y
        else:
            side = Value(0.2, label=f"a{i}") * Value(0.4, label=f"b{i}")
            side.label = f"m{i}"
            y = side + y
        y.label = f"n{i}"
    depth = {y: 0}
    order = [y]
    for node in order:
        for parent in node.parents:
            if parent not in depth:
                depth[parent] = depth[node] + 1
                order.append(parent)
    lines = tree(y, max_lines=None).splitlines()
    assert len(lines) == len(order)
    by_label = {node.label: d for node, d in depth.items() if node.label}
    for line in lines:
        label = re.search(r"(?:^|── )([nsabm]\d+|leaf)[: ]", line)
        if label and label.group(1) != "leaf":
            assert line_depth(line) == by_label[label.group(1)], line
        assert len(line) <= LONGEST_GUIDE + 80


@pytest.mark.parametrize("root", [3, "x", None, [Value(1.0)], 2.5])
def test_tree_of_something_that_is_not_a_value_says_what_to_pass(root):
    with pytest.raises(TypeError, match=f"tree: expected the Value at the top of a graph, got {type(root).__name__}"):
        tree(root)
