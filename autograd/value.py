"""``Value``: a node of the graph with arithmetic, so expressions build graphs.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6)  # d tanh(x² + 1)/dx = (1 - y²) · 2x
0.000726

Every op is applied the same way: compute the rule's ``forward`` on the inputs' numbers,
then make a node (``graph.new_node``, or for one or two inputs the operator methods that
``graph.operator`` makes) that stores the inputs and the local derivatives
``d node / d input`` that the rule's ``local`` gives. That is all ``backward`` needs, so it
is one loop for every op, and no node holds a closure or anything that refers back to it:
a graph you drop is freed at once by reference counting.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, cast, overload

from . import ops
from .derivatives import backward, zero_grad
from .errors import domain_error, number_of, real
from .graph import Node, constant, new_node, operator
from .mode import MODE
from .ops import Op

Operand = Union["Value", float]
"""What an operator takes on either side: a Value, or a number (an int, a float, a numpy
float; any ``numbers.Real`` but bool works at run time), which becomes a constant leaf."""

M = TypeVar("M", bound=Callable[..., Any])


def as_value(x: Any) -> Value:
    """``x`` itself if it is a Value, a constant leaf if it is a real number, else
    ``NotImplemented`` (so Python can try the other operand of an operator, then raise).

    >>> as_value(2).data, as_value("2")
    (2.0, NotImplemented)
    """
    cls = x.__class__
    if cls is Value:
        return x
    if cls is float or cls is int:  # a number in an expression: the 2 in ``x * 2``
        return constant(Value, float(x))
    if isinstance(x, Value):
        return x
    try:
        return constant(Value, real(x, ""))
    except TypeError:
        return NotImplemented


def _from_row(rule: Op, reflected: bool = False) -> Callable[[M], M]:
    """Make the decorated method of ``Value`` the op ``rule`` (a row of ``ops``).

    The method's body says what it computes, ``apply(rule, inputs)``. When the class is
    made, the method is replaced by the one the node layer's ``operator`` makes for the
    row: the same node, without ``apply``'s handling of any number of inputs, which
    would make a model's forward and backward half as slow again (W2 and W3 in callgrind:
    +57% instructions). The body stays reachable as ``__wrapped__``, and
    tests/test_typing.py checks that both give the same node. The docstring is headed by
    the row's formula and derivatives, so ``help(Value.tanh)`` shows them. An operand
    that is neither a Value nor a number makes the fast method return ``NotImplemented``,
    so Python can ask the other operand, then raise. ``reflected``: the method of
    ``2 * x``, Python's ``x.__rmul__(2)``; its inputs are ``(2, x)``.
    """

    def mark(declared: M) -> M:
        return cast(M, _RowMethod(declared, rule, reflected))

    return mark


class _RowMethod:
    """A method marked by ``_from_row``, until its class exists (``__set_name__``)."""

    def __init__(self, declared: Callable[..., Any], rule: Op, reflected: bool) -> None:
        self.declared, self.rule, self.reflected = declared, rule, reflected

    def __set_name__(self, owner: type[Node], name: str) -> None:
        arity = self.declared.__code__.co_argcount  # (self) or (self, other)
        method = operator(owner, self.rule, arity, as_value, self.reflected)
        functools.update_wrapper(method, self.declared)  # name, signature, source, module
        method.__doc__ = with_formula(self.declared.__doc__ or "", self.rule, *(("x",) if arity == 1 else ("a", "b")))
        setattr(owner, name, method)


def with_formula(doc: str, rule: Op, *names: str) -> str:
    """``doc`` under what the row says of the op: its formula and local derivatives, with
    the inputs called ``names`` (``Op.describe``), and where the row is.

    >>> print(with_formula("``x * y``.", ops.MUL, "a", "b"))
    a·b
    ∂/∂a = b
    ∂/∂b = a
    (the row ops.OPS['mul'])
    <BLANKLINE>
    ``x * y``.
    """
    return f"{rule.describe(*names)}\n(the row ops.OPS[{rule.name!r}])\n\n{inspect.cleandoc(doc)}"


class Value(Node):
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    >>> a = Value(-4.0, label="a")
    >>> a
    Value(data=-4.0, grad=0.0, label='a')
    >>> (a * 2).data, f"{a:.2f}"
    (-8.0, '-4.00')
    >>> import math; math.exp(a)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: float() of a Value 'a' (data=-4.0) would give a plain number and cut the gradient...
    """

    __slots__ = ()

    if TYPE_CHECKING:
        # Node's reader, narrowed: a Value's op makes its inputs Values (``as_value``).
        @property
        def parents(self) -> tuple[Value, ...]: ...

    # micrograd's names, read-only, so code written for micrograd (its draw_dot) works.
    @property
    def _prev(self) -> tuple[Node, ...]:
        return self.parents

    @property
    def _op(self) -> str:
        return self.rule.symbol

    # -- arithmetic: each operator is one row of the op table ----------------------------
    # Each body is what the method means; ``_from_row`` puts the node layer's fast method
    # for the row in its place, and heads the docstring with the row's formulas.

    @_from_row(ops.ADD)
    def __add__(self, other: Operand) -> Value:
        """``x + y``, ``x + 2``."""
        return apply(ops.ADD, self, other)

    @_from_row(ops.ADD, reflected=True)
    def __radd__(self, other: Operand) -> Value:
        """``2 + x``: a number on the left (Python calls ``x.__radd__(2)``)."""
        return apply(ops.ADD, other, self)

    @_from_row(ops.SUB)
    def __sub__(self, other: Operand) -> Value:
        """``x - y``, ``x - 2``."""
        return apply(ops.SUB, self, other)

    @_from_row(ops.SUB, reflected=True)
    def __rsub__(self, other: Operand) -> Value:
        """``2 - x``: a number on the left (Python calls ``x.__rsub__(2)``)."""
        return apply(ops.SUB, other, self)

    @_from_row(ops.MUL)
    def __mul__(self, other: Operand) -> Value:
        """``x * y``, ``x * 2``."""
        return apply(ops.MUL, self, other)

    @_from_row(ops.MUL, reflected=True)
    def __rmul__(self, other: Operand) -> Value:
        """``2 * x``: a number on the left (Python calls ``x.__rmul__(2)``)."""
        return apply(ops.MUL, other, self)

    @_from_row(ops.DIV)
    def __truediv__(self, other: Operand) -> Value:
        """``x / y``, ``x / 2``; the divisor must not be 0.

        >>> x = Value(3.0); y = x / 2; y.backward(); y.data, x.grad
        (1.5, 0.5)
        """
        return apply(ops.DIV, self, other)

    @_from_row(ops.DIV, reflected=True)
    def __rtruediv__(self, other: Operand) -> Value:
        """``1 / x``: a number on the left (Python calls ``x.__rtruediv__(1)``)."""
        return apply(ops.DIV, other, self)

    @_from_row(ops.POW)
    def __pow__(self, other: Operand) -> Value:
        """``x ** 2``, ``x ** y``; a negative base needs a whole-number exponent.

        >>> x = Value(3.0); y = x ** 2; y.backward(); y.data, x.grad
        (9.0, 6.0)
        """
        return apply(ops.POW, self, other)

    @_from_row(ops.POW, reflected=True)
    def __rpow__(self, other: Operand) -> Value:
        """``2 ** x``: a number as the base (Python calls ``x.__rpow__(2)``)."""
        return apply(ops.POW, other, self)

    @_from_row(ops.NEG)
    def __neg__(self) -> Value:
        """``-x``."""
        return apply(ops.NEG, self)

    def __pos__(self) -> Value:
        """``+x`` is x itself: no new node."""
        return self

    @_from_row(ops.ABS)
    def __abs__(self) -> Value:
        """``abs(x)``; its derivative at 0 is taken as 0, as PyTorch does."""
        return apply(ops.ABS, self)

    @_from_row(ops.EXP)
    def exp(self) -> Value:
        """``x.exp()``; inf past x ≈ 709.78, where a float overflows.

        >>> x = Value(0.0); y = x.exp(); y.backward(); y.data, x.grad
        (1.0, 1.0)
        """
        return apply(ops.EXP, self)

    @_from_row(ops.LOG)
    def log(self) -> Value:
        """``x.log()``; x must be > 0.

        >>> x = Value(2.0); y = x.log(); y.backward(); x.grad
        0.5
        """
        return apply(ops.LOG, self)

    @_from_row(ops.SQRT)
    def sqrt(self) -> Value:
        """``x.sqrt()``; x must be >= 0 (the slope at 0 is inf).

        >>> x = Value(4.0); y = x.sqrt(); y.backward(); y.data, x.grad
        (2.0, 0.25)
        """
        return apply(ops.SQRT, self)

    @_from_row(ops.TANH)
    def tanh(self) -> Value:
        """``x.tanh()``, between −1 and 1.

        >>> x = Value(0.5); y = x.tanh(); y.backward()
        >>> round(y.data, 6), round(x.grad, 6), round(1 - y.data ** 2, 6)
        (0.462117, 0.786448, 0.786448)
        """
        return apply(ops.TANH, self)

    @_from_row(ops.SIGMOID)
    def sigmoid(self) -> Value:
        """``x.sigmoid()``, between 0 and 1.

        >>> x = Value(0.0); y = x.sigmoid(); y.backward(); y.data, x.grad
        (0.5, 0.25)
        """
        return apply(ops.SIGMOID, self)

    @_from_row(ops.RELU)
    def relu(self) -> Value:
        """``x.relu()``; the slope at 0 is taken as 0.

        >>> x = Value(-2.0); y = x.relu(); y.backward(); y.data, x.grad
        (0.0, 0.0)
        """
        return apply(ops.RELU, self)

    @_from_row(ops.SIN)
    def sin(self) -> Value:
        """``x.sin()``, x in radians.

        >>> x = Value(0.0); y = x.sin(); y.backward(); y.data, x.grad
        (0.0, 1.0)
        """
        return apply(ops.SIN, self)

    @_from_row(ops.COS)
    def cos(self) -> Value:
        """``x.cos()``, x in radians.

        >>> x = Value(0.0); y = x.cos(); y.backward(); y.data, x.grad
        (1.0, 0.0)
        """
        return apply(ops.COS, self)

    def leaky_relu(self, slope: Operand = 0.01) -> Value:
        """``x.leaky_relu(s)``; a Value slope s is learned (PReLU).

        >>> x, s = Value(-2.0), Value(0.1); y = x.leaky_relu(s); y.backward()
        >>> y.data, x.grad, s.grad
        (-0.2, 0.1, -2.0)
        """
        out = _leaky_relu(self, slope)
        if out is NotImplemented:  # the operator's answer; a method must raise
            raise TypeError(f"leaky_relu: slope must be a Value or a number, got {type(slope).__name__} {slope!r}")
        return out

    # -- numbers out ---------------------------------------------------------------------

    # A Value gives up its number by ``.data``. A conversion to a plain number (float(),
    # which math.exp(v), '%f' % v and numpy call; int(), round(), bool()) would leave the
    # graph without a word, so the gradient through it would be cut: while ops record it
    # is refused, naming what to write instead; under ``no_grad`` nothing is recorded, so
    # nothing can be cut, and it gives the number.

    def __float__(self) -> float:
        if MODE.get().record:
            raise TypeError(number_refused(self, "float()"))
        return self.data

    def __int__(self) -> int:
        if MODE.get().record:
            raise TypeError(number_refused(self, "int()"))
        return int(self.data)

    def __round__(self, ndigits: int | None = None):
        if MODE.get().record:
            raise TypeError(number_refused(self, "round()"))
        return round(self.data, ndigits)

    def __bool__(self) -> bool:
        if MODE.get().record:
            raise TypeError(number_refused(self, "bool() (`if v:`, `v and w`)"))
        return self.data != 0.0

    __trunc__ = __floor__ = __ceil__ = __int__  # math.trunc/floor/ceil: refused as int() is

    def __format__(self, spec: str) -> str:
        # f"{v:.3f}" formats the number; a bare f"{v}" is str(v), as Python expects.
        return format(self.data, spec) if spec else str(self)

    # -- gradients -----------------------------------------------------------------------

    @overload
    def backward(self, create_graph: Literal[False] = False) -> None: ...
    @overload
    def backward(self, create_graph: Literal[True]) -> dict[Node, Value]: ...
    @overload
    def backward(self, create_graph: bool) -> dict[Node, Value] | None: ...

    def backward(self, create_graph: bool = False) -> dict[Node, Value] | None:
        """Add d self / d node to ``node.grad`` for every node this Value depends on.

        The gradient of this call is computed fresh and then added, so two calls give
        exactly twice one call; clear with ``zero_grad``. With ``create_graph=True`` it
        also returns ``{node: gradient as a Value}``, a graph you can differentiate again.

        >>> x = Value(3.0); y = x * x; y.backward(); x.grad
        6.0
        """
        # The gradient nodes are made by Value arithmetic, so they are Values.
        return cast("dict[Node, Value] | None", backward(self, create_graph=create_graph))

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        zero_grad(self)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, self.label)

    def tree(self, **options: Any) -> str:
        """An indented text view of the graph (see ``autograd.tree``)."""
        from .views.text import tree  # the views are built on the node layer, not on Value

        return tree(self, **options)


