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

from collections.abc import Iterable
from typing import Any

from . import ops
from .derivatives import backward, zero_grad
from .errors import domain_error, number_of, real
from .graph import Node, constant, new_node, operator
from .mode import MODE
from .ops import Op


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

    # micrograd's names, read-only, so code written for micrograd (its draw_dot) works.
    @property
    def _prev(self) -> tuple[Node, ...]:
        return self.parents

    @property
    def _op(self) -> str:
        return self.rule.symbol

    # -- arithmetic: each operator is one table entry -----------------------------------
    # (assigned below the class, by ``_operator``)

    def __pos__(self) -> Value:
        return self

    def leaky_relu(self, slope: float | Value = 0.01) -> Value:
        """x for x > 0, else slope·x. A Value slope is learned (PReLU)."""
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

    def backward(self, create_graph: bool = False):
        """Add d self / d node to ``node.grad`` for every node this Value depends on.

        The gradient of this call is computed fresh and then added, so two calls give
        exactly twice one call; clear with ``zero_grad``. With ``create_graph=True`` it
        also returns ``{node: gradient as a Value}``, a graph you can differentiate again.

        >>> x = Value(3.0); y = x * x; y.backward(); x.grad
        6.0
        """
        return backward(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        zero_grad(self)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, self.label)

    def tree(self, **options) -> str:
        """An indented text view of the graph (see ``autograd.tree``)."""
        from .views.text import tree  # the views are built on the node layer, not on Value

        return tree(self, **options)


# ---------------------------------------------------------------------------------------
# The operators: one method per table entry, made by the node layer's ``operator``;
# ``apply`` does the same for any rule and any number of inputs.


def as_value(x) -> Value:
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


def _install(name: str, rule: Op, arity: int, reflected: bool = False) -> None:
    method = operator(Value, rule, arity, as_value, reflected)
    method.__name__, method.__qualname__ = name, f"Value.{name}"
    setattr(Value, name, method)


# Python's operators and Value's methods, each the method for its table entry.
for _name, _rule in {"add": ops.ADD, "sub": ops.SUB, "mul": ops.MUL, "truediv": ops.DIV, "pow": ops.POW}.items():
    _install(f"__{_name}__", _rule, 2)
    _install(f"__r{_name}__", _rule, 2, reflected=True)
_install("__neg__", ops.NEG, 1)
_install("__abs__", ops.ABS, 1)
for _rule in (ops.EXP, ops.LOG, ops.SQRT, ops.TANH, ops.SIGMOID, ops.RELU, ops.SIN, ops.COS):
    _install(_rule.name, _rule, 1)
_leaky_relu = operator(Value, ops.LEAKY_RELU, 2, as_value)
del _name, _rule


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
