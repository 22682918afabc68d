"""Backprop, step by step, as one offline page: ``html(root)``.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
>>> o = (x * w + b).tanh(); o.label = "o"
>>> page = html(o, edge_labels=True)        # page.save("neuron.html"); in Jupyter, end a cell in page
>>> page.steps[-1].caption.splitlines()[0]
'x.grad += (x*w).grad × ∂(x*w)/∂x = 0.5 × (-3) = -1.5   (x.grad: 0 → -1.5)'

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

import json
import os
import re
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, fields
from itertools import compress, repeat
from operator import eq

from ..collector import pauses_collector
from ..names import formula as formula_of, number, wrap as _wrap
from ..table import GraphTable, path_counts, row_gradients, table
from ..value import Value
from .compute import js_rows, script as compute_script
from .draw import DEFAULT_MAX_NODES, DotNotFoundError, GraphTooLargeError, Picture, layout, op_label, picture
from .explain import Explanation, explain_row
from .firstframe import caption_twins, first_svg
from .flow import NOTED, PARAM, Flow, flow
from .page import Page, asset, pack_json, shell
from .svgpack import GEOMETRY, pack_svg
from .text import check_digits

# The chain-rule paths written out (by ``explain``) for at most this many nodes, labelled
# ones first: each costs a pass over the rows of the graph table above the node (no walk
# of the graph, no backward: the page's one table and gradients are read) and up to a few
# kilobytes of page. Every node's panel gives its path count and sum whatever the size.
MAX_EXPLAINED = 60
# Each node explained is a pass over the rows above it: on a big graph a deep parameter's
# is most of the graph. The page's explains visit at most this many rows in all (twice
# the graph, and never fewer than 100,000), so a 70k-node step's page costs a few passes,
# not dozens; the rest of its panels give their path count and sum.
def _explain_rows(n: int) -> int:
    return max(2 * n, 100_000)


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
    at: int = 0  # how far the pass is after this step: ops run forward, then n_ops + 1 + ops run back
    back: bool = False  # a backward step: its lit edges carry the gradient against their arrows
    template: str = ""  # the caption with its numbers as tokens, for the page to refill after an edit
    rows: tuple[int, ...] = ()  # the graph rows (topological positions) whose ops this step runs


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
_OWN = {"tanh": "tanh({A})", "exp": "exp({A})", "sigmoid": "σ({A})"}  # formula text that is the op's own result
_TOP = 3  # a box's step names this many of the parameters it hands the most to


class _Numbers:
    """A caption's numbers, each written as a token the page can refill after an edit
    (U+E000, kind, row, ``.``, slot, U+E001: private-use characters no text holds; a ``w``
    after the kind brackets a negative number), with the value it has now; ``fill`` writes the caption as shown.

    Kinds: ``D`` a row's data, ``L`` its local derivative through input ``slot``, ``G``
    its gradient (final when its op steps back), ``T`` = G × L, ``O``/``N`` the gradient
    of input ``slot`` of row just before/after this op adds to it, ``S``/``E`` a row's
    gradient at the start/end of a box's step, ``H`` what a box's call handed parameter
    ``row`` in all, ``Z`` the norm of what it handed its parameters.
    """

    TOKEN = re.compile("\ue000([A-Z])(w?)(\\d+)\\.(\\d+)\ue001")

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.values: dict[tuple[str, int, int], float] = {}

    def __call__(self, kind: str, row: int, value: float, slot: int = 0, wrap: bool = False) -> str:
        self.values[(kind, row, slot)] = value
        return f"\ue000{kind}{'w' if wrap else ''}{row}.{slot}\ue001"

    def fill(self, template: str) -> str:
        def one(m: re.Match) -> str:
            text = number(self.values[(m.group(1), int(m.group(3)), int(m.group(4)))], self.digits)
            return _neg(text) if m.group(2) else text
        return self.TOKEN.sub(one, template)


_PLACEHOLDER = re.compile(r"\{(a|b|A|B|other)\}")


def substituted(node: Value, slot: int, nums: _Numbers, row: dict[Value, int]) -> str:
    """The op table's formula for d node / d (input ``slot``) with the numbers in it, as
    tokens: '1 − 0.7071²' for tanh (its own result written for tanh(a)), '-3' for
    d(x*w)/dx; '' if the table has none or the formula is one number.

    >>> from autograd import Value
    >>> n = Value(0.8813735870195432); o = n.tanh(); nums = _Numbers(4)
    >>> nums.fill(substituted(o, 0, nums, {n: 0, o: 1}))
    '1 − 0.7071²'
    """
    forms = node.rule.formula
    parents = node.parents
    own = f"\ue000Dw{row[node]}.0\ue001"
    if node.rule.nary or (len(forms) == 1 and len(parents) > 1):  # n-ary: one text for every input
        text = forms[0] if forms else ""
        if not _PLACEHOLDER.search(text) or _PLACEHOLDER.fullmatch(text):
            return ""  # a constant, or one input's number: the local derivative's number says it
        if re.search(rf"\b{re.escape(node.op)}\b(?!\()", text):  # logsumexp's own result, by name
            nums("D", row[node], node.data)
            text = re.sub(rf"\b{re.escape(node.op)}\b(?!\()", "{own}", text)
        mine = parents[slot]
        fill = {"own": own, "a": nums("D", row[mine], mine.data, wrap=True), "A": nums("D", row[mine], mine.data),
                "b": "", "B": "", "other": ""}
        if "{other}" in text:  # dot: the input paired with this one
            n = len(parents) // 2
            other = parents[slot + n] if slot < n else parents[slot - n]
            fill["other"] = nums("D", row[other], other.data, wrap=True)
        return text.format(**fill)
    if slot >= len(forms):
        return ""
    text = forms[slot]
    if node.op in _OWN and _OWN[node.op] in text:
        nums("D", row[node], node.data)
        text = text.replace(_OWN[node.op], "{own}")
    if _PLACEHOLDER.fullmatch(text) or not _PLACEHOLDER.search(text) and "{own}" not in text:
        return ""  # one input's number or a constant: the local derivative's number says it
    fill = {"own": own, "a": "", "b": "", "A": "", "B": "", "other": ""}
    for letter, parent in zip("ab", parents):
        fill[letter] = nums("D", row[parent], parent.data, wrap=True)
        fill[letter.upper()] = nums("D", row[parent], parent.data)
    return text.format(**fill)


def _neg(text: str) -> str:
    """A negative number in brackets, as it must be before ² or after ×: '(-3)'."""
    return f"({text})" if text.startswith("-") else text


def _times(node: Value, slot: int, nums: _Numbers, row: dict[Value, int], g: float, local: float) -> str:
    """'1 × (1 − 0.7071²)': the gradient times the local derivative, worked out where the
    op table has a formula with numbers in it, else its number ('0.5 × (-3)')."""
    k = row[node]
    expr = substituted(node, slot, nums, row)
    head = nums("G", k, g, wrap=True)
    if not expr:
        return f"{head} × {nums('L', k, local, slot, wrap=True)}"
    return f"{head} × {expr}" if _Numbers.TOKEN.fullmatch(expr) else f"{head} × ({expr})"


def _step(focus, edges, updates, nums: _Numbers, template: str, name: str, **more) -> Step:
    return Step(focus, edges, updates, nums.fill(template), name, template=template, **more)


def _forward_steps(pic: Picture, names: dict[Value, str], num, row: dict[Value, int],
                   digits: int) -> tuple[list[Step], dict[str, int]]:
    """Step 0 with only the leaves' data, then one step per op in topological order (a
    collapsed scope's run of ops as one), each making its result's data appear; and, per
    edge title, the step from which its number (d out / d in) is known."""
    steps = [Step((), (), (), "Step 0: only the leaves have data. Step forward (→) to run the forward pass, "
                              "one op at a time, then backward.", "before the forward pass")]
    known: dict[str, int] = {}
    ops = [node for node in pic.order if node.parents]
    i = 0
    while i < len(ops):
        node = ops[i]
        box = pic.folded.get(node)
        nums = _Numbers(digits)
        if box is not None:
            j = i
            while j < len(ops) and pic.folded.get(ops[j]) == box:
                j += 1
            run = ops[i:j]
            made = [n for n in run if n in pic.records]
            updates = tuple((pic.records[n], num(n.data), BLANK, "d") for n in made)
            path = "/".join(pic.boxes[box])
            inside = set(run)
            read = [p for p in dict.fromkeys(q for n in run for q in n.parents) if p not in inside and p in pic.records
                    and p not in pic.constants]
            took = "; ".join(f"{names[n]} = {nums('D', row[n], n.data)}" for n in read[:6]) + (
                f" and {len(read) - 6} more" if len(read) > 6 else "")
            told = "; ".join(f"{names[n]} = {nums('D', row[n], n.data)}" for n in made[:8]) + (
                f" and {len(made) - 8} more" if len(made) > 8 else "")
            template = (f"{path} (a collapsed scope) computes {len(run)} of its op nodes at once"
                        + (f"\nin: {took}" if took else "") + (f"\nout: {told}" if told else ""))
            edges = tuple(f"{pic.records[p]}->{box}" for p in read)
            steps.append(_step((box,), edges, updates, nums, template, f"scope {path}", at=j,
                               rows=tuple(row[n] for n in run)))
            i = j
            continue
        rid, op_id = pic.records[node], pic.ops[node]
        ins = [nums("D", row[p], p.data, wrap=k > 0) for k, p in enumerate(node.parents)]
        symbol = op_label(node)
        if len(ins) == 2 and symbol in ("+", "-", "*", "/", "**"):
            how = f"{ins[0]} {symbol} {ins[1]}"
        else:
            ins = [nums("D", row[p], p.data) for p in node.parents[:6]]
            how = f"{symbol}({', '.join(ins)}{', …' if len(node.parents) > 6 else ''})"
        into = tuple(f"{pic.records[p]}->{op_id}" for p in node.parents if p in pic.records)
        for title in into:
            known[title] = len(steps)
        template = f"{names[node]} = {how} = {nums('D', row[node], node.data)}"
        steps.append(_step((rid, op_id), into + (f"{op_id}->{rid}",), ((rid, num(node.data), BLANK, "d"),),
                           nums, template, f"forward {symbol}", at=i + 1, rows=(row[node],)))
        i += 1
    return steps, known


def _steps(root: Value, pic: Picture, names: dict[Value, str], digits: int,
           forward: bool = False, t: GraphTable | None = None,
           final: list[float] | None = None) -> tuple[list[Step], dict[Value, float], dict[str, int]]:
    """The page's steps, the gradients they end with (of the Values drawn, the inputs of
    the ops drawn and the parameters), and (forward mode) when each edge's number becomes
    known.

    The chain-rule loop of ``backward`` (``grad[parent] += grad[node] * local``, from the
    root down in reverse topological order, starting from 0), played one op at a time;
    with ``forward``, the forward pass first. ``t`` is the graph table and ``final`` its
    ``row_gradients``: when an op is played its own gradient is complete, so it is read
    from there, and only the gradients a step shows are followed as they grow.
    """
    t = table(root) if t is None else t
    final = row_gradients(t) if final is None else final
    row = t.row
    nodes, parents = t.nodes, t.parents
    # The steps follow gradients by row: of the drawn Values and the inputs of the ops
    # drawn (noted: captions name them), and of the parameters (what boxes hand them).
    shown = {row[node]: rid for node, rid in pic.records.items() if node not in pic.constants}
    noted = set(shown)
    for node in pic.ops:
        noted.update(map(row.__getitem__, node.parents))
    params = [k for k in _params(t) if not parents[k]]
    # A byte per row (reading it costs less than a set lookup, on every edge of a box's
    # run): NOTED and/or PARAM for a row whose gradient is followed, else 0.
    followed = bytearray(len(nodes))
    for k in noted:
        followed[k] = NOTED
    for k in params:
        followed[k] |= PARAM
    grad = [0.0] * len(nodes)  # as the steps have it so far (only the followed rows are kept up)
    num = lambda x: number(x, digits)  # noqa: E731
    steps, known = _forward_steps(pic, names, num, row, digits) if forward else ([], {})
    top = t.roots[0]
    ops = list(compress(range(top, -1, -1), reversed(parents[:top + 1])))  # the op rows, from the root down
    n_ops = len(ops)
    steps.append(Step((), (), (), f"{'' if forward else 'Step 0: '}the forward pass is done (each record shows its "
                                  "data); every gradient is 0. Step forward (→) to run backward.", "forward pass done",
                      at=n_ops))
    grad[top] = 1.0
    seed = ((shown[top], num(1.0), num(0.0)),) if top in shown else ()
    focus = (pic.records.get(root) or pic.folded.get(root, ""),)
    steps.append(Step(focus, (), seed, f"{names[root]}.grad = 1: backward starts at the output "
                                       f"(∂{_wrap(names[root])}/∂{_wrap(names[root])} = 1).", f"seed {names[root]}",
                      at=n_ops + 1, back=True))
    # The runs: one op each, or a box's nodes while backward stays inside it and in one
    # call of the top-level scope around it (a model's call on one sample: the connected
    # piece of its nodes, see autograd.names.Calls). A call may be left and entered again;
    # its last run reports what that call handed its parameters in all.
    calls = t.calls(digits) if pic.boxes else None
    top_calls = calls.pieces(0) if calls is not None else []  # a folded op row is in a scope
    folded = pic.folded
    runs: list[tuple[int, int, str | None, int | None]] = []
    i = 0
    while i < len(ops):
        box = folded.get(nodes[ops[i]])
        j = i + 1
        call = None
        if box is not None and calls is not None:
            call = top_calls[ops[i]]
            while j < len(ops) and folded.get(nodes[ops[j]]) == box and top_calls[ops[j]] == call:
                j += 1
        runs.append((i, j, box, call))
        i = j
    last = {(box, call): k for k, (_, _, box, call) in enumerate(runs) if box is not None}
    n_calls: dict[str, int] = {}  # how many calls each box has, for the captions
    for box, _ in last:
        n_calls[box] = n_calls.get(box, 0) + 1
    touched: set[int] = set()
    follow = flow(t, final, followed)
    for k, (i, j, box, call) in enumerate(runs):
        if box is None:
            steps.append(_op_step(ops[i], pic, grad, shown, names, num, t, digits, touched, at=n_ops + 2 + i))
            continue
        position = calls.position(ops[i], 0) if calls is not None and n_calls[box] > 1 else None
        steps.append(_box_step(ops[i:j], box, pic, grad, shown, names, num, digits, last[(box, call)] == k, touched,
                               follow, (box, call), at=n_ops + 1 + j,
                               call=None if position is None else (position, n_calls[box])))
    follow.settle(grad)
    return steps, {nodes[k]: grad[k] for k in sorted(noted.union(params))}, known


def _params(t: GraphTable) -> list[int]:
    """The rows whose role is "param", found in C (a big model has thousands)."""
    return list(compress(range(len(t)), map(eq, t.roles, repeat("param"))))


def _box_params(t: GraphTable, pic: Picture) -> Counter:
    """How many parameters each box of ``pic`` holds."""
    nodes = t.nodes
    return Counter(pic.folded.get(nodes[k]) for k in _params(t))


def _op_step(k: int, pic: Picture, grad: list[float], shown: dict[int, str], names, num, t: GraphTable, digits: int,
             touched: set[int], at: int = 0) -> Step:
    """Row ``k``'s op stepping back: each input's gradient grows by the op's gradient times
    the local derivative, written out with its numbers (``grad`` by row; ``touched``: the
    rows some step has given a gradient already, whose captions show a sum)."""
    node = t.nodes[k]
    g = grad[k]
    me = _wrap(names[node])
    nums = _Numbers(digits)
    lines = []
    updates = []
    changed: dict[int, str] = {}  # input row -> its gradient text before this step
    for slot, (parent, p, local) in enumerate(zip(node.parents, t.parents[k], node.local_grads)):
        old = grad[p]
        term = g * local
        new = old + term
        grad[p] = new
        if parent in pic.constants:
            continue  # a constant's gradient is not shown (and goes nowhere)
        which = f" (input {slot + 1})" if sum(q is parent for q in node.parents) > 1 else ""
        name = _wrap(names[parent])
        head = (f"{name}.grad += {me}.grad × ∂{me}/∂{name}{which} = {_times(node, slot, nums, t.row, g, local)} = "
                f"{nums('T', k, term, slot)}")
        before, after = nums("O", k, old, slot), nums("N", k, new, slot)
        if p not in touched:
            lines.append(f"{head}   ({name}.grad: {before} → {after})")
        else:  # paths meet here: the gradient is a sum, growing
            lines.append(f"{head}   ({name}.grad: {before} + {nums('T', k, term, slot, wrap=True)} = {after})")
        changed.setdefault(p, num(old))
        touched.add(p)
    for p, before_text in changed.items():
        if p in shown:
            updates.append((shown[p], num(grad[p]), before_text))
    if not lines:
        lines.append(f"{names[node]} passes its gradient {nums('G', k, g)} only to constants, which show none.")
    focus = tuple(x for x in (pic.records.get(node), pic.ops.get(node)) if x)
    op_id = pic.ops.get(node)
    edges: tuple[str, ...] = ()
    if op_id:
        edges = (f"{op_id}->{pic.records[node]}",) + tuple(f"{pic.records[p]}->{op_id}" for p in node.parents
                                                             if p in pic.records and p not in pic.constants)
    return _step(focus, edges, tuple(updates), nums, "\n".join(lines), f"{op_label(node)} → inputs of {names[node]}",
                 at=at, back=True, rows=(k,))


def _box_step(run: list[int], box: str, pic: Picture, grad: list[float], shown: dict[int, str], names, num,
              digits: int, final: bool, touched: set[int], follow: Flow, key: Hashable, at: int = 0,
              call: tuple[int, int] | None = None) -> Step:
    """A run of a collapsed scope's nodes (rows, from the root down), stepped as one: the
    gradients that flowed in (its outputs'), what reaches the Values outside, and what it
    handed its parameters (once per call, at its last run: their gradient norm and largest
    entries); ``key``: the box's call, whose runs ``follow`` sums what they handed;
    ``call``: its position among the box's calls and how many, where several.
    Each node's own gradient is complete when it is played; only the followed gradients
    in ``grad`` (by row) are kept up."""
    nums = _Numbers(digits)
    nodes = pic.order
    flowed_in = [k for k in run if k in shown and grad[k] != 0.0]
    before_in = {k: grad[k] for k in flowed_in}
    old = follow.back(run, grad, key)  # the noted rows reached, in order, and their gradients before
    touched.update(old)  # the rows this run gave a gradient (a later op's caption shows a sum)
    start = {**old, **before_in}  # each gradient before the run, as the caption writes it
    # Every drawn Value whose gradient changed is updated (also one the box hands on and
    # reads again itself); the caption names those outside the box. Only those are
    # written as text: a box's run reaches most of a big graph.
    changed = {p: num(before) for p, before in old.items() if p in shown}
    updates = tuple((shown[p], num(grad[p]), before) for p, before in changed.items())
    outside = [p for p in changed if pic.folded.get(nodes[p]) != box]
    path = "/".join(pic.boxes[box])
    # Which call of the top-level scope, indexed as the names index it (mlp[1].layer2...),
    # and counted from 1 in words: call = (its position from 0, how many).
    top, *rest = pic.boxes[box]
    written = "/".join([f"{top}[{call[0]}]", *rest]) if call else path
    which = f", call {call[0] + 1} of {call[1]}" if call else ""
    lines = [f"{written} (a collapsed scope{which}) passes the gradient back through {len(run)} of its op nodes "
             "at once"]
    if flowed_in:
        came = [f"{_wrap(names[nodes[k]])}.grad = {nums('S', k, start[k])}" for k in flowed_in[:6]]
        lines.append("in: " + "; ".join(came)
                     + (f" and {len(flowed_in) - 6} more" if len(flowed_in) > 6 else ""))
    told = [f"{_wrap(names[nodes[p]])}.grad {nums('S', p, start[p])} → {nums('E', p, grad[p])}" for p in outside[:8]]
    more = f", and {len(outside) - 8} more" if len(outside) > 8 else ""
    lines.append(f"out: {'; '.join(told)}{more}" if told else "out: nothing it reads is drawn outside it")
    # The call's parameters, and what it handed each (summed over its runs): their
    # norm and the largest, written as the += this call made.
    count, norm, top = follow.largest(key, _TOP) if final else (0, 0.0, [])
    if count:
        largest = ", ".join(f"{names[nodes[p]]}.grad += {nums('H', p, v)}" for p, v in top)
        lines.append(f"to its {count:,} parameter{'s' if count != 1 else ''}: gradient norm "
                     f"{nums('Z', 0, norm)}; largest {largest}")
    edges = tuple(f"{pic.records[nodes[p]]}->{box}" for p in outside if nodes[p] in pic.records)
    edges += tuple(f"{box}->{pic.records[nodes[k]]}" for k in flowed_in if nodes[k] in pic.records)
    return _step((box,), edges, updates, nums, "\n".join(lines), f"scope {path}", at=at, back=True,
                 rows=tuple(run))


def _count_text(c: int) -> str:
    return f"{c:,}" if c < 10 ** 15 else f"about 10^{len(str(c)) - 1}"


# A click lights this many of the node's paths to the output, largest |product| first;
# a path rides along as the rows it passes, from the output down.
_LIT_PATHS = 5


def _panel(t: GraphTable, pic: Picture, names: dict[Value, str], grads: list[float], digits: int,
           explained: bool = True) -> dict:
    """What a click on each node shows, keyed by its DOT ids (record and op alike).

    Read from the graph table: the page's played gradients are each node's sum over
    paths, the paths written out and their count come from ``explain_row`` on the same
    table (no walk, no backward per node), and one pass counts the paths of the nodes
    left unexplained."""
    num = lambda x: number(x, digits)  # noqa: E731
    row = t.row
    drawn = [n for n in pic.records if n not in pic.constants]
    # Labelled nodes first (the ones a learner asks about), then the rest, in graph order.
    chosen = sorted(drawn, key=lambda n: not n.label)[:MAX_EXPLAINED] if explained else []  # sorted() is stable
    explains: dict[Value, Explanation] = {}
    budget, rows_left = EXPLAIN_BUDGET, _explain_rows(len(t))
    for node, above in zip(chosen, t.above_each([row[node] for node in chosen])):
        if budget <= 0 or rows_left <= 0:  # labelled ones first, within both budgets
            break
        k = row[node]
        rows_left -= len(above)
        explained_here = explains[node] = explain_row(t, k, grads[k], digits=digits, above=above)
        budget -= len(explained_here.text)
    # An explained node's path count is its explain's; the others' take a pass over the
    # rows, which a big graph's page, explaining every node it draws, does not make.
    counts = path_counts(t) if len(explains) < len(pic.records) else []
    nodes: dict[str, dict] = {}
    for node, rid in pic.records.items():
        k = row[node]
        e = explains.get(node)
        entry = {"name": names[node], "label": node.label, "op": node.op,
                 "symbol": op_label(node) if node.parents else "",
                 "data": num(node.data), "grad": "" if node in pic.constants else num(grads[k]),
                 "id": rid, "constant": node in pic.constants, "scope": "/".join(node.scope),
                 "paths": _count_text(e.n_paths if e is not None else counts[k])}
        if node.parents and node.rule.js is None:
            entry["readonly"] = (f"Read-only: the op {node.op!r} has no JavaScript form "
                                 "(defop(..., js=JsForm(...))), "
                                 "so after an edit the page keeps the numbers Python gave it.")
        entry["locals"] = [{"input": names[p], "formula": formula(node, slot, names), "value": num(d),
                            "head": f"∂{_wrap(names[node])}/∂{_wrap(names[p])}",
                            "id": pic.records.get(p) or pic.folded.get(p, "")}
                           for slot, (p, d) in enumerate(zip(node.parents, node.local_grads))]
        if e is not None:
            entry["explain"] = {"paths": _count_text(e.n_paths), "sum": num(e.gradient), "text": e.text,
                                "lit": [[row[n] for n in path.nodes] for path in e.paths[:_LIT_PATHS]]}
        nodes[rid] = entry
        if node in pic.ops:
            nodes[pic.ops[node]] = {"ref": rid}
    members = Counter(pic.folded.values())  # each box's, in C: a big model's boxes hold most of it
    params = _box_params(t, pic)
    for box, path in pic.boxes.items():
        nodes[box] = {"name": "/".join(path), "box": True, "members": members[box], "params": params[box],
                      "id": box, "grad": "", "data": "", "label": "", "op": "", "locals": []}
    return nodes


def _fold_rule(depth: int, opened: frozenset, everything: frozenset):
    """Which box a node folds into when the scopes in ``opened`` are open one level and
    those under ``everything`` all the way (``collapse=depth`` otherwise). A parameter of an
    open scope's child box (a neuron's weights) is drawn outside that box, so opening a
    layer shows its parameters by name."""
    def fold(node: Value) -> tuple | None:
        s = node.scope
        k = depth
        while len(s) >= k:
            path = s[:k]
            if path in opened or everything and any(path[:len(e)] == e for e in everything):
                k += 1
                continue
            if node.role == "param" and not node.parents and len(s) == k and k > depth:
                return None  # a parameter of a box just opened: drawn beside its box
            return path
        return None
    return fold


def _svg(pic: Picture) -> str:
    try:
        svg = layout(pic.graph.source, "svg", "html").decode("utf-8")
    except DotNotFoundError as error:
        missing = "graphviz's `dot` program is not on PATH"
        why = " (the page's picture is laid out by it)"
        raise DotNotFoundError(str(error).replace(missing, missing + why)) from None
    return trim_svg(svg[svg.index("<svg"):])  # inline: no XML prolog or doctype


_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_GROUP_ID = re.compile(r'<g id="(?:node|edge|clust|a_)[^"]*"')
_FINE = re.compile(r"-?\d+\.\d\d+")
_INHERITED = ("font-family", "font-size", "text-anchor")  # properties a <text> inherits from its <g>


def trim_svg(svg: str) -> str:
    """graphviz's SVG as the page carries it: the same picture in fewer characters. Its
    comments go, and the ids graphviz gives its groups (the page finds a node or an edge by
    its title, and names a node's group itself); coordinates keep one decimal (a twentieth
    of a point at most), and each text property most texts share is said once on the
    picture's top group, which they inherit it from (a text that differs keeps its own).
    User text is never touched:
    graphviz escapes quotes and ``<`` in it, so no pattern here matches inside it.

    >>> trim_svg('<svg><g id="graph0" class="graph"><!-- n0 -->\\n<text x="1.25" y="-2.5" '
    ...          'font-size="11.00">data 0.125</text></g></svg>')
    '<svg><g id="graph0" class="graph" font-size="11.00"><text x="1.2" y="-2.5">data 0.125</text></g></svg>'
    """
    svg = _COMMENT.sub("", svg)
    svg = _GROUP_ID.sub("<g", svg)
    svg = GEOMETRY.sub(lambda m: f' {m.group(1)}="{_FINE.sub(_tenths, m.group(2))}"', svg)
    top = '<g id="graph0" class="graph"'
    shared = ""
    for name in _INHERITED if top in svg else ():
        values = re.findall(f' {name}="([^"]*)"', svg)
        if values:
            most = max(set(values), key=values.count)
            svg = svg.replace(f' {name}="{most}"', "")
            shared += f' {name}="{most}"'
    return svg.replace(top, top + shared, 1)


def _tenths(m: re.Match) -> str:
    text = f"{round(float(m.group(0)), 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


_STEP_FIELDS = tuple(f.name for f in fields(Step))


def _step_data(step: Step, editable: bool) -> dict:
    """A step as the page's JSON holds it: a page that recomputes carries a caption as its
    template only, one that cannot carries no template and no rows. Its tuples are taken
    as they are: ``asdict`` would copy each."""
    out = {name: getattr(step, name) for name in _STEP_FIELDS}
    if not editable:
        del out["template"], out["rows"]
    elif out["template"]:
        del out["caption"]  # the page writes it from the template and its numbers when it opens
    return out


def _view(root: Value, t: GraphTable, names: dict[Value, str], digits: int, forward: bool, draw_options: dict,
          played: list[float], fold=None, explained: bool = True,
          editable: bool = True) -> tuple[dict, str, Picture, list[Step]]:
    """One layout of the page: its SVG and the steps, panels and starting texts that go
    with it. ``played``: the gradients the steps end with, by row of the table ``t``."""
    # One picture: it checks the options and refuses graphs that are too large; its
    # records print the gradients the steps end with.
    pic = picture(root, grads=dict(zip(t.nodes, played)), table=t, fold=fold, **draw_options)
    steps, _, known = _steps(root, pic, names, digits, forward=forward, t=t, final=played)
    svg = _svg(pic)
    by_label: dict[str, str] = {}
    for node, rid in pic.records.items():
        if node.label:
            by_label.setdefault(node.label, rid)
    view = {
        "steps": [_step_data(s, editable) for s in steps],
        "start": {rid: number(0.0, digits) for node, rid in pic.records.items() if node not in pic.constants},
        "startData": {rid: (BLANK if forward and node.parents else number(node.data, digits))
                      for node, rid in pic.records.items() if node not in pic.constants},
        "nodes": _panel(t, pic, names, played, digits, explained),
        "labels": by_label,
        "root": pic.records.get(root, ""),
    }
    if forward:
        view["known"] = known
    return view, svg, pic, steps


# A page recomputes in the browser (a learner edits a leaf) graphs of at most this many
# Values: the rows ride along in the page, some 60 bytes each.
EDIT_LIMIT = 3000

# The boxes' opened layouts ride along in the page, packed (and each written against the
# layout it opens from), up to this many characters for each of the page's own boxes (at
# most _EXPAND_ROOMS of them), or the size of the page's own picture and steps (unpacked)
# if larger: about what the page carries without them. A box past it says how to see its
# inside.
EXPAND_BUDGET = 26_000
_EXPAND_ROOMS = 3
_EXPAND_LEVELS = 2  # the page's boxes open, and the boxes inside them
_EXPAND_OPEN = 4  # boxes open at once in one layout, at most (two layers of a model, say)
# Laying out an opened box costs passes over the whole graph and a run of dot (~0.2 s
# for a 7k-node GPT step): the layouts made stop at this many Values visited in all (two
# for that step, none for a 68k-node one, every one the size budget allows for an MLP).
# A box past it says which collapse= draws its inside.
_EXPAND_WORK = 20_000


def _open_views(root, t, names, digits, forward, draw_options, played, base_pic: Picture, base: dict, base_svg: str,
                depth: int, editable: bool) -> tuple[list[dict], list[dict]]:
    """The layouts of the page's boxes opened, within ``EXPAND_BUDGET``: breadth first from
    the page's own boxes, by how many are open (see below), each box opened one level;
    the page's own boxes all the way. Each layout says which layout each of its open
    boxes folds back to (``folds``)."""
    views = [base]
    fulls = [base]  # each view whole (a packed view is carried written against its parent)
    view_nodes = [base["nodes"]]  # each view's panel entries (a packed view's are inside its text)
    max_nodes = draw_options.get("max_nodes", DEFAULT_MAX_NODES)
    budget = max(EXPAND_BUDGET * min(len(base_pic.boxes), _EXPAND_ROOMS),
                 len(base_svg) + len(json.dumps(base["steps"])))
    keys: dict[tuple[frozenset, frozenset], int] = {(frozenset(), frozenset()): 0}
    opened_by: list[tuple[frozenset, frozenset]] = [(frozenset(), frozenset())]  # each view's key
    spent = {"used": 0, "work": 0}
    members_of: dict[int, dict[str, list[Value]]] = {}  # id(picture) -> its boxes' members
    options = {k: v for k, v in draw_options.items() if k != "collapse"}

    def members(pic: Picture) -> dict[str, list[Value]]:
        if id(pic) not in members_of:
            members_of[id(pic)] = {}
            for n, b in pic.folded.items():
                members_of[id(pic)].setdefault(b, []).append(n)
        return members_of[id(pic)]

    def lay(parent: int, pic: Picture, box: str, path: tuple, key_name: str,
            key: tuple[frozenset, frozenset]) -> tuple[int, Picture] | None:
        """The layout ``key`` (opened one level, opened all the way), linked from ``box``'s
        entry in view ``parent`` as ``key_name``; (its view, its picture) if newly made."""
        entry = view_nodes[parent][box]
        if key in keys:
            entry[key_name] = keys[key]
            return None
        no_room = (f"The page has no room left for {'/'.join(path)} opened; "
                   f"html(root, collapse={len(path) + 1}) draws its inside.")
        if spent["used"] >= budget or spent["work"] + len(pic.order) > _EXPAND_WORK:
            entry.setdefault("why", no_room)
            return None
        fold = _fold_rule(depth, key[0], key[1])
        folds = [fold(n) for n in members(pic)[box]]
        extra = len(set(folds)) + folds.count(None)
        too_large = f"Opened, {'/'.join(path)} draws more Values than max_nodes allows"
        try:
            if len(pic.records) + extra > max_nodes:
                raise GraphTooLargeError(too_large)
            view, svg, child, _ = _view(root, t, names, digits, forward, options, played, fold=fold,
                                        explained=False, editable=editable)
        except GraphTooLargeError:
            entry.setdefault("why", f"{too_large}; html(root, collapse={len(path) + 1}) draws its inside.")
            return None
        spent["work"] += len(pic.order)
        full = {"svg": pack_svg(svg), **view}
        packed = pack_json(_against(full, fulls[parent]))  # as the page will carry it
        if spent["used"] + len(packed) > budget:
            entry.setdefault("why", no_room)
            return None
        spent["used"] += len(packed)
        keys[key] = len(views)
        entry[key_name] = len(views)
        views.append({"packed": packed, "opened": "/".join(path), "parent": parent})
        fulls.append(full)
        view_nodes.append(view["nodes"])
        opened_by.append(key)
        return len(views) - 1, child

    # Breadth first by how many boxes are open: a layout opens the boxes inside the one it
    # opened, or one beside those open and no deeper (a sibling layer, the loss beside the
    # model). Up to _EXPAND_LEVELS open first; then the page's own boxes all the way; then
    # up to _EXPAND_OPEN open, as the budgets allow.
    queue: list[tuple[int, Picture, frozenset, tuple]] = [(0, base_pic, frozenset(), ())]
    later: list[tuple[int, Picture, frozenset, tuple]] = []
    for limit in (_EXPAND_LEVELS, _EXPAND_OPEN):
        while queue:
            parent, pic, opened, inner = queue.pop(0)
            if len(opened) >= limit:
                later.append((parent, pic, opened, inner))
                continue
            deepest = max(map(len, opened), default=0)
            # The boxes holding the most parameters are laid out first (what a box hands its
            # parameters is the lesson), where the budget lets only some open; the layouts
            # made are opened further in the picture's order.
            boxes = list(pic.boxes.items())
            if spent["work"] + len(pic.order) <= _EXPAND_WORK:  # else none is laid out: no order to choose
                params = _box_params(t, pic)
                boxes.sort(key=lambda bp: -params[bp[0]])
            made_here = []
            for box, path in boxes:
                if path[:len(inner)] != inner and len(path) > deepest:
                    continue
                made = lay(parent, pic, box, path, "expand", (opened | {path}, frozenset()))
                if made:
                    made_here.append((list(pic.boxes).index(box), (made[0], made[1], opened | {path}, path)))
            queue.extend(item for _, item in sorted(made_here, key=lambda m: m[0]))
        if limit == _EXPAND_LEVELS:  # the page's own boxes all the way
            for box, path in base_pic.boxes.items():
                lay(0, base_pic, box, path, "expandAll", (frozenset(), frozenset({path})))
            queue, later = later, []
    for k in range(1, len(views)):  # the entries gained their own boxes' links after packing
        views[k]["packed"] = pack_json(_against(fulls[k], fulls[views[k]["parent"]]))
    for k, (opened, everything) in enumerate(opened_by):  # what each open box folds back to
        folds = {}
        for path in sorted(opened | everything):  # sorted: the same page every run
            target = (frozenset(q for q in opened if q[:len(path)] != path),
                      frozenset(q for q in everything if q[:len(path)] != path))
            if target in keys:
                folds["/".join(path)] = keys[target]
        views[k]["folds"] = folds
    return views, view_nodes


def _against(view: dict, parent: dict) -> dict:
    """A view as the page carries it, written against the view it opens from: a step that
    is one of the parent's (an op outside the box opened) is the parent's step number, and
    a panel entry that is the parent's is 0. The page puts copies of them back in place.

    >>> _against({"steps": [{"a": 1}, {"b": 2}], "nodes": {"n0": {"x": 1}, "n1": {"y": 2}}},
    ...          {"steps": [{"b": 2}], "nodes": {"n1": {"y": 2}}})
    {'steps': [{'a': 1}, 0], 'nodes': {'n0': {'x': 1}, 'n1': 0}}
    """
    index = {json.dumps(s, sort_keys=True): k for k, s in enumerate(parent["steps"])}
    steps = [index.get(json.dumps(s, sort_keys=True), s) for s in view["steps"]]
    theirs = parent["nodes"]
    nodes = {rid: 0 if theirs.get(rid) == entry else entry for rid, entry in view["nodes"].items()}
    return {**view, "steps": steps, "nodes": nodes}


def _values(order: list[Value], views: list[dict[str, dict]], played: list[float]) -> dict[str, list]:
    """Every drawn Value's data and gradient at full precision (null where not finite), for
    the page's value() and grad(); keyed by record id (``n{k}``, its row in the table)."""
    finite = lambda x: x if x == x and abs(x) != float("inf") else None  # noqa: E731
    drawn = {rid for nodes in views for rid, entry in nodes.items()
             if not entry.get("box") and not entry.get("ref") and not entry.get("constant")}
    return {rid: [finite(order[int(rid[1:])].data), finite(played[int(rid[1:])])]
            for rid in sorted(drawn, key=lambda r: int(r[1:]))}