# leaky_relu's slope has a default, so it is a method of its own around the operator.
_leaky_relu = operator(Value, ops.LEAKY_RELU, 2, as_value)
Value.leaky_relu.__doc__ = with_formula(Value.leaky_relu.__doc__ or "", ops.LEAKY_RELU, "x", "s")


def number_refused(v: Value, how: str) -> str:
    """Why ``how`` (a conversion to a plain number) of ``v`` is refused, and what to write."""
    name = f" {v.label!r}" if v.label else ""
    return (f"{how} of a Value{name} (data={v.data!r}) would give a plain number and cut the "
            "gradient through it (math.exp(v), math.log(v), float(v), '%f' % v and numpy's "
            "float conversions all ask for one). Use the Value's own ops to keep the gradient "
            "(v.exp(), v.log(), v.tanh(), v ** 2, abs(v)), v.data for the number itself "
            "(f'{v:.4f}' prints it), or compute inside `with autograd.no_grad():`")


def apply(rule: Op, *inputs) -> Value:
    """Apply a table entry to any number of inputs (Values or numbers).

    >>> apply(ops.MUL, Value(2.0), 3).data
    6.0
    """
    args = []
    for v in inputs:
        value = as_value(v)
        if value is NotImplemented:
            raise TypeError(f"{rule.name}: expected Values or numbers, got {type(v).__name__} {v!r}")
        args.append(value)
    return _apply_to_values(rule, args, [number_of(v, rule) for v in args])


