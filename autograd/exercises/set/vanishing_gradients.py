"""The vanishing-gradient factor of a stack of sigmoids.

h0 = x = 0.5 and h_k = sigmoid(1.5 * h_{k-1}) for k = 1..8. Write
`layer_grads(x, weight, depth)`: the list [d h8/d h8, d h8/d h7, ..., d h8/d h0] (depth
+ 1 plain numbers), each the one before times the factor of one more layer.
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 4
START = '''\
import math


def layer_grads(x, weight, depth):
    hs = [x]
    for _ in range(depth):
        hs.append(1 / (1 + math.exp(-weight * hs[-1])))
    grads = [1.0]                         # d h_depth / d h_depth
    for k in range(depth, 0, -1):         # from h_k down to h_{k-1}
        grads.append(grads[-1] * ...)     # the factor of layer k
    return grads
'''
REFERENCE = '''\
import math


def layer_grads(x, weight, depth):
    hs = [x]
    for _ in range(depth):
        hs.append(1 / (1 + math.exp(-weight * hs[-1])))
    grads = [1.0]
    for k in range(depth, 0, -1):
        grads.append(grads[-1] * hs[k] * (1 - hs[k]) * weight)
    return grads
'''
NOTICE = ("each layer multiplies the gradient by weight·σ'(z) ≤ 0.25·|weight|: here about 0.3, so eight layers "
          "shrink it about 17,000-fold. python -m demos.vanishing_gradients compares tanh and relu.")
X, WEIGHT, DEPTH = 0.5, 1.5, 8
COMPARE = tuple(f"h{k}" for k in range(DEPTH + 1))


def cases(solution):
    h = Value(X, label="h0")
    for k in range(1, DEPTH + 1):
        h = (h * WEIGHT).sigmoid()
        h.label = f"h{k}"
    h.backward()
    grads = [float(g) for g in solution.layer_grads(X, WEIGHT, DEPTH)]
    if len(grads) != DEPTH + 1:
        raise ValueError(f"layer_grads returned {len(grads)} numbers; give {DEPTH + 1}: d h8/d h8 down to d h8/d h0")
    node = h
    for g in grads:  # h8, h7, ..., h0: down the stack (h_k's input is h_{k-1} * weight)
        node.grad = g
        node = node.parents[0].parents[0] if node.parents else node
    return [Case(f"a stack of {DEPTH} sigmoids", h)]
