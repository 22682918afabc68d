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

import gc
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from .mode import MODE, Meta, enable_grad, user_site
from .ops import LEAF, OPS, Op

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
        mode = MODE.get()
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
        meta = self._meta
        return meta.label if meta is not None else ""

    @label.setter
    def label(self, text: str) -> None:
        meta = self._meta or Meta()  # may be shared with the scope's nodes: write a copy
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

    @property
    def site(self) -> str:
        """The line of user code that made this node, if made under ``detect_anomaly``."""
        meta = self._meta
        return meta.site if meta is not None else ""

    def __repr__(self) -> str:
        parts = [f"data={_short(self.data)}", f"grad={_short(self.grad)}"]
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
        # leaves goes as the rows of its graph table (``autograd.table``: topological
        # order, inputs as row numbers), leaves first, so a deep graph needs no recursion
        # (pickle's own would overflow at ~1000 deep); those inner nodes are rebuilt per
        # pickled root. ``_rebuild_graph`` reads every pickle ever written: keep its name
        # here and the rows' shape.
        cls = type(self)
        if self._in1 is None:
            return (_rebuild_node, (cls, self.data, self.grad, self._rule.name, self._meta))
        order = topological_order(self)
        rows: list = []
        for node, parents in zip(order, parent_rows(order, {node: k for k, node in enumerate(order)})):
            if parents:
                rows.append((node.data, node.grad, node._rule.name, parents, node.local_grads, node._meta))
            else:
                rows.append(node)  # pickled by reference, through the memo
        return (_rebuild_graph, (cls, rows))


_new = object.__new__


def real(x, where: str) -> float:
    """``x`` as a float if it is a real number (an int, a float, a numpy float; not a
    bool), else a TypeError that names what was received.

    >>> real(3, "Value"), real(2.5, "Value")
    (3.0, 2.5)
    """
    if x.__class__ is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:  # an int too large for a float
            raise TypeError(f"{where}: {type(x).__name__} too large for a float ({_digits(x)} digits)") from None
    hint = "use v.data for the number inside a Value" if isinstance(x, Node) else "pass an int or a float"
    raise TypeError(f"{where}: expected an int or float, got {type(x).__name__} {_clip(repr(x))}; {hint}")


def _digits(n: int) -> int:
    return n.bit_length() * 30103 // 100000 + 1  # about log10(2) digits a bit, no str(n)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(nodes, symbol: str = "") -> str:
    """The numbers of ``nodes`` for an error message, with their labels if they have any.

    >>> describe([Node(-2.0, label="x")]), describe([Node(1.0), Node(0.0)], "/")
    ("-2.0 (Value 'x')", '1.0 / 0.0')
    """
    joiner = f" {symbol} " if symbol and len(nodes) == 2 else ", "
    numbers_ = joiner.join(_short(n.data) for n in nodes)
    if not any(n.label for n in nodes):
        return numbers_
    if len(nodes) == 1:
        return f"{numbers_} (Value {nodes[0].label!r})"
    labels = ", ".join(repr(n.label) if n.label else "unlabelled" for n in nodes)
    return f"{numbers_} (Values {labels})"


# ``new_node``'s default: take the label-free Meta of the current mode.
_FROM_MODE = object()


def new_node(cls: type, rule: Op, data: float, parents: Sequence[Node] = (), locals_: Sequence = (),
             meta=_FROM_MODE) -> Node:
    """A new node of class ``cls``: ``rule``'s result ``data``, linked to ``parents`` with
    their local derivatives ``locals_``. It writes the layout in the table above; so do
    ``Node(...)`` and ``constant`` (leaves) and ``operator`` (this, written out for one
    and two inputs), and nothing else.

    In the current mode: inside ``no_grad`` it is a leaf; inside ``detect_anomaly`` it
    records the line of user code that made it and raises on a NaN or inf result. Given
    ``meta`` (a copy, an unpickled node), the mode is not consulted.
    """
    if meta is _FROM_MODE:
        mode = MODE.get()
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
    """A leaf of class ``cls`` for a number met in an expression (the 2 in ``x * 2``).

    Written out rather than through ``new_node``: a model makes one for every such number.
    """
    node = _new(cls)
    node.data = x
    node.grad = 0.0
    node._rule = LEAF
    node._in1 = node._in2 = None
    node._meta = MODE.get().meta
    return node


