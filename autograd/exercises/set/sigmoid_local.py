"""sigmoid's local derivative, from its output.

Write `sigmoid_local(x, out)`: the derivative of sigmoid(x) = 1 / (1 + e^-x), given x and
out = sigmoid(x). The checker puts it in micrograd's neuron with a sigmoid in place of
tanh and compares every gradient.
"""

from autograd.exercises import Case
from autograd.exercises.pieces import neuron, with_local

LEVEL = 1
START = '''\
def sigmoid_local(x, out):
    """d sigmoid(x) / dx, given x and out = sigmoid(x)."""
    return ...
'''
REFERENCE = '''\
def sigmoid_local(x, out):
    return out * (1 - out)
'''
NOTICE = ("sigmoid's slope is out·(1 - out), at most 0.25 (at out = 0.5): every sigmoid a gradient passes "
          "through shrinks it at least fourfold (see vanishing-gradients).")


def cases(solution):
    o = neuron(lambda n: with_local("sigmoid", lambda out, x: (solution.sigmoid_local(x, out),), n))
    o.backward()
    return [Case("the neuron with a sigmoid", o)]
