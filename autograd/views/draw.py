"""Drawing the graph with graphviz: ``draw`` (a ``graphviz.Digraph``) and ``render`` (a file).

>>> from autograd import Value, draw
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> y = (x * w).tanh(); y.label = "y"; y.backward()
>>> g = draw(y, edge_labels=True)       # in Jupyter, a cell ending in g shows the picture
>>> print(next(line.strip() for line in g.source.splitlines() if "{ x |" in line))
n1 [label="{ x | data 2 | grad -7.373e-5 }" fillcolor="#cfe8ff" shape=record style=filled]

Each Value is a record ``{label | data | grad}`` and each op a small node of its own
between its inputs and its result, as in micrograd's drawings. Node ids are positions in
``topological_order`` (``n0``, ``n1``...), never ``id()``, so drawing the same expression
twice gives the same DOT source: drawings can be diffed and tested.

With ``edge_labels=True`` the edge from an input into an op carries the local derivative
d result / d input. A gradient is then visible as the chain rule itself: ``x.grad`` is the
sum, over the paths from the output back to ``x``, of the product of the numbers on the
path (``autograd.explain`` writes that sum out).

Scopes. Nodes made inside ``with autograd.scope("layer1"):`` are drawn inside a cluster
named ``layer1`` (scopes nest; nn modules open scopes for themselves). ``collapse=d``
folds every node whose scope has at least ``d`` names into one box per distinct first-``d``
names: ``collapse=1`` draws each top-level scope as one box, ``collapse=2`` each scope one
level in, and so on. nn's scopes are ("mlp", "layer0", "neuron3"), so for an ``nn.MLP``
1 folds the whole model, 2 each layer, 3 each neuron. A box keeps its connections:
edges come in from the Values it reads, and the Values it hands on (used outside the box,
or the output) are drawn after it as ordinary records. Nodes with shorter scopes are
drawn as usual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..graph import topological_order
from .text import check_digits, number, op_text
from ..value import Value

if TYPE_CHECKING:  # graphviz is imported when a drawing is made: `import autograd` stays fast
    import graphviz

DEFAULT_MAX_NODES = 500  # Values per picture: beyond this a layout is slow and unreadable

# Fill colours by role (a colour-blind-safe light palette; red is kept for trouble).
COLOURS = {
    "input": "#cfe8ff",  # leaves that are not parameters: inputs and constants
    "param": "#ffe08a",  # parameters (nn sets v.role = "param")
    "output": "#b9ecb9",  # the Value that was drawn
    "nonfinite": "#ff6b6b",  # data or grad is NaN or inf
    "scope": "#e4dcf4",  # a collapsed scope
    "other": "#ffffff",
}
LEGEND = (
    ("input", "input (leaf)"),
    ("param", "parameter"),
    ("output", "output"),
    ("scope", "collapsed scope"),
    ("nonfinite", "NaN / inf"),
)
FIELDS = ("label", "data", "grad")
FORMATS = ("svg", "png", "pdf", "dot")


class GraphTooLargeError(ValueError):
    """The drawing would have more than ``max_nodes`` Values; the message says what to do."""


class DotNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed; the message says how to install it."""


# ---------------------------------------------------------------------------------------
# Text that graphviz would otherwise interpret.


