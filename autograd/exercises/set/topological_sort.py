"""A topological sort that survives a chain 10,000 deep.

Write `topological_order(root)`: every Value below `root` (follow `.parents`), each
exactly once, every node after all of its inputs, `root` last. The checker runs the
chain-rule loop in your order on a diamond and on a chain of 10,000 steps, and compares
every gradient. micrograd's recursive `build_topo` stops at Python's recursion limit
(about 1,000 deep): use a list as your own stack.
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 3
START = '''\
def topological_order(root):
    """Every Value below root once, inputs before the nodes made from them, root last."""
    order = []
    ...
    return order
'''
REFERENCE = '''\
def topological_order(root):
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in done:
            done.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if p not in done)
    return order
'''
NOTICE = ("backward may only hand on a node's gradient once everything that uses the node has handed it "
          "theirs; a topological order guarantees that, and an explicit stack makes the depth of the graph "
          "a matter of memory, not of Python's recursion limit.")
DEPTH = 10_000


def _chain_rule(order, root):
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def _diamond():
    x = Value(0.5, label="x")
    u = x * 3.0; u.label = "u"  # noqa: E702
    v = u.tanh(); v.label = "v"  # noqa: E702 - u reaches w directly and through v: two path lengths
    w = u + v; w.label = "w"  # noqa: E702
    return w


def _chain():
    x = Value(0.5, label="x")
    y = x
    for _ in range(DEPTH):
        y = y * 0.9999
    y.label = "y"
    return y


def cases(solution):
    for title, root in (("the diamond w = u + tanh(u), u = 3x", _diamond()), (f"a chain {DEPTH:,} deep", _chain())):
        order = list(solution.topological_order(root))
        _chain_rule(order, root)
        yield Case(title, root)
