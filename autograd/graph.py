"""The node layer: what a node stores, how it is linked to its parents, and the walks.

Every other module reads nodes through the readers here (``parents``, ``local_grads``,
``op``, ``rule``, ``label``, ``scope``, ``role``) and makes op nodes with ``new_node``;
only this module touches the slots. ``Value`` (value.py) is a ``Node`` with arithmetic.

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

from collections import Counter
from collections.abc import Callable, Sequence
from operator import attrgetter

from .errors import check_forward, domain_error, number_of, real, short
from .mode import MODE, Meta
from .ops import LEAF, OPS, Op

# Bound once: on an imported name CPython 3.11 makes a bound method per ``MODE.get()``,
# and every op reads the mode (W2 and W3 run 5-6% fewer instructions, callgrind).
get_mode = MODE.get

# What a node without a Meta of its own (``_meta`` None, most nodes) reads as one.
NO_META = Meta()

# ``_in2`` of a node with more than two parents: ``_in1`` and ``_d1`` hold sequences.
MANY = object()


class Node:
    """One scalar in a graph: its number, its gradient, and how it was made.

    >>> Node(2.5, label="x")
    Node(data=2.5, grad=0.0, label='x')
    """

    __slots__ = ("data", "grad", "_rule", "_meta", "_in1", "_d1", "_in2", "_d2")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if data.__class__ is float else real(data, type(self).__name__)
        self.grad = 0.0
        self._rule = LEAF
        self._in1 = self._in2 = None
        mode = get_mode()
        # Label, scope, role and anomaly site live in a Meta, shared by all the nodes made
        # in one mode (usually None), so an unlabelled node pays nothing for them.
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

    @property
    def label(self) -> str:
        return (self._meta or NO_META).label

    @label.setter
    def label(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(label=str(text))

    @property
    def scope(self) -> tuple[str, ...]:
        """The drawing scopes this node was made in, outermost first."""
        return (self._meta or NO_META).scope

    @property
    def role(self) -> str:
        """'param' for model parameters (set by nn), else ''."""
        return (self._meta or NO_META).role

    @role.setter
    def role(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(role=str(text))

    @property
    def site(self) -> str:
        """The line of user code that made this node, if made under ``detect_anomaly``."""
        return (self._meta or NO_META).site

    @site.setter
    def site(self, text: str) -> None:
        self._meta = (self._meta or NO_META).but(site=str(text))

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
        # A leaf pickles as itself, so pickle's memo keeps its identity: parameters and
        # inputs shared by several pickled Values come back shared. The graph above the
        # leaves goes as a flat table, leaves first, so a deep graph needs no recursion
        # (pickle's own would overflow at ~1000 deep); those inner nodes are rebuilt per
        # pickled root.
        cls = type(self)
        if self._in1 is None:
            return (_rebuild_node, (cls, self.data, self.grad, self._rule.name, self._meta))
        order = topological_order(self)
        row_of = {id(node): i for i, node in enumerate(order)}
        rows = []
        for node in order:
            if node._in1 is None:
                rows.append(node)  # pickled by reference, through the memo
            else:
                parent_rows = tuple(row_of[id(p)] for p in node.parents)
                rows.append((node.data, node.grad, node._rule.name, parent_rows, node.local_grads, node._meta))
        return (_rebuild_graph, (cls, rows))


_new = object.__new__


# ``new_node``'s default: take the label-free Meta of the current mode.
_FROM_MODE = object()


def new_node(cls: type, rule: Op, data: float, parents: Sequence[Node] = (), locals_: Sequence = (),
             meta=_FROM_MODE) -> Node:
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
    node = _new(cls)
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


def constant(cls: type, x: float) -> Node:
    """A leaf of class ``cls`` for a number met in an expression (the 2 in ``x * 2``);
    written out rather than through ``new_node``: a model makes one for every such number."""
    node = _new(cls)
    node.data = x
    node.grad = 0.0
    node._rule = LEAF
    node._in1 = node._in2 = None
    node._meta = get_mode().meta
    return node


def operator(cls: type, rule: Op, arity: int, as_input: Callable, reflected: bool = False) -> Callable:
    """The method of ``cls`` for one table entry of one or two inputs: ``x.tanh()``,
    ``a * b``, and reflected, ``2 * a`` (Python calls ``a.__rmul__(2)``: the inputs are
    ``(2, a)``). ``as_input`` turns the other operand into a node, or NotImplemented.

    ``new_node`` written out for one and two inputs, ``forward`` and ``local`` held by the
    closure: operators are every model's hot path, and a call to ``new_node`` (or a method
    taking ``*inputs``) would add about a third to the work of each.
    """
    forward, local = rule.forward, rule.local

    if arity == 1:

        def method(a: Node) -> Node:
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
            node = _new(cls)
            node.data = out
            node.grad = 0.0
            node._meta = mode.meta
            node._rule = rule
            node._in1, node._in2 = a, None
            (node._d1,) = local(out, x)
            return node

    else:

        def method(a: Node, b) -> Node:
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
            node = _new(cls)
            node.data = out
            node.grad = 0.0
            node._meta = mode.meta
            node._rule = rule
            node._in1, node._in2 = a, b
            node._d1, node._d2 = local(out, x, y)
            return node

    method.__doc__ = f"A new node: {rule.name} ({rule.symbol!r}) of this {cls.__name__}."
    return method


def _made_in_special_mode(cls: type, mode, rule: Op, data: float, parents, locals_) -> Node:
    if mode.record:
        node = new_node(cls, rule, data, parents, locals_, meta=mode.meta)
    else:
        node = new_node(cls, LEAF, data, meta=mode.meta)
    if mode.anomaly:
        check_forward(node, rule, parents)
    return node


def _rebuild_node(cls: type, data: float, grad: float, opname: str, meta, parents=(), locals_=()) -> Node:
    node = new_node(cls, OPS[opname] if opname else LEAF, data, parents, locals_, meta=meta)
    node.grad = grad
    return node


def _rebuild_graph(cls: type, rows) -> Node:
    nodes: list[Node] = []
    for row in rows:
        if isinstance(row, Node):
            nodes.append(row)
            continue
        data, grad, opname, parent_rows, locals_, meta = row
        nodes.append(_rebuild_node(cls, data, grad, opname, meta, [nodes[i] for i in parent_rows], list(locals_)))
    return nodes[-1]


# ---------------------------------------------------------------------------------------
# The walks.


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, each after all of its parents; ``root`` is last.

    >>> from autograd import Value
    >>> x = Value(1.0, label="x"); y = x * 2
    >>> [n.label or n.op for n in topological_order(y)]
    ['', 'x', 'mul']
    """
    order: list[Node] = []
    seen: set[Node] = set()
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


