"""An op of your own: softplus through defop, checked by gradcheck.

softplus(x) = log(1 + e^x). Use `autograd.defop` to add it as one op (its forward on
floats and its local derivative), and write `softplus(v)` applying it to a Value
(`autograd.apply(op, v)`). The checker uses it in y = softplus(x*w + b) * c, compares
every node with the reference op, and runs `autograd.gradcheck` on it.
"""


from autograd import Value, gradcheck
from autograd.exercises import Case

LEVEL = 3
START = '''\
import math

from autograd import apply, defop

SOFTPLUS = defop("softplus", "softplus",
                 lambda x: math.log1p(math.exp(x)),   # forward, on floats
                 lambda out, x: (...,))               # d out / d x, one per input


def softplus(v):
    return apply(SOFTPLUS, v)
'''
REFERENCE = '''\
import math

from autograd import apply
from autograd.ops import Op

# The reference is not registered with defop, so the learner's defop("softplus", ...) is free.
SOFTPLUS = Op("softplus", "softplus", lambda x: math.log1p(math.exp(x)), lambda out, x: (1.0 / (1.0 + math.exp(-x)),))


def softplus(v):
    return apply(SOFTPLUS, v)
'''
NOTICE = ("softplus's derivative is the sigmoid: a smooth relu whose slope is a probability. "
          "gradcheck compared your rule with (f(x+ε) - f(x-ε)) / 2ε, the check every rule in ops.py passes.")


def _passes(f) -> float:
    try:
        return 1.0 if gradcheck(f, 0.7) and gradcheck(f, -2.5) else 0.0
    except Exception:
        return 0.0


def cases(solution):
    x, w, b, c = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b"), Value(2.0, label="c")
    n = x * w + b; n.label = "n"  # noqa: E702
    s = solution.softplus(n); s.label = "softplus(n)"  # noqa: E702
    y = s * c; y.label = "y"  # noqa: E702
    y.backward()
    return [Case("y = softplus(x*w + b) * c", y, {"gradcheck passes (1 = yes)": _passes(solution.softplus)})]
