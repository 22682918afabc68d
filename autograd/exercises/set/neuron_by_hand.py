"""micrograd's neuron by hand: every gradient, worked out on paper.

The neuron of Zero to Hero: x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432,
n = x1*w1 + x2*w2 + b, o = tanh(n). Give GRADS, a dict from each label (o, n,
"x1*w1 + x2*w2", b, "x1*w1", "x2*w2", x1, w1, x2, w2) to d o / d that node, as numbers
you work out by hand (a calculator is fine; the engine is not).
"""

from autograd.exercises import Case
from autograd.exercises.pieces import neuron

LEVEL = 2
START = '''\
# d o / d node for every node of the neuron; tanh(n) = o = 0.7071067811865476
GRADS = {
    "o": 1.0,
    "n": ...,
    "x1*w1 + x2*w2": ...,
    "b": ...,
    "x1*w1": ...,
    "x2*w2": ...,
    "x1": ...,
    "w1": ...,
    "x2": ...,
    "w2": ...,
}
'''
REFERENCE = '''\
o = 0.7071067811865476
dn = 1 - o * o                      # tanh's rule: 0.5
GRADS = {"o": 1.0, "n": dn, "x1*w1 + x2*w2": dn, "b": dn, "x1*w1": dn, "x2*w2": dn,
         "x1": -3.0 * dn, "w1": 2.0 * dn, "x2": 1.0 * dn, "w2": 0.0 * dn}
'''
NOTICE = ("a + passes its gradient to both inputs unchanged, and a * hands each input the other's value: "
          "x2 is 0, so w2 learns nothing from this example.")


def cases(solution):
    o = neuron(lambda n: n.tanh())
    grads = solution.GRADS
    stack, seen = [o], set()
    while stack:  # the learner's numbers in place of backward's
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.label:
            value = grads.get(node.label, float("nan"))
            node.grad = float(value) if isinstance(value, (int, float)) else float("nan")
        stack.extend(node.parents)
    return [Case("micrograd's neuron", o)]
