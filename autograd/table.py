"""The graph as a table: ``table(root)``, one walk, one row per node, parents as row numbers.

Everything that looks at a whole graph reads this table instead of walking the nodes
again: ``summary``, ``tree``, ``draw``/``render``, ``explain``, the step-through page
and the trace tape; a pickle holds the same rows (``autograd.pickling``). Rows are in
topological order (each after its inputs, the root last), in the order
``topological_order`` gives and ``backward`` processes (in reverse); row ``k`` is what
drawings call ``n{k}``.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); y = (x * x + 1).tanh()
>>> t = table(y)
>>> len(t), t.parents, t.names()
(5, ((), (), (1, 1), (2, 0), (3,)), ('1', 'x', 'x*x', 'x*x+1', 'tanh(x*x+1)'))
>>> t[2]
Row(k=2, op='mul', parents=(1, 1), locals=(2.0, 2.0), data=4.0, grad=0.0, name='x*x')

A table is a snapshot: ``data`` and ``grad`` are the numbers when it was made, the other
columns (op rows, local derivatives, labels, scopes, roles) are read from the nodes the
first time they are asked for. Its columns are tuples, so nothing changes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

from .described import metas
from .graph import Node, inputs_and_locals, topological_order
from .names import Calls, base_names
from .ops import Op
from .pieces import edge_arrays


class Row(NamedTuple):
    """One row of a graph table: a node and what the views need of it."""

    k: int  # the row number: position in topological order
    node: Any  # the Node itself
    rule: Op  # its op row (``ops.LEAF`` for a leaf)
    parents: tuple[int, ...]  # the rows of its inputs, in order (``a*a`` lists ``a`` twice)
    locals: tuple[float, ...]  # d node / d input, per input
    data: float
    grad: float
    label: str
    scope: tuple[str, ...]
    role: str
    name: str

    @property
    def op(self) -> str:
        return self.rule.name

    def __repr__(self) -> str:
        return (f"Row(k={self.k}, op={self.op!r}, parents={self.parents}, locals={self.locals}, "
                f"data={self.data}, grad={self.grad}, name={self.name!r})")


_rule = attrgetter("rule")
_label, _scope, _role = attrgetter("label"), attrgetter("scope"), attrgetter("role")
_data, _grad = attrgetter("data"), attrgetter("grad")


class GraphTable:
    """The rows of a graph (see the module docstring). Columns are tuples indexed by row:
    ``nodes``, ``parents``, ``data``, ``grad``; ``rules``, ``locals``, ``labels``,
    ``scopes``, ``roles`` are read from the nodes once, when first asked for;
    ``names(digits)`` is the one namer's answer. ``row[node]`` is a node's row number."""

    __slots__ = ("nodes", "data", "grad", "row", "roots", "_cache")

    def __init__(self, nodes: tuple, parents: tuple | None, row: dict, roots: tuple[int, ...]) -> None:
        self.nodes = nodes
        self.row = row  # node -> its row number
        self.roots = roots  # the rows of the nodes the table was made from
        self.data = tuple(map(_data, nodes))
        self.grad = tuple(map(_grad, nodes))
        self._cache: dict = {} if parents is None else {"parents": parents}

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, k: int) -> Row:
        k = range(len(self.nodes))[k]  # negative rows count from the end; out of range raises
        return Row(k, self.nodes[k], self.rules[k], self.parents[k], self.locals[k], self.data[k],
                   self.grad[k], self.labels[k], self.scopes[k], self.roles[k], self.names()[k])

    def __iter__(self) -> Iterator[Row]:
        return (self[k] for k in range(len(self.nodes)))

    def __repr__(self) -> str:
        return f"<GraphTable of {len(self.nodes):,} rows below {self.names()[-1]!r}>"

    @property
    def root(self) -> Node:
        """The (first) node the table was made from."""
        return self.nodes[self.roots[0]]

    @property
    def parents(self) -> tuple[tuple[int, ...], ...]:
        """Each row's inputs as row numbers (found when first asked for: a drawing does
        not need them, and it is a pass over every edge)."""
        column = self._cache.get("parents")
        if column is None:
            self._read_inputs()
            column = self._cache["parents"]
        return column

    def _read_inputs(self) -> None:
        """The inputs and local derivatives columns, read together (every view that needs
        one needs the other): one pass over the nodes, a third less than two."""
        parents, locals_ = inputs_and_locals(self.nodes, self.row)
        self._cache.setdefault("parents", tuple(parents))
        self._cache.setdefault("locals", tuple(locals_))

    @property
    def consumers(self) -> tuple[list[int], ...]:
        """Each row's consumers: the rows that read it (once per input slot that does)."""
        column = self._cache.get("consumers")
        if column is None:
            column = tuple([] for _ in self.nodes)
            for k, ps in enumerate(self.parents):
                for p in ps:
                    column[p].append(k)
            self._cache["consumers"] = column
        return column

    def above(self, k: int) -> list[int]:
        """The rows that depend on row ``k`` (``k`` included), in row order: a walk up the
        consumers with an explicit stack."""
        consumers = self.consumers
        seen = {k}
        stack = [k]
        while stack:
            for c in consumers[stack.pop()]:
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return sorted(seen)

    def above_each(self, rows: Sequence[int]) -> list[list[int]]:
        """``above(k)`` for each row ``k`` of ``rows`` (a page's explained nodes), from one
        pass over the rows from the lowest of them up, each row taking the marks of its
        inputs (a bit per row asked about): no consumers to find first, which is a pass
        over every edge and about twice this one's cost.

        >>> from autograd import Value
        >>> x = Value(3.0); y = x * x; t = table(y + x)
        >>> t.above_each([0, 2]) == [t.above(0), t.above(2)]
        True
        """
        found: list[list[int]] = [[] for _ in rows]
        if not rows:
            return found
        mark = [0] * len(self.nodes)
        for i, k in enumerate(rows):
            mark[k] |= 1 << i
        parents = self.parents
        for r in range(min(rows), len(mark)):
            m = mark[r]
            for p in parents[r]:
                m |= mark[p]
            if m:
                mark[r] = m
                while m:  # each bit set: the rows asked about that r depends on
                    low = m & -m
                    found[low.bit_length() - 1].append(r)
                    m ^= low
        return found

    @property
    def rules(self) -> tuple[Op, ...]:
        """Each row's op row (``ops.LEAF`` for a leaf)."""
        column = self._cache.get("rules")
        if column is None:
            column = self._cache["rules"] = tuple(map(_rule, self.nodes))
        return column

    @property
    def locals(self) -> tuple[tuple[float, ...], ...]:
        """Each row's local derivatives, d node / d input per input."""
        column = self._cache.get("locals")
        if column is None:
            self._read_inputs()
            column = self._cache["locals"]
        return column

    @property
    def metas(self) -> tuple:
        """Each row's record of label, scope, role and site (a ``mode.Meta``, shared by the
        nodes made in one scope call; None for a node with none of them)."""
        column = self._cache.get("metas")
        if column is None:
            column = self._cache["metas"] = metas(self.nodes)
        return column

    def _meta_column(self, key: str, reader, empty) -> tuple:
        # Read from the few distinct records of label, scope and role, not from each node.
        column = self._cache.get(key)
        if column is None:
            metas = self.metas
            of = {meta: reader(meta) for meta in set(metas) if meta is not None}
            of[None] = empty
            column = self._cache[key] = tuple(map(of.__getitem__, metas))
        return column

    @property
    def labels(self) -> tuple[str, ...]:
        return self._meta_column("labels", _label, "")

    @property
    def scopes(self) -> tuple[tuple[str, ...], ...]:
        return self._meta_column("scopes", _scope, ())

    @property
    def roles(self) -> tuple[str, ...]:
        return self._meta_column("roles", _role, "")

    def _base(self, digits: int) -> tuple[list[str], Any, dict[str, list[int]]]:
        key = ("base", digits)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = base_names(self.rules, self.parents, self.labels, self.scopes,
                                                  self.roles, self.data, digits)
        return found

    def calls(self, digits: int = 4) -> Calls:
        """The calls of scopes each row was made in, which tell shared names apart (see
        ``autograd.names.Calls``); ``digits`` as for ``names``."""
        key = ("calls", digits)
        found = self._cache.get(key)
        if found is None:
            base, counts, rows = self._base(digits)
            found = self._cache[key] = Calls(base, counts, self.parents, self.scopes, self.labels, self.roles,
                                             self._edges(), rows)
        return found

    @property
    def n_edges(self) -> int:
        """How many edges the graph has: inputs, counted once per input slot."""
        found = self._cache.get("n_edges")
        if found is None:
            found = self._cache["n_edges"] = sum(map(len, self.parents))
        return found

    def edge_arrays(self, np: Any) -> tuple[Any, Any]:
        """Every edge as two numpy arrays (``np`` is numpy), in backward's order (the rows
        from the last down, each one's inputs in order): the row that reads, and the row
        it reads. Made when first asked for, for the views that go over every edge with
        numpy (``autograd.pieces``, the page's box steps); see ``EdgeArrays``."""
        return self._edges()(np)

    def edge_locals(self, np: Any) -> Any:
        """Every edge's local derivative (d row / d the row it reads) as a float64 array,
        in ``edge_arrays``' order; made when first asked for. A local derivative float64
        cannot hold raises numpy's own TypeError, ValueError or OverflowError."""
        found = self._cache.get("edge locals")
        if found is None:
            found = self._cache["edge locals"] = np.fromiter(
                chain.from_iterable(self.locals[::-1]), np.float64, count=self.n_edges)
        return found

    def _edges(self) -> EdgeArrays:
        found = self._cache.get("edge arrays")
        if found is None:
            found = self._cache["edge arrays"] = EdgeArrays(self.parents)
        return found

    def names(self, digits: int = 4) -> tuple[str, ...]:
        """Every row's name (see ``autograd.names``), constants written with ``digits``."""
        key = ("names", digits)
        column = self._cache.get(key)
        if column is None:
            base, counts, _ = self._base(digits)
            calls = self.calls(digits)
            column = self._cache[key] = tuple(name if counts[name] == 1 else calls.name(k)
                                              for k, name in enumerate(base))
        return column

    def name_of(self, k: int, digits: int = 4) -> str:
        """Row ``k``'s name, one of ``names(digits)``, without writing all of them."""
        column = self._cache.get(("names", digits))
        if column is not None:
            return column[k]
        return self.calls(digits).name(k)

    def name(self, node: Node, digits: int = 4) -> str:
        """The name of ``node``, one of the table's."""
        return self.name_of(self.row[node], digits)

    def is_leaf(self, k: int) -> bool:
        return not self.parents[k]


