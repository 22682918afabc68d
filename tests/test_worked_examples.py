"""Published worked examples, reproduced to the digits they print.

1. micrograd's README example (github.com/karpathy/micrograd).
2. The neuron from Karpathy's lecture "The spelled-out intro to neural networks and
   backpropagation: building micrograd".
3. Matt Mazur, "A Step by Step Backpropagation Example" (mattmazur.com, 2015).
"""

from __future__ import annotations

import math

from autograd import Value


def printed(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def test_micrograd_readme_example():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert printed(g.data, 4) == "24.7041"  # the forward pass
    g.backward()
    assert printed(a.grad, 4) == "138.8338"  # dg/da
    assert printed(b.grad, 4) == "645.5773"  # dg/db


def lecture_neuron(decomposed_tanh: bool):
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    if decomposed_tanh:  # the lecture's second version: tanh spelled out with exp
        e = (2 * n).exp()
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.backward()
    return o, n, x1, x2, w1, w2, b


def test_karpathy_lecture_neuron():
    for decomposed in (False, True):
        o, n, x1, x2, w1, w2, b = lecture_neuron(decomposed)
        assert printed(o.data, 4) == "0.7071"
        assert math.isclose(n.grad, 0.5, rel_tol=1e-9) and math.isclose(b.grad, 0.5, rel_tol=1e-9)
        assert math.isclose(x1.grad, -1.5, rel_tol=1e-9) and math.isclose(w1.grad, 1.0, rel_tol=1e-9)
        assert math.isclose(x2.grad, 0.5, rel_tol=1e-9) and w2.grad == 0.0
        assert [printed(v.grad, 1) for v in (x1, w1, x2, w2, n)] == ["-1.5", "1.0", "0.5", "0.0", "0.5"]


def mazur_network():
    i1, i2 = Value(0.05, label="i1"), Value(0.10, label="i2")
    w = [Value(x, label=f"w{k}") for k, x in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], 1)]
    b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")
    # The post's layout: b1 feeds both hidden neurons, b2 both outputs.
    h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid()
    h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid()
    net_o1 = w[4] * h1 + w[5] * h2 + b2
    o1 = net_o1.sigmoid()
    o2 = (w[6] * h1 + w[7] * h2 + b2).sigmoid()
    error = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    error.backward()
    return h1, h2, net_o1, o1, o2, error, w


def test_mazur_step_by_step_backpropagation():
    h1, h2, net_o1, o1, o2, error, w = mazur_network()
    assert printed(h1.data, 9) == "0.593269992"
    assert printed(h2.data, 9) == "0.596884378"
    assert printed(net_o1.data, 9) == "1.105905967"
    assert printed(o1.data, 8) == "0.75136507"
    assert printed(o2.data, 9) == "0.772928465"
    assert printed(error.data, 9) == "0.298371109"
    assert printed(w[4].grad, 9) == "0.082167041"  # dE/dw5
    assert printed(w[0].grad, 9) == "0.000438568"  # dE/dw1
    # The post's updated weights, learning rate 0.5.
    assert printed(w[4].data - 0.5 * w[4].grad, 8) == "0.35891648"
    assert printed(w[0].data - 0.5 * w[0].grad, 9) == "0.149780716"
