"""A 1-D convolution's kernel gradient.

y[i] = w[0]*x[i] + w[1]*x[i+1] + w[2]*x[i+2] for i = 0, 1, 2 (a "valid" convolution, as
deep-learning libraries compute it: no flip), on x = [1, 2, -1, 0.5, 3] and w = [0.2,
-0.4, 0.1]; the layer above hands back dy = [1, -2, 0.5] (d loss / d y[i]). Write
`kernel_grad(x, w, dy)`: the list [d loss / d w[0], d loss / d w[1], d loss / d w[2]] as
plain numbers.
"""

from autograd import Value
from autograd.exercises import Case

LEVEL = 4
START = '''\
def kernel_grad(x, w, dy):
    """d loss / d w[k] for each k, given d loss / d y[i] = dy[i]."""
    return [... for k in range(len(w))]
'''
REFERENCE = '''\
def kernel_grad(x, w, dy):
    return [sum(dy[i] * x[i + k] for i in range(len(dy))) for k in range(len(w))]
'''
NOTICE = ("one kernel weight is used at every position, so its gradient sums over positions: it is the "
          "correlation of the input with dy. Weight sharing is accumulation again.")
X, W, DY = (1.0, 2.0, -1.0, 0.5, 3.0), (0.2, -0.4, 0.1), (1.0, -2.0, 0.5)
COMPARE = ("w0", "w1", "w2", "loss")


def cases(solution):
    w = [Value(v, label=f"w{k}") for k, v in enumerate(W)]
    ys = []
    for i in range(len(X) - len(W) + 1):
        y = w[0] * X[i] + w[1] * X[i + 1] + w[2] * X[i + 2]
        y.label = f"y{i}"
        ys.append(y)
    loss = ys[0] * DY[0] + ys[1] * DY[1] + ys[2] * DY[2]  # d loss / d y[i] = dy[i]
    loss.label = "loss"
    loss.backward()
    grads = [float(g) for g in solution.kernel_grad(list(X), list(W), list(DY))]
    if len(grads) != len(W):
        raise ValueError(f"kernel_grad returned {len(grads)} numbers; give one per kernel weight ({len(W)})")
    for leaf, g in zip(w, grads):
        leaf.grad = g
    return [Case("x = [1, 2, -1, 0.5, 3], w = [0.2, -0.4, 0.1]", loss)]