def _frame_height(svg: str) -> int:
    """A notebook frame tall enough for the picture fitted to a cell ~900 px wide, plus the controls."""
    match = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not match:
        return 720
    w, h = (float(v) * 4 / 3 for v in match.groups())
    return int(max(420, min(800, h * min(1.0, 900 / max(w, 1)) + 300)))


def _first_frame(svg: str, base: dict, steps: list[Step], digits: int) -> tuple[str, dict]:
    """The page's body and shell's ``first`` for step 0 written in the page (firstframe.py)."""
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    w, h = (float(v) * MAX_FIT for v in box.groups()) if box else (1e6, 1e6)
    # Without graphviz's line breaks between tags (each was a text node for the loader to
    # make before the first paint), drawn at the top of the room the style gives it, as
    # fit() draws it (backprop.js's TOP). The picture's controls come with the scripts.
    picture = first_svg(svg, base["start"], base["startData"]).replace(">\n<", "><").replace(
        "<svg ", '<svg preserveAspectRatio="xMidYMin meet" ', 1)
    body = f'<div id="graph" class="ready prefit" style="--most-w: {w:.0f}px; --most-h: {h:.0f}px">{picture}</div>'
    label = f"step 0 of {len(steps) - 1}" + (f" · {steps[0].name}" if steps[0].name else "")
    return body, {"caption": steps[0].caption, "twins": caption_twins(base["steps"], digits), "label": label,
                  "count": len(steps), "later": VIEW_CONTROLS}


