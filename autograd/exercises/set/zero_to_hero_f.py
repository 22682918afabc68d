"""Zero to Hero's first exercise: f(a, b, c) and its gradient, analytically.

From the micrograd exercises of Neural Networks: Zero to Hero:
f(a, b, c) = -a**3 + sin(3*b) - 1.0/c + b**2.5 - a**0.5.
Write `gradf(a, b, c)` returning [df/da, df/db, df/dc] as plain numbers from your own
derivatives (the math module is fine; no Values). At (2, 3, 4), f = 6.336362190988558.
"""


from autograd import Value
from autograd.exercises import Case

LEVEL = 2
START = '''\
import math


def gradf(a, b, c):
    """[df/da, df/db, df/dc] of f = -a**3 + sin(3*b) - 1.0/c + b**2.5 - a**0.5."""
    return [..., ..., ...]


if __name__ == "__main__":
    print(gradf(2, 3, 4))   # should be [-12.353553390593273, 10.25699027111255, 0.0625]
'''
REFERENCE = '''\
import math


def gradf(a, b, c):
    return [-3 * a**2 - 0.5 * a**-0.5, 3 * math.cos(3 * b) + 2.5 * b**1.5, c**-2]
'''
NOTICE = ("every term of f holds one variable, so each derivative is a sum of the terms' own derivatives; "
          "sin(3b) brings its chain factor 3 with it. The engine gets the same numbers with f(a,b,c).backward().")
COMPARE = ("a", "b", "c", "f")


def f(a, b, c):
    return -a**3 + (b * 3).sin() - 1.0 / c + b**2.5 - a**0.5


def cases(solution):
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
    y = f(a, b, c); y.label = "f"  # noqa: E702
    y.backward()
    grads = [float(g) for g in solution.gradf(2.0, 3.0, 4.0)]
    if len(grads) != 3:
        raise ValueError(f"gradf returned {len(grads)} numbers; give [df/da, df/db, df/dc]")
    for leaf, g in zip((a, b, c), grads):
        leaf.grad = g
    return [Case("f at (2, 3, 4)", y)]
