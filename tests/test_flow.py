"""The page's box steps played in Python and with numpy (``autograd.views.flow``) hand the
same parameters the same amounts, and name the same largest, ties and NaNs included."""

from __future__ import annotations

import math

import pytest

from autograd import Value, dot, scope
from autograd.table import row_gradients, table
from autograd.views.flow import PARAM, ArrayFlow, Flow

np = pytest.importorskip("numpy")


def _played(weights: list[float], inputs: list[float]):
    params = []
    for k, x in enumerate(weights):
        w = Value(x, label=f"w{k}")
        w.role = "param"
        params.append(w)
    with scope("box"):
        y = dot(params, inputs).tanh() + dot(params[:2], inputs[:2])  # two reads of w0, w1
    t = table(y)
    followed = bytearray(len(t))
    for w in params:
        followed[t.row[w]] = PARAM
    played = row_gradients(t)
    run = [k for k in range(len(t) - 1, -1, -1) if t.parents[k]]
    results = []
    for flow in (Flow(t, played, followed), ArrayFlow(t, played, followed, np)):
        grad = [0.0] * len(t)
        grad[-1] = 1.0
        flow.back(run[:1], grad, "call")  # two runs of one call
        flow.back(run[1:], grad, "call")
        flow.settle(grad)
        results.append((flow.handed("call"), flow.largest("call", 3), [grad[t.row[w]] for w in params]))
    return results


@pytest.mark.parametrize("inputs", [
    [1.0, -1.0, 1.0, 2.0, -2.0, 0.5],  # equal amounts: the first reached first
    [1.0, float("nan"), 1.0, 2.0, -2.0, 0.5],  # a NaN is the largest
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
])
def test_python_and_numpy_hand_the_same_amounts_and_name_the_same_largest(inputs):
    (handed, largest, grads), (handed_np, largest_np, grads_np) = _played([0.3, -0.2, 0.1, 0.5, -0.4, 0.25], inputs)
    same = lambda a, b: a == b or (math.isnan(a) and math.isnan(b))  # noqa: E731
    assert list(handed) == list(handed_np) and all(same(handed[p], handed_np[p]) for p in handed)
    assert largest[0] == largest_np[0] and same(largest[1], largest_np[1])
    assert [p for p, _ in largest[2]] == [p for p, _ in largest_np[2]]
    assert all(same(a, b) for (_, a), (_, b) in zip(largest[2], largest_np[2]))
    assert all(same(a, b) for a, b in zip(grads, grads_np))
    if not any(map(math.isnan, inputs)):
        top = sorted(handed.values(), key=abs, reverse=True)[:3]
        assert [abs(v) for _, v in largest[2]] == [abs(v) for v in top]
