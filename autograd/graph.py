"""The node layer: what a node stores, how it is linked to its parents, the walks and
the fast backward.

Every other module reads nodes through the readers here (``parents``, ``local_grads``,
``op``, ``rule``; ``label``, ``scope``, ``role`` from ``described.Described``) and makes
op nodes with ``new_node``; only this module touches the slots that link them (and
described.py the one of the label record). Pickles hold a graph as rows
(``autograd.pickling``). ``Value`` (value.py) is a ``Node`` with arithmetic.

A node keeps its parents and the local derivatives ``d node / d parent`` in four slots,
so that a node of one or two parents is a single object (the cyclic collector's scans are
most of the cost of building a large graph, and they grow with the objects it tracks):

==========  ======================  =======================  ==========  ========
node        ``_in1``                ``_d1``                  ``_in2``    ``_d2``
==========  ======================  =======================  ==========  ========
leaf        None                    (unset)                  None        (unset)
1 parent    the parent              its local derivative     None        (unset)
2 parents   parent 1                d1                       parent 2    d2
n parents   the parents (a list)    their derivatives        ``MANY``    (unset)
==========  ======================  =======================  ==========  ========

No recursion anywhere: a chain of millions of nodes is walked with an explicit stack.

>>> from autograd import Value
>>> a = Value(2.0); b = a * a + a        # b = a² + a
>>> b.backward(); a.grad                 # 2a + 1
5.0
>>> m = a * 3.0
>>> m.parents[0] is a, m.local_grads
(True, (3.0, 2.0))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from .described import Described, metas
from .errors import check_forward, domain_error, number_of, real, short
from .mode import MODE, Meta, Mode
from .ops import LEAF, Op
from .pickling import graph_rows, rebuild_graph, rebuild_node

# Bound once: on an imported name CPython 3.11 makes a bound method per ``MODE.get()``,
# and every op reads the mode (W2 and W3 run 5-6% fewer instructions, callgrind).
get_mode = MODE.get

# ``_in2`` of a node with more than two parents: ``_in1`` and ``_d1`` hold sequences.
MANY = object()


class Node(Described):
    """One scalar in a graph: its number, its gradient, and how it was made.

    >>> Node(2.5, label="x")
    Node(data=2.5, grad=0.0, label='x')
    """

    __slots__ = ("data", "grad", "_rule", "_in1", "_d1", "_in2", "_d2")  # and Described's _meta (label...)
    data: float
    grad: float
    _rule: Op
    # What these hold depends on ``_in2`` (the table above), which a type checker cannot
    # follow: a parent or None, a list of parents, a float or a list of floats, MANY.
    _in1: Any
    _d1: Any
    _in2: Any
    _d2: Any

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if data.__class__ is float else real(data, type(self).__name__)
        self.grad = 0.0
        self._rule = LEAF
        self._in1 = self._in2 = None
        mode = get_mode()
        # Label, scope, role and site live in a Meta all a mode's nodes share (usually None).
        self._meta = Meta(str(label), mode.scope) if label else mode.meta

    # -- the readers -----------------------------------------------------------------

    @property
    def rule(self) -> Op:
        """The rule table entry that made this node (``LEAF`` for a leaf)."""
        return self._rule

    @property
    def op(self) -> str:
        """Name of the op that made this node ('mul', 'tanh', ...); '' for a leaf."""
        return self._rule.name

    @property
    def is_leaf(self) -> bool:
        return self._in1 is None

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the op, in order (``a*a`` lists ``a`` twice)."""
        second = self._in2
        if second is None:
            return () if self._in1 is None else (self._in1,)
        return tuple(self._in1) if second is MANY else (self._in1, second)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, as the forward pass stored them."""
        second = self._in2
        if second is None:
            return () if self._in1 is None else (self._d1,)
        return tuple(self._d1) if second is MANY else (self._d1, self._d2)

    def __repr__(self) -> str:
        parts = [f"data={short(self.data)}", f"grad={short(self.grad)}"]
        if self._in1 is not None:
            parts.append(f"op={self.op!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- copying and pickling --------------------------------------------------------

    def __copy__(self) -> Node:
        twin = new_node(type(self), self._rule, self.data, self.parents, self.local_grads, meta=self._meta)
        twin.grad = self.grad
        return twin

    def __reduce__(self):
        # As rows (``autograd.pickling``): no recursion however deep, and a leaf pickles
        # as itself, so pickle's memo keeps the leaves several Values share shared.
        if self._in1 is None:
            return (_rebuild_node, (type(self), self.data, self.grad, self._rule.name, self._meta))
        order = topological_order(self)
        return (_rebuild_graph, (type(self), graph_rows(order, metas(order))))


_new = object.__new__
N = TypeVar("N", bound="Node")  # the class of node an op makes: Value, for Value's ops


# ``new_node``'s default: take the label-free Meta of the current mode.
_FROM_MODE = object()


def new_node(cls: type[N], rule: Op, data: float, parents: Sequence[Node] = (), locals_: Sequence = (),
             meta: Any = _FROM_MODE) -> N:
    """A new node of class ``cls``: ``rule``'s result ``data``, linked to ``parents`` with
    their local derivatives ``locals_``, in the layout of the table above (which only
    ``Node(...)``, ``constant`` and ``operator`` write besides). Inside ``no_grad`` it is a
    leaf; inside ``detect_anomaly`` it records the line of user code that made it and
    raises on a NaN or inf. Given ``meta`` (a copy, an unpickled node), the mode is not read.
    """
    if meta is _FROM_MODE:
        mode = get_mode()
        if not mode.simple:  # no_grad or detect_anomaly: rare, so out of line
            return _made_in_special_mode(cls, mode, rule, data, parents, locals_)
        meta = mode.meta
    node: N = _new(cls)
    node.data = data
    node.grad = 0.0
    node._meta = meta
    node._rule = rule
    k = len(parents)
    if k == 2:
        node._in1, node._in2 = parents
        node._d1, node._d2 = locals_
    elif k == 1:
        node._in1, node._in2 = parents[0], None
        node._d1 = locals_[0]
    elif k:
        node._in1, node._d1, node._in2 = parents, locals_, MANY
    else:
        node._in1 = node._in2 = None
    return node


def constant(cls: type[N], x: float) -> N:
    """A leaf of class ``cls`` for a number met in an expression (the 2 in ``x * 2``);
    written out rather than through ``new_node``: a model makes one for every such number."""
    node: N = _new(cls)
    node.data = x
    node.grad = 0.0
    node._rule = LEAF
    node._in1 = node._in2 = None
    node._meta = get_mode().meta
    return node


def operator(cls: type[N], rule: Op, arity: int, as_input: Callable[[Any], Any], reflected: bool = False
             ) -> Callable[..., N]:
    """The method of ``cls`` for one table entry of one or two inputs: ``x.tanh()``,
    ``a * b``, and reflected, ``2 * a`` (Python calls ``a.__rmul__(2)``: the inputs are
    ``(2, a)``). ``as_input`` turns the other operand into a node, or NotImplemented.

    ``new_node`` written out for one and two inputs, ``forward`` and ``local`` held by the
    closure: operators are every model's hot path, and a call to ``new_node`` (or a method
    taking ``*inputs``) would add about a third to the work of each.
    """
    forward, local = rule.forward, rule.local
    method: Callable[..., N]

    if arity == 1:

        def unary(a: Node) -> N:
            x = a.data
            if x.__class__ is not float:
                x = number_of(a, rule)
            try:
                out = forward(x)
            except (ValueError, ZeroDivisionError) as error:
                raise domain_error(rule, (a,), error) from None
            mode = get_mode()
            if not mode.simple:
                return _made_in_special_mode(cls, mode, rule, out, (a,), local(out, x))
            node: N = _new(cls)
            node.data = out
            node.grad = 0.0
            node._meta = mode.meta
            node._rule = rule
            node._in1, node._in2 = a, None
            (node._d1,) = local(out, x)
            return node

        method = unary
    else:

        def binary(a: Node, b: Any) -> N:
            if b.__class__ is not cls:
                b = as_input(b)
                if b is NotImplemented:  # let Python try the other operand, then raise
                    return b
            if reflected:
                a, b = b, a
            x, y = a.data, b.data
            if x.__class__ is not float or y.__class__ is not float:
                x, y = number_of(a, rule), number_of(b, rule)
            try:
                out = forward(x, y)
            except (ValueError, ZeroDivisionError) as error:
                raise domain_error(rule, (a, b), error) from None
            mode = get_mode()
            if not mode.simple:
                return _made_in_special_mode(cls, mode, rule, out, (a, b), local(out, x, y))
            node: N = _new(cls)
            node.data = out
            node.grad = 0.0
            node._meta = mode.meta
            node._rule = rule
            node._in1, node._in2 = a, b
            node._d1, node._d2 = local(out, x, y)
            return node

        method = binary
    method.__doc__ = f"A new node: {rule.name} ({rule.symbol!r}) of this {cls.__name__}."
    return method


def _made_in_special_mode(cls: type[N], mode: Mode, rule: Op, data: float, parents: Sequence[Node],
                          locals_: Sequence) -> N:
    if mode.record:
        node = new_node(cls, rule, data, parents, locals_, meta=mode.meta)
    else:
        node = new_node(cls, LEAF, data, meta=mode.meta)
    if mode.anomaly:
        check_forward(node, rule, parents)
    return node


# The functions every pickle names (see ``autograd.pickling``): keep their names and arguments.
def _rebuild_node(cls: type[N], data: float, grad: float, opname: str, meta: Meta | None,
                  parents: Sequence[Node] = (), locals_: Sequence = ()) -> N:
    return rebuild_node(new_node, cls, data, grad, opname, meta, parents, locals_)


def _rebuild_graph(cls: type[N], rows: list) -> N:
    return rebuild_graph(new_node, cls, rows)


# The walks ------------------------------------------------------------------------------


def topological_order(root: N) -> list[N]:
    """Every node ``root`` depends on, each after all of its parents; ``root`` is last.

    >>> from autograd import Value
    >>> x = Value(1.0, label="x"); y = x * 2
    >>> [n.label or n.op for n in topological_order(y)]
    ['', 'x', 'mul']
    """
    order: list[N] = []  # a graph's nodes are of its root's class: ops make their inputs' class
    seen: set[N] = set()
    # Post-order depth-first search, without recursion. A node is expanded the first time
    # it is reached: it goes on the stack under a None marker, with its parents but the
    # last on top, and the walk goes straight on to the last parent (what the stack would
    # give next). When the marker is popped every parent has been emitted: the node is next.
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
            continue
        while node not in seen:
            seen.add(node)
            first = node._in1
            if first is None:  # a leaf
                order.append(node)
                break
            stack += (node, None)
            second = node._in2
            if second is None:
                node = first
            elif second is not MANY:
                stack.append(first)
                node = second
            else:
                stack += first[:-1]
                node = first[-1]
    return order


def inputs_and_locals(order: Sequence[Node], row: Mapping[Node, int]) -> tuple[list[tuple], list[tuple]]:
    """Each node's inputs as ``row`` numbers and its local derivatives, in one pass over
    the slots (a graph table reads both: a third less than ``parents`` and ``local_grads``)."""
    get, ins, ds = row.__getitem__, list[tuple](), list[tuple]()
    add_in, add_d = ins.append, ds.append
    for node in order:
        second = node._in2
        if second is MANY:
            add_in(tuple(map(get, node._in1)))
            add_d(tuple(node._d1))
        elif second is not None:
            add_in((get(node._in1), get(second)))
            add_d((node._d1, node._d2))
        else:
            add_in(() if node._in1 is None else (get(node._in1),))
            add_d(() if node._in1 is None else (node._d1,))
    return ins, ds


# The mark of a node the clearing walk has visited: a zero that is this very float object.
# No result is ever this object unless the walk put it there, and the chain-rule loop that
# follows replaces every one (it adds to every node but the root, and sets the root to 1.0).
_VISITED = float("0.0")


def clear_and_order(root: Node, saved: dict[Node, float]) -> list[Node]:
    """The fast backward's first half: set the gradient of every node ``root`` depends on
    to 0, keeping nonzero ones in ``saved``; return the op nodes (not the leaves) in
    topological order, for ``chain_rule``.

    ``topological_order``'s walk and order (so gradients add up as the ``create_graph`` path
    adds them), fused with the clearing: ``grad`` is ``_VISITED`` once visited (no set as
    large as the graph), and only parents not visited are pushed (weights feed every ``dot``).
    """
    order: list[Node] = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker above an expanded node: all its parents are done
            order.append(stack.pop())
            continue
        while node.grad is not _VISITED:
            if node.grad:
                saved[node] = node.grad
            node.grad = _VISITED
            first = node._in1
            if first is None:  # a leaf
                break
            stack += (node, None)
            second = node._in2
            if second is None:
                node = first
            elif second is not MANY:
                stack.append(first)
                node = second
            else:
                last = len(first) - 1
                stack += [p for p in first[:last] if p.grad is not _VISITED]
                node = first[last]
    return order


def chain_rule(order: list[Node]) -> None:
    """The fast backward's second half, the chain rule over the op nodes ``clear_and_order``
    returned: a node's gradient, complete in reverse topological order, flows to each
    parent times the local derivative stored with it."""
    for node in reversed(order):
        g = node.grad
        second = node._in2
        if second is None:
            node._in1.grad += g * node._d1
        elif second is not MANY:
            node._in1.grad += g * node._d1
            second.grad += g * node._d2
        else:
            for parent, d in zip(node._in1, node._d1):
                parent.grad += g * d


__all__ = ["Node", "new_node", "constant", "operator", "MANY", "topological_order", "inputs_and_locals",
           "clear_and_order", "chain_rule"]