MAX_FIT = 1.6  # backprop.js's: a small picture is not blown up beyond this when fitted

VIEW_CONTROLS = """<div id="view-controls" role="toolbar" aria-label="picture">
<button id="zoom-in" type="button" title="zoom in (+)" aria-label="zoom in">+</button>
<button id="zoom-out" type="button" title="zoom out (-)" aria-label="zoom out">−</button>
<button id="fit" type="button" title="fit the picture to the window (f)">fit</button>
<label title="bring each step's node into view"><input id="follow" type="checkbox" checked> follow</label>
<button id="fold-back" type="button" hidden></button><span id="folds"></span>
</div>
<details id="key" class="auto" open><summary>legend</summary><ul>
<li><span class="swatch focus"></span>the node whose step it is</li>
<li><span class="swatch lit"></span>the edges it uses; a gradient or data that just changed</li>
<li><span class="swatch back"></span>◀ a backward step: the gradient travels against the arrows</li>
<li><span class="swatch selected"></span>the node whose panel is open;
<span class="swatch paths"></span>its paths to the output</li>
<li><b>1.5</b> on an edge: ∂(op's result)/∂(that input), the local derivative</li>
<li>drag to pan, wheel or pinch to zoom; click a box to open it, a node for its chain rule</li>
</ul></details>"""


