"""What a graph holds, in one table: ``summary(root)``.

>>> from autograd import Value, scope
>>> w = Value(0.5, label="w"); w.role = "param"
>>> with scope("layer"):
...     y = (w * 2.0 + 1.0).tanh()
>>> print(summary(y))
graph below tanh(w*2+1): 6 nodes (3 ops, 3 leaves), 5 edges, depth 3, memory about 1.1 kB
leaves: 3: 1 parameter (role 'param'), 2 others (inputs and constants)
by op                  nodes  share
  leaf                     3   50.0%
  add                      1   16.7%
  mul                      1   16.7%
  tanh                     1   16.7%
by scope    calls      nodes  share
  (none)                   1   16.7%
  layer         1          5   83.3%

For a model's step: how many nodes of each op, how many are parameters, where they were
made (scopes, with call numbers folded: ``linear#1``..``linear#56`` count as one row of 56
calls; a scope's nodes include those of the scopes inside it), the longest path from a
leaf to the root (depth, in edges), and an estimate of the memory the nodes take. It reads
the graph table (``autograd.table``): one walk, then a pass for each node's depth; the
counts are made from the table's columns.
"""

from __future__ import annotations

import html
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress
from operator import not_

from ..collector import pauses_collector
from ..table import depths, table
from ..value import Value

_MAX_SCOPE_ROWS = 40  # rows of the scope table; the rest are counted in one line
_MAX_SCOPE_DEPTH = 4  # scope levels shown
_FLOAT_BYTES = sys.getsizeof(1.0)
_META_BYTES = 64  # a node's record of label, scope, role and site (four slots)


@dataclass(frozen=True)
class ScopeRow:
    """One row of the scope table: a scope path with call numbers folded away."""

    path: tuple[str, ...]  # ("gpt", "attention"): gpt#3's attention#2 is counted here
    calls: int  # distinct calls (scope instances) folded into the row
    nodes: int  # nodes made in it or in scopes inside it


@dataclass(repr=False, eq=False)
class Summary:
    """What ``summary`` found. Prints itself at the prompt; shows as a table in Jupyter."""

    name: str  # the root's name (autograd.names)
    nodes: int
    edges: int  # parent links (a*a counts two)
    leaves: int
    params: int  # leaves with role 'param'
    depth: int  # edges on the longest path from a leaf to the root
    memory: int  # bytes, estimated (see _memory)
    by_op: list[tuple[str, int]]  # (op name, 'leaf' for leaves; count), most first
    by_scope: list[ScopeRow] = field(default_factory=list)  # tree order, unscoped first
    more_scopes: int = 0  # rows left out of by_scope

    def share(self, count: int) -> str:
        return f"{100.0 * count / self.nodes:.1f}%" if self.nodes else "0%"

    def lines(self) -> list[str]:
        ops = self.nodes - self.leaves
        out = [f"graph below {self.name}: {self.nodes:,} nodes ({ops:,} ops, {self.leaves:,} leaves), "
               f"{self.edges:,} edges, depth {self.depth:,}, memory about {_bytes(self.memory)}",
               f"leaves: {self.leaves:,}: {self.params:,} parameter{'s' if self.params != 1 else ''} "
               f"(role 'param'), {self.leaves - self.params:,} others (inputs and constants)"]
        # One layout for both tables, so their columns line up.
        op_rows = [(f"  {op}", "", n) for op, n in self.by_op]
        scope_rows = [("  " * len(r.path) + r.path[-1] if r.path else "  (none)", f"{r.calls:,}" if r.path else "",
                       r.nodes) for r in self.by_scope]
        width = max(len(text) for text, _, _ in [("by scope", "", 0), *op_rows, *scope_rows])
        for title, rows in (("by op", op_rows), ("by scope", scope_rows)):
            out.append(f"{title.ljust(width)}  {'calls' if title == 'by scope' else '':>7}  {'nodes':>9}  share")
            out += [f"{text.ljust(width)}  {calls:>7}  {n:>9,}  {self.share(n):>6}" for text, calls, n in rows]
        if self.more_scopes:
            out.append(f"  … {self.more_scopes:,} more scope rows not shown")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    __str__ = __repr__

    def _repr_html_(self) -> str:
        esc = html.escape
        head = esc(self.lines()[0]) + "<br>" + esc(self.lines()[1])
        ops = "".join(f"<tr><td>{esc(op)}</td><td align='right'>{n:,}</td><td align='right'>{self.share(n)}</td></tr>"
                      for op, n in self.by_op)
        scopes = "".join(
            f"<tr><td style='padding-left:{1 + len(r.path)}em'>{esc(r.path[-1]) if r.path else '(none)'}</td>"
            f"<td align='right'>{f'{r.calls:,}' if r.path else ''}</td><td align='right'>{r.nodes:,}</td>"
            f"<td align='right'>{self.share(r.nodes)}</td></tr>" for r in self.by_scope)
        if self.more_scopes:
            scopes += f"<tr><td colspan='4'>… {self.more_scopes:,} more scope rows not shown</td></tr>"
        return (f"<div><p>{head}</p><table style='display:inline-table;margin-right:2em'>"
                f"<tr><th>op</th><th>nodes</th><th>share</th></tr>{ops}</table>"
                f"<table style='display:inline-table'><tr><th>scope</th><th>calls</th><th>nodes</th>"
                f"<th>share</th></tr>{scopes}</table></div>")


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


