"""Typical wrong answers to every exercise of the set, with the node each must be named by.

Each entry: exercise name -> list of (what the mistake is, the solution file's text, the node
the checker must name). Used by tests/test_exercises.py; docs/exercise_screenshots.py shows the = of accumulate.
"""

from autograd.exercises import exercise


def mistake(name: str, right: str, wrong: str) -> str:
    """The exercise's reference with one mistake: ``right`` (found exactly once) made ``wrong``."""
    reference = exercise(name).reference
    assert reference.count(right) == 1, f"{name}: {right!r} is not in its reference exactly once"
    return reference.replace(right, wrong)


WRONG: dict[str, list[tuple[str, str, str]]] = {
    "tanh-local": [
        ('the square forgotten', '''\
def tanh_local(x, out):
    return 1 - out
''', 'n'),
        ('a sign error', '''\
def tanh_local(x, out):
    return 1 + out * out
''', 'n'),
        ('x in place of the output', '''\
def tanh_local(x, out):
    return 1 - x * x
''', 'n'),
    ],
    "sigmoid-local": [
        ('a sign error', '''\
def sigmoid_local(x, out):
    return out * (1 + out)
''', 'n'),
        ("tanh's rule", '''\
def sigmoid_local(x, out):
    return 1 - out * out
''', 'n'),
    ],
    "neuron-by-hand": [
        ("tanh's square forgotten", '''\
o = 0.7071067811865476
d = 1 - o
GRADS = {'o': 1.0, 'n': d, 'x1*w1 + x2*w2': d, 'b': d, 'x1*w1': d, 'x2*w2': d,
         'x1': -3 * d, 'w1': 2 * d, 'x2': d, 'w2': 0.0}
''', 'n'),
        ("a product's inputs swapped", '''\
d = 0.5
GRADS = {'o': 1.0, 'n': d, 'x1*w1 + x2*w2': d, 'b': d, 'x1*w1': d, 'x2*w2': d,
         'x1': 2 * d, 'w1': -3 * d, 'x2': d, 'w2': 0.0}
''', 'x1'),
    ],
    "accumulate": [
        ('= in place of +=', '''\
def backward(order):
    order[-1].grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad
''', 'a'),
        ("the output's gradient not seeded", '''\
def backward(order):
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
''', 'b'),
        ('walked inputs first', '''\
def backward(order):
    order[-1].grad = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
''', 'x'),
    ],
    "pow-local": [
        ('ln a forgotten', '''\
def pow_local(a, b, out):
    return b * a ** (b - 1), out
''', 'b'),
        ('the exponent not lowered', '''\
import math
def pow_local(a, b, out):
    return b * a ** b, out * math.log(a)
''', 'a'),
    ],
    "zero-to-hero-f": [
        ("sin(3b)'s chain factor forgotten", '''\
import math
def gradf(a, b, c):
    return [-3 * a**2 - 0.5 * a**-0.5, math.cos(3 * b) + 2.5 * b**1.5, c**-2]
''', 'b'),
        ('a sign error in -1/c', '''\
import math
def gradf(a, b, c):
    return [-3 * a**2 - 0.5 * a**-0.5, 3 * math.cos(3 * b) + 2.5 * b**1.5, -c**-2]
''', 'c'),
    ],
    "topological-sort": [
        ("micrograd's recursive build_topo", '''\
def topological_order(root):
    topo, visited = [], set()
    def build(v):
        if v not in visited:
            visited.add(v)
            for p in v.parents:
                build(p)
            topo.append(v)
    build(root)
    return topo
''', 'y'),
        ('no visited set: shared nodes twice', '''\
def topological_order(root):
    order, stack = [], [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order
''', 'x'),
        ('reversed breadth-first order', '''\
def topological_order(root):
    order, seen, queue = [], {root}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for p in node.parents:
            if p not in seen:
                seen.add(p)
                queue.append(p)
    return order[::-1]
''', 'x'),
    ],
    "custom-op": [
        ('the denominator forgotten', '''\
import math
from autograd import apply, defop
SOFTPLUS = defop('softplus', 'softplus', lambda x: math.log1p(math.exp(x)), lambda out, x: (math.exp(x),))
def softplus(v):
    return apply(SOFTPLUS, v)
''', 'n'),
        ('a sign error in the exponent', '''\
import math
from autograd import apply, defop
SOFTPLUS = defop('softplus', 'softplus', lambda x: math.log1p(math.exp(x)), lambda out, x: (1 / (1 + math.exp(x)),))
def softplus(v):
    return apply(SOFTPLUS, v)
''', 'n'),
    ],
    "mazur-step": [
        ("the ½ of the squared error forgotten",
         mistake("mazur-step", "0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2",
                 "(0.01 - o1) ** 2 + (0.99 - o2) ** 2"),
         "E_total"),
        ("a step up the gradient", mistake("mazur-step", "weight.data - lr", "weight.data + lr"), "w5 after one step"),
    ],
    "softmax-nll": [
        ('the minus sign forgotten', '''\
def nll(logits, label):
    counts = [l.exp() for l in logits]
    total = sum(counts)
    return (counts[label] / total).log()
''', 'loss'),
        ('not normalised', '''\
def nll(logits, label):
    return -logits[label].exp().log()
''', 'loss'),
    ],
    "bptt": [
        ("tanh's factor forgotten", mistake("bptt", "dz = dh * (1 - hs[t] ** 2)", "dz = dh"), "h2"),
        ("only the last step counted",
         mistake("bptt", 'grads["w"] += dz * hs[t - 1]', 'grads["w"] = dz * hs[t - 1]'), "w"),
    ],
    "conv1d-kernel": [
        ('the kernel flipped', '''\
def kernel_grad(x, w, dy):
    K = len(w)
    return [sum(dy[i] * x[i + K - 1 - k] for i in range(len(dy))) for k in range(K)]
''', 'w0'),
        ('no sum over positions', '''\
def kernel_grad(x, w, dy):
    return [dy[0] * x[k] for k in range(len(w))]
''', 'w0'),
    ],
    "vanishing-gradients": [
        ("sigmoid in place of its slope", mistake("vanishing-gradients", "hs[k] * (1 - hs[k])", "hs[k]"), "h7"),
        ("the weight forgotten", mistake("vanishing-gradients", "(1 - hs[k]) * weight", "(1 - hs[k])"), "h7"),
    ],
    "xor-training": [
        ('no hidden layer: one neuron', '''\
import random
from autograd import Value
XOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
def train():
    random.seed(0)
    w = [Value(random.uniform(-1, 1)) for _ in range(2)]
    b = Value(0.0)
    for _ in range(200):
        loss = sum((((w[0] * x1 + w[1] * x2 + b) - (2 * y - 1)) ** 2 for (x1, x2), y in XOR), Value(0.0))
        for p in w + [b]:
            p.grad = 0.0
        loss.backward()
        for p in w + [b]:
            p.data -= 0.05 * p.grad
    return lambda x1, x2: int((w[0] * x1 + w[1] * x2 + b).data > 0)
''', 'the class of (0, 1)'),
        ('a step up the gradient', '''\
import random
from autograd import Value
XOR = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
def train():
    random.seed(0)
    w1 = [[Value(random.uniform(-1, 1)) for _ in range(2)] for _ in range(4)]
    w2 = [Value(random.uniform(-1, 1)) for _ in range(4)]
    params = [p for r in w1 for p in r] + w2
    def logit(x1, x2):
        return sum((v * (r[0] * x1 + r[1] * x2).tanh() for v, r in zip(w2, w1)), Value(0.0))
    for _ in range(300):
        loss = sum(((logit(*x) - (2 * y - 1)) ** 2 for x, y in XOR), Value(0.0))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data += 0.05 * p.grad
    return lambda x1, x2: int(logit(x1, x2).data > 0)
''', 'the class of (0, 1)'),
    ],
}