def operator(cls: type, rule: Op, arity: int, as_input: Callable, reflected: bool = False) -> Callable:
    """The method of ``cls`` for one table entry of one or two inputs: ``x.tanh()``,
    ``a * b``, and reflected, ``2 * a`` (Python calls ``a.__rmul__(2)``: the inputs are
    ``(2, a)``). ``as_input`` turns the other operand into a node, or NotImplemented.

    This is ``new_node`` written out for one and two inputs, with the rule's ``forward``
    and ``local`` held by the closure: operators are the hot path of every model, and a
    call to ``new_node`` (or one method taking ``*inputs``) would add about a third to
    the work of each.
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
            mode = MODE.get()
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
            mode = MODE.get()
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


def number_of(node: Node, rule: Op) -> float:
    """``node.data`` as a float, for ``rule``: users may assign ints or numpy floats to it."""
    x = node.data
    return x if x.__class__ is float else real(x, f"{rule.name}: the input's .data")


def domain_error(rule: Op, inputs, error: Exception) -> Exception:
    """The error for inputs outside the rule's domain, naming the op, the numbers and the fix."""
    message = f"{rule.name}: {rule.domain or str(error)}, got {describe(inputs, rule.symbol)}"
    if rule.hint:
        message += f"; {rule.hint}"
    return type(error)(message)


def _made_in_special_mode(cls: type, mode, rule: Op, data: float, parents, locals_) -> Node:
    if mode.record:
        node = new_node(cls, rule, data, parents, locals_, meta=mode.meta)
    else:
        node = new_node(cls, LEAF, data, meta=mode.meta)
    if mode.anomaly:
        _check_forward(node, rule, parents)
    return node


def _check_forward(node: Node, rule: Op, parents) -> None:
    site = user_site()
    meta = node._meta or Meta()
    node._meta = Meta(meta.label, meta.scope, meta.role, site)
    if not math.isfinite(node.data):
        raise FloatingPointError(
            f"{rule.name} produced {node.data} from input{'s' if len(parents) > 1 else ''} "
            f"{describe(parents)}, at {site}")


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
        data, grad, opname, inputs, locals_, meta = row
        nodes.append(_rebuild_node(cls, data, grad, opname, meta, [nodes[i] for i in inputs], list(locals_)))
    return nodes[-1]


def _short(x: float) -> str:
    # Six significant digits read well at the prompt; .data has them all.
    try:
        return repr(float(f"{x:.6g}"))
    except (TypeError, ValueError):
        return repr(x)


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


def parent_rows(order: Sequence[Node], row: dict) -> list[tuple[int, ...]]:
    """The inputs of each node of ``order`` as row numbers (``row[node]``, its position):
    how the graph table (``autograd.table``) and pickles link a node to its inputs.

    >>> from autograd import Value
    >>> x = Value(3.0); order = topological_order(x * x + x)
    >>> parent_rows(order, {node: k for k, node in enumerate(order)})
    [(), (0, 0), (1, 0)]
    """
    out: list[tuple[int, ...]] = []
    get = row.__getitem__
    for node in order:
        first = node._in1
        second = node._in2
        if first is None:
            out.append(())
        elif second is None:
            out.append((get(first),))
        elif second is not MANY:
            out.append((get(first), get(second)))
        else:
            out.append(tuple(map(get, first)))
    return out


# The mark of a node the clearing walk has visited: a zero that is this very float object.
# Python makes a new float for every result, so no gradient is ever this object unless
# the walk put it there, and the chain-rule loop that follows replaces every one (it adds
# to every node but the root, and sets the root to 1.0).
_VISITED = float("0.0")


def _clear_and_order(root: Node, saved: dict[Node, float]) -> list[Node]:
    """Set the gradient of every node ``root`` depends on to 0, keeping nonzero ones in
    ``saved``; return the op nodes (not the leaves) in topological order.

    The walk of ``topological_order``, in the same order (so gradients are summed in the
    same order as the ``create_graph`` path sums them), fused with the clearing: the mark
    ``_VISITED`` in ``grad`` is the visited test (no set as large as the graph); it goes
    straight on to the last parent, which ``topological_order`` would pop next; and of a
    node with many parents it pushes only those not visited yet, since in a model the
    same weights feed every example's ``dot`` node.
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


def _chain_rule(order: list[Node]) -> None:
    """The chain rule, one loop for every op: a node's gradient flows to each parent times
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    # The engine makes no reference cycles, so the cyclic collector has nothing to find in
    # a graph; pausing it while backward allocates gradients saves it scanning the whole
    # graph again and again. The previous state is restored, whatever happens.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _this_call_gradients(root: Node) -> dict[Node, float]:
    """Put this call's gradient alone in ``.grad`` of every node; return the gradients it
    replaced (usually all zero, so the dict stays empty), for the caller to add back or
    restore. Under ``detect_anomaly`` the first NaN or inf gradient raises, with every
    gradient as it was before."""
    saved: dict[Node, float] = {}
    try:
        order = _clear_and_order(root, saved)
        root.grad = 1.0
        _chain_rule(order)
        if MODE.get().anomaly:
            _check_gradients(topological_order(root))
    except BaseException:  # interrupted (Ctrl-C, out of memory) or an anomaly: undo
        for node in topological_order(root):
            node.grad = saved.get(node, 0.0)
        raise
    return saved


