"""Matt Mazur's first weight update, with the engine doing the calculus.

Mazur's "A Step by Step Backpropagation Example": inputs i1 = 0.05, i2 = 0.10, targets
0.01 and 0.99, weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55, biases
b1 = 0.35 (both hidden neurons), b2 = 0.60 (both outputs), every neuron a sigmoid.
h1 = sigmoid(w1*i1 + w2*i2 + b1), h2 = sigmoid(w3*i1 + w4*i2 + b1),
o1 = sigmoid(w5*h1 + w6*h2 + b2), o2 = sigmoid(w7*h1 + w8*h2 + b2),
E_total = ½(0.01 - o1)² + ½(0.99 - o2)².
Write `total_error(w, b)` (w and b are dicts of Values: w["w1"]..w["w8"], b["b1"], b["b2"])
returning E_total as a Value, and `step(weight, lr)` returning the weight's new number
after one gradient-descent step. At lr = 0.5, w5 becomes 0.35891648.
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 3
START = '''\
def total_error(w, b):
    i1, i2 = 0.05, 0.10
    h1 = (w["w1"] * i1 + w["w2"] * i2 + b["b1"]).sigmoid()
    ...
    return ...


def step(weight, lr):
    """The new number of a weight (a Value whose .grad backward has filled in)."""
    return ...
'''
REFERENCE = '''\
def total_error(w, b):
    i1, i2 = 0.05, 0.10
    h1 = (w["w1"] * i1 + w["w2"] * i2 + b["b1"]).sigmoid()
    h2 = (w["w3"] * i1 + w["w4"] * i2 + b["b1"]).sigmoid()
    o1 = (w["w5"] * h1 + w["w6"] * h2 + b["b2"]).sigmoid()
    o2 = (w["w7"] * h1 + w["w8"] * h2 + b["b2"]).sigmoid()
    return 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2


def step(weight, lr):
    return weight.data - lr * weight.grad
'''
NOTICE = ("w5 moved against its gradient (0.0822) by lr × gradient: the error goes down, from 0.298371109. "
          "python -m demos.worked_example checks every other figure of the article.")
WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
LR = 0.5
COMPARE = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "E_total")


def cases(solution):
    w = {f"w{k + 1}": Value(x, label=f"w{k + 1}") for k, x in enumerate(WEIGHTS)}
    b = {"b1": Value(0.35, label="b1"), "b2": Value(0.60, label="b2")}
    e = solution.total_error(w, b)
    if not isinstance(e, Value):
        raise TypeError(f"total_error returned {type(e).__name__}, not a Value: build it from w and b")
    e.label = "E_total"
    e.backward()
    return [Case("Mazur's network", e, {"w5 after one step": float(solution.step(w["w5"], LR))})]