class EdgeArrays:
    """A table's edges as numpy arrays, made when first asked for (``GraphTable.edge_arrays``).
    Kept apart from the table, so that what reads them (the table's ``Calls``) holds no
    reference back to it: a table is freed by reference counting, the moment it is dropped.
    Rows are 32-bit: half the memory the passes over them read (a graph of 2**31 rows
    would not fit in memory as Values)."""

    __slots__ = ("parents", "arrays")

    def __init__(self, parents: Sequence[tuple[int, ...]]) -> None:
        self.parents = parents
        self.arrays: tuple[Any, Any] | None = None

    def __call__(self, np: Any) -> tuple[Any, Any]:
        if self.arrays is None:
            self.arrays = edge_arrays(np, self.parents)
        return self.arrays


def table(root: Node, *more: Node, inputs_in_order: bool = False) -> GraphTable:
    """The table of the graph below ``root`` (and below ``more`` roots, sharing rows).

    One walk with an explicit stack (no recursion: graphs can be millions deep). By
    default it is ``topological_order``'s (a node's inputs placed last one first, the order
    ``backward`` processes), so row numbers are drawings' node ids. With several roots or
    ``inputs_in_order`` (the first input placed first, which puts the nodes of a layer in
    the order the next layer lists them: the trace tape), a walk that numbers each node's
    inputs as it places the node.

    >>> from autograd import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> table(a * b).names(), table(a * b, inputs_in_order=True).names()
    (('b', 'a', 'a*b'), ('a', 'b', 'a*b'))
    """
    if not more and not inputs_in_order:
        # ``topological_order``'s walk, read straight from the nodes' slots; the inputs'
        # row numbers are found when first asked for.
        order = tuple(topological_order(root))
        return GraphTable(order, None, {node: k for k, node in enumerate(order)}, (len(order) - 1,))
    nodes: list = []
    parents: list[tuple[int, ...]] = []
    row: dict = {}  # node -> row; -1 while its inputs are being placed (the "seen" mark)
    roots = []
    for start in (root, *more):
        stack: list = [start]
        while stack:
            node = stack.pop()
            if node is None:  # the marker above an expanded node: its inputs have rows
                ps = stack.pop()
                node = stack.pop()
                row[node] = len(nodes)
                nodes.append(node)
                parents.append(tuple(map(row.__getitem__, ps)))
                continue
            while node not in row:
                ps = node.parents
                if not ps:  # a leaf
                    row[node] = len(nodes)
                    nodes.append(node)
                    parents.append(())
                    break
                row[node] = -1
                stack += (node, ps, None)
                if inputs_in_order:
                    stack += ps[:0:-1]
                    node = ps[0]
                else:
                    stack += ps[:-1]
                    node = ps[-1]
        roots.append(row[start])
    return GraphTable(tuple(nodes), tuple(parents), row, tuple(roots))


