"""``Value``: one float, the op that made it, and the local derivatives to its parents.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6)  # d tanh(x² + 1)/dx = (1 - y²) · 2x
0.000726

Each op is applied the same way (``apply``, and for one or two inputs the operator
methods, made per op by ``_unary_method`` and ``_binary_method``): compute ``forward`` on
floats, then store on the new node its parents and the local derivatives
``d node / d parent`` that the op's rule gives. Parents and derivatives are all
``backward`` needs, so it is one loop for every op, and no node holds a closure or anything
that refers back to itself: a graph you drop is freed at once by reference counting.

Where they are stored (four slots, so most nodes need no second object; see ``_link``):

==========  ===============  ========  ==========  ========
node        ``_a``           ``_da``   ``_b``      ``_db``
==========  ===============  ========  ==========  ========
leaf        None             (unset)   None        (unset)
1 parent    parent           d         None        (unset)
2 parents   parent 1         d1        parent 2    d2
n parents   (p1..pn, d1..dn) (unset)   ``NARY``    (unset)
==========  ===============  ========  ==========  ========

>>> a, b = Value(2.0), Value(5.0)
>>> (a * b).local_grads, ((a * b)._a is a, (a * b)._db)
((5.0, 2.0), (True, 2.0))

"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Iterable

from . import ops
from .mode import MODE, Meta, user_site
from .ops import Op

# A leaf's op: no inputs, nothing to differentiate.
LEAF = Op("", "", lambda: 0.0, lambda out: ())


def _number(x, where: str) -> float:
    """x as a float, or a TypeError that names what was received."""
    if x.__class__ is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    hint = "use v.data for the number inside a Value" if isinstance(x, Value) else "pass an int or a float"
    raise TypeError(f"{where}: expected an int or float, got {type(x).__name__} {x!r}; {hint}")


# ---------------------------------------------------------------------------------------
# The operator methods (``a * b``, ``x.tanh()``) are the hot path of every model. Each is
# made once per table entry by one of these two factories: a closure that holds the op's
# forward and local rules, so an operator runs one Python function, with no table lookup
# and no second call. It does what ``apply`` does for any number of inputs.


def _unary_method(op: Op, name: str) -> Callable[[Value], Value]:
    forward, local = op.forward, op.local

    def method(a: Value) -> Value:
        x = a.data
        try:
            out = forward(x)
        except (ValueError, ZeroDivisionError) as error:
            raise domain_error(op, (a,), error) from None
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        mode = MODE.get()
        node._meta = mode.meta
        if not mode.simple:  # no_grad or detect_anomaly
            return _record(node, op, (a,), mode)
        node._opdef = op
        (node._da,) = local(out, x)
        node._a = a
        node._b = None
        return node

    _UNARY[op.name] = (op, method)
    return _named(method, name, op)


def _binary_method(op: Op, name: str, reflected: bool = False) -> Callable[[Value, object], Value]:
    forward, local = op.forward, op.local

    def method(a: Value, b) -> Value:
        if b.__class__ is not Value:
            b = _as_value(b)
            if b is NotImplemented:  # let Python try the other operand, then raise
                return b
        if reflected:  # 2 * x runs x.__rmul__(2): the op's inputs are (2, x)
            a, b = b, a
        x = a.data
        y = b.data
        try:
            out = forward(x, y)
        except (ValueError, ZeroDivisionError) as error:
            raise domain_error(op, (a, b), error) from None
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        mode = MODE.get()
        node._meta = mode.meta
        if not mode.simple:  # no_grad or detect_anomaly
            return _record(node, op, (a, b), mode)
        node._opdef = op
        node._da, node._db = local(out, x, y)
        node._a = a
        node._b = b
        return node

    if not reflected:
        _BINARY[op.name] = (op, method)
    return _named(method, name, op)


def _named(method, name: str, op: Op):
    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__doc__ = f"A new node: {op.name} ({op.symbol!r}) applied to this Value."
    return method


# (op, method) by op name, so ``_unary``/``_binary`` (used by functions.py) are as fast.
_UNARY: dict[str, tuple[Op, Callable]] = {}
_BINARY: dict[str, tuple[Op, Callable]] = {}


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    >>> a = Value(-4.0, label="a")
    >>> a
    Value(data=-4.0, grad=0.0, label='a')
    >>> float(a * 2), f"{a:.2f}"
    (-8.0, '-4.00')
    """

    # Parents and local derivatives sit in the node's own slots (``_a _da _b _db``, see
    # the module docstring), not in a tuple: the cyclic collector tracks one object per
    # node instead of two, and its scans are most of the cost of building a large graph
    # (README, Performance). Label, scope, role and anomaly site live in a Meta, usually
    # shared or None, as most nodes have none.
    __slots__ = ("data", "grad", "_opdef", "_meta", "_a", "_da", "_b", "_db")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if data.__class__ is float else _number(data, "Value")
        self.grad = 0.0
        self._opdef = LEAF
        self._a = self._b = None
        mode = MODE.get()
        self._meta = Meta(str(label), mode.scope) if label else mode.meta

    # -- what the node is --------------------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the op that made this node ('mul', 'tanh', ...); '' for a leaf."""
        return self._opdef.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op, in order (``a*a`` lists ``a`` twice)."""
        edges = self._edges
        return edges[: len(edges) >> 1]

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, as the forward pass stored them."""
        edges = self._edges
        return edges[len(edges) >> 1 :]

    @property
    def _edges(self) -> tuple:
        """``(*parents, *local_grads)`` in one tuple; ``()`` for a leaf."""
        b = self._b
        if b is None:
            return () if self._a is None else (self._a, self._da)
        if b is NARY:
            return self._a
        return (self._a, b, self._da, self._db)

    @property
    def label(self) -> str:
        meta = self._meta
        return meta.label if meta is not None else ""

    @label.setter
    def label(self, text: str) -> None:
        meta = self._meta
        if meta is None:
            self._meta = Meta(str(text))
        else:  # meta may be shared with other nodes of the scope: copy before writing
            self._meta = Meta(str(text), meta.scope, meta.role, meta.site)

    @property
    def scope(self) -> tuple[str, ...]:
        """The drawing scopes this node was made in, outermost first."""
        meta = self._meta
        return meta.scope if meta is not None else ()

    @property
    def role(self) -> str:
        """'param' for model parameters (set by nn), else ''."""
        meta = self._meta
        return meta.role if meta is not None else ""

    @role.setter
    def role(self, text: str) -> None:
        meta = self._meta or Meta()
        self._meta = Meta(meta.label, meta.scope, str(text), meta.site)

    # micrograd names, read-only, so code written for micrograd (its draw_dot) works.
    @property
    def _prev(self) -> tuple[Value, ...]:
        return self.parents

    @property
    def _op(self) -> str:
        return self._opdef.symbol

    # -- arithmetic: each is one table entry applied by ``apply`` ------------------------

    __add__ = _binary_method(ops.ADD, "__add__")
    __radd__ = _binary_method(ops.ADD, "__radd__", reflected=True)
    __sub__ = _binary_method(ops.SUB, "__sub__")
    __rsub__ = _binary_method(ops.SUB, "__rsub__", reflected=True)
    __mul__ = _binary_method(ops.MUL, "__mul__")
    __rmul__ = _binary_method(ops.MUL, "__rmul__", reflected=True)
    __truediv__ = _binary_method(ops.DIV, "__truediv__")
    __rtruediv__ = _binary_method(ops.DIV, "__rtruediv__", reflected=True)
    __pow__ = _binary_method(ops.POW, "__pow__")
    __rpow__ = _binary_method(ops.POW, "__rpow__", reflected=True)
    __neg__ = _unary_method(ops.NEG, "__neg__")
    def __pos__(self): return self
    __abs__ = _unary_method(ops.ABS, "__abs__")

    exp = _unary_method(ops.EXP, "exp")
    log = _unary_method(ops.LOG, "log")
    sqrt = _unary_method(ops.SQRT, "sqrt")
    tanh = _unary_method(ops.TANH, "tanh")
    sigmoid = _unary_method(ops.SIGMOID, "sigmoid")
    relu = _unary_method(ops.RELU, "relu")
    sin = _unary_method(ops.SIN, "sin")
    cos = _unary_method(ops.COS, "cos")

    def leaky_relu(self, slope: float | Value = 0.01) -> Value:
        """x for x > 0, else slope·x. A Value slope is learned (PReLU)."""
        out = _binary(ops.LEAKY_RELU, self, slope)
        if out is NotImplemented:  # _binary's answer to operators; a method must raise
            raise TypeError(f"leaky_relu: slope must be a Value or a number, got {type(slope).__name__} {slope!r}")
        return out

    # -- numbers out ---------------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        # f"{v:.3f}" formats the number; a bare f"{v}" is str(v), as Python expects.
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        parts = [f"data={_short(self.data)}", f"grad={_short(self.grad)}"]
        if self._opdef is not LEAF:
            parts.append(f"op={self.op!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    # -- gradients -----------------------------------------------------------------------

    def backward(self, create_graph: bool = False):
        """Add d self / d node to ``node.grad`` for every node this Value depends on.

        The gradient of this call is computed fresh and then added, so two calls give
        exactly twice one call; clear with ``zero_grad``. With ``create_graph=True`` it
        also returns ``{node: gradient as a Value}``, a graph you can differentiate again.

        >>> x = Value(3.0); y = x * x; y.backward(); x.grad
        6.0
        """
        from .graph import backward

        return backward(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        from .graph import zero_grad

        zero_grad(self)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, self.label)

    def tree(self, **options) -> str:
        """An indented text view of the graph (see ``autograd.tree``)."""
        from .views.text import tree

        return tree(self, **options)

    # -- copying and pickling ------------------------------------------------------------

    def __copy__(self) -> Value:
        twin = object.__new__(Value)
        twin.data, twin.grad, twin._opdef, twin._meta = self.data, self.grad, self._opdef, self._meta
        _link(twin, self.parents, self.local_grads)
        return twin

    def __reduce__(self):
        # A leaf pickles as itself, so pickle's memo keeps its identity: parameters and
        # inputs shared by several pickled Values come back shared. The graph above the
        # leaves goes as a flat table, leaves first, so a deep graph needs no recursion
        # (pickle's own would overflow at ~1000 deep); those inner nodes are rebuilt per
        # pickled root.
        if self._a is None:
            return (_rebuild_leaf, (self.data, self.grad, self._opdef.name, self._meta))
        from .graph import topological_order

        order = topological_order(self)
        index = {id(node): i for i, node in enumerate(order)}
        rows = []
        for node in order:
            if node._a is None:
                rows.append(node)  # pickled by reference, through the memo
                continue
            edges = node._edges
            k = len(edges) >> 1  # parents become their row numbers; the locals stay
            links = tuple(index[id(p)] for p in edges[:k]) + edges[k:]
            rows.append((node.data, node.grad, node._opdef.name, links, node._meta))
        return (_rebuild, (rows,))


def _rebuild_leaf(data: float, grad: float, opname: str, meta) -> Value:
    node = object.__new__(Value)
    node.data, node.grad, node._meta = data, grad, meta
    node._opdef = ops.OPS[opname] if opname else LEAF
    node._a = node._b = None
    return node


def _rebuild(rows) -> Value:
    nodes: list[Value] = []
    for row in rows:
        if isinstance(row, Value):
            nodes.append(row)
            continue
        data, grad, opname, links, meta = row
        node = _rebuild_leaf(data, grad, opname, meta)
        k = len(links) >> 1
        _link(node, [nodes[i] for i in links[:k]], links[k:])
        nodes.append(node)
    return nodes[-1]


def _short(x: float) -> str:
    # Six significant digits read well at the prompt; .data has them all.
    return repr(float(f"{x:.6g}"))


# ---------------------------------------------------------------------------------------
# Applying a table entry: forward on floats, then store the parents and their local derivatives.
# The operator methods above do this for one and two inputs; ``apply`` for any number.

_new = object.__new__


def _constant(x: float) -> Value:
    """A leaf for a number met in an expression (the 2 in ``x * 2``).

    Made directly, not through ``Value(x)``: a model makes one for every such number.
    """
    node = _new(Value)
    node.data = x
    node.grad = 0.0
    node._opdef = LEAF
    node._a = node._b = None
    node._meta = MODE.get().meta
    return node


def _as_value(x, op: Op | None = None):
    """x itself if it is a Value, a constant leaf if it is a real number, else NotImplemented.

    (``op`` is not used; callers may still pass it.)
    """
    cls = x.__class__
    if cls is float:
        return _constant(x)
    if cls is Value:
        return x
    if cls is int:  # not bool: True.__class__ is bool
        return _constant(float(x))
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return _constant(float(x))
    return NotImplemented


# ``_b`` of a node with more than two parents: its ``_a`` holds (*parents, *locals).
NARY = object()


def _link(node: Value, parents, locals_) -> None:
    """Store ``parents`` and their local derivatives on ``node`` (see the module docstring)."""
    k = len(parents)
    if k == 2:
        node._a, node._b = parents
        node._da, node._db = locals_
    elif k == 1:
        node._a, node._b = parents[0], None
        (node._da,) = locals_
    elif k:
        node._a, node._b = (*parents, *locals_), NARY
    else:
        node._a = node._b = None


def _forward(op: Op, xs):
    """The op's forward on the numbers ``xs`` (a list for an n-ary op, else spread)."""
    return op.forward(xs) if op.nary else op.forward(*xs)


def _locals(op: Op, out, xs):
    """The op's local derivatives: floats for floats, Values for Values (``create_graph``)."""
    return op.local(out, xs) if op.nary else op.local(out, *xs)


def _record(node: Value, op: Op, inputs, mode) -> Value:
    """Finish ``node`` outside the common mode: a leaf under no_grad, checked under detect_anomaly."""
    if mode.record:
        node._opdef = op
        _link(node, inputs, _locals(op, node.data, [v.data for v in inputs]))
    else:
        node._opdef = LEAF
        node._a = node._b = None
    if mode.anomaly:
        _check_forward(node, op, inputs)
    return node


def _unary(op: Op, a: Value) -> Value:
    """Apply a one-input entry to a Value (``autograd.exp(x)`` and the like)."""
    known, method = _UNARY.get(op.name, (None, None))
    return method(a) if known is op else apply(op, a)


def _binary(op: Op, a, b):
    """Apply a two-input entry; NotImplemented if an input is neither a Value nor a number."""
    if a.__class__ is not Value:
        a = _as_value(a)
        if a is NotImplemented:
            return a
    known, method = _BINARY.get(op.name, (None, None))
    if known is op:
        return method(a, b)
    b = _as_value(b)
    return b if b is NotImplemented else apply(op, a, b)


def apply(op: Op, *inputs) -> Value:
    """Apply a table entry to any number of inputs (Values or numbers).

    >>> apply(ops.MUL, Value(2.0), 3).data
    6.0
    """
    args = inputs
    xs = [v.data for v in inputs if v.__class__ is Value]
    if len(xs) < len(inputs):  # numbers among the inputs: make them constant leaves
        args = [_input(v, op) for v in inputs]
        xs = [v.data for v in args]
    return _apply_datas(op, args, xs)


def _apply_datas(op: Op, args, xs: list) -> Value:
    """``apply``'s work once every input is a Value: ``xs`` holds their data, in order.

    ``dot`` calls it directly, with the lists it already has: a neuron's ``dot`` has
    dozens of inputs, and going through ``apply(op, *inputs)`` would pack them into a
    tuple and check each one a second time.
    """
    try:
        out = _forward(op, xs)
    except (ValueError, ZeroDivisionError) as error:
        raise domain_error(op, args, error) from None
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    mode = MODE.get()
    node._meta = mode.meta
    if not mode.simple:  # no_grad or detect_anomaly
        return _record(node, op, args, mode)
    node._opdef = op
    _link(node, args, _locals(op, out, xs))
    return node


def _input(x, op: Op) -> Value:
    v = _as_value(x)
    if v is NotImplemented:
        raise TypeError(f"{op.name}: expected Values or numbers, got {type(x).__name__} {x!r}")
    return v


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - the maths name
    """One node adding all the inputs (plain numbers allowed).

    >>> sum([Value(1.0), 2, Value(3.5)]).data
    6.5
    """
    values = list(values)
    if not values:
        raise ValueError("sum: needs at least one value")
    return apply(ops.SUM, *values)


def dot(ws: Iterable[Value | float], xs: Iterable[Value | float]) -> Value:
    """One node computing Σ w_i·x_i, as a neuron needs (plain numbers allowed).

    >>> dot([Value(2.0), Value(-1.0)], [3.0, 4.0]).data
    2.0
    """
    # Lists are not copied (``ws + xs`` below is a new list anyway): a neuron calls this
    # once per example, with lists.
    if ws.__class__ is not list:
        ws = list(ws)
    if xs.__class__ is not list:
        xs = list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: the two lists must have the same length, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot: needs at least one pair")
    args = ws + xs  # the op's inputs: w_1..w_n, x_1..x_n
    datas = [v.data for v in args if v.__class__ is Value]
    if len(datas) < len(args):  # numbers (or Value subclasses) among the inputs
        return apply(ops.DOT, *args)
    return _apply_datas(ops.DOT, args, datas)


def dot_with_data(ws: list, xs: list, xs_data: list) -> Value:
    """``dot(ws, xs)`` when the caller already holds ``xs_data``, the ``.data`` of each
    Value in ``xs`` (which must all be Values, as many as ``ws``).

    For a layer: its neurons all read the same inputs, so it reads their numbers once
    per call instead of once per neuron (half of the numbers a neuron's ``dot`` reads).
    The weights are read and checked here; anything unusual takes ``dot``'s general path.

    >>> xs = [Value(3.0), Value(4.0)]
    >>> dot_with_data([Value(2.0), Value(-1.0)], xs, [x.data for x in xs]).data
    2.0
    """
    ws_data = [w.data for w in ws if w.__class__ is Value]
    if len(ws_data) < len(ws) or len(ws) != len(xs_data) or not ws:
        return dot(ws, xs)
    return _apply_datas(ops.DOT, ws + xs, ws_data + xs_data)


# ---------------------------------------------------------------------------------------
# Errors that say which op, which numbers, which Value, and what to do.


def _describe(values, symbol: str = "") -> str:
    """'-2.0 (Value 'x')' for one input; '1.0 / 0.0 (Values 'a', unlabelled)' for two."""
    joiner = f" {symbol} " if symbol and len(values) == 2 else ", "
    nums = joiner.join(_short(v.data) for v in values)
    if not any(v.label for v in values):
        return nums
    if len(values) == 1:
        return f"{nums} (Value {values[0].label!r})"
    labels = ", ".join(repr(v.label) if v.label else "unlabelled" for v in values)
    return f"{nums} (Values {labels})"


def domain_error(op: Op, inputs, error: Exception) -> Exception:
    message = f"{op.name}: {op.domain or str(error)}, got {_describe(inputs, op.symbol)}"
    if op.hint:
        message += f"; {op.hint}"
    return type(error)(message)


def _check_forward(node: Value, op: Op, inputs) -> None:
    """Anomaly mode: remember where the node was made; raise on a NaN/inf result."""
    site = user_site()
    meta = node._meta or Meta()
    node._meta = Meta(meta.label, meta.scope, meta.role, site)
    if not math.isfinite(node.data):
        raise FloatingPointError(
            f"{op.name} produced {node.data} from input{'s' if len(inputs) > 1 else ''} "
            f"{_describe(inputs)}, at {site}")
