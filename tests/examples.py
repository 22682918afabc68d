"""Graphs several test files draw, explain and print: one definition, shared."""

from hypothesis import strategies as st

import autograd
from autograd import Value, scope


def g4(x: float) -> str:
    """A number as drawings and trees print it: 4 significant digits."""
    return format(x, ".4g")


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's classic neuron, o = tanh(x1·w1 + x2·w2 + b), with backward done."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n, o=o)


# Recipes for ``random_graph``: (op, picks of earlier nodes), drawn by hypothesis.
RECIPES = st.lists(st.tuples(st.sampled_from(["add", "mul", "tanh", "neg", "sum", "dot"]),
                             st.lists(st.integers(0, 10**6), min_size=1, max_size=5)), min_size=1, max_size=40)


def random_graph(recipe) -> tuple[Value, Value]:
    """A graph with reuse (a*a, one node in many), nodes of one, two and many parents, each
    op in a scope named after it; returns its root and its one parameter ``w``."""
    w = Value(0.5, label="w")
    w.role = "param"
    nodes = [w, Value(1.5), Value(-2.0, label="x"), Value(1.5)]
    for op, picks in recipe:
        ins = [nodes[p % len(nodes)] for p in picks]
        with scope(op):
            if op == "add":
                nodes.append(ins[0] + ins[-1])
            elif op == "mul":
                nodes.append(ins[0] * ins[-1])
            elif op == "tanh":
                nodes.append(ins[0].tanh())
            elif op == "neg":
                nodes.append(-ins[0])
            elif op == "sum":
                nodes.append(autograd.sum(ins + [ins[0]]))
            else:
                nodes.append(autograd.dot(ins + ins[:1], ins[:1] + ins))
    return nodes[-1], w