def depths(t: GraphTable) -> tuple[int, ...]:
    """Each row's depth: edges on the longest path from a leaf up to it. One pass: a
    row's inputs come before it.

    >>> from autograd import Value
    >>> x = Value(3.0); depths(table(x * x + x))
    (0, 1, 2)
    """
    depth: list[int] = []
    for ps in t.parents:
        if not ps:
            depth.append(0)
        elif len(ps) == 1:
            depth.append(depth[ps[0]] + 1)
        else:
            depth.append(max(map(depth.__getitem__, ps)) + 1)
    return tuple(depth)


def path_counts(t: GraphTable, root: int | None = None) -> list[int]:
    """How many paths lead from row ``root`` (the table's root) down to each row (``a*a``
    reaches ``a`` twice): one pass from the root down, each row adding its count to each
    of its inputs.

    >>> from autograd import Value
    >>> x = Value(3.0); path_counts(table(x * x + x))
    [3, 1, 1]
    """
    top = t.roots[0] if root is None else root
    count = [0] * len(t)
    count[top] = 1
    parents = t.parents
    for k in range(top, -1, -1):
        c = count[k]
        if c:
            for p in parents[k]:
                count[p] += c
    return count


def row_gradients(t: GraphTable, root: int | None = None) -> list[float]:
    """d root / d row for every row, from 0: the chain-rule loop of ``backward``, in the
    same order (so the same sums, digit for digit), on the table's local derivatives;
    the nodes' ``.grad`` are not touched.

    >>> from autograd import Value
    >>> x = Value(3.0); row_gradients(table(x * x + x))
    [7.0, 1.0, 1.0]
    """
    top = t.roots[0] if root is None else root
    grad = [0.0] * len(t)
    grad[top] = 1.0
    rows = zip(range(top, -1, -1), reversed(t.parents[:top + 1]), reversed(t.locals[:top + 1]))
    for k, ins, ds in rows:  # zipped, not indexed: this loop is most of a big page's chain rule
        g = grad[k]
        for p, d in zip(ins, ds):
            grad[p] += g * d
    return grad


__all__ = ["table", "GraphTable", "Row", "depths", "path_counts", "row_gradients"]
