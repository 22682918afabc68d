"""Graphs several test files draw, explain and print: one definition, shared."""

from hypothesis import strategies as st

import autograd
from autograd import Value, scope, topological_order


def g4(x: float) -> str:
    """A number as drawings and trees print it: 4 significant digits."""
    return format(x, ".4g")


def neuron_graph(x1: float = 2.0) -> Value:
    """micrograd's classic neuron, o = tanh(x1·w1 + x2·w2 + b), before backward."""
    x1_, x2 = Value(x1, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1_ * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's classic neuron, o = tanh(x1·w1 + x2·w2 + b), with backward done."""
    o = neuron_graph()
    o.backward()
    named = {v.label: v for v in topological_order(o)}
    return o, {k: named[k] for k in ("x1", "x2", "w1", "w2", "b", "n", "o")}


def mlp_loss() -> Value:
    """A 2-4-4-1 tanh MLP's squared error on two samples (the step page's MLP)."""
    from nn import MLP

    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    preds = [model(x) for x in ([2.0, 3.0], [3.0, -1.0])]
    preds = [p[0] if isinstance(p, list) else p for p in preds]
    loss = autograd.sum([(p - y) ** 2 for p, y in zip(preds, (1.0, -1.0))])
    loss.label = "loss"
    return loss


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
