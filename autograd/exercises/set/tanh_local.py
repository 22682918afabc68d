"""tanh's local derivative: what tanh hands back to its input.

Write `tanh_local(x, out)`: the derivative of tanh at x, given x and out = tanh(x).
The checker puts your rule in place of the engine's inside micrograd's neuron,
o = tanh(x1*w1 + x2*w2 + b), runs backward, and compares every gradient.
"""

from autograd.exercises import Case
from autograd.exercises.pieces import neuron, with_local

LEVEL = 1
START = '''\
def tanh_local(x, out):
    """d tanh(x) / dx, given x and out = tanh(x)."""
    return ...  # your rule here


if __name__ == "__main__":
    import math
    print(tanh_local(0.5, math.tanh(0.5)))
'''
REFERENCE = '''\
def tanh_local(x, out):
    return 1 - out * out
'''
NOTICE = ("tanh's derivative is written with its output alone, 1 - out², so backward needs no x: "
          "micrograd keeps `t` from the forward pass for exactly this.")


def cases(solution):
    o = neuron(lambda n: with_local("tanh", lambda out, x: (solution.tanh_local(x, out),), n))
    o.backward()
    return [Case("micrograd's neuron", o)]
