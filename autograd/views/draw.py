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
drawn as usual. If that is still more than ``max_nodes`` Values (a model's step, with
thousands of parameters feeding its boxes), it is thinned: an unlabelled Value that a box
hands only to other boxes becomes part of one edge per pair of boxes ("27 Values"), and
the unlabelled leaves outside the boxes that only boxes read are drawn as one node per
kind ("3,744 parameters") with an edge to each box that reads them (a parameter labelled
with a dotted path, as nn labels a model's, is bundled too).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import files
from ..collector import pauses_collector
from ..graph import Node
from ..names import number, op_symbol
from ..table import GraphTable, table as graph_table
from ..value import Value
from .text import check_digits

if TYPE_CHECKING:  # graphviz is imported when a drawing is made: `import autograd` stays fast
    import graphviz

DEFAULT_MAX_NODES = 500  # Values per picture: beyond this a layout is slow and unreadable

# Fill colours by role (a colour-blind-safe light palette; red is kept for trouble).
COLOURS = {
    "input": "#cfe8ff",  # leaves that are not parameters or constants: inputs
    "param": "#ffe08a",  # parameters (nn sets v.role = "param")
    "output": "#b9ecb9",  # the Value that was drawn
    "nonfinite": "#ff6b6b",  # data or grad is NaN or inf
    "scope": "#e4dcf4",  # a collapsed scope
    "other": "#ffffff",
    "constant": "#ffffff",  # numbers written into the expression: no fill, no gradient
    "constant_line": "#8a8a8a",
}
LEGEND = (
    ("input", "input (leaf)"),
    ("constant", "constant"),
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


# Control characters have no glyph and break dot (a NUL ends its input; others make SVG
# that is not XML): each is drawn as its Unicode control picture (NUL as ␀, ESC as ␛);
# line breaks and tabs become spaces, and a lone surrogate (not UTF-8) the replacement mark.
_PRINTABLE: dict[int, int | str] = {c: 0x2400 + c for c in range(0x20)}
_PRINTABLE[0x7F] = 0x2421
_PRINTABLE.update({c: 0xFFFD for c in range(0x80, 0xA0)} | {c: 0xFFFD for c in range(0xD800, 0xE000)})
_PRINTABLE.update({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})


def _escape(text: str) -> str:
    r"""Text for a quoted DOT string: backslashes and quotes escaped, one line.

    Every string from a user or from data (labels, scope names, op names) is passed to
    graphviz through ``_escape`` and then ``nohtml``: graphviz's Python package writes a
    string shaped like ``<...>`` unquoted, as an HTML-like label, so a scope named
    ``<a> URL=<javascript:...>`` would otherwise become attributes and markup.

    >>> print(_escape('say "hi" \\ bye\x00'))
    say \"hi\" \\ bye␀
    """
    return str(text).translate(_PRINTABLE).replace("\\", "\\\\").replace('"', '\\"')


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


def _is_constant(node: Value, root: Value) -> bool:
    """A number that entered the expression as it is (the 2 in ``x**2``, the 0.5 of a
    squared error): a leaf with neither a label nor a role. Inputs and parameters carry
    one (nn labels the inputs it converts, x0, x1...; parameters have role 'param'), so
    give a leaf a label to see its gradient."""
    return node is not root and not node.parents and not node.label and not node.role


def _role(node: Value, root: Value, grad: float) -> str:
    # Trouble first: a NaN/inf node is red whatever else it is.
    if not (_finite(node.data) and _finite(grad)):
        return "nonfinite"
    if node is root:
        return "output"
    if node.role == "param":
        return "param"
    if not node.parents:
        return "constant" if _is_constant(node, root) else "input"
    return "other"


def _finite(x: float) -> bool:
    return x - x == 0.0  # False for NaN and ±inf; faster than math.isfinite per node


def op_label(node: Node) -> str:
    """How a drawing names a node's op: its symbol ('*', 'tanh'), or, where the symbol is
    one glyph that reads as punctuation at drawing size (dot's '·'), the op's name."""
    return op_symbol(node.rule)


# Two-input ops whose inputs play different parts (a − b, a / b, a ** b): the drawing
# names them, the op node "a − b" and each edge in by its letter, so the picture says
# which input is which.
COMMUTATIVE = frozenset({"add", "mul"})


def operands(node: Value) -> tuple[str, ...]:
    """The letters a drawing gives the inputs of ``node``'s op: ('a', 'b') for a
    two-input op whose inputs play different parts, () otherwise.

    >>> from autograd import Value
    >>> a, b = Value(1.0), Value(2.0)
    >>> operands(a - b), operands(a * b), operands(a.tanh())
    (('a', 'b'), (), ())
    """
    if len(node.parents) == 2 and node.op not in COMMUTATIVE and not node.rule.nary:
        return ("a", "b")
    return ()


# ---------------------------------------------------------------------------------------
# What a drawing is made of.


@dataclass
class Picture:
    """A drawing and what stands where in it: ``graph`` is the ``graphviz.Digraph`` that
    ``draw`` returns; the maps give each Value's DOT node ids, so a page can find it in
    the SVG (each node's ``<title>`` is its id).

    - ``records``: Value -> id of its record (``n3``), for every Value drawn;
    - ``ops``: Value -> id of its op node (``n3_op``), for every op drawn;
    - ``boxes``: id of a collapsed scope box (``s0``) -> its scope path;
    - ``folded``: Value folded into a box -> that box's id;
    - ``order``: the graph in topological order (record ids are positions in it).
    """

    graph: graphviz.Digraph
    order: list[Value]
    records: dict[Value, str] = field(default_factory=dict)
    ops: dict[Value, str] = field(default_factory=dict)
    boxes: dict[str, tuple] = field(default_factory=dict)
    folded: dict[Value, str] = field(default_factory=dict)
    constants: set[Value] = field(default_factory=set)


def _check_options(root, rankdir, show, collapse, max_nodes, digits, where: str) -> tuple[str, ...]:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value to draw, got {type(root).__name__} {root!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"{where}: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    show = (show,) if isinstance(show, str) else tuple(show)
    unknown = [f for f in show if f not in FIELDS]
    if unknown:
        raise ValueError(f"{where}: show may contain 'label', 'data' and 'grad', got {unknown[0]!r}")
    check_digits(digits, where)
    if collapse is not None and (isinstance(collapse, bool) or not isinstance(collapse, int) or collapse < 1):
        raise ValueError(f"{where}: collapse must be None or a scope depth >= 1 (1 folds each top-level scope), "
                         f"got {collapse!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"{where}: max_nodes must be a positive int, got {max_nodes!r}")
    return show


class _Builder:
    """Adds the nodes, clusters, boxes, edges and legend of one drawing to ``graph``."""

    def __init__(self, graphviz, picture: Picture, root: Value, show: tuple[str, ...], digits: int,
                 braces: bool, grad_of) -> None:
        self.gv = graphviz
        self.picture = picture
        self.graph = picture.graph
        self.root = root
        self.show = show
        self.digits = digits
        self.braces = braces  # braces turn record fields side by side (LR, RL)
        self.grad_of = grad_of
        self.clusters: dict[tuple, graphviz.Digraph] = {}
        self.roles_used: set[str] = set()

    def holder(self, path: tuple):
        """The (sub)graph that holds nodes of scope ``path``; creates clusters on demand."""
        if not path:
            return self.graph
        clusters = self.clusters
        if path not in clusters:
            for i in range(1, len(path) + 1):  # every enclosing scope gets its cluster too
                prefix = path[:i]
                if prefix not in clusters:
                    clusters[prefix] = self.gv.Digraph(
                        f"cluster_{len(clusters)}",
                        graph_attr={"label": self.gv.nohtml(_escape(prefix[-1])), "labeljust": "l",
                                    "style": "rounded", "color": "#9a9a9a",
                                    "fontname": "Helvetica", "fontsize": "10"})
        return clusters[path]

    def value(self, sub, node: Value, k: int) -> None:
        """One Value: a record {label | data | grad}, or a constant's plain number."""
        node_id = f"n{k}"
        self.picture.records[node] = node_id
        grad = self.grad_of(node)
        role = _role(node, self.root, grad)
        self.roles_used.add(role)
        if role == "constant":
            self.picture.constants.add(node)
            sub.node(node_id, number(node.data, self.digits), shape="box", style="rounded",
                     color=COLOURS["constant_line"], fontcolor="#333333", height="0.3", margin="0.06,0.02")
            return
        fields = []
        if "label" in self.show and node.label:
            fields.append(_escape_record(node.label))
        if "data" in self.show:
            fields.append(f"data {number(node.data, self.digits)}")
        if "grad" in self.show:
            fields.append(f"grad {number(grad, self.digits)}")
        body = " | ".join(fields) or " "
        sub.node(node_id, self.gv.nohtml("{ " + body + " }" if self.braces else body),
                 shape="record", style="filled", fillcolor=COLOURS[role])

    def op(self, sub, node: Value, k: int) -> None:
        op_id = f"n{k}_op"
        self.picture.ops[node] = op_id
        symbol = op_label(node)
        text = f"a {symbol} b" if operands(node) else symbol
        sub.node(op_id, self.gv.nohtml(_escape(text)), shape="ellipse",
                 height="0.3", margin="0.04,0.02", fontsize="10")

    def box(self, box_id: str, path: tuple, members: list[Value], exported: list[Value], index) -> None:
        """A collapsed scope: one box, then the Values it hands on as ordinary records."""
        sub = self.holder(path[:-1])  # the enclosing scopes' clusters name the rest of the path
        bad = any(not (_finite(m.data) and _finite(self.grad_of(m))) for m in members)
        params = sum(1 for m in members if m.role == "param")
        text = f"{_escape(path[-1])}\\n{len(members)} Values" + (f", {params} params" if params else "")
        if bad:
            text += "\\nNaN/inf inside"
        self.roles_used.add("nonfinite" if bad else "scope")
        sub.node(box_id, self.gv.nohtml(text), shape="box3d", style="filled",
                 fillcolor=COLOURS["nonfinite" if bad else "scope"])
        self.picture.boxes[box_id] = path
        for node in members:
            self.picture.folded[node] = box_id
        for node in exported:
            self.value(sub, node, index[node])

    def nest_clusters(self) -> None:
        # Clusters inside out: a cluster is complete (its inner clusters added) before it is
        # added to the one around it, because graphviz copies a subgraph when it is added.
        clusters = self.clusters
        for path in sorted(clusters, key=len, reverse=True):
            outer = clusters[path[:-1]] if len(path) > 1 else self.graph
            outer.subgraph(clusters[path])

    def legend(self) -> None:
        rows = "".join(f'<tr><td bgcolor="{COLOURS[role]}">{text}</td></tr>'
                       for role, text in LEGEND if role in self.roles_used)
        self.graph.node("legend", f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">{rows}</table>>',
                        shape="plaintext", fontsize="9")


@pauses_collector  # see autograd.collector: the passes make many short-lived containers
def picture(
    root: Value,
    *,
    rankdir: str = "LR",
    show: Iterable[str] = FIELDS,
    edge_labels: bool = False,
    collapse: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    legend: bool = True,
    grads: Mapping[Value, float] | None = None,
    table: GraphTable | None = None,
    fold: Callable[[Value], tuple | None] | None = None,
) -> Picture:
    """What ``draw`` draws, with the map from Values to the ids of their DOT nodes.

    Options as for ``draw``; ``grads`` (Value -> gradient) replaces ``.grad`` in the
    records, for a view that shows gradients it computed itself; ``table`` is the graph
    table of ``root`` if the caller has made it already (the page does), so the graph is
    not walked again; ``fold`` (Value -> the scope path of the box it folds into, or None)
    replaces ``collapse``'s rule.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x"); y = x * 3; y.label = "y"
    >>> p = picture(y)
    >>> p.records[x], p.ops[y], [p.records[c] for c in p.constants]
    ('n1', 'n2_op', ['n0'])
    """
    show = _check_options(root, rankdir, show, collapse, max_nodes, digits, "draw")
    graphviz = _graphviz("draw")
    t = graph_table(root) if table is None else table
    order = list(t.nodes)
    index = t.row

    group, boxes, exported, box_inputs = _fold(order, index, root, collapse, fold)
    n_drawn = len(order) - len(group) + sum(len(v) for v in exported.values()) + len(boxes)
    bundled = _Bundles()
    if n_drawn > max_nodes and boxes:
        bundled = _bundle(order, group, exported, box_inputs, root)
        n_drawn = (len(order) - len(group) - len(bundled.leaves) + sum(len(v) for v in exported.values())
                   + len(boxes) + len(bundled.kinds))
    if n_drawn > max_nodes:
        raise GraphTooLargeError(_too_large_message(order, n_drawn, max_nodes, collapse))

    graph = _digraph_class()("chainrule", graph_attr={"rankdir": rankdir},
                             node_attr={"fontname": "Helvetica", "fontsize": "11"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    result = Picture(graph, order)
    grad_of = (lambda node: node.grad) if grads is None else (lambda node: grads.get(node, 0.0))
    build = _Builder(graphviz, result, root, show, digits, rankdir in ("LR", "RL"), grad_of)

    # Nodes, each in the cluster of its scope; then the boxes of collapsed scopes.
    for k, node in enumerate(order):
        if node in group or node in bundled.leaves:
            continue
        sub = build.holder(node.scope)
        build.value(sub, node, k)
        if node.parents:
            build.op(sub, node, k)
    box_ids = {path: f"s{j}" for j, path in enumerate(boxes)}
    for path, members in boxes.items():
        build.box(box_ids[path], path, members, exported[path], index)
    build.nest_clusters()
    if build.clusters:
        # One global ranking across clusters: it keeps sibling scopes (an RNN's t=1, t=2,
        # t=3) stacked in their order far more often than ranking each cluster apart does.
        graph.graph_attr["newrank"] = "true"

    # Edges: into each op from its inputs (with the local derivatives if asked), from the
    # op to its result; into each box from what it reads, out of it to what it hands on.
    for k, node in enumerate(order):
        if node in group or not node.parents:
            continue
        letters = operands(node)
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            head = f"{letters[slot]}: " if letters else ""
            if edge_labels:
                graph.edge(f"n{index[parent]}", f"n{k}_op", label=head + number(local, digits))
            elif letters:
                graph.edge(f"n{index[parent]}", f"n{k}_op", label=letters[slot])
            else:
                graph.edge(f"n{index[parent]}", f"n{k}_op")
        graph.edge(f"n{k}_op", f"n{k}")
    for path, box in box_ids.items():
        for parent in box_inputs[path]:
            graph.edge(f"n{index[parent]}", box)
        for node in exported[path]:
            graph.edge(box, f"n{index[node]}")
    if bundled.edges:
        # Edges between boxes in different clusters: dot's default ranking can fail on
        # them ("trouble in init_rank"); the newer ranking lays them out.
        graph.attr(newrank="true")
    for kind, count in bundled.kinds.items():
        text = f"{count:,} {'parameters' if kind == 'param' else 'inputs and constants'}\\n(leaves read only by boxes)"
        graph.node(f"b_{kind}", graphviz.nohtml(text), shape="folder", style="filled", fillcolor=COLOURS[kind])
    for (source, path), count in bundled.edges.items():
        tail = f"b_{source}" if source in bundled.kinds else box_ids[source]
        graph.edge(tail, box_ids[path], label=f"{count:,} Values", style="bold")

    if legend:
        build.legend()
    return result


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

    Constants (leaves with neither label nor role, such as the 2 of ``x ** 2``) are drawn
    as their plain number, without a gradient.

    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); b = a * a
    >>> g = draw(b, edge_labels=True)
    >>> [line.strip() for line in g.source.splitlines() if "->" in line]
    ['n0 -> n1_op [label=2]', 'n0 -> n1_op [label=2]', 'n1_op -> n1']
    >>> g.render("b", format="svg")  # doctest: +SKIP
    """
    return picture(root, rankdir=rankdir, show=show, edge_labels=edge_labels, collapse=collapse,
                   max_nodes=max_nodes, digits=digits, legend=legend).graph


def _fold(order: list[Value], index: dict[Value, int], root: Value, depth: int | None, fold=None):
    """Which nodes fold into which box for ``collapse=depth``, and each box's connections.

    ``fold`` (node -> box path or None), if given, decides instead of ``depth``: the step
    page lays out its boxes opened one by one with it.

    Returns (node -> box path, box path -> members, box path -> the Values it hands on,
    box path -> the Values it reads), every list in graph order.
    """
    group: dict[Value, tuple] = {}
    boxes: dict[tuple, list[Value]] = {}
    if fold is not None:
        for node in order:
            path = fold(node)
            if path is not None:
                group[node] = path
                boxes.setdefault(path, []).append(node)
    elif depth is not None:
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


@dataclass
class _Bundles:
    """What a big collapsed drawing draws in bulk (see ``_bundle``)."""

    leaves: set = field(default_factory=set)  # leaves drawn as part of a bundle node
    kinds: dict = field(default_factory=dict)  # 'param' / 'input' -> how many leaves
    edges: dict = field(default_factory=dict)  # (box path or kind, box path) -> Values


def _bundle(order: list[Value], group: dict, exported: dict, box_inputs: dict, root: Value) -> _Bundles:
    """Thin out a collapsed drawing that would still be too large (``exported`` and
    ``box_inputs`` are changed in place): an unlabelled Value that one box hands only to
    other boxes is not drawn, one edge per pair of boxes says how many pass that way; and
    unlabelled leaves outside the boxes that only boxes read (a model's parameters, its
    constants) are drawn as one node per kind, with an edge to each box that reads them.
    Values with a label, the output, and whatever an unfolded node reads stay drawn; a
    parameter labelled with a dotted path (a model's, named after its place) is bundled.
    """
    read_outside: set[Value] = set()  # read by a node drawn as itself
    for node in order:
        if node not in group:
            read_outside.update(node.parents)
    out = _Bundles()

    def kept(v: Value) -> bool:
        if v is root or v in read_outside:
            return True
        # A label keeps a Value drawn, except a parameter's dotted path (nn labels a
        # model's parameters so, layers.0.attn.wq.w[3][5]): one of thousands, bundled.
        return bool(v.label) and not (v.role == "param" and not v.parents and "." in v.label)

    for path in exported:
        exported[path] = [v for v in exported[path] if kept(v)]
    for path, inputs in box_inputs.items():
        keep = []
        for parent in inputs:
            source = group.get(parent)
            if kept(parent) or (source is None and parent.parents):
                keep.append(parent)
                continue
            if source is None:  # a leaf outside the boxes
                source = "param" if parent.role == "param" else "input"
                if parent not in out.leaves:
                    out.leaves.add(parent)
                    out.kinds[source] = out.kinds.get(source, 0) + 1
            out.edges[(source, path)] = out.edges.get((source, path), 0) + 1
        box_inputs[path] = keep
    return out


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
                  "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`, "
                  "or with pip alone `pip install graphviz-pure` (svg and png only)")

PURE = "graphviz-pure"  # the PyPI package's program: a port of dot, used when dot is missing


def layout_program() -> tuple[str, str] | None:
    """Which program lays drawings out: ("dot", path) if graphviz's ``dot`` is on PATH,
    else ("graphviz-pure", path) if PyPI's graphviz-pure is installed (on PATH or beside
    this Python), else None."""
    dot = shutil.which("dot")
    if dot:
        return "dot", dot
    pure = shutil.which(PURE)
    if pure is None:
        # pip puts it beside the python it installs for (a venv's bin/), which is not on
        # PATH when that python is run by its path or as a Jupyter kernel.
        beside = Path(sys.executable).parent / (PURE + (".exe" if os.name == "nt" else ""))
        pure = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None
    return (PURE, pure) if pure else None


def layout(source: str, fmt: str, where: str = "render") -> bytes:
    """The DOT ``source`` laid out as ``fmt`` ('svg', 'png', 'pdf') by ``layout_program()``.

    Raises ``DotNotFoundError`` (saying how to install one) when neither program exists.
    """
    found = layout_program()
    if found is None:
        raise DotNotFoundError(_missing(where))
    name, program = found
    if name == PURE and fmt not in ("svg", "png"):
        raise DotNotFoundError(f"{where}: graphviz-pure (used because graphviz's `dot` is missing) makes "
                               f"svg and png, not {fmt}; write .svg or .png, or {INSTALL_ADVICE.split(', or')[0]}")
    done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"{where}: {name} failed to lay out the drawing as {fmt}: "
                           f"{detail[-1] if detail else f'exit status {done.returncode}'}")
    return done.stdout


@functools.cache
def _digraph_class() -> type[graphviz.Digraph]:
    """``graphviz.Digraph`` whose ``pipe`` (which Jupyter's display calls) falls back to
    graphviz-pure when ``dot`` is missing, and which, with neither, says so in our words:
    a notebook cell shows the message naming both (no traceback), ``pipe`` and ``render``
    raise ``DotNotFoundError``. Everything else is graphviz's own."""
    import graphviz  # (``_graphviz`` has checked that it imports)

    class Digraph(graphviz.Digraph):
        def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
                 engine=None, encoding=None):
            found = layout_program()
            if found is None:
                raise DotNotFoundError(_missing("draw"))
            if found[0] == "dot" or renderer or formatter or engine not in (None, "dot"):
                return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding)
            data = layout(self.source, format or self.format, "draw")
            return data.decode(encoding) if encoding else data

        def __repr__(self) -> str:
            # What a plain REPL prints for draw(y) (Jupyter shows the picture instead, from
            # graphviz's _repr_mimebundle_): how to see it, not just an address.
            return ('<Digraph: a drawing of a graph. Jupyter shows it; elsewhere, autograd.render(y, "y.svg") '
                    'writes a picture of the Value y you drew, .save("y.dot") writes this DOT source, '
                    '.source is its text>')

        def render(self, *args, **kwargs):
            if shutil.which("dot") is None:
                raise DotNotFoundError(_missing("Digraph.render") + "; autograd.render(y, 'y.svg') "
                                       "lays out with graphviz-pure too")
            return super().render(*args, **kwargs)

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            if layout_program() is None:  # a notebook shows the advice, not a traceback
                return {"text/plain": _missing("draw")}
            return super()._repr_mimebundle_(include, exclude, **kwargs)

    Digraph.__qualname__ = Digraph.__name__ = "Digraph"
    return Digraph


def _missing(where: str) -> str:
    return (f"{where}: graphviz's `dot` program is not on PATH, so the picture cannot be laid out; "
            f"to fix, {INSTALL_ADVICE}")


def svg(root: Value, **draw_options) -> str:
    """``draw``'s picture laid out as SVG text (by dot, or graphviz-pure without it).

    >>> from autograd import Value
    >>> svg(Value(2.0, label="x") * 3)[:5]  # doctest: +SKIP
    '<?xml'
    """
    return layout(draw(root, **draw_options).source, "svg", "svg").decode("utf-8")


def render(root: Value, path: str | os.PathLike, **draw_options) -> Path:
    """Draw ``root`` (options as for ``draw``) into ``path``; the format is its extension.

    .svg, .png and .pdf are made by graphviz's ``dot`` program (or, without it, by PyPI's
    graphviz-pure, which makes .svg and .png); .dot (or .gv) is the DOT source, which
    needs nothing. If neither program is there, the .dot file is written next to ``path``
    anyway and ``DotNotFoundError`` says how to install one.

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
    graph = draw(root, **draw_options)
    if fmt == "dot":
        files.write_atomic(path, graph.source)
        return path
    if layout_program() is None:
        # A fallback never replaces a file the user has: the first free name is taken.
        dot_path = Path(files.write_free(path.with_suffix(".dot"), graph.source))
        raise DotNotFoundError(
            f"render: graphviz's `dot` program is not on PATH, so {str(path)!r} was not made; "
            f"the graph was saved as {str(dot_path)!r}. To fix, {INSTALL_ADVICE}; then run "
            f"`dot -T{fmt} {dot_path} -o {path}` or render again") from None
    files.write_atomic(path, layout(graph.source, fmt))
    return path


__all__ = ["draw", "picture", "Picture", "render", "svg", "layout", "layout_program", "op_label",
           "DotNotFoundError", "GraphTooLargeError", "COLOURS"]