@pauses_collector  # see autograd.collector: the passes make many short-lived containers
def summary(root: Value) -> Summary:
    """Nodes by op and by scope, leaves, parameters, depth and memory of the graph below root.

    >>> from autograd import Value
    >>> x = Value(3.0); s = summary(x * x + x)
    >>> s.nodes, s.leaves, s.depth, s.by_op
    (3, 1, 2, [('add', 1), ('leaf', 1), ('mul', 1)])
    """
    if not isinstance(root, Value):
        raise TypeError(f"summary: expected a Value, got {type(root).__name__} {root!r}")
    t = table(root)
    rules = t.rules
    by_id = Counter(map(id, rules))  # an Op is a NamedTuple, hashed field by field: count by id
    rule_of = dict(zip(map(id, rules), rules))  # in C: a few keys, however many rows
    by_op: Counter = Counter()
    for key, n in by_id.items():
        by_op[rule_of[key].name or "leaf"] += n  # no op is named 'leaf': a leaf's op is ''
    leaves = by_op.get("leaf", 0)
    parents = t.parents
    # Counted by record of label, scope and role (most nodes share their scope call's), in
    # C; then each record is read once.
    by_meta = Counter(t.metas)
    leaf_metas = Counter(compress(t.metas, map(not_, parents)))  # the leaves' records
    params = sum(n for meta, n in leaf_metas.items() if meta is not None and meta.role == "param")
    by_scope_tuple: Counter = Counter()
    for meta, n in by_meta.items():
        by_scope_tuple[meta.scope if meta is not None else ()] += n
    ops = sorted(by_op.items(), key=lambda item: (-item[1], item[0]))
    rows, more = _scope_rows(by_scope_tuple)
    nodes = len(t)
    edges = sum(map(len, parents))
    wide = [len(ps) for ps in parents if len(ps) > 2]
    metas = sum(meta is not None for meta in by_meta)
    return Summary(name=t.name_of(t.roots[0]), nodes=nodes, edges=edges, leaves=leaves,
                   params=params, depth=depths(t)[t.roots[0]],
                   memory=_memory(root, nodes, edges, (len(wide), sum(wide)), metas),
                   by_op=ops, by_scope=rows, more_scopes=more)


def _memory(root: Value, nodes: int, edges: int, wide: tuple[int, int], metas: int) -> int:
    """Bytes the nodes take, estimated: each node (its slots), its data and grad floats, a
    float per local derivative, the tuple holding parents and locals of a node with more
    than two parents, and each record of label, scope and role (``metas``: one per scope
    call, shared by the nodes made in it, and one per labelled node). Numbers shared
    between nodes are counted once per use."""
    wide_nodes, wide_edges = wide
    tuples = wide_nodes * sys.getsizeof(()) + wide_edges * 2 * 8
    return nodes * (sys.getsizeof(root) + 2 * _FLOAT_BYTES) + edges * _FLOAT_BYTES + tuples + metas * _META_BYTES


def _strip(name: str) -> str:
    """``linear#3`` -> ``linear`` (a call number); other names unchanged."""
    base, hash_, number = name.rpartition("#")
    return base if hash_ and number.isdigit() and base else name


def _scope_rows(by_scope: Counter) -> tuple[list[ScopeRow], int]:
    nodes: Counter = Counter()
    instances: dict[tuple, set] = {}
    for path, n in by_scope.items():
        if not path:
            nodes[()] += n
            continue
        for depth in range(1, min(len(path), _MAX_SCOPE_DEPTH) + 1):
            prefix = path[:depth]
            folded = tuple(map(_strip, prefix))
            nodes[folded] += n
            instances.setdefault(folded, set()).add(prefix)
    # Tree order: each row followed by the rows inside it; siblings by nodes, most first.
    children: dict[tuple, list[tuple]] = {}
    for path in nodes:
        if path:
            children.setdefault(path[:-1], []).append(path)
    out: list[ScopeRow] = []
    if () in nodes:
        out.append(ScopeRow((), 0, nodes[()]))
    stack = sorted(children.get((), []), key=lambda p: (nodes[p], p))
    while stack:
        path = stack.pop()
        out.append(ScopeRow(path, len(instances[path]), nodes[path]))
        stack += sorted(children.get(path, []), key=lambda p: (nodes[p], p))
    if len(out) > _MAX_SCOPE_ROWS:
        return out[:_MAX_SCOPE_ROWS], len(out) - _MAX_SCOPE_ROWS
    return out, 0


__all__ = ["summary", "Summary", "ScopeRow"]
