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

The same row holds everything else the project needs of the op, so nothing else keeps a
table of ops: the formula text (``explain``, the pages), a one-line ``doc`` (``help``),
and the optional forms, each for one consumer: ``ArrayForm`` (the numpy replay of
``trace``), ``SourceForm`` (its generated-Python replay) and ``JsForm`` (pages that
recompute in the browser, ``views/compute.js``). ``defop`` documents what each consumer
does without its form.

>>> OPS["tanh"].local(0.5, 0.5493)  # d tanh(x)/dx = 1 - tanh(x)**2
(0.75,)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple


class ArrayForm(NamedTuple):
    """An op over arrays, for the replays that run a whole batch at once (numpy; torch).

    Written against an array namespace ``xp`` (numpy, or a torch adapter), with names
    numpy and torch share: ``xp.tanh``, ``xp.exp``, ``xp.log``, ``xp.where``, ``xp.abs``,
    ``xp.pow``, ``xp.sin``, ``xp.maximum``, ``xp.isinf``. The inputs are arrays that
    broadcast together (a block of samples, or one fixed number); the result is an array
    of their shape.

    - ``forward(xp, *inputs)``: the op's values (n-ary: ``forward(xp, xs)``, xs a list).
    - ``local(xp, out, *inputs)``: d out / d input, one per input (n-ary: ``local(xp,
      out, xs)``): an array, a bool mask (read as 0/1), or a Python float for a constant.
    - ``invalid(xp, *inputs)``: a bool mask, true where the float form refuses the input
      (``Op.domain``); None when every input is valid.

    ``forward`` may also take ``out=`` (as numpy's and torch's functions do): a replay
    that keeps the result's block passes it, saving a copy. A form computes the IEEE
    result (inf, nan) and leaves refusing to ``invalid``; where inf is expected, it calls
    ``xp.exp``, ``xp.pow`` or ``xp.divide``, which the numpy replay runs without warnings.
    """

    forward: Callable[..., Any]
    local: Callable[..., tuple]
    invalid: Callable[..., Any] | None = None


_NO_NAMES: Mapping[str, Any] = MappingProxyType({})


class SourceForm(NamedTuple):
    """An op as Python source, for the generated-Python replay.

    - ``forward``: one statement, ``"{o} = tanh({0})"``: ``{0}``, ``{1}`` are the inputs'
      variables, ``{o}`` the result's.
    - ``backward``: per input, the expression of the gradient it receives, from ``{g}``,
      the node's gradient: ``"{g} * (1.0 - {o} * {o})"`` (the engine's ``g * local``).
    - ``names``: the globals the source uses (``{"tanh": math.tanh}``).

    An n-ary op gives functions instead of templates: ``forward(o, xs) -> str`` and
    ``backward(g, o, xs) -> list of expressions, one per input``, xs the inputs' variables.
    """

    forward: str | Callable[[str, list[str]], str]
    backward: tuple[str, ...] | Callable[[str, str, list[str]], list[str]]
    names: Mapping[str, Any] = _NO_NAMES


class JsForm(NamedTuple):
    """An op as JavaScript expressions, for pages that recompute in the browser
    (``autograd/views/compute.js``; ``autograd.views.compute.js_ops`` emits them).

    - ``forward``: ``"Math.tanh({0})"``: ``{0}``, ``{1}`` the inputs (numbers).
    - ``local``: per input, d out / d input: ``"1 - {o} * {o}"``, ``{o}`` the result.
    - ``invalid``: a boolean expression, true where the float form refuses the inputs
      (``Op.domain``); ``""`` when every input is valid.

    An n-ary op writes ``forward`` over ``{xs}`` (the array of inputs) and ``local`` as
    one expression giving the array of local derivatives, from ``{xs}`` and ``{o}``. The
    expressions may call ``exactSum(array)`` (the exactly rounded sum, as ``math.fsum``)
    and ``powC(a, b)`` (``Math.pow`` with C's and Python's 1 for ``1 ** y`` and
    ``(-1) ** ±inf``, where JavaScript gives NaN). They are templates for ``str.format``
    (a literal brace is doubled) and page code, written by the op's author: never user
    data.
    """

    forward: str
    local: tuple[str, ...]
    invalid: str = ""


