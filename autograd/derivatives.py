"""``backward``, ``gradients`` and ``zero_grad`` as users call them, and gradients as graphs.

Without ``create_graph`` both are graph.py's fast loop over floats. With
``create_graph=True`` the gradients are built out of nodes, by the same rules the forward
pass used, so they can be differentiated again (a Hessian, Newton's method, a gradient
penalty):

>>> from autograd import Value
>>> x = Value(3.0); y = x ** 3
>>> (dy,) = gradients(y, [x], create_graph=True)      # 3x², a Value
>>> (d2y,) = gradients(dy, [x]); dy.data, d2y         # 6x
(27.0, 18.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .collector import collector_paused
from .errors import check_gradients, short
from .graph import Node, chain_rule, clear_and_order, topological_order
from .mode import MODE, enable_grad


def backward(root: Node, create_graph: bool = False):
    """Add d root / d node to ``node.grad`` for every node; see ``Value.backward``.

    With ``create_graph=True`` it also returns ``{node: gradient as a node}``.
    """
    if not create_graph:  # the fast loop, over floats
        with collector_paused():
            saved = _this_call_gradients(root)
            for node, old in saved.items():
                node.grad = old + node.grad
        return None
    order = topological_order(root)
    grads = graph_gradients(root, order)
    result = {}
    for node in order:
        g = grads.get(node)
        if g is None:
            g = type(root)(0.0)
        node.grad += g.data
        result[node] = g
    return result


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
    if not create_graph:
        with collector_paused():
            saved = _this_call_gradients(root)
            in_graph = set(order)
            result = [w.grad if w in in_graph else 0.0 for w in wrt]
            for node in order:  # every .grad back as it was
                node.grad = saved.get(node, 0.0)
        return result
    grads = graph_gradients(root, order)
    return [grads[w] if w in grads else type(root)(0.0) for w in wrt]


def _this_call_gradients(root: Node) -> dict[Node, float]:
    """graph.py's fast backward, alone: put this call's gradient in every node's ``.grad``
    and return the gradients it replaced (usually none), for the caller to add back or
    restore. Under ``detect_anomaly`` a NaN or inf gradient raises; interrupted or raising,
    every gradient is put back as it was. The caller pauses the cyclic collector."""
    saved: dict[Node, float] = {}
    try:
        order = clear_and_order(root, saved)
        root.grad = 1.0
        chain_rule(order)
        if MODE.get().anomaly:
            check_gradients(topological_order(root))
    except BaseException:  # interrupted (Ctrl-C, out of memory) or an anomaly: undo
        for node in topological_order(root):
            node.grad = saved.get(node, 0.0)
        raise
    return saved


def zero_grad(root: Node) -> None:
    """Set ``grad`` to 0.0 on ``root`` and every node it depends on."""
    for node in topological_order(root):
        node.grad = 0.0


def graph_gradients(root: Node, order: list[Node]) -> dict[Node, Node]:
    """d root / d node for every node of ``order`` (``topological_order(root)``), built out
    of nodes so it can be differentiated.

    The same rule the forward pass used, now called on the nodes themselves: the local
    derivatives become nodes, so the gradient graph records how they depend on the inputs.
    It records even inside ``no_grad``: asking for the graph is asking to record it.
    Under ``detect_anomaly`` a NaN or inf gradient raises, as in ``backward``.
    """
    one = type(root)(1.0)  # made by the root's own class: the node layer knows no arithmetic
    grads: dict[Node, Node] = {root: one}
    with enable_grad():
        for node in reversed(order):
            g = grads.get(node)
            if g is None or node.is_leaf:
                continue
            parents = node.parents
            rule = node.rule
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
                    f"{node.label or short(node.data)} is {g.data}")
    return grads


__all__ = ["backward", "gradients", "zero_grad", "graph_gradients"]