def _apply_to_values(rule: Op, args: list, xs: list) -> Value:
    """``apply`` once every input is a Value and ``xs`` holds their numbers, in order."""
    try:
        out = rule.forward(xs) if rule.nary else rule.forward(*xs)
    except (ValueError, ZeroDivisionError) as error:
        raise domain_error(rule, args, error) from None
    local = rule.local(out, xs) if rule.nary else rule.local(out, *xs)
    return new_node(Value, rule, out, args, local)


def sum(values: Iterable[Value | float]) -> Value:  # shadows the builtin: the maths name
    """One node adding all the inputs (plain numbers allowed).

    >>> sum([Value(1.0), 2, Value(3.5)]).data
    6.5
    """
    values = list(values)
    if not values:
        raise ValueError("sum: needs at least one value")
    return apply(ops.SUM, *values)


def dot(ws: Iterable[Value | float], xs: Iterable[Value | float], xs_data: list[float] | None = None) -> Value:
    """One node computing Σ w_i·x_i, as a neuron needs (plain numbers allowed).

    A layer whose neurons all read the same inputs ``xs`` (Values) may pass their numbers
    once as ``xs_data`` (``[x.data for x in xs]``), so each neuron reads only its weights.

    >>> dot([Value(2.0), Value(-1.0)], [3.0, 4.0]).data
    2.0
    >>> xs = [Value(3.0), Value(4.0)]
    >>> dot([Value(2.0), Value(-1.0)], xs, [x.data for x in xs]).data
    2.0
    """
    if ws.__class__ is not list:
        ws = list(ws)
    if xs.__class__ is not list:
        xs = list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: the two lists must have the same length, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot: needs at least one pair")
    args = ws + xs  # the op's inputs: w_1..w_n, x_1..x_n
    if xs_data is None or len(xs_data) != len(xs):
        datas = [v.data for v in args if v.__class__ is Value]
    else:
        datas = [w.data for w in ws if w.__class__ is Value] + xs_data
    if len(datas) < len(args):  # numbers (or Value subclasses) among the inputs
        return apply(ops.DOT, *args)
    return _apply_to_values(ops.DOT, args, datas)