class Census:
    """What one walk of a graph counts, for ``summary``: the nodes in topological order,
    the longest path, the edges, and how many nodes each op and each ``Meta`` made."""

    def __init__(self, order: list[Node], leaves: list[Node], depth: int, edges: int,
                 wide: tuple[int, int]) -> None:
        self.order = order
        self.leaves = leaves
        self.depth = depth  # edges on the longest path from a leaf to the root
        self.edges = edges  # parent links: a*a counts two
        self.wide = wide  # (nodes with more than two parents, their parent links)
        # Counted straight from the slots, in C: most nodes share their op and their Meta
        # (the mode's), so these tables are tiny however large the graph. By op name, not
        # rule: a rule is a NamedTuple, hashed field by field, which took twice as long.
        self.by_op: Counter[str] = Counter(map(_op_of, order))
        self.by_meta: Counter[Meta | None] = Counter(map(_meta_of, order))
        self.leaf_metas: Counter[Meta | None] = Counter(map(_meta_of, leaves))


_op_of, _meta_of = attrgetter("_rule.name"), attrgetter("_meta")


def census(root: Node) -> Census:
    """Walk the graph below ``root`` and count what it holds (see ``Census``).

    ``topological_order``, then one pass over it: parents come first, so each node's depth
    (one more than its deepest parent's) is found when it is reached.

    >>> from autograd import Value
    >>> x = Value(3.0); c = census(x * x + x)
    >>> len(c.order), c.depth, c.edges, sorted(c.by_op.items())
    (3, 2, 4, [('', 1), ('add', 1), ('mul', 1)])
    """
    order = topological_order(root)
    leaves: list[Node] = []
    depth: dict[Node, int] = {}
    edges = wide = wide_edges = 0
    for node in order:
        first = node._in1
        if first is None:
            depth[node] = 0
            leaves.append(node)
            continue
        second = node._in2
        if second is None:
            depth[node] = depth[first] + 1
            edges += 1
        elif second is not MANY:
            d, e = depth[first], depth[second]
            depth[node] = (d if d > e else e) + 1
            edges += 2
        else:
            depth[node] = max(map(depth.__getitem__, first)) + 1
            edges += len(first)
            wide, wide_edges = wide + 1, wide_edges + len(first)
    return Census(order, leaves, depth[root], edges, (wide, wide_edges))


# The mark of a node the clearing walk has visited: a zero that is this very float object.
# Python makes a new float for every result, so no gradient is ever this object unless
# the walk put it there, and the chain-rule loop that follows replaces every one (it adds
# to every node but the root, and sets the root to 1.0).
_VISITED = float("0.0")


def clear_and_order(root: Node, saved: dict[Node, float]) -> list[Node]:
    """The fast backward's first half: set the gradient of every node ``root`` depends on
    to 0, keeping nonzero ones in ``saved``; return the op nodes (not the leaves) in
    topological order, for ``chain_rule``.

    ``topological_order``'s walk and order (so gradients add up in the order the
    ``create_graph`` path adds them), fused with the clearing: the mark ``_VISITED`` in
    ``grad`` is the visited test (no set as large as the graph), and of a node with many
    parents only those not visited yet are pushed (a model's weights feed every ``dot``).
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
    """The fast backward's second half, the chain rule: one loop for every op, over the op
    nodes ``clear_and_order`` returned. A node's gradient flows to each parent times
    the local derivative stored with it. In reverse topological order a node's gradient is
    complete before it is passed on."""
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


__all__ = ["Node", "new_node", "constant", "operator", "MANY", "topological_order", "census", "Census",
           "clear_and_order", "chain_rule"]
