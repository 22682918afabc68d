"""Accumulation: the chain-rule loop, and why it says += and not =.

Write `backward(order)`: `order` lists a graph's Values inputs first, output last (a
topological order). Set the output's `.grad` to 1 and, walking the list from the output
back, hand each node's gradient to its inputs: `node.parents` are its inputs and
`node.local_grads` the local derivatives d node / d input, in the same order (an input
used twice, as in a + a, is listed twice). Gradients start at 0.
The checker runs it on a + a, on a diamond (a feeds two paths that meet again) and on
micrograd's neuron, and compares every gradient with the engine's.
"""

from autograd import Value, topological_order
from autograd.exercises import Case
from autograd.exercises.pieces import neuron

LEVEL = 2
START = '''\
def backward(order):
    """Fill in .grad of every Value in order (inputs first, output last)."""
    root = order[-1]
    root.grad = 1.0
    for node in reversed(order):
        ...  # hand node.grad to node.parents, times node.local_grads
'''
REFERENCE = '''\
def backward(order):
    order[-1].grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
'''
NOTICE = ("a + a hands 1 to a twice: with = the second write replaces the first, with += they add up to 2. "
          "A node used in several places gets the sum of what every use sends back (micrograd issues #2, #21).")


def _graphs():
    a = Value(3.0, label="a")
    twice = a + a; twice.label = "b"  # noqa: E702
    x = Value(2.0, label="x")
    up = x * 3.0; up.label = "u"  # noqa: E702
    down = x.tanh(); down.label = "v"  # noqa: E702
    d = up * down; d.label = "d"  # noqa: E702
    return [("a + a", twice), ("the diamond d = (x*3) * tanh(x)", d),
            ("micrograd's neuron", neuron(lambda n: n.tanh()))]


def cases(solution):
    found = []
    for title, root in _graphs():
        solution.backward(topological_order(root))
        found.append(Case(title, root))
    return found
