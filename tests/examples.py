"""Graphs several test files draw, explain and print: one definition, shared."""

from autograd import Value


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