class Op(NamedTuple):
    """One row of the rule table: everything the project needs to know of an op."""

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
    # The optional forms: each replay or page that needs one says so when it is missing.
    array: ArrayForm | None = None  # numpy replay (and other array replays)
    source: SourceForm | None = None  # generated-Python replay (falls back to forward/local)
    js: JsForm | None = None  # the step-through page's recomputing in the browser
    # What the op computes, one line for help() and docs, with {a}, {b}, {A}, {B} as in
    # ``formula``: "tanh({A}), the hyperbolic tangent: (e^{A} − e^−{A}) / (e^{A} + e^−{A})".
    doc: str = ""

    def __hash__(self) -> int:  # the fields hold dicts (SourceForm.names): hash what is hashable
        return hash((self.name, self.symbol, self.forward, self.local))

    def describe(self, *names: str) -> str:
        """The op in words, with its inputs called ``names`` (default x, y, ...): what it
        computes, then each local derivative, for docstrings and ``help``.

        >>> print(OPS["tanh"].describe())
        tanh(x), the hyperbolic tangent: (e^x − e^−x) / (e^x + e^−x)
        ∂/∂x = 1 − tanh(x)²
        """
        arity = 1 if self.nary else max(len(self.formula), 1)
        default = ("x", "y", "z") if arity <= 3 else tuple(f"x{i}" for i in range(arity))
        names = tuple(names) + default[len(names):arity]
        fill = {"other": "the paired input"}
        for letter, name in zip("abcdefgh", names):
            fill[letter] = fill[letter.upper()] = name
        lines = [self.doc.format(**fill) if self.doc else self.name]
        if self.nary and self.formula:
            lines.append(f"∂/∂xᵢ = {self.formula[0].format(**fill)}")
        else:
            lines += [f"∂/∂{n} = {f.format(**fill)}" for n, f in zip(names, self.formula)]
        return "\n".join(lines)


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
    *,
    array: ArrayForm | None = None,
    source: SourceForm | None = None,
    js: JsForm | None = None,
    doc: str = "",
) -> Op:
    """Add an op to the table and return its entry.

    ``forward`` and ``local`` on floats are all an op needs: the engine, ``backward`` and
    the views run on them. The keywords give the op's other forms, each for one consumer:

    - ``array=ArrayForm(forward, local, invalid)``: the numpy replay (``trace``), which
      refuses an op without one, naming it and suggesting ``backend="python"``;
    - ``source=SourceForm(forward, backward, names)``: the generated-Python replay, which
      without one calls ``forward`` and ``local`` (the same numbers, a little slower);
    - ``js=JsForm(forward, local, invalid)``: pages that recompute in the browser, which
      show a node of an op without one as read-only and say why;
    - ``doc``: what the op computes, one line for ``help`` (see ``Op.describe``).

    >>> square = defop("square", "x²", lambda x: x * x, lambda out, x: (2.0 * x,),
    ...     formula=("2·{A}",), doc="{A}²",
    ...     array=ArrayForm(lambda xp, x: x * x, lambda xp, out, x: (2.0 * x,)),
    ...     source=SourceForm("{o} = {0} * {0}", ("{g} * (2.0 * {0})",)),
    ...     js=JsForm("{0} * {0}", ("2 * {0}",)))
    >>> print(square.describe())
    x²
    ∂/∂x = 2·x
    >>> del OPS["square"]
    """
    if name in OPS:
        raise ValueError(f"defop: an op named {name!r} is already defined")
    for keyword, form, kind in (("array", array, ArrayForm), ("source", source, SourceForm),
                                ("js", js, JsForm)):
        if form is not None and not isinstance(form, kind):
            raise TypeError(f"defop {name!r}: {keyword}= takes a {kind.__name__}, got {type(form).__name__}")
    op = Op(name, symbol, forward, local, domain, hint, formula, nary, array, source, js, doc)
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
# Array forms that need a name: the float rules' special cases, written over arrays.


