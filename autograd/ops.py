"""The table of derivative rules: every operation is one entry here.

An entry says how to compute the op on floats (``forward``) and its local derivatives
(``local``): d out / d input, one per input. The engine (``value.py``) calls ``forward``,
then stores the local derivatives on the new node; ``backward`` (``graph.py``) only ever
multiplies stored numbers and never looks at which op made a node. So adding an op is one
``defop`` call, and the traversal never changes.

A ``local`` rule receives ``(out, *inputs)``. An n-ary op (``nary=True``: sum, dot) takes
its inputs as one list instead, ``forward(xs)`` and ``local(out, xs)``: a neuron's dot has
dozens of inputs, and spreading them into arguments costs more than the op's arithmetic.
In the forward pass the inputs are floats. For higher-order derivatives
(``backward(create_graph=True)``) the same rule is called with Values, so a rule is
written with arithmetic operators and the helpers below, which work on both. A rule may
return a plain number where the derivative is a constant.

>>> OPS["tanh"].local(0.5, 0.5493)  # d tanh(x)/dx = 1 - tanh(x)**2
(0.75,)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import NamedTuple


class Op(NamedTuple):
    """One row of the rule table."""

    name: str  # what ``Value.op`` reports and error messages start with
    symbol: str  # how drawings show it
    forward: Callable[..., float]  # floats in, float out; raises on a bad domain
    local: Callable[..., tuple]  # (out, *inputs) -> local derivative per input
    domain: str = ""  # the valid inputs, for the error when forward refuses them
    hint: str = ""  # what the user can do about it
    # The local derivatives as text, one per input, for ``explain``: {a}, {b} stand for
    # the inputs' names (bracketed if they are expressions), {A}, {B} for the bare names.
    # An n-ary op (sum, dot) gives one text for all its inputs.
    formula: tuple[str, ...] = ()
    nary: bool = False  # inputs arrive as one list: forward(xs), local(out, xs)


OPS: dict[str, Op] = {}

# A leaf's entry: no inputs, nothing to differentiate. Not in the table: no op makes it.
LEAF = Op("", "", lambda: 0.0, lambda out: ())


def defop(
    name: str,
    symbol: str,
    forward: Callable[..., float],
    local: Callable[..., tuple],
    domain: str = "",
    hint: str = "",
    formula: tuple[str, ...] = (),
    nary: bool = False,
) -> Op:
    """Add an op to the table and return its entry.

    >>> square = defop("square", "x²", lambda x: x * x, lambda out, x: (2.0 * x,))
    >>> del OPS["square"]
    """
    if name in OPS:
        raise ValueError(f"defop: an op named {name!r} is already defined")
    op = Op(name, symbol, forward, local, domain, hint, formula, nary)
    OPS[name] = op
    return op


# ---------------------------------------------------------------------------------------
# Helpers usable in rules on floats and on Values alike. Node data is always a float, so
# ``x.__class__ is float`` picks the float path; anything else is a Value. (Written out,
# not as a helper function: rules run once per node, and a call costs more than the test.)


def cos(x):
    return math.cos(x) if x.__class__ is float else x.cos()


def sin(x):
    return math.sin(x) if x.__class__ is float else x.sin()


def log(x):
    return math.log(x) if x.__class__ is float else x.log()


def number(x) -> float:
    """The number of ``x``: itself for a float, its data for a Value, so rules can branch."""
    return x if x.__class__ is float else x.data


def positive(x) -> bool:
    """x > 0, read from the number (a Value's data). Written out, not through ``number``:
    relu's rule calls it once per node."""
    return (x if x.__class__ is float else x.data) > 0.0


def safe_pow(a, b):
    """a ** b on floats with IEEE overflow (inf), as ``exp`` has; Values use their own op."""
    if a.__class__ is not float:
        return a**b
    try:
        return math.pow(a, b)
    except OverflowError:
        # |a ** b| is huge; its sign is negative only for a negative base to an odd power.
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # IEEE says inf, as PyTorch gives; anomaly mode reports it
        return math.inf


def _sigmoid(x: float) -> float:
    # Two forms so exp never overflows: exp(-x) for x >= 0, exp(x) otherwise.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # written so NaN passes through (NaN <= 0 is False)


def _leaky_relu(x: float, slope: float) -> float:
    return x if x > 0.0 else slope * x


def _sign(x) -> float:
    v = number(x)
    return 1.0 if v > 0.0 else (-1.0 if v < 0.0 else 0.0)


def _pow_local(out, a, b):
    # d/da = b * a**(b-1). d/db = out * log(a) needs a > 0; at a == 0 its limit is 0, and
    # for a < 0 (integer b only) the power has no derivative in b: we take 0 there.
    d_exponent = out * log(a) if positive(a) else 0.0
    # At a == 0 with b < 1, a**(b-1) is 1/0 (math.pow raises): the slope is inf for
    # 0 < b < 1 (as sqrt at 0) and 0 for b == 0 (x**0 is constant), as PyTorch gives.
    if number(a) == 0.0:
        b_num = number(b)
        if b_num < 1.0:
            return (math.inf if b_num > 0.0 else 0.0, d_exponent)
    return (b * safe_pow(a, b - 1.0), d_exponent)


def _sqrt_local(out, x):
    # d sqrt(x)/dx = 1 / (2 sqrt(x)), infinite at 0 (IEEE inf rather than an exception);
    # NaN in, NaN out.
    if positive(out):
        return (0.5 / out,)
    return (math.inf if number(out) == 0.0 else math.nan,)


# ---------------------------------------------------------------------------------------
# The table. Arithmetic first, then the elementwise functions, then the n-ary ops.
# Constant tuples such as (1.0, 1.0) are built once by Python and shared by every node.

ADD = defop("add", "+", operator.add, lambda out, a, b: (1.0, 1.0), formula=("1", "1"))
SUB = defop("sub", "-", operator.sub, lambda out, a, b: (1.0, -1.0), formula=("1", "−1"))
MUL = defop("mul", "*", operator.mul, lambda out, a, b: (b, a), formula=("{b}", "{a}"))
DIV = defop(
    "div", "/", operator.truediv, lambda out, a, b: (1.0 / b, -out / b),
    domain="the divisor must not be 0",
    hint="add a small epsilon to the divisor or check where it became 0",
    formula=("1/{b}", "−{a}/{b}²"),
)
POW = defop(
    "pow", "**", safe_pow, _pow_local,
    domain="a negative base needs a whole-number exponent, and 0 needs a positive one",
    hint="use abs() or shift the base, or a whole-number exponent",
    formula=("{b}·{a}^({B}−1)", "{a}^{b}·ln {a}"),
)
NEG = defop("neg", "-", operator.neg, lambda out, x: (-1.0,), formula=("−1",))
ABS = defop("abs", "abs", abs, lambda out, x: (_sign(x),), formula=("sign({A})",))
EXP = defop("exp", "exp", _exp, lambda out, x: (out,), formula=("exp({A})",))
LOG = defop(
    "log", "log", math.log, lambda out, x: (1.0 / x,),
    domain="input must be > 0",
    hint="shift or clamp the input, e.g. (x + 1e-12).log()",
    formula=("1/{a}",),
)
SQRT = defop(
    "sqrt", "sqrt", math.sqrt, _sqrt_local,
    domain="input must be >= 0",
    hint="use abs() or clamp the input first",
    formula=("1/(2·sqrt({A}))",),
)
TANH = defop("tanh", "tanh", math.tanh, lambda out, x: (1.0 - out * out,),
             formula=("1 − tanh({A})²",))
SIGMOID = defop("sigmoid", "σ", _sigmoid, lambda out, x: (out * (1.0 - out),),
                formula=("σ({A})·(1 − σ({A}))",))
RELU = defop("relu", "ReLU", _relu, lambda out, x: ((1.0,) if positive(x) else (0.0,)),
             formula=("1 if {A} > 0 else 0",))
# The slope is an input too, so it can be learned (PReLU); a number slope is a constant.
LEAKY_RELU = defop(
    "leaky_relu", "LeakyReLU", _leaky_relu,
    lambda out, x, slope: (1.0, 0.0) if positive(x) else (slope, x),
    formula=("1 if {A} > 0 else {B}", "0 if {A} > 0 else {A}"),
)
SIN = defop("sin", "sin", math.sin, lambda out, x: (cos(x),),
            domain="input must be finite", formula=("cos({A})",))
COS = defop("cos", "cos", math.cos, lambda out, x: (-sin(x),),
            domain="input must be finite", formula=("−sin({A})",))

def _sum_local(out, xs):
    return (1.0,) * len(xs)


def exact_sum(xs: Iterable[float]) -> float:
    """The sum of ``xs``, exactly rounded (``math.fsum``), or as ``+`` gives it where fsum
    refuses: a partial sum past 1.8e308, or inf + -inf (IEEE inf or nan, as a + b)."""
    xs = xs if isinstance(xs, (list, tuple)) else list(xs)
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):
        result = 0.0
        for x in xs:
            result += x
        return result


def _dot_forward(args: list[float]) -> float:
    n = len(args) // 2
    try:
        return math.fsum(map(operator.mul, args[:n], args[n:]))
    except (OverflowError, ValueError):  # as in exact_sum
        return exact_sum(list(map(operator.mul, args[:n], args[n:])))


def _dot_local(out, args):
    # Inputs are w_1..w_n, x_1..x_n: d/dw_i = x_i and d/dx_i = w_i.
    n = len(args) // 2
    return args[n:] + args[:n]


# n-ary: one node however many inputs, so a neuron is one node, not a chain of adds.
# Their formula is one text for every input; {other} is the input paired with it in dot.
SUM = defop("sum", "Σ", exact_sum, _sum_local, formula=("1",), nary=True)
DOT = defop("dot", "·", _dot_forward, _dot_local, formula=("{other}",), nary=True)
