"""A training loop that reaches 100% on XOR.

XOR: (0, 0) → 0, (0, 1) → 1, (1, 0) → 1, (1, 1) → 0. Write `train()`: build a small
network of Values (a hidden layer is needed: no single neuron separates XOR), train it
with your own loop (forward, loss, zero the gradients, backward, step), seeded so it
runs the same every time, and return `predict(x1, x2)` giving the class, 0 or 1. The
check runs your whole training within the time limit.
"""

from autograd.exercises import Case

LEVEL = 5
START = '''\
import random

from autograd import Value

XOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]


def train():
    random.seed(0)
    ...
    def predict(x1, x2):
        return ...
    return predict
'''
REFERENCE = '''\
import random

from autograd import Value

XOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]


def train(hidden=4, steps=300, lr=0.05):
    random.seed(0)
    w1 = [[Value(random.uniform(-1, 1)) for _ in range(2)] for _ in range(hidden)]
    b1 = [Value(0.0) for _ in range(hidden)]
    w2 = [Value(random.uniform(-1, 1)) for _ in range(hidden)]
    b2 = Value(0.0)
    params = [p for row in w1 for p in row] + b1 + w2 + [b2]

    def logit(x1, x2):
        hs = [(w[0] * x1 + w[1] * x2 + b).tanh() for w, b in zip(w1, b1)]
        return sum((w * h for w, h in zip(w2, hs)), b2)

    for _ in range(steps):
        loss = sum(((logit(*x) - (2 * y - 1)) ** 2 for x, y in XOR), Value(0.0))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad

    def predict(x1, x2):
        return int(logit(x1, x2).data > 0)
    return predict
'''
NOTICE = ("the hidden tanh layer bends the boundary; remove it and no setting of the weights reaches 100%. "
          "Each step zeroes the gradients first: backward adds (+=), so without it every step also follows "
          "all the old gradients.")
XOR = (((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0))


def cases(solution):
    predict = solution.train()
    found = {}
    for (x1, x2), _ in XOR:
        got = predict(x1, x2)
        found[f"the class of ({x1:g}, {x2:g})"] = float(got) if isinstance(got, (int, float)) else float("nan")
    return [Case("the four rows of XOR", None, found)]