def _pow_array_local(xp, out, a, b):
    # As _pow_local: b·a^(b-1), inf (0 < b < 1) or 0 (b <= 0) at a == 0; out·log(a) for a > 0.
    at_zero = (a == 0.0) & (b < 1.0)  # 1 in for 0 there, so nothing computed is 0·inf
    da = xp.where(at_zero, xp.where(b > 0.0, math.inf, 0.0), b * xp.pow(xp.where(at_zero, 1.0, a), b - 1.0))
    db = xp.where(a > 0.0, out * xp.log(xp.where(a > 0.0, a, 1.0)), 0.0)
    return da, db


def _pow_invalid(xp, a, b):
    # Where math.pow raises: a finite negative base to a finite fractional power, or 0 to
    # a finite negative power. (inf**y, x**inf follow C99 and do not raise.)
    return (((a < 0.0) & (a > -math.inf) & (xp.floor(b) < b))
            | ((a == 0.0) & (b < 0.0) & (b > -math.inf)))


def _sigmoid_array(xp, x):
    e = xp.exp(-xp.abs(x))  # exp of a number <= 0 never overflows; the float form's two cases
    return xp.where(x >= 0.0, 1.0, e) / (1.0 + e)


def _sign_array(xp, x):
    return xp.where(x > 0.0, 1.0, xp.where(x < 0.0, -1.0, 0.0))  # NaN -> 0, as _sign


# ---------------------------------------------------------------------------------------
# The table. Arithmetic first, then the elementwise functions, then the n-ary ops.
# Constant tuples such as (1.0, 1.0) are built once by Python and shared by every node.
# Each row: the float rules, the formula text, then the array, Python-source and JavaScript
# forms, which compute the same numbers with the same special cases.

