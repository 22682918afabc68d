"""The graph as indented text, for terminals without graphviz; and compact numbers.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.label = "y"
>>> y.backward()
>>> print(y.tree())
y: tanh  data=0.9993  grad=1
└── x*x: *  data=4  grad=0.001341
    ├── x  data=2  grad=0.005364  [#1]
    └── x  [#1, shown above]

Each node is called by its one name (``autograd.names``), as every view calls it, and
printed once; a node used again (here ``x``, both factors of ``x*x``) is
referenced by its number instead of repeating its whole subgraph.
"""

from __future__ import annotations

from ..collector import pauses_collector
from ..graph import Node as Value  # any node: the views need no arithmetic
from ..names import is_number, number, op_symbol
from ..table import GraphTable, table


def check_digits(digits: int, where: str) -> int:
    """``digits`` if it is a sensible number of significant digits, else a clear error."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"{where}: digits must be an int from 1 to 17, got {digits!r}")
    return digits


FOLD_DEPTH = 40  # deeper levels are not indented further: their depth is written instead


@pauses_collector  # see autograd.collector: the passes make many short-lived containers
def tree(root: Value, *, digits: int = 4, max_lines: int | None = 500) -> str:
    """An indented text view of the graph below ``root``: op, data and grad of each node.

    The root comes first; under each node are its inputs, in order. A node that is used
    more than once gets a number ``[#k]`` the first time it is shown, and later
    appearances refer to it, so shared subgraphs are printed once. At most ``max_lines``
    lines (None: all), then a line saying how many were left out.

    Past ``FOLD_DEPTH`` levels the indentation stops growing and each line says its depth,
    ``[depth 41] └── ...``, so the text grows with the number of nodes, never with the
    square of the graph's depth.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a"); b = a + 1; b.label = "b"
    >>> print(tree(b))
    b: +  data=4  grad=0
    ├── a  data=3  grad=0
    └── 1  data=1  grad=0
    """
    if not isinstance(root, Value):
        raise TypeError(f"tree: expected the Value at the top of a graph, got {type(root).__name__}")
    check_digits(digits, "tree")
    if max_lines is not None and (isinstance(max_lines, bool) or not isinstance(max_lines, int) or max_lines < 1):
        raise ValueError(f"tree: max_lines must be a positive int or None, got {max_lines!r}")
    lines, hidden = _tree_lines(root, digits, max_lines)
    if hidden:
        lines.append(f"… {hidden} more line{'s' if hidden != 1 else ''} not shown "
                     f"(tree(root, max_lines=None) shows all)")
    return "\n".join(lines)


def _shared(t: GraphTable) -> set[int]:
    """The rows that are an input more than once (they get a reference number)."""
    seen: set[int] = set()
    shared: set[int] = set()
    for ps in t.parents:
        for p in ps:
            if p in seen:
                shared.add(p)
            seen.add(p)
    return shared


def _head(t: GraphTable, k: int, names) -> str:
    """The node's name and op: ``y: tanh``, ``x*x: *``; a leaf's name alone: ``x``, ``1``."""
    if t.parents[k]:
        return f"{names[k]}: {op_symbol(t.rules[k])}"
    return names[k]


def _tree_lines(root: Value, digits: int, max_lines: int | None) -> tuple[list[str], int]:
    """The tree's lines (at most ``max_lines``) and how many more there would be.

    A pre-order walk with an explicit stack (graphs can be far deeper than Python's
    recursion limit). Each entry is (node, its depth, the guides drawn left of its
    children, the branch drawn before it).
    """
    t = table(root)
    names = t.names(digits)
    shared = _shared(t)
    parents = t.parents
    numbers: dict[int, int] = {}  # shared row -> its reference number
    lines: list[str] = []
    hidden = 0
    stack: list[tuple[int, int, str, str]] = [(t.roots[0], 0, "", "")]
    while stack:
        k, depth, indent, branch = stack.pop()
        if max_lines is not None and len(lines) >= max_lines:
            hidden += 1  # keep walking only to count what is left out
            if k not in numbers:
                if k in shared:
                    numbers[k] = len(numbers) + 1
                stack.extend((p, 0, "", "") for p in parents[k])
            continue
        if k in numbers:
            lines.append(f"{branch}{_head(t, k, names)}  [#{numbers[k]}, shown above]")
            continue
        line = f"{branch}{_head(t, k, names)}  data={number(t.data[k], digits)}  grad={number(t.grad[k], digits)}"
        if k in shared:
            numbers[k] = len(numbers) + 1
            line += f"  [#{numbers[k]}]"
        lines.append(line)
        stack.extend(_children(parents[k], depth + 1, indent))
    return lines, hidden


def _children(parents: tuple[int, ...], depth: int, indent: str) -> list[tuple[int, int, str, str]]:
    """Stack entries for ``parents`` at ``depth``, last first so the first is shown first."""
    folded = depth > FOLD_DEPTH
    marker = f"[depth {depth}] " if folded else ""
    entries = []
    last = len(parents) - 1
    for i in range(last, -1, -1):
        guide = "    " if i == last else "│   "
        connector = "└── " if i == last else "├── "
        entries.append((parents[i], depth, indent if folded else indent + guide, indent + marker + connector))
    return entries


__all__ = ["tree", "number", "is_number", "FOLD_DEPTH"]
