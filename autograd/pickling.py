"""How a graph is pickled: as rows, one per node in topological order (the root last),
each node's inputs as row numbers, so that a deep graph needs no recursion (pickle's own
would overflow at ~1000 deep).

``Node.__reduce__`` (``autograd.graph``) hands pickle ``graph._rebuild_node`` and a
leaf's fields, or ``graph._rebuild_graph`` and the rows of the graph below a node with
inputs; those two call ``rebuild_node`` and ``rebuild_graph`` here with the node maker,
``graph.new_node``. Every pickle ever written names those two and holds these rows: their
names, their arguments and the rows' shape stay.

A row is a leaf itself (pickled by reference: pickle's memo keeps the parameters and
inputs that several pickled Values share shared), or, for a node with inputs,
``(data, grad, op name, input rows, local derivatives, Meta)``; the nodes with inputs are
made again per pickled root.

>>> import pickle
>>> from autograd import Value
>>> w = Value(0.5, label="w"); y = (w * w).tanh()
>>> twin, w2 = pickle.loads(pickle.dumps((y, w)))
>>> twin.data == y.data, twin.parents[0].parents[0] is w2, w2.label
(True, True, 'w')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .ops import LEAF, OPS


def graph_rows(order: Sequence[Any], metas: Iterable[Any]) -> list:
    """The rows of the nodes ``order`` (in topological order, the root last), with their
    ``Meta``s (label, scope, role, site; None for none), read by ``graph``."""
    row = {node: k for k, node in enumerate(order)}
    rows: list = []
    for node, meta in zip(order, metas):
        inputs = node.parents
        if inputs:
            rows.append((node.data, node.grad, node.op, tuple(map(row.__getitem__, inputs)), node.local_grads, meta))
        else:
            rows.append(node)
    return rows


def rebuild_node(make: Callable[..., Any], cls: type, data: float, grad: float, opname: str, meta: Any,
                 parents: Sequence[Any] = (), locals_: Sequence = ()) -> Any:
    """A node of class ``cls`` made again by ``make`` (``graph.new_node``) from its fields."""
    node = make(cls, OPS[opname] if opname else LEAF, data, parents, locals_, meta=meta)
    node.grad = grad
    return node


def rebuild_graph(make: Callable[..., Any], cls: type, rows: list) -> Any:
    """The root of the graph ``rows`` hold (see the module docstring), made again."""
    nodes: list = []
    for row in rows:
        if not isinstance(row, tuple):  # a leaf, unpickled by pickle itself
            nodes.append(row)
            continue
        data, grad, opname, inputs, locals_, meta = row
        nodes.append(rebuild_node(make, cls, data, grad, opname, meta, [nodes[i] for i in inputs], list(locals_)))
    return nodes[-1]


__all__ = ["graph_rows", "rebuild_node", "rebuild_graph"]