def _check_gradients(order: list[Node]) -> None:
    """Anomaly mode: the first node (from the root down) whose gradient is NaN/inf."""
    for node in reversed(order):
        if not math.isfinite(node.grad):
            consumers = [c for c in order if any(p is node for p in c.parents)]
            # Blame the consumer whose own contribution is NaN/inf, not just any of them.
            bad = [c for c in consumers if any(
                p is node and not math.isfinite(c.grad * d) for p, d in zip(c.parents, c.local_grads))]
            culprit = (bad or consumers or [node])[-1]
            site = culprit.site or "an unknown line (made outside detect_anomaly)"
            raise FloatingPointError(
                f"backward of {culprit.op or 'leaf'} gave gradient {node.grad} to its input "
                f"{node.data!r}{f' ({node.label!r})' if node.label else ''}; local derivatives "
                f"{culprit.local_grads}; node made at {site}")


def backward(root: Node, create_graph: bool = False):
    """Add d root / d node to ``node.grad`` for every node; see ``Value.backward``."""
    if create_graph:
        order = topological_order(root)
        grads = _graph_gradients(root, order)
        result = {}
        for node in order:
            g = grads.get(node)
            if g is None:
                g = type(root)(0.0)
            node.grad += g.data
            result[node] = g
        return result
    with _collector_paused():
        saved = _this_call_gradients(root)
        for node, old in saved.items():
            node.grad = old + node.grad
    return None


def _graph_gradients(root: Node, order: list[Node]) -> dict[Node, Node]:
    """d root / d node for every node, built out of nodes so it can be differentiated.

    The same rule the forward pass used, now called on the nodes themselves: the local
    derivatives become nodes, so the gradient graph records how they depend on the inputs.
    It records even inside ``no_grad``: asking for the graph is asking to record it.
    Under ``detect_anomaly`` a NaN or inf gradient raises, as in ``backward``.
    """
    one = type(root)(1.0)  # made by the root's own class: the layer knows no arithmetic
    grads: dict[Node, Node] = {root: one}
    with enable_grad():
        for node in reversed(order):
            g = grads.get(node)
            if g is None or node._in1 is None:
                continue
            parents = node.parents
            rule = node._rule
            locals_ = rule.local(node, parents) if rule.nary else rule.local(node, *parents)
            for parent, d in zip(parents, locals_):
                term = g * d
                grads[parent] = grads[parent] + term if parent in grads else term
    if MODE.get().anomaly:
        for node in order:
            g = grads.get(node)
            if g is not None and not math.isfinite(g.data):
                raise FloatingPointError(
                    f"create_graph: the gradient of {node.op or 'leaf'} node "
                    f"{node.label or _short(node.data)} is {g.data}")
    return grads


def gradients(root: Node, wrt: Sequence[Node], create_graph: bool = False) -> list:
    """d root / d w for each w in ``wrt``, without touching any ``.grad``.

    Floats, or Values (differentiable again) with ``create_graph=True``.

    >>> from autograd import Value
    >>> x = Value(3.0); y = x ** 3
    >>> (dy,) = gradients(y, [x], create_graph=True)
    >>> dy.data, gradients(dy, [x])
    (27.0, [18.0])
    """
    order = topological_order(root)
    if create_graph:
        grads = _graph_gradients(root, order)
        return [grads[w] if w in grads else type(root)(0.0) for w in wrt]
    with _collector_paused():
        saved = _this_call_gradients(root)
        in_graph = set(order)
        result = [w.grad if w in in_graph else 0.0 for w in wrt]
        for node in order:
            node.grad = saved.get(node, 0.0)
    return result


def zero_grad(root: Node) -> None:
    """Set ``grad`` to 0.0 on ``root`` and every node it depends on."""
    for node in topological_order(root):
        node.grad = 0.0


@contextmanager
def fast_training() -> Iterator[None]:
    """Opt-in: pause the cyclic garbage collector for a training loop, then restore it.

    The engine makes no reference cycles, so graphs are freed by reference counting alone;
    the collector only spends time scanning them. Your own code inside the block should
    not build reference cycles in a loop (they would wait until the block ends).

    >>> with fast_training():
    ...     pass
    """
    with _collector_paused():
        yield


__all__ = ["Node", "new_node", "constant", "operator", "number_of", "domain_error", "MANY", "topological_order",
           "parent_rows", "backward", "gradients", "zero_grad", "fast_training", "real", "describe"]
