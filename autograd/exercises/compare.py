"""Where a learner's answer first goes wrong: two graphs compared node by node.

The data are compared in topological order (the order the forward pass makes them), then
the gradients in reverse topological order (the order ``backward`` fills them in), then
the case's other numbers: the first difference is where the mistake shows first, and
what comes after it is usually its consequence. Nodes are paired by position when the
two graphs have the same shape (the same ops, the same inputs), else by label.

>>> from autograd import Value
>>> from autograd.exercises import Case
>>> def neuron(local):
...     x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
...     n = x * w + b; n.label = "n"
...     o = n.tanh(); o.label = "o"; o.backward()
...     n.grad = local(o.data)  # a learner's tanh rule, in place of the engine's
...     return Case("the neuron", o)
>>> d = first_difference(neuron(lambda o: 1 - o * o), neuron(lambda o: 1 - o), "graph")
>>> d.node, d.what, round(d.expected, 4), round(d.given, 4)
('n', 'grad', 0.5, 0.2929)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..graph import Node, topological_order
from ..table import table
from ..views.draw import op_label
from ..views.text import number
from .format import Case

REL, ABS = 1e-6, 1e-9  # a hand-computed answer written to 7 digits is right


@dataclass(frozen=True)
class Difference:
    """The first place a given case differs from the expected one.

    ``what`` is ``"data"``, ``"grad"``, ``"number"`` (a named number of the case),
    ``"missing"`` (no node with the reference's label) or ``"raised"`` (the learner's code
    raised; ``note`` says what). ``row`` is the node's position in the reference graph's
    topological order (``None`` for a number)."""

    case: str
    node: str
    what: str
    expected: float | None = None
    given: float | None = None
    row: int | None = None
    note: str = ""


def close(expected: float, given: float) -> bool:
    if math.isnan(expected) or math.isnan(given):
        return math.isnan(expected) and math.isnan(given)
    return math.isclose(expected, given, rel_tol=REL, abs_tol=ABS)


def node_names(order: list[Node]) -> list[str]:
    """The name of each node of ``order`` (topological order, root last), by the graph
    table's one namer, the name every view gives the node."""
    t = table(order[-1])
    by_node = dict(zip(t.nodes, t.names()))
    return [by_node[n] for n in order]


def _shape(order: list[Node]) -> list[tuple[str, tuple[int, ...]]]:
    index = {n: k for k, n in enumerate(order)}
    return [(n.op, tuple(index[p] for p in n.parents)) for n in order]


def _pairs(expected: list[Node], given: list[Node], compare) -> list[tuple[int, Node | None]]:
    """(row of the expected node, the given node or None) for each node to compare."""
    if compare == "graph" and len(expected) == len(given) and _shape(expected) == _shape(given):
        return list(enumerate(given))
    labels = compare if compare != "graph" else tuple(n.label for n in expected if n.label)
    by_label: dict[str, Node] = {}
    for n in given:
        if n.label:
            by_label.setdefault(n.label, n)
    rows = {n.label: k for k, n in enumerate(expected) if n.label}
    unknown = [label for label in labels if label not in rows]
    if unknown:
        raise ValueError(f"compare: the reference graph has no node labelled {unknown[0]!r}")
    return sorted(((rows[label], by_label.get(label)) for label in labels), key=lambda pair: pair[0])


def first_difference(expected: Case, given: Case, compare: str | tuple[str, ...] = "graph") -> Difference | None:
    """The first difference of ``given`` from ``expected`` (see the module docstring), or None."""
    if expected.root is not None:
        order = topological_order(expected.root)
        pairs = _pairs(order, topological_order(given.root), compare) if given.root is not None else []
        names = node_names(order)
        if given.root is None:
            return Difference(expected.title, names[-1], "missing", row=len(order) - 1,
                              note="the case gave no graph")
        present = [(row, node) for row, node in pairs if node is not None]
        # A constant (an unlabelled leaf, the 3 of x*3) is not something to get right: its data is
        # compared, its gradient is not.
        graded = [(row, node) for row, node in present if order[row].parents or order[row].label]
        for what, ordered in (("data", present), ("grad", graded[::-1])):
            for row, node in ordered:
                want, got = getattr(order[row], what), getattr(node, what)
                if not close(want, got):
                    return Difference(expected.title, names[row], what, want, got, row)
        for row, missing in pairs:  # the numbers agree where both have the node: one is missing
            if missing is None:
                return Difference(expected.title, names[row], "missing", row=row,
                                  note=f"your {names[-1]} does not depend on it")
    for name, want in expected.numbers.items():
        got = given.numbers.get(name, math.nan)
        if not close(want, got):
            return Difference(expected.title, name, "number", want, got)
    return None


def marked_tree(root: Node, row: int, note: str, *, max_lines: int = 40) -> str:
    """``root``'s graph as indented text with the node at ``row`` (topological order)
    marked by ``note``; a graph too large for ``max_lines`` shows one path from the root
    down to the node. Written with an explicit stack: no recursion, whatever the depth."""
    order = topological_order(root)
    names = node_names(order)
    index = {n: k for k, n in enumerate(order)}
    target = order[row]

    def head(k: int) -> str:
        n = order[k]
        op = f": {op_label(n)}" if n.parents and names[k] != n.op else ""
        text = f"{names[k]}{op}  data={number(n.data)}  grad={number(n.grad)}"
        return text + (f"   ◀── {note}" if k == row else "")

    if len(order) <= max_lines:
        lines: list[str] = []
        seen: set[int] = set()
        stack: list[tuple[int, str, str]] = [(len(order) - 1, "", "")]
        while stack:
            k, lead, indent = stack.pop()
            if k in seen and order[k].parents:
                lines.append(f"{lead}{names[k]} (above)")
                continue
            seen.add(k)
            lines.append(lead + head(k))
            parents = order[k].parents
            for j in reversed(range(len(parents))):
                last = j == len(parents) - 1
                stack.append((index[parents[j]], indent + ("└── " if last else "├── "),
                              indent + ("    " if last else "│   ")))
        return "\n".join(lines)
    # One path from the root down to the target (the first found), found walking back up.
    below: dict[Node, Node] = {}
    todo = [root]
    while todo and target not in below and target is not root:
        n = todo.pop()
        for p in n.parents:
            if p not in below:
                below[p] = n
                todo.append(p)
    path = [target]
    while path[-1] is not root:
        path.append(below[path[-1]])
    path.reverse()
    shown = [("    " * min(i, 8)) + ("└── " if i else "") + head(index[n]) for i, n in enumerate(path)]
    if len(shown) > max_lines:
        keep = max_lines // 2
        shown = shown[:keep] + [f"    ... {len(shown) - 2 * keep:,} more on the path ..."] + shown[-keep:]
    return f"(one path of {len(order):,} nodes)\n" + "\n".join(shown)


def describe(d: Difference) -> str:
    """The difference in one sentence: the node, what, the numbers."""
    if d.what == "raised":
        return f"in {d.case}, on the way to {d.node}: {d.note}"
    if d.what == "missing":
        return f"in {d.case}: your graph has no node {d.node}" + (f" ({d.note})" if d.note else "")
    noun = {"data": "the value of", "grad": "the gradient of", "number": ""}[d.what]
    return (f"in {d.case}: {noun + ' ' if noun else ''}{d.node} should be {d.expected:.10g}, "
            f"yours is {d.given:.10g}")


__all__ = ["Difference", "first_difference", "marked_tree", "describe", "close", "node_names"]
