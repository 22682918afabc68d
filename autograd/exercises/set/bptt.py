"""Backprop through time over three steps, by hand.

A one-unit recurrent net: h0 = 0, h_t = tanh(w*h_{t-1} + u*x_t) for x = [1.0, -0.5, 2.0],
w = 0.8, u = 0.6, loss = (h3 - 0.5)². Write `bptt(w, u, xs, target)` returning a dict
of plain numbers: "h3", "h2", "h1" (d loss / d h_t) and "w", "u" (d loss / d w and
d loss / d u, summed over the three steps), from a loop you write backwards over time.
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 4
START = '''\
import math


def bptt(w, u, xs, target):
    hs = [0.0]
    for x in xs:                      # forward over time
        hs.append(math.tanh(w * hs[-1] + u * x))
    grads = {"w": 0.0, "u": 0.0}
    dh = 2 * (hs[-1] - target)        # d loss / d h3
    for t in range(len(xs), 0, -1):   # backward over time: t = 3, 2, 1
        grads[f"h{t}"] = dh
        ...
    return grads
'''
REFERENCE = '''\
import math


def bptt(w, u, xs, target):
    hs = [0.0]
    for x in xs:
        hs.append(math.tanh(w * hs[-1] + u * x))
    grads = {"w": 0.0, "u": 0.0}
    dh = 2 * (hs[-1] - target)
    for t in range(len(xs), 0, -1):
        grads[f"h{t}"] = dh
        dz = dh * (1 - hs[t] ** 2)    # through tanh
        grads["w"] += dz * hs[t - 1]  # w and u are used at every step: their gradients add up
        grads["u"] += dz * xs[t - 1]
        dh = dz * w                   # on to h_{t-1}
    return grads
'''
NOTICE = ("w is one Value used at three steps, so its gradient is the sum of three contributions, each "
          "carried back through one more factor w·(1 - h²) than the last: the same += as a + a, spread over time.")
XS, W, U, TARGET = (1.0, -0.5, 2.0), 0.8, 0.6, 0.5
COMPARE = ("w", "u", "h1", "h2", "h3", "loss")


def cases(solution):
    w, u = Value(W, label="w"), Value(U, label="u")
    h = Value(0.0, label="h0")
    for t, x in enumerate(XS, start=1):
        h = (w * h + u * x).tanh()
        h.label = f"h{t}"
    loss = (h - TARGET) ** 2
    loss.label = "loss"
    loss.backward()
    grads = solution.bptt(W, U, list(XS), TARGET)
    stack, seen = [loss], set()
    while stack:  # the learner's numbers in place of backward's, by label
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.label in ("w", "u", "h1", "h2", "h3"):
            node.grad = float(grads.get(node.label, float("nan")))
        stack.extend(node.parents)
    return [Case("three steps", loss)]