ADD = defop(
    "add", "+", operator.add, lambda out, a, b: (1.0, 1.0), formula=("1", "1"),
    doc="{a} + {b}",
    array=ArrayForm(lambda xp, a, b, out=None: xp.add(a, b, out=out), lambda xp, out, a, b: (1.0, 1.0)),
    source=SourceForm("{o} = {0} + {1}", ("{g}", "{g}")),
    js=JsForm("{0} + {1}", ("1", "1")),
)
SUB = defop(
    "sub", "-", operator.sub, lambda out, a, b: (1.0, -1.0), formula=("1", "−1"),
    doc="{a} − {b}",
    array=ArrayForm(lambda xp, a, b, out=None: xp.subtract(a, b, out=out), lambda xp, out, a, b: (1.0, -1.0)),
    source=SourceForm("{o} = {0} - {1}", ("{g}", "-{g}")),
    js=JsForm("{0} - {1}", ("1", "-1")),
)
MUL = defop(
    "mul", "*", operator.mul, lambda out, a, b: (b, a), formula=("{b}", "{a}"),
    doc="{a}·{b}",
    array=ArrayForm(lambda xp, a, b, out=None: xp.multiply(a, b, out=out), lambda xp, out, a, b: (b, a)),
    source=SourceForm("{o} = {0} * {1}", ("{g} * {1}", "{g} * {0}")),
    js=JsForm("{0} * {1}", ("{1}", "{0}")),
)
DIV = defop(
    "div", "/", operator.truediv, lambda out, a, b: (1.0 / b, -out / b),
    domain="the divisor must not be 0",
    hint="add a small epsilon to the divisor or check where it became 0",
    formula=("1/{b}", "−{a}/{b}²"),
    doc="{a} / {b}",
    array=ArrayForm(lambda xp, a, b: a / b, lambda xp, out, a, b: (1.0 / b, -out / b),
                    lambda xp, a, b: b == 0.0),
    source=SourceForm("{o} = {0} / {1}", ("{g} * (1.0 / {1})", "{g} * (-{o} / {1})")),
    js=JsForm("{0} / {1}", ("1 / {1}", "-{o} / {1}"), "{1} === 0"),
)
POW = defop(
    "pow", "**", safe_pow, _pow_local,
    domain="a negative base needs a whole-number exponent, and 0 needs a positive one",
    hint="use abs() or shift the base, or a whole-number exponent",
    formula=("{b}·{a}^({B}−1)", "{a}^{b}·ln {a}"),
    doc="{a} to the power {b}",
    array=ArrayForm(lambda xp, a, b: xp.pow(a, b), _pow_array_local,
                    _pow_invalid),
    source=SourceForm("{o} = safe_pow({0}, {1})",
                      ("{g} * pow_local({o}, {0}, {1})[0]", "{g} * pow_local({o}, {0}, {1})[1]"),
                      {"safe_pow": safe_pow, "pow_local": _pow_local}),
    js=JsForm("powC({0}, {1})",
              ("{0} === 0 && {1} < 1 ? ({1} > 0 ? Infinity : 0) : {1} * powC({0}, {1} - 1)",
               "{0} > 0 ? {o} * Math.log({0}) : 0"),
              "({0} < 0 && {0} > -Infinity && Math.floor({1}) < {1}) || ({0} === 0 && {1} < 0 && {1} > -Infinity)"),
)
NEG = defop(
    "neg", "-", operator.neg, lambda out, x: (-1.0,), formula=("−1",), doc="−{a}",
    array=ArrayForm(lambda xp, x, out=None: xp.negative(x, out=out), lambda xp, out, x: (-1.0,)),
    source=SourceForm("{o} = -{0}", ("-{g}",)),
    js=JsForm("-{0}", ("-1",)),
)
ABS = defop(
    "abs", "abs", abs, lambda out, x: (_sign(x),), formula=("sign({A})",), doc="|{A}|",
    array=ArrayForm(lambda xp, x: xp.abs(x), lambda xp, out, x: (_sign_array(xp, x),)),
    source=SourceForm("{o} = abs({0})", ("{g} * sign({0})",), {"sign": _sign}),
    js=JsForm("Math.abs({0})", ("{0} > 0 ? 1 : ({0} < 0 ? -1 : 0)",)),
)
EXP = defop(
    "exp", "exp", _exp, lambda out, x: (out,), formula=("exp({A})",), doc="e^{A}",
    array=ArrayForm(lambda xp, x: xp.exp(x), lambda xp, out, x: (out,)),
    source=SourceForm("{o} = exp({0})", ("{g} * {o}",), {"exp": _exp}),
    js=JsForm("Math.exp({0})", ("{o}",)),
)
LOG = defop(
    "log", "log", math.log, lambda out, x: (1.0 / x,),
    domain="input must be > 0",
    hint="shift or clamp the input, e.g. (x + 1e-12).log()",
    formula=("1/{a}",),
    doc="ln {a}, the natural logarithm",
    array=ArrayForm(lambda xp, x: xp.log(x), lambda xp, out, x: (1.0 / x,), lambda xp, x: x <= 0.0),
    source=SourceForm("{o} = log({0})", ("{g} * (1.0 / {0})",), {"log": math.log}),
    js=JsForm("Math.log({0})", ("1 / {0}",), "{0} <= 0"),
)
SQRT = defop(
    "sqrt", "sqrt", math.sqrt, _sqrt_local,
    domain="input must be >= 0",
    hint="use abs() or clamp the input first",
    formula=("1/(2·sqrt({A}))",),
    doc="√{a}",
    # 0.5 / |out|: inf at 0 (also -0.0), NaN for NaN, as _sqrt_local.
    array=ArrayForm(lambda xp, x: xp.sqrt(x), lambda xp, out, x: (xp.divide(0.5, xp.abs(out)),),
                    lambda xp, x: x < 0.0),
    source=SourceForm("{o} = sqrt({0})", ("{g} * sqrt_local({o}, {0})[0]",),
                      {"sqrt": math.sqrt, "sqrt_local": _sqrt_local}),
    js=JsForm("Math.sqrt({0})", ("{o} > 0 ? 0.5 / {o} : ({o} === 0 ? Infinity : NaN)",), "{0} < 0"),
)
TANH = defop(
    "tanh", "tanh", math.tanh, lambda out, x: (1.0 - out * out,),
    formula=("1 − tanh({A})²",),
    doc="tanh({A}), the hyperbolic tangent: (e^{A} − e^−{A}) / (e^{A} + e^−{A})",
    array=ArrayForm(lambda xp, x, out=None: xp.tanh(x, out=out), lambda xp, out, x: (1.0 - out * out,)),
    source=SourceForm("{o} = tanh({0})", ("{g} * (1.0 - {o} * {o})",), {"tanh": math.tanh}),
    js=JsForm("Math.tanh({0})", ("1 - {o} * {o}",)),
)
SIGMOID = defop(
    "sigmoid", "σ", _sigmoid, lambda out, x: (out * (1.0 - out),),
    formula=("σ({A})·(1 − σ({A}))",),
    doc="σ({A}), the logistic sigmoid: 1 / (1 + e^−{A})",
    array=ArrayForm(_sigmoid_array, lambda xp, out, x: (out * (1.0 - out),)),
    source=SourceForm("{o} = sigmoid({0})", ("{g} * ({o} * (1.0 - {o}))",), {"sigmoid": _sigmoid}),
    js=JsForm("{0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0}))",
              ("{o} * (1 - {o})",)),
)
RELU = defop(
    "relu", "ReLU", _relu, lambda out, x: ((1.0,) if positive(x) else (0.0,)),
    formula=("1 if {A} > 0 else 0",),
    doc="ReLU({A}) = max({A}, 0)",
    # maximum passes NaN through, as _relu; the local is a mask (0/1).
    array=ArrayForm(lambda xp, x, out=None: xp.maximum(x, 0.0, out=out), lambda xp, out, x: (x > 0.0,)),
    source=SourceForm("{o} = 0.0 if {0} <= 0.0 else {0}", ("({g} if {0} > 0.0 else 0.0)",)),
    js=JsForm("{0} <= 0 ? 0 : {0}", ("{0} > 0 ? 1 : 0",)),
)
# The slope is an input too, so it can be learned (PReLU); a number slope is a constant.
LEAKY_RELU = defop(
    "leaky_relu", "LeakyReLU", _leaky_relu,
    lambda out, x, slope: (1.0, 0.0) if positive(x) else (slope, x),
    formula=("1 if {A} > 0 else {B}", "0 if {A} > 0 else {A}"),
    doc="{A} if {A} > 0 else {B}·{A}, the leaky ReLU with slope {B}",
    array=ArrayForm(lambda xp, x, s: xp.where(x > 0.0, x, s * x),
                    lambda xp, out, x, s: (xp.where(x > 0.0, 1.0, s), xp.where(x > 0.0, 0.0, x))),
    source=SourceForm("{o} = {0} if {0} > 0.0 else {1} * {0}",
                      ("({g} if {0} > 0.0 else {g} * {1})", "(0.0 if {0} > 0.0 else {g} * {0})")),
    js=JsForm("{0} > 0 ? {0} : {1} * {0}", ("{0} > 0 ? 1 : {1}", "{0} > 0 ? 0 : {0}")),
)
SIN = defop(
    "sin", "sin", math.sin, lambda out, x: (cos(x),),
    domain="input must be finite", formula=("cos({A})",), doc="sin {a}",
    array=ArrayForm(lambda xp, x: xp.sin(x), lambda xp, out, x: (xp.cos(x),), lambda xp, x: xp.isinf(x)),
    source=SourceForm("{o} = sin({0})", ("{g} * cos({0})",), {"sin": math.sin, "cos": math.cos}),
    js=JsForm("Math.sin({0})", ("Math.cos({0})",), "Math.abs({0}) === Infinity"),
)
COS = defop(
    "cos", "cos", math.cos, lambda out, x: (-sin(x),),
    domain="input must be finite", formula=("−sin({A})",), doc="cos {a}",
    array=ArrayForm(lambda xp, x: xp.cos(x), lambda xp, out, x: (-xp.sin(x),), lambda xp, x: xp.isinf(x)),
    source=SourceForm("{o} = cos({0})", ("{g} * -sin({0})",), {"sin": math.sin, "cos": math.cos}),
    js=JsForm("Math.cos({0})", ("-Math.sin({0})",), "Math.abs({0}) === Infinity"),
)


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


