"""Backprop, step by step, as one offline page: ``html(root)``.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
>>> o = (x * w + b).tanh(); o.label = "o"
>>> page = html(o, edge_labels=True)        # page.save("neuron.html"); in Jupyter, end a cell in page
>>> page.steps[-1].caption.splitlines()[0]
'x.grad += (x*w).grad 0.5 × ∂(x*w)/∂x = w = -3  →  -1.5'

The picture is ``draw``'s (the same records, colours, legend and node ids), laid out by
graphviz when the page is made, and the page plays the backward pass over it: step 0 is
the forward pass done, every gradient 0; step 1 seeds the output's gradient with 1; then
one step per op node, in the order ``backward`` processes them (reverse topological
order): the node in focus is outlined, the edges to its inputs light up, each input's
gradient changes in place, and the caption gives the update with its numbers. Where paths
meet, a gradient is a sum, and the caption shows it growing (``old + term = new``). A
collapsed scope (``collapse=``) steps as one unit per run of its nodes and says what it
handed to the Values outside it.

The gradients the page plays are computed here, by the same chain-rule loop in the same
order as ``backward``, from zero (so the last step is what ``root.backward()`` gives on
fresh gradients, digit for digit as the drawing prints it); the graph's own ``.grad``
fields are not touched.

Click a node for its label, op, data, gradient, each local derivative with the op table's
formula and numbers, and the chain-rule sum over the paths from the output (``explain``).
``#step=12``, ``#step=end`` and ``#node=x1`` (a label or a node id such as ``n3``) in the
address open a step and a node.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from ..names import formula as formula_of, number, wrap as _wrap
from ..table import GraphTable, chain_rule, path_counts, table
from ..value import Value
from .draw import DotNotFoundError, Picture, layout, op_label, picture
from .explain import explain_row
from .page import Page, asset, shell
from .text import check_digits

# The chain-rule paths written out (by ``explain``) for at most this many nodes, labelled
# ones first: each costs a pass over the rows of the graph table above the node (no walk
# of the graph, no backward: the page's one table and gradients are read) and up to a few
# kilobytes of page. Every node's panel gives its path count and sum whatever the size.
MAX_EXPLAINED = 60
EXPLAIN_BUDGET = 250_000  # characters of written-out paths per page, at most


@dataclass(frozen=True)
class Step:
    """One step of the page: which DOT nodes are in focus, which edges light up (their
    titles, ``n0->n2_op``), the gradients that change (record id, new text, old text),
    and the caption."""

    focus: tuple[str, ...]
    edges: tuple[str, ...]
    updates: tuple[tuple[str, ...], ...]  # (id, new, old) for a gradient, (id, new, old, "d") for data
    caption: str
    name: str


class BackpropPage(Page):
    """The page ``html`` makes: a ``Page`` that also keeps its ``steps`` (``Step``s), so a
    program can read what each step shows."""

    def __init__(self, html: str, title: str, steps: list[Step]) -> None:
        super().__init__(html, title)
        self.steps = steps


class _Names(dict):
    """Node -> its name from the table's one namer, written when a caption or panel
    first asks (a page shows a few of a big graph's nodes)."""

    def __init__(self, t: GraphTable, digits: int) -> None:
        super().__init__()
        self.table, self.digits = t, digits

    def __missing__(self, node: Value) -> str:
        name = self[node] = self.table.name(node, self.digits)
        return name


def formula(node: Value, slot: int, names: dict[Value, str]) -> str:
    """The op table's formula for d node / d (input ``slot``), with the inputs' names,
    e.g. 'w' for d(x*w)/dx, '1 − tanh(n)²' for tanh; '' if the table has none."""
    return formula_of(node.rule, [names[p] for p in node.parents], slot)


BLANK = "·"  # the data of a node the forward pass has not reached yet


def _forward_steps(pic: Picture, names: dict[Value, str], num) -> list[Step]:
    """Step 0 with only the leaves' data, then one step per op in topological order (a
    collapsed scope's run of ops as one), each making its result's data appear."""
    steps = [Step((), (), (), "Step 0: only the leaves have data. Step forward (→) to run the forward pass, "
                              "one op at a time, then backward.", "before the forward pass")]
    ops = [node for node in pic.order if node.parents]
    i = 0
    while i < len(ops):
        node = ops[i]
        box = pic.folded.get(node)
        if box is not None:
            j = i
            while j < len(ops) and pic.folded.get(ops[j]) == box:
                j += 1
            run = ops[i:j]
            made = [n for n in run if n in pic.records]
            updates = tuple((pic.records[n], num(n.data), BLANK, "d") for n in made)
            told = "; ".join(f"{names[n]} = {num(n.data)}" for n in made[:8])
            steps.append(Step((box,), (), updates, f"{'/'.join(pic.boxes[box])} (a collapsed scope) computes "
                              f"{len(run)} of its op nodes at once" + (f": {told}" if told else ""),
                              f"scope {'/'.join(pic.boxes[box])}"))
            i = j
            continue
        rid, op_id = pic.records[node], pic.ops[node]
        ins = [num(p.data) for p in node.parents]
        symbol = op_label(node)
        if len(ins) == 2 and symbol in ("+", "-", "*", "/", "**"):
            how = f"{ins[0]} {symbol} {ins[1]}"
        else:
            how = f"{symbol}({', '.join(ins[:6])}{', …' if len(ins) > 6 else ''})"
        edges = tuple(f"{pic.records[p]}->{op_id}" for p in node.parents if p in pic.records) + (f"{op_id}->{rid}",)
        steps.append(Step((rid, op_id), edges, ((rid, num(node.data), BLANK, "d"),),
                          f"{names[node]} = {how} = {num(node.data)}", f"forward {symbol}"))
        i += 1
    return steps


def _steps(root: Value, pic: Picture, names: dict[Value, str], digits: int,
           forward: bool = False, t: GraphTable | None = None,
           final: list[float] | None = None) -> tuple[list[Step], dict[Value, float]]:
    """The page's steps, and the gradients they end with (of the Values drawn and the
    inputs of the ops drawn).

    The chain-rule loop of ``backward`` (``grad[parent] += grad[node] * local``, from the
    root down in reverse topological order, starting from 0), played one op at a time;
    with ``forward``, the forward pass first. ``t`` is the graph table and ``final`` its
    ``chain_rule``: when an op is played its own gradient is complete, so it is read
    from there, and only the gradients a step shows are followed as they grow.
    """
    t = table(root) if t is None else t
    final = chain_rule(t) if final is None else final
    shown = {node: rid for node, rid in pic.records.items() if node not in pic.constants}
    watched = set(shown)
    for node in pic.ops:
        watched.update(node.parents)
    grad: dict[Value, float] = dict.fromkeys(watched, 0.0)
    num = lambda x: number(x, digits)  # noqa: E731
    steps = _forward_steps(pic, names, num) if forward else []
    steps.append(Step((), (), (), f"{'' if forward else 'Step 0: '}the forward pass is done (each record shows its "
                                  "data); every gradient is 0. Step forward (→) to run backward.", "forward pass done"))
    grad[root] = 1.0
    seed = ((shown[root], num(1.0), num(0.0)),) if root in shown else ()
    focus = (pic.records.get(root) or pic.folded.get(root, ""),)
    steps.append(Step(focus, (), seed, f"{names[root]}.grad = 1: backward starts at the output "
                                       f"(∂{_wrap(names[root])}/∂{_wrap(names[root])} = 1).", f"seed {names[root]}"))

    nodes, parents = t.nodes, t.parents
    ops = [k for k in range(t.roots[0], -1, -1) if parents[k]]
    i = 0
    while i < len(ops):
        box = pic.folded.get(nodes[ops[i]])
        if box is None:
            steps.append(_op_step(nodes[ops[i]], pic, grad, shown, names, num))
            i += 1
            continue
        j = i
        while j < len(ops) and pic.folded.get(nodes[ops[j]]) == box:
            j += 1
        steps.append(_box_step(ops[i:j], box, pic, grad, shown, names, num, t, final))
        i = j
    return steps, grad


def _op_step(node: Value, pic: Picture, grad, shown, names, num) -> Step:
    g = grad[node]
    me = _wrap(names[node])
    lines = []
    updates = []
    changed: dict[Value, str] = {}  # parent -> its gradient text before this step
    for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
        old = grad[parent]
        new = old + g * local
        grad[parent] = new
        if parent in pic.constants:
            continue  # a constant's gradient is not shown (and goes nowhere)
        rule = formula(node, slot, names)
        rule_text = f" = {rule}" if rule and rule.replace("−", "-") != num(local) else ""
        which = f" (input {slot + 1})" if sum(p is parent for p in node.parents) > 1 else ""
        receiver = _wrap(names[parent])
        head = f"{receiver}.grad += {me}.grad {num(g)} × ∂{me}/∂{receiver}{which}{rule_text} = {num(local)}"
        if old == 0.0 and parent not in changed:
            lines.append(f"{head}  →  {num(new)}")
        else:  # paths meet here: the gradient is a sum, growing
            lines.append(f"{head}  →  {num(old)} + {num(g * local)} = {num(new)}")
        changed.setdefault(parent, num(old))
    for parent, before in changed.items():
        if parent in shown:
            updates.append((shown[parent], num(grad[parent]), before))
    if not lines:
        lines.append(f"{names[node]} passes its gradient {num(g)} only to constants, which show none.")
    focus = tuple(x for x in (pic.records.get(node), pic.ops.get(node)) if x)
    op_id = pic.ops.get(node)
    edges = tuple(f"{pic.records[p]}->{op_id}" for p in node.parents if p in pic.records) if op_id else ()
    return Step(focus, edges, tuple(updates), "\n".join(lines), f"{op_label(node)} → inputs of {names[node]}")


def _box_step(run: list[int], box: str, pic: Picture, grad, shown, names, num, t: GraphTable,
              final: list[float]) -> Step:
    """A run of a collapsed scope's nodes (rows of ``t``), stepped as one: what reaches
    the Values outside. Each node's own gradient is complete when it is played (``final``);
    only the gradients in ``grad`` are followed."""
    old: dict[Value, float] = {}  # each followed input reached, and its gradient before the run
    nodes, parents, locals_ = t.nodes, t.parents, t.locals
    for k in run:
        g = final[k]
        for p, local in zip(parents[k], locals_[k]):
            node = nodes[p]
            if node in grad:
                if node not in old:
                    old[node] = grad[node]
                grad[node] += g * local
    run_size = len(run)
    # Every drawn Value whose gradient changed is updated (also one the box hands on and
    # reads again itself); the caption names those outside the box. Only those are
    # written as text: a box's run reaches most of a big graph.
    changed = {p: num(before) for p, before in old.items() if p in shown}
    updates = tuple((shown[p], num(grad[p]), before) for p, before in changed.items())
    outside = [p for p in changed if p in shown and pic.folded.get(p) != box]
    path = "/".join(pic.boxes[box])
    told = [f"{_wrap(names[p])}.grad {changed[p]} → {num(grad[p])}" for p in outside[:8]]
    more = f", and {len(outside) - 8} more" if len(outside) > 8 else ""
    caption = (f"{path} (a collapsed scope) passes the gradient back through {run_size} of its op nodes at once"
               + (f"; what reaches the Values outside it: {'; '.join(told)}{more}" if told
                  else "; nothing it reads is drawn outside it"))
    edges = tuple(f"{pic.records[p]}->{box}" for p in outside if p in pic.records)
    return Step((box,), edges, updates, caption, f"scope {path}")


def _count_text(c: int) -> str:
    return f"{c:,}" if c < 10 ** 15 else f"about 10^{len(str(c)) - 1}"


def _panel(t: GraphTable, pic: Picture, names: dict[Value, str], grads: list[float], digits: int) -> dict:
    """What a click on each node shows, keyed by its DOT ids (record and op alike).

    Read from the graph table: one pass gives every node's path count, the page's played
    gradients are each node's sum over paths, and the paths written out come from
    ``explain_row`` on the same table (no walk, no backward per node)."""
    num = lambda x: number(x, digits)  # noqa: E731
    counts = path_counts(t)
    row = t.row
    drawn = [n for n in pic.records if n not in pic.constants]
    # Labelled nodes first (the ones a learner asks about), then the rest, in graph order.
    chosen = set(sorted(drawn, key=lambda n: not n.label)[:MAX_EXPLAINED])  # sorted() is stable
    nodes: dict[str, dict] = {}
    budget = EXPLAIN_BUDGET
    for node, rid in pic.records.items():
        k = row[node]
        entry = {"name": names[node], "label": node.label, "op": node.op,
                 "symbol": op_label(node) if node.parents else "",
                 "data": num(node.data), "grad": "" if node in pic.constants else num(grads[k]),
                 "id": rid, "constant": node in pic.constants, "scope": "/".join(node.scope),
                 "paths": _count_text(counts[k])}
        entry["locals"] = [{"input": names[p], "formula": formula(node, slot, names), "value": num(d),
                            "head": f"∂{_wrap(names[node])}/∂{_wrap(names[p])}",
                            "id": pic.records.get(p) or pic.folded.get(p, "")}
                           for slot, (p, d) in enumerate(zip(node.parents, node.local_grads))]
        if node in chosen and budget > 0:
            e = explain_row(t, k, grads[k], digits=digits)
            budget -= len(e.text)
            entry["explain"] = {"paths": _count_text(e.n_paths), "sum": num(e.gradient), "text": e.text}
        nodes[rid] = entry
        if node in pic.ops:
            nodes[pic.ops[node]] = {"ref": rid}
    for box, path in pic.boxes.items():
        members = [n for n, b in pic.folded.items() if b == box]
        params = sum(1 for n in members if n.role == "param")
        nodes[box] = {"name": "/".join(path), "box": True, "members": len(members), "params": params,
                      "id": box, "grad": "", "data": "", "label": "", "op": "", "locals": []}
    return nodes


def html(root: Value, path: str | os.PathLike | None = None, *, title: str | None = None, forward: bool = False,
         **draw_options) -> BackpropPage:
    """A page that steps through backward on ``root``'s graph (see the module docstring).

    ``draw_options`` are ``draw``'s (``show``, ``edge_labels``, ``collapse``,
    ``max_nodes``, ``digits``, ``rankdir``, ``legend``), with the same ``max_nodes``
    refusal. With ``forward=True`` the page first plays the forward pass (step 0 has only
    the leaves' data). With ``path``, the page is also saved there. Needs graphviz's ``dot`` (or
    PyPI's graphviz-pure) to lay the picture out, when the page is made only.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a"); y = a * a; y.label = "y"
    >>> page = html(y)
    >>> [s.caption.splitlines()[-1] for s in page.steps][2]
    'a.grad += y.grad 1 × ∂y/∂a (input 2) = a = 3  →  3 + 3 = 6'
    """
    if not isinstance(root, Value):
        raise TypeError(f"html: expected a Value to show, got {type(root).__name__} {root!r}")
    digits = check_digits(draw_options.get("digits", 4), "html")
    unknown = set(draw_options) - {"show", "edge_labels", "collapse", "max_nodes", "digits", "rankdir", "legend"}
    if unknown:
        raise TypeError(f"html: unknown option {sorted(unknown)[0]!r}; draw's options are show, edge_labels, "
                        "collapse, max_nodes, digits, rankdir and legend")
    # One walk (the table), one chain-rule pass for the gradients the steps play, one
    # picture with those gradients in its records; the steps are read from the picture.
    t = table(root)
    names = _Names(t, digits)
    played = chain_rule(t)
    pic = picture(root, grads=dict(zip(t.nodes, played)), table=t, **draw_options)
    steps, _ = _steps(root, pic, names, digits, forward=bool(forward), t=t, final=played)
    try:
        svg = layout(pic.graph.source, "svg", "html").decode("utf-8")
    except DotNotFoundError as error:
        missing = "graphviz's `dot` program is not on PATH"
        why = " (the page's picture is laid out by it)"
        raise DotNotFoundError(str(error).replace(missing, missing + why)) from None
    svg = svg[svg.index("<svg"):]  # inline: no XML prolog or doctype
    title = title if title is not None else f"Backprop through {names[root]}, step by step"
    by_label: dict[str, str] = {}
    for node, rid in pic.records.items():
        if node.label:
            by_label.setdefault(node.label, rid)
    data = {
        "steps": [asdict(s) for s in steps],
        "start": {rid: number(0.0, digits) for node, rid in pic.records.items() if node not in pic.constants},
        "startData": {rid: (BLANK if forward and node.parents else number(node.data, digits))
                      for node, rid in pic.records.items() if node not in pic.constants},
        "nodes": _panel(t, pic, names, played, digits),
        "labels": by_label,
        "root": pic.records.get(root, ""),
        "explained": MAX_EXPLAINED,
    }
    n_ops = sum(1 for ps in t.parents if ps)
    subtitle = (f"{len(t):,} Values, {n_ops:,} ops, {len(steps) - 1:,} steps. "
                "Keys: ← → step, space play/pause, Home/End. Click a node for its chain rule.")
    page = BackpropPage(shell(title, f'<div id="graph">{svg}</div>', data, asset("backprop.js"),
                              style=asset("backprop.css"), subtitle=subtitle, panel=True), title, steps)
    if path is not None:
        page.save(path)
    return page


__all__ = ["html", "BackpropPage", "Step", "formula"]