def pick(index: Value | int, choices: Iterable) -> Any:
    """One node whose number is ``choices[index]``: the target's probability, an
    embedding's entry chosen by a token id. The gradient goes whole to the chosen input.

    ``index`` may be a Value (a traced input: each sample picks its own), so code that
    would write ``table[token]`` with a traced ``token`` writes ``pick(token, table)``.
    When ``choices`` is a table (a list of rows), the result is the chosen row: one node
    per column.

    >>> probs = [Value(0.2), Value(0.7), Value(0.1)]
    >>> p = pick(1, probs); p.backward(); p.data, [q.grad for q in probs]
    (0.7, [0.0, 1.0, 0.0])
    >>> table = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    >>> [v.data for v in pick(Value(1.0), table)]
    [3.0, 4.0]
    """
    choices = choices if choices.__class__ is list else list(choices)
    if not choices:
        raise ValueError("pick: needs at least one choice")
    if isinstance(choices[0], (list, tuple)):  # a table: the row, column by column
        if any(len(row) != len(choices[0]) for row in choices):
            raise ValueError("pick: the rows of a table must all have the same length")
        return [apply(ops.PICK, index, *column) for column in zip(*choices)]
    return apply(ops.PICK, index, *choices)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """One node computing log Σ exp(x_i), stable for any inputs: the max is taken out
    inside the op, so no ``.data`` is read (it traces) and nothing overflows.

    >>> round(logsumexp([Value(1000.0), Value(1000.0)]).data - 1000.0, 12)   # log 2
    0.69314718056
    """
    values = values if values.__class__ is list else list(values)
    if not values:
        raise ValueError("logsumexp: needs at least one value")
    return apply(ops.LOGSUMEXP, *values)


__all__ = ["Value", "apply", "sum", "dot", "pick", "logsumexp", "as_value"]