def _sum_array(xp, xs):
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _dot_array(xp, xs):
    n = len(xs) // 2
    total = xs[0] * xs[n]
    for w, x in zip(xs[1:n], xs[n + 1:]):
        total = total + w * x
    return total


def _comma_list(xs: Iterable[str]) -> str:
    return "".join(x + ", " for x in xs)  # a tuple's items, trailing comma and all


def _dot_source(o: str, xs: list[str]) -> str:
    n = len(xs) // 2
    return f"{o} = fsum(({_comma_list(f'{a} * {b}' for a, b in zip(xs[:n], xs[n:]))}))"


def _dot_source_backward(g: str, o: str, xs: list[str]) -> list[str]:
    n = len(xs) // 2
    return [f"{g} * {x}" for x in xs[n:]] + [f"{g} * {w}" for w in xs[:n]]


# n-ary: one node however many inputs, so a neuron is one node, not a chain of adds.
# Their formula is one text for every input; {other} is the input paired with it in dot.
# The Python source calls ``fsum``, which the generated-Python replay provides (math.fsum,
# or exact_sum where fsum refuses, as the engine); JavaScript has ``exactSum``.
SUM = defop(
    "sum", "Σ", exact_sum, _sum_local, formula=("1",), nary=True,
    doc="the sum of the inputs, exactly rounded",
    array=ArrayForm(_sum_array, lambda xp, out, xs: (1.0,) * len(xs)),
    source=SourceForm(lambda o, xs: f"{o} = fsum(({_comma_list(xs)}))", lambda g, o, xs: [g] * len(xs)),
    js=JsForm("exactSum({xs})", ("{xs}.map(() => 1)",)),
)
DOT = defop(
    "dot", "·", _dot_forward, _dot_local, formula=("{other}",), nary=True,
    doc="w₁·x₁ + … + wₙ·xₙ of the inputs w₁ … wₙ, x₁ … xₙ, exactly rounded",
    array=ArrayForm(_dot_array, lambda xp, out, xs: tuple(xs[len(xs) // 2:]) + tuple(xs[:len(xs) // 2])),
    source=SourceForm(_dot_source, _dot_source_backward),
    js=JsForm("exactSum({xs}.slice(0, {xs}.length / 2).map((w, i) => w * {xs}[{xs}.length / 2 + i]))",
              ("{xs}.slice({xs}.length / 2).concat({xs}.slice(0, {xs}.length / 2))",)),
)


# ---------------------------------------------------------------------------------------
# Ops for sequence models: choosing by a number, and the softmax's normaliser.


def exp(x):
    return _exp(x) if x.__class__ is float else x.exp()


def _pick_index(i: float, n: int) -> int:
    """``i`` as a position among ``n`` choices; ValueError unless it is a whole number in range."""
    k = int(i) if i == i and abs(i) != math.inf else -1
    if k != i or not 0 <= k < n:
        raise ValueError(f"the index (first input) must be a whole number from 0 to {n - 1}")
    return k


def _pick_forward(args: list[float]) -> float:
    return args[1 + _pick_index(args[0], len(args) - 1)]


def _pick_local(out, args):
    # The chosen input passes its gradient on whole; the others and the index get none
    # (the index only chooses: a small change of it changes nothing).
    local = [0.0] * len(args)
    local[1 + _pick_index(number(args[0]), len(args) - 1)] = 1.0
    return tuple(local)


def _logsumexp_forward(xs: list[float]) -> float:
    # The stabilising shift lives here, on numbers: log Σ exp(x) = m + log Σ exp(x - m)
    # for any m; m = max(x) keeps every exp in (0, 1], so nothing overflows.
    m = max(xs)
    if m == math.inf or m == -math.inf:  # +inf dominates; all -inf is log 0; NaN stays NaN
        return math.nan if any(x != x for x in xs) else m
    return m + math.log(math.fsum([math.exp(x - m) for x in xs]))


def _logsumexp_local(out, xs):
    # d/dx_i log Σ exp(x) = exp(x_i - out): the softmax. x_i - out <= 0, so exp is finite.
    return tuple([exp(x - out) for x in xs])


def _pick_array(xp, xs):
    # The choice where the index equals its position; the index is checked by ``invalid``.
    index, out = xs[0], xs[1] * 0.0
    for k, choice in enumerate(xs[1:]):
        out = xp.where(index == k, choice, out)
    return out


def _pick_array_invalid(xp, xs):
    index = xs[0]
    return (index != xp.floor(index)) | (index < 0) | (index >= len(xs) - 1)


def _pick_source(o: str, xs: list[str]) -> str:
    return f"{o} = ({_comma_list(xs[1:])})[pick_index({xs[0]}, {len(xs) - 1})]"


def _pick_source_backward(g: str, o: str, xs: list[str]) -> list[str]:
    return ["0.0"] + [f"({g} if {xs[0]} == {k} else 0.0)" for k in range(len(xs) - 1)]


def _logsumexp_array(xp, xs):
    top = xs[0]
    for x in xs[1:]:
        top = xp.maximum(top, x)
    infinite = xp.isinf(top)
    shift = xp.where(infinite, 0.0, top)
    total = xp.exp(xs[0] - shift)
    for x in xs[1:]:
        total = total + xp.exp(x - shift)
    return xp.where(infinite, top, xp.log(xp.where(infinite, 1.0, total)) + shift)


def _logsumexp_source_backward(g: str, o: str, xs: list[str]) -> list[str]:
    return [f"{g} * exp({x} - {o})" for x in xs]


# pick: inputs (index, c_0, ..., c_{n-1}), result c_index: an embedding row's entry chosen
# by a token id, or the target's probability; with the id a Value, a traced input.
PICK = defop(
    "pick", "[i]", _pick_forward, _pick_local,  # the error says the range: no fixed domain text
    hint="pass the position as an int-valued number: a token id, a target class",
    formula=("1 for the chosen input, else 0",), nary=True,
    doc="the input chosen by the first: x₁ … xₙ at position x₀ (0 for x₁)",
    array=ArrayForm(_pick_array, lambda xp, out, xs: (0.0,) + tuple(xs[0] == k for k in range(len(xs) - 1)),
                    _pick_array_invalid),
    source=SourceForm(_pick_source, _pick_source_backward, {"pick_index": _pick_index}),
    js=JsForm("{xs}[{xs}[0] + 1]", ("{xs}.map((_, i) => i === {xs}[0] + 1 ? 1 : 0)",),
              "!Number.isInteger({xs}[0]) || {xs}[0] < 0 || {xs}[0] >= {xs}.length - 1"),
)
LOGSUMEXP = defop(
    "logsumexp", "logΣexp", _logsumexp_forward, _logsumexp_local,
    formula=("exp({A} − logsumexp)",), nary=True,
    doc="log(e^x₁ + … + e^xₙ), the largest input taken out first so no exp overflows",
    array=ArrayForm(_logsumexp_array, lambda xp, out, xs: tuple(xp.exp(x - out) for x in xs)),
    source=SourceForm(lambda o, xs: f"{o} = logsumexp([{', '.join(xs)}])", _logsumexp_source_backward,
                      {"logsumexp": _logsumexp_forward, "exp": _exp}),
    js=JsForm("((m) => (m === Infinity || m === -Infinity) ? m : "
              "m + Math.log(exactSum({xs}.map((x) => Math.exp(x - m)))))(Math.max(...{xs}))",
              ("{xs}.map((x) => Math.exp(x - {o}))",)),
)
