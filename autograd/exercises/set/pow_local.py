"""pow with a Value exponent: both local derivatives of a ** b.

Write `pow_local(a, b, out)`: the pair (d out/d a, d out/d b) for out = a ** b, a > 0,
where the exponent b is a Value too. The checker puts your rule in y = (x ** p) * c,
and in micrograd's 2 ** x, and compares every gradient.
"""

from autograd import Value
from autograd.exercises import Case
from autograd.exercises.pieces import with_local

LEVEL = 2
START = '''\
import math


def pow_local(a, b, out):
    """(d/da, d/db) of out = a ** b."""
    return ..., ...
'''
REFERENCE = '''\
import math


def pow_local(a, b, out):
    return b * a ** (b - 1), out * math.log(a)
'''
NOTICE = ("d(a^b)/db = a^b · ln a: the output appears in its own derivative again, as for exp "
          "(e^x is the case a = e, where ln a = 1).")


def cases(solution):
    found = []
    for title, (a, b, c) in (("y = (x ** p) * c", (1.5, 2.5, -2.0)), ("y = (2 ** x) * c", (2.0, 0.75, 3.0))):
        x, p, k = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
        out = with_local("pow", lambda o, u, v: solution.pow_local(u, v, o), x, p)
        out.label = "a**b"
        y = out * k; y.label = "y"  # noqa: E702
        y.backward()
        found.append(Case(title, y))
    return found
