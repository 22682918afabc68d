"""Pieces for writing exercises: an op with the learner's local derivative in place of its
own (``with_local``), and micrograd's neuron (``neuron``).

>>> o = neuron(lambda n: with_local("tanh", lambda out, x: (1 - out,), n))  # a learner's mistake
>>> o.backward(); o.parents[0].label, round(o.parents[0].grad, 4)
('n', 0.2929)
"""

from __future__ import annotations

from collections.abc import Callable

from ..ops import OPS, Op
from ..value import Value, apply


def with_local(op: str, local: Callable[..., tuple], *inputs: Value) -> Value:
    """``op`` applied to ``inputs`` with ``local`` (``local(out, *xs) -> one derivative per
    input``) in place of its local derivatives: the same node, the learner's rule."""
    rule = OPS[op]

    def numbers(out: float, *xs: float) -> tuple[float, ...]:
        given = local(out, *xs)
        try:
            return tuple(float(d) for d in given)
        except (TypeError, ValueError):
            raise TypeError(f"the local derivative of {op} returned {given!r:.60}, not numbers") from None

    row = Op(rule.name, rule.symbol, rule.forward, numbers, *tuple(rule)[4:])  # the op's row, the learner's rule
    return apply(row, *inputs)


def neuron(activation: Callable[[Value], Value]) -> Value:
    """micrograd's neuron, o = activation(x1*w1 + x2*w2 + b), labelled as in Zero to Hero."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"  # noqa: E702 - the video's labels, one line each
    x2w2 = x2 * w2; x2w2.label = "x2*w2"  # noqa: E702
    s = x1w1 + x2w2; s.label = "x1*w1 + x2*w2"  # noqa: E702
    n = s + b; n.label = "n"  # noqa: E702
    o = activation(n); o.label = "o"  # noqa: E702
    return o