def _escape(text: str) -> str:
    """Text for a quoted DOT string: backslashes and quotes escaped, one line."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")


def _escape_record(text: str) -> str:
    """Text for one field of a record label: also ``{ } | < >`` and spaces at the ends."""
    out = _escape(text)
    for ch in "{}|<>":
        out = out.replace(ch, "\\" + ch)
    return out


def _graphviz(where: str):
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"{where}: needs the graphviz Python package (a dependency of "
                          "chainrule): pip install graphviz") from None
    return graphviz


def _role(node: Value, root: Value) -> str:
    # Trouble first: a NaN/inf node is red whatever else it is.
    if not (_finite(node.data) and _finite(node.grad)):
        return "nonfinite"
    if node is root:
        return "output"
    if node.role == "param":
        return "param"
    if not node._edges:
        return "input"
    return "other"


def _finite(x: float) -> bool:
    return x - x == 0.0  # False for NaN and ±inf; faster than math.isfinite per node


# ---------------------------------------------------------------------------------------


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show: Iterable[str] = FIELDS,
    edge_labels: bool = False,
    collapse: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph below ``root`` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    - ``show``: which fields of each Value to draw, from ("label", "data", "grad").
    - ``edge_labels``: write d result / d input on each edge into an op.
    - ``collapse``: fold scopes at this depth into boxes (see the module docstring).
    - ``max_nodes``: refuse (``GraphTooLargeError``) to draw more Values than this.
    - ``digits``: significant digits of the numbers.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); b = a * a
    >>> g = draw(b, edge_labels=True)
    >>> [line.strip() for line in g.source.splitlines() if "->" in line]
    ['n0 -> n1_op [label=2]', 'n0 -> n1_op [label=2]', 'n1_op -> n1']
    >>> g.render("b", format="svg")  # doctest: +SKIP
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected a Value to draw, got {type(root).__name__} {root!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    show = (show,) if isinstance(show, str) else tuple(show)
    unknown = [f for f in show if f not in FIELDS]
    if unknown:
        raise ValueError(f"draw: show may contain 'label', 'data' and 'grad', got {unknown[0]!r}")
    check_digits(digits, "draw")
    if collapse is not None and (isinstance(collapse, bool) or not isinstance(collapse, int) or collapse < 1):
        raise ValueError(f"draw: collapse must be None or a scope depth >= 1 (1 folds each top-level scope), got {collapse!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")

    graphviz = _graphviz("draw")
    nohtml = graphviz.nohtml

    order = topological_order(root)
    index = {node: k for k, node in enumerate(order)}

    group, boxes, exported, box_inputs = _fold(order, index, root, collapse)
    n_drawn = len(order) - len(group) + sum(len(v) for v in exported.values()) + len(boxes)
    if n_drawn > max_nodes:
        raise GraphTooLargeError(_too_large_message(order, n_drawn, max_nodes, collapse))

    # -- nodes, each in the cluster of its scope -----------------------------------------
    graph = graphviz.Digraph("chainrule", graph_attr={"rankdir": rankdir},
                             node_attr={"fontname": "Helvetica", "fontsize": "11"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    clusters: dict[tuple, graphviz.Digraph] = {}
    roles_used: set[str] = set()
    braces = rankdir in ("LR", "RL")  # braces turn record fields side by side

    def holder(path: tuple) -> graphviz.Digraph:
        """The (sub)graph that holds nodes of scope ``path``; creates clusters on demand."""
        if not path:
            return graph
        if path not in clusters:
            for i in range(1, len(path) + 1):  # every enclosing scope gets its cluster too
                prefix = path[:i]
                if prefix not in clusters:
                    clusters[prefix] = graphviz.Digraph(
                        f"cluster_{len(clusters)}",
                        graph_attr={"label": _escape(prefix[-1]), "labeljust": "l",
                                    "style": "rounded", "color": "#9a9a9a",
                                    "fontname": "Helvetica", "fontsize": "10"})
        return clusters[path]

    def value_node(sub: graphviz.Digraph, node: Value) -> None:
        fields = []
        if "label" in show and node.label:
            fields.append(_escape_record(node.label))
        if "data" in show:
            fields.append(f"data {number(node.data, digits)}")
        if "grad" in show:
            fields.append(f"grad {number(node.grad, digits)}")
        body = " | ".join(fields) or " "
        role = _role(node, root)
        roles_used.add(role)
        sub.node(f"n{index[node]}", nohtml("{ " + body + " }" if braces else body),
                 shape="record", style="filled", fillcolor=COLOURS[role])

    for k, node in enumerate(order):
        if node in group:
            continue
        sub = holder(node.scope)
        value_node(sub, node)
        if node._edges:
            sub.node(f"n{k}_op", nohtml(_escape(op_text(node))), shape="ellipse",
                     height="0.3", margin="0.04,0.02", fontsize="10")
    box_ids = {path: f"s{j}" for j, path in enumerate(boxes)}
    for path, members in boxes.items():
        sub = holder(path[:-1])  # the enclosing scopes' clusters name the rest of the path
        bad = any(not (_finite(m.data) and _finite(m.grad)) for m in members)
        params = sum(1 for m in members if m.role == "param")
        text = f"{_escape(path[-1])}\\n{len(members)} Values" + (f", {params} params" if params else "")
        if bad:
            text += "\\nNaN/inf inside"
        roles_used.add("nonfinite" if bad else "scope")
        sub.node(box_ids[path], nohtml(text), shape="box3d", style="filled",
                 fillcolor=COLOURS["nonfinite" if bad else "scope"])
        for node in exported[path]:
            value_node(sub, node)

    # Clusters inside out: a cluster is complete (its inner clusters added) before it is
    # added to the one around it, because graphviz copies a subgraph when it is added.
    for path in sorted(clusters, key=len, reverse=True):
        outer = clusters[path[:-1]] if len(path) > 1 else graph
        outer.subgraph(clusters[path])

    # -- edges ---------------------------------------------------------------------------
    for k, node in enumerate(order):
        if node in group or not node._edges:
            continue
        for parent, local in zip(node.parents, node.local_grads):
            if edge_labels:
                graph.edge(f"n{index[parent]}", f"n{k}_op", label=number(local, digits))
            else:
                graph.edge(f"n{index[parent]}", f"n{k}_op")
        graph.edge(f"n{k}_op", f"n{k}")
    for path, box in box_ids.items():
        for parent in box_inputs[path]:
            graph.edge(f"n{index[parent]}", box)
        for node in exported[path]:
            graph.edge(box, f"n{index[node]}")

    if legend:
        rows = "".join(f'<tr><td bgcolor="{COLOURS[role]}">{text}</td></tr>'
                       for role, text in LEGEND if role in roles_used)
        graph.node("legend", f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">{rows}</table>>',
                   shape="plaintext", fontsize="9")
    return graph


def _fold(order: list[Value], index: dict[Value, int], root: Value, depth: int | None):
    """Which nodes fold into which box for ``collapse=depth``, and each box's connections.

    Returns (node -> box path, box path -> members, box path -> the Values it hands on,
    box path -> the Values it reads), every list in graph order.
    """
    group: dict[Value, tuple] = {}
    boxes: dict[tuple, list[Value]] = {}
    if depth is not None:
        for node in order:
            s = node.scope
            if len(s) >= depth:
                path = s[:depth]
                group[node] = path
                boxes.setdefault(path, []).append(node)
    exported: dict[tuple, list[Value]] = {path: [] for path in boxes}
    box_inputs: dict[tuple, list[Value]] = {path: [] for path in boxes}
    if not group:
        return group, boxes, exported, box_inputs
    seen_export: set[Value] = set()
    seen_input: set[tuple[tuple, Value]] = set()
    for node in order:
        g = group.get(node)
        for parent in node.parents:
            pg = group.get(parent)
            if pg == g:
                continue  # an edge inside a box (or between unfolded nodes)
            if pg is not None and parent not in seen_export:
                seen_export.add(parent)
                exported[pg].append(parent)
            if g is not None and (g, parent) not in seen_input:
                seen_input.add((g, parent))
                box_inputs[g].append(parent)
    if root in group and root not in seen_export:
        exported[group[root]].append(root)  # the output is handed on too
    for path in exported:  # drawn in graph order, whatever order they were found in
        exported[path].sort(key=index.__getitem__)
    return group, boxes, exported, box_inputs


def _too_large_message(order: list[Value], n: int, max_nodes: int, collapse: int | None) -> str:
    head = f"draw: the drawing would have {n:,} Values, more than max_nodes={max_nodes}"
    if collapse is not None:
        return (f"{head} even with collapse={collapse}; pass a smaller collapse (collapse=1 "
                f"folds the most), or max_nodes={n} to draw it anyway (slow to lay out)")
    scopes: list[str] = []
    for node in order:
        s = node.scope
        if s and s[0] not in scopes:
            scopes.append(s[0])
    if scopes:
        shown = ", ".join(repr(s) for s in scopes[:3]) + (", ..." if len(scopes) > 3 else "")
        advice = f"pass collapse=1 to draw each top-level scope ({shown}) as one box"
    else:
        advice = ('build its parts inside `with autograd.scope("name"):` (nn modules do this '
                  "for themselves) and pass collapse=1 to draw each scope as one box")
    return f"{head}; {advice}, or pass max_nodes={n} to draw it all anyway (slow to lay out)"


# ---------------------------------------------------------------------------------------


INSTALL_ADVICE = ("install graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
                  "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`")


def render(root: Value, path: str | os.PathLike, **draw_options) -> Path:
    """Draw ``root`` (options as for ``draw``) into ``path``; the format is its extension.

    .svg, .png and .pdf are made by graphviz's ``dot`` program; .dot (or .gv) is the DOT
    source, which needs nothing. If ``dot`` is missing, the .dot file is written next to
    ``path`` anyway and ``DotNotFoundError`` says how to install graphviz.

    >>> from autograd import Value
    >>> y = Value(2.0, label="x").tanh()
    >>> render(y, "y.svg", edge_labels=True)  # doctest: +SKIP
    PosixPath('y.svg')
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    fmt = "dot" if fmt == "gv" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"render: cannot tell the picture format from the file name {str(path)!r}; "
                         "end it in .svg, .png, .pdf or .dot")
    graphviz = _graphviz("render")
    graph = draw(root, **draw_options)
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    try:
        picture = graph.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(graph.source, encoding="utf-8")
        raise DotNotFoundError(
            f"render: graphviz's `dot` program is not on PATH, so {str(path)!r} was not made; "
            f"the graph was saved as {str(dot_path)!r}. To fix, {INSTALL_ADVICE}; then run "
            f"`dot -T{fmt} {dot_path} -o {path}` or render again") from None
    except graphviz.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"render: graphviz's dot failed to make {str(path)!r}: "
                           f"{detail[-1] if detail else f'exit status {error.returncode}'}") from None
    path.write_bytes(picture)
    return path


__all__ = ["draw", "render", "DotNotFoundError", "GraphTooLargeError", "COLOURS"]
