"""Walking the graph: topological order, backward, zero_grad, gradients.

No recursion anywhere: a chain of millions of nodes is walked with an explicit stack.

>>> from autograd import Value
>>> a = Value(2.0); b = a * a + a        # b = a² + a
>>> b.backward(); a.grad                 # 2a + 1
5.0
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from typing import Iterator, Sequence

from .mode import MODE, no_grad
from .value import NARY, Value, _locals


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its parents; ``root`` is last.

    >>> from autograd import Value
    >>> x = Value(1.0, label="x"); y = x * 2
    >>> [n.label or n.op for n in topological_order(y)]
    ['', 'x', 'mul']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # Post-order depth-first search, without recursion. A node is expanded the first time
    # it is popped: it goes back on the stack under a None marker, with its parents on top.
    # When the marker is popped, every parent has been emitted: the node below it is next.
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            if node._a is None:  # a leaf
                order.append(node)
            else:
                stack += (node, None)
                stack += node.parents
    return order


# backward's mark on the nodes it has visited: a zero that is this very float object.
# Python makes a new float for every result, so no gradient is ever this object unless
# _clear_gradients put it there, and the chain-rule loop that follows replaces every one
# (it adds to every node but the root, and sets the root to 1.0).
_VISITED = float("0.0")


def _clear_gradients(root: Value, saved: dict[Value, float]) -> list[Value]:
    """Set the gradient of every node ``root`` depends on to 0, keeping nonzero ones in
    ``saved``; return the op nodes (not the leaves) in topological order.

    The walk of ``topological_order``, in the same order (so gradients are summed in the
    same order as the ``create_graph`` path sums them), made cheaper four ways: it zeroes
    as it goes (no second pass); ``node.grad is _VISITED`` is the visited test (no set as
    large as the graph); it goes straight on to the parent ``topological_order`` would pop
    next, the last one, instead of pushing and popping it; and of a node with many
    parents it pushes only those not visited yet. That last one is why leaves are marked
    too: in a model the same weights feed every example's ``dot`` node, so after the
    first example nearly all of a node's parents are visited, and one list comprehension
    drops them instead of one pass of this loop per parent (W1's walk: about 6.4 -> 4.2
    ms a step). Skipping a parent already visited changes nothing: it would be popped and
    skipped. (Going down the last parent rather than the first also leaves the freed
    graph's memory in an order that makes the collector's scans of the next graph about a
    fifth cheaper: measured, not guessed.)
    """
    order: list[Value] = []
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
            a = node._a  # where parents are: see the table in value.py's docstring
            if a is None:  # a leaf
                break
            stack += (node, None)
            b = node._b
            if b is None:  # one parent
                node = a
            elif b is not NARY:  # two
                stack.append(a)
                node = b
            else:  # a is (*parents, *locals); the others are pushed only if new
                last = (len(a) >> 1) - 1
                stack += [p for p in a[:last] if p.grad is not _VISITED]
                node = a[last]
    return order


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


def _fresh_gradients(root: Value) -> dict[Value, float]:
    """Put this call's gradient in ``.grad`` of every node; return the grads it replaced.

    Saving the old gradients (usually all zero, so the dict stays empty) and starting from
    0 makes the result of this call independent of earlier calls.
    """
    saved: dict[Value, float] = {}
    try:
        order = _clear_gradients(root, saved)
        root.grad = 1.0
        # The chain rule, one loop for every op: a node's gradient flows to each parent
        # times the local derivative stored with it. Reverse topological order means a
        # node's gradient is complete before it is passed on.
        for node in reversed(order):
            g = node.grad
            b = node._b
            if b is None:  # one parent
                node._a.grad += g * node._da
            elif b is not NARY:  # two parents
                node._a.grad += g * node._da
                b.grad += g * node._db
            else:  # _a is (*parents, *locals); zip stops when the locals run out
                edges = node._a
                for parent, d in zip(edges, edges[len(edges) >> 1 :]):
                    parent.grad += g * d
    except BaseException:  # interrupted (Ctrl-C, out of memory): undo marks and zeroing
        for node in topological_order(root):
            node.grad = saved.get(node, 0.0)
        raise
    return saved


def _check_gradients(order: list[Value]) -> None:
    """Anomaly mode: the first node (from the root down) whose gradient is NaN/inf."""
    for node in reversed(order):
        if not math.isfinite(node.grad):
            consumers = [c for c in order if any(p is node for p in c.parents)]
            # Blame the consumer whose own contribution is NaN/inf, not just any of them.
            bad = [c for c in consumers if any(
                p is node and not math.isfinite(c.grad * d) for p, d in zip(c.parents, c.local_grads))]
            culprit = (bad or consumers or [node])[-1]
            site = culprit._meta.site if culprit._meta is not None and culprit._meta.site else "an unknown line (made outside detect_anomaly)"
            raise FloatingPointError(
                f"backward of {culprit.op or 'leaf'} gave gradient {node.grad} to its input "
                f"{node.data!r}{f' ({node.label!r})' if node.label else ''}; local derivatives "
                f"{culprit.local_grads}; node made at {site}")


def backward(root: Value, create_graph: bool = False):
    """Add d root / d node to ``node.grad`` for every node; see ``Value.backward``."""
    if create_graph:
        return _backward_graph(root)
    with _collector_paused():
        saved = _fresh_gradients(root)
        if MODE.get().anomaly:
            order = topological_order(root)
            try:
                _check_gradients(order)
            except FloatingPointError:
                for node in order:  # leave every gradient as it was before the call
                    node.grad = saved.get(node, 0.0)
                raise
        for node, old in saved.items():
            node.grad = old + node.grad
    return None


def _graph_gradients(root: Value, order: list[Value]) -> dict[Value, Value]:
    """d root / d node for every node, built out of Values so it can be differentiated."""
    grads: dict[Value, Value] = {root: Value(1.0)}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or node._a is None:
            continue
        parents = node.parents
        # The same rule the forward pass used, now on Values: the local derivatives
        # become nodes, so the gradient graph records how they depend on the inputs.
        locals_ = _locals(node._opdef, node, parents)
        for parent, d in zip(parents, locals_):
            term = g * d
            grads[parent] = grads[parent] + term if parent in grads else term
    return grads


def _backward_graph(root: Value) -> dict[Value, Value]:
    order = topological_order(root)
    grads = _graph_gradients(root, order)
    result = {}
    for node in order:
        g = grads.get(node)
        if g is None:
            g = Value(0.0)
        node.grad += g.data
        result[node] = g
    return result


def gradients(root: Value, wrt: Sequence[Value], create_graph: bool = False) -> list:
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
        return [grads[w] if w in grads else Value(0.0) for w in wrt]
    with _collector_paused():
        saved = _fresh_gradients(root)
        in_graph = set(order)
        result = [w.grad if w in in_graph else 0.0 for w in wrt]
        for node in order:
            node.grad = saved.get(node, 0.0)
    return result


def zero_grad(root: Value) -> None:
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


__all__ = ["topological_order", "backward", "gradients", "zero_grad", "fast_training", "no_grad"]