@pauses_collector  # see autograd.collector: the passes make many short-lived containers
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
    'a.grad += y.grad × ∂y/∂a (input 2) = 1 × 3 = 3   (a.grad: 3 + 3 = 6)'
    """
    if not isinstance(root, Value):
        raise TypeError(f"html: expected a Value to show, got {type(root).__name__} {root!r}")
    digits = check_digits(draw_options.get("digits", 4), "html")
    unknown = set(draw_options) - {"show", "edge_labels", "collapse", "max_nodes", "digits", "rankdir", "legend"}
    if unknown:
        raise TypeError(f"html: unknown option {sorted(unknown)[0]!r}; draw's options are show, edge_labels, "
                        "collapse, max_nodes, digits, rankdir and legend")
    # One walk (the table), one chain-rule pass for the gradients the steps play (the same
    # in every layout of the page), one picture per layout with them in its records.
    t = table(root)
    order = list(t.nodes)
    names = _Names(t, digits)
    played = row_gradients(t)
    editable = len(order) <= EDIT_LIMIT
    base, svg, pic, steps = _view(root, t, names, digits, bool(forward), draw_options, played, editable=editable)
    depth = draw_options.get("collapse")
    views, view_nodes = ([base], [base["nodes"]])
    if pic.boxes and depth is not None:  # boxes are the scopes collapse= folded
        views, view_nodes = _open_views(root, t, names, digits, bool(forward), draw_options, played, pic, base, svg,
                                        depth, editable)
    title = title if title is not None else f"Backprop through {names[root]}, step by step"
    data = {"views": views, "values": _values(order, view_nodes, played), "explained": MAX_EXPLAINED, "digits": digits}
    # The paths written out (most of a big page's text) are inflated when a panel first
    # shows one, not as the page opens.
    texts = {rid: entry["explain"].pop("text") for rid, entry in base["nodes"].items() if "explain" in entry}
    # What is inflated later rides in elements of its own, outside what the page inflates
    # as it opens: the paths written out, and the opened layouts (``packed`` names the element).
    later = {"chainrule-explains": pack_json(texts)} if texts else {}
    if texts:
        data["explainTexts"] = "chainrule-explains"
    for k, view in enumerate(views[1:], 1):
        later[f"chainrule-view-{k}"], view["packed"] = view["packed"], f"chainrule-view-{k}"
    script = asset("backprop.js")
    if editable:
        data["graph"] = {"rows": js_rows(order), "root": len(order) - 1,
                         "leaves": [k for k, n in enumerate(order) if not n.parents and (n.label or n.role)],
                         "params": [k for k, n in enumerate(order) if not n.parents and n.role == "param"]}
        # The ops' rows themselves (a user's op may have left the table since it was used).
        rules = {n.rule.name: n.rule for n in order if n.parents}
        script = compute_script([rules[name] for name in sorted(rules)]) + "\n" + script
    else:
        data["readonly"] = (f"the graph has {len(order):,} Values, more than the {EDIT_LIMIT:,} a page recomputes; "
                            "change the value in Python and make the page again")
    n_ops = len(t) - t.parents.count(())
    subtitle = (f"{len(order):,} Values, {n_ops:,} ops, {len(steps) - 1:,} steps. "
                "Keys: ← → step, space play/pause, Home/End, + − zoom, f fit. Click a node for its chain rule.")
    body, first = f'<div id="graph">{svg}</div>{VIEW_CONTROLS}', None
    if not forward:  # step 0 written in the page: painted before any script runs
        body, first = _first_frame(svg, base, steps, digits)
    page = BackpropPage(shell(title, body, data, script, style=asset("backprop.css"), subtitle=subtitle, panel=True,
                              pack=True, packed=later, first=first), title, steps)
    page.height = _frame_height(svg)
    if path is not None:
        page.save(path)
    return page


__all__ = ["html", "BackpropPage", "Step", "formula", "substituted"]
