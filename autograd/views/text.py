"""The graph as indented text, for terminals without graphviz; and compact numbers.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.label = "y"
>>> y.backward()
>>> print(y.tree())
y: tanh  data=0.9993  grad=1
└── *  data=4  grad=0.001341
    ├── x  data=2  grad=0.005364  [#1]
    └── x  [#1, shown above]

Each node is printed once; a node used again (here ``x``, both factors of ``x*x``) is
referenced by its number instead of repeating its whole subgraph.
"""

from __future__ import annotations

import math

from ..graph import (
    Node as Value,  # any node: the views need no arithmetic
    topological_order,
)
from ..ops import OPS


def number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits, as short as possible.

    >>> number(0.7071067811865476), number(-1.4999999999999996), number(1.5e-7), number(-0.0)
    ('0.7071', '-1.5', '1.5e-7', '0')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"  # no "-0": the sign of zero only distracts in a picture
    text = f"{x:.{digits}g}"
    # 1e-05 -> 1e-5 and 1e+20 -> 1e20: the padding is noise in a small drawing.
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent[0] == "-" else ""
        text = f"{mantissa}e{sign}{exponent[1:].lstrip('0') or '0'}"
    return text


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number, as views decide when a name needs brackets.

    >>> is_number("-1.5e-3"), is_number("x1")
    (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_digits(digits: int, where: str) -> int:
    """``digits`` if it is a sensible number of significant digits, else a clear error."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"{where}: digits must be an int from 1 to 17, got {digits!r}")
    return digits


def op_text(node: Value) -> str:
    """How text views show a node's op: its symbol ('*', 'tanh'), or its name."""
    op = OPS.get(node.op)
    return op.symbol if op is not None and op.symbol else node.op


FOLD_DEPTH = 40  # deeper levels are not indented further: their depth is written instead


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
    └── leaf  data=1  grad=0
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


def _shared(root: Value) -> set[Value]:
    """The nodes that are an input more than once (they get a reference number)."""
    seen: set[Value] = set()
    shared: set[Value] = set()
    for node in topological_order(root):
        for parent in node.parents:
            if parent in seen:
                shared.add(parent)
            seen.add(parent)
    return shared


def _head(node: Value) -> str:
    """The node's name and op: ``n: +``, ``tanh``, ``x``, ``leaf``."""
    name = node.label
    if node.op:
        return f"{name}: {op_text(node)}" if name else op_text(node)
    return name or "leaf"


def _tree_lines(root: Value, digits: int, max_lines: int | None) -> tuple[list[str], int]:
    """The tree's lines (at most ``max_lines``) and how many more there would be.

    A pre-order walk with an explicit stack (graphs can be far deeper than Python's
    recursion limit). Each entry is (node, its depth, the guides drawn left of its
    children, the branch drawn before it).
    """
    shared = _shared(root)
    numbers: dict[Value, int] = {}  # shared node -> its reference number
    lines: list[str] = []
    hidden = 0
    stack: list[tuple[Value, int, str, str]] = [(root, 0, "", "")]
    while stack:
        node, depth, indent, branch = stack.pop()
        if max_lines is not None and len(lines) >= max_lines:
            hidden += 1  # keep walking only to count what is left out
            if node not in numbers:
                if node in shared:
                    numbers[node] = len(numbers) + 1
                stack.extend((parent, 0, "", "") for parent in node.parents)
            continue
        if node in numbers:
            lines.append(f"{branch}{_head(node)}  [#{numbers[node]}, shown above]")
            continue
        line = f"{branch}{_head(node)}  data={number(node.data, digits)}  grad={number(node.grad, digits)}"
        if node in shared:
            numbers[node] = len(numbers) + 1
            line += f"  [#{numbers[node]}]"
        lines.append(line)
        stack.extend(_children(node.parents, depth + 1, indent))
    return lines, hidden


def _children(parents: tuple[Value, ...], depth: int, indent: str) -> list[tuple[Value, int, str, str]]:
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


__all__ = ["tree", "number", "FOLD_DEPTH"]
