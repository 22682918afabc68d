"""The calls of scopes a graph was made in, found from the graph: its connected pieces.

A call of a scope path is a connected piece of the op nodes made under that path (a model
called on two samples makes two pieces that share only its parameters, which are leaves).
``pieces(parents, scopes)`` finds them for every scope level at once: for each level j,
a list by row whose entry for an op row with a scope more than j names deep is its
piece at level j, named by the piece's first row (its root); any other row's entry is
the row itself. ``autograd.names.Calls`` numbers the pieces and writes them into names.

Pieces of a level lie within pieces of the level above: an edge joins two rows at every
level their scopes share. Two ways to find them, with the same result: ``union_find`` in
Python, and ``components`` with numpy (used when it is installed and the graph has
``ARRAY_EDGES`` edges or more, where it costs about a third: 0.04 s against 0.12 s for the
78k-node GPT step of ``python -m demos.figures --only views``, CPU).

>>> from autograd import Value, scope
>>> calls = []
>>> for x in (1.0, 2.0):
...     with scope("f"):
...         y = Value(x) * 2
...         calls.append((y, y.tanh()))
>>> from autograd.table import table
>>> t = table(calls[0][1] + calls[1][1])
>>> (level0,) = pieces(t.parents, t.scopes)
>>> [[level0.roots[t.row[node]] for node in call] for call in calls]  # each call's two ops, one piece
[[6, 6], [2, 2]]
>>> level0.last  # each piece's root and last row
{2: 3, 6: 7}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, NamedTuple

ARRAY_EDGES = 50_000  # the fewest edges for which numpy's arrays cost less than they save


class Level(NamedTuple):
    """One scope level's pieces: ``roots``, each row's piece by row (see the module
    docstring), and ``last``, each piece (by its root) with its last row."""

    roots: list[int]
    last: dict[int, int]


def pieces(parents: Sequence[tuple[int, ...]], scopes: Sequence[tuple],
           arrays: Callable[[Any], tuple[Any, Any]] | None = None) -> list[Level]:
    """Each level's pieces (see the module docstring and ``Level``); ``parents`` are the
    rows' inputs as row numbers, every input before the rows that read it, and
    ``arrays`` (given numpy) the same edges as two arrays (``edge_arrays``), if someone
    keeps them (``GraphTable.edge_arrays``)."""
    # Each op row's scope as a small number (0: a leaf, or a row outside every scope)
    # and, for each two scopes, the deepest level they share (-1: none): most edges
    # join rows of two different scopes, and a graph has few scopes, so an edge's
    # level is one look-up instead of a comparison of two paths.
    paths = [(), *(s for s in dict.fromkeys(scopes) if s)]
    number = {s: i for i, s in enumerate(paths)}
    sid = [i if ps else 0 for i, ps in zip(map(number.__getitem__, scopes), parents)]
    shared = [[_shared_levels(a, b) for b in paths] for a in paths]
    lengths = list(map(len, paths))
    if len(paths) > 1 and sum(map(len, parents)) >= ARRAY_EDGES:
        try:
            import numpy
        except ImportError:
            pass
        else:
            rows, into = arrays(numpy) if arrays is not None else edge_arrays(numpy, parents)
            return components(numpy, rows, into, sid, shared, lengths)
    return union_find(parents, sid, shared, lengths)


def union_find(parents: Sequence[tuple[int, ...]], sid: list[int], shared: list[list[int]],
               lengths: list[int]) -> list[Level]:
    """The pieces in Python: one union-find a level, over the edges in one pass.
    ``sid``: each row's scope number (0: none, or a leaf), ``shared``: the deepest level
    two scopes share, ``lengths``: each scope's number of names."""
    n = len(parents)
    depth = max(lengths)
    uf = [list(range(n)) for _ in range(depth)]
    for k, i in enumerate(sid):
        if not i:
            continue
        mine = [k] * lengths[i]  # k's piece at each level: its own until an input joins it
        deepest = shared[i]
        for p in parents[k]:
            j = deepest[sid[p]]
            # Deepest level first: the pieces of a level lie within those of the level
            # above, so rows joined here are joined above too, and most edges stop at once.
            while j >= 0:
                f = uf[j]
                r = f[p]
                while f[r] != r:
                    f[r] = r = f[f[r]]  # path halving
                m = mine[j]
                if r == m:
                    break
                if r < m:  # the root is the piece's first row
                    f[m] = mine[j] = r
                else:
                    f[r] = m
                j -= 1
    # Every row straight to its piece's root, in one pass a level: a root is its piece's
    # first row and every link leads to a smaller row, so a row's link is final when
    # the row is reached.
    for f in uf:
        for x in range(n):
            f[x] = f[f[x]]
    # A root is a row of its piece, so it says whether the piece is one of the level's.
    levels: list[Level] = []
    for j, f in enumerate(uf):
        last = dict(zip(f, range(n)))  # root -> the last row pointing at it
        levels.append(Level(f, {r: k for r, k in last.items() if lengths[sid[r]] > j}))
    return levels


def components(np, rows, into, sid: list[int], shared: list[list[int]], lengths: list[int]) -> list[Level]:
    """The pieces with numpy, the same as ``union_find``'s. The edges that join rows at
    some level are arrays, each with the deepest level its two rows share; from the
    deepest level up, a level's pieces are the pieces of the level below it joined by
    the edges whose deepest shared level is this one. ``rows`` and ``into``: every edge's
    row that reads and row read, in any order."""
    n, kind = len(sid), rows.dtype
    scope = np.asarray(sid, kind)
    level = np.asarray(shared, kind).ravel()[scope[rows] * len(shared) + scope[into]]
    joined = np.flatnonzero(level >= 0)  # most edges lead to leaves, which have no scope
    rows, into, level = rows[joined], into[joined], level[joined]
    deep = np.asarray(lengths, kind)[scope]  # each op row's scope's number of names (0: none)
    roots = np.arange(n, dtype=kind)
    found: list[Level] = []
    for j in range(max(lengths) - 1, -1, -1):
        here = np.flatnonzero(level == j)
        roots = _joined(np, roots, rows[here], into[here])
        members = np.flatnonzero(deep > j).astype(kind)
        last = np.full(n, -1, kind)
        np.maximum.at(last, roots[members], members)
        placed = np.flatnonzero(last >= 0)
        found.append(Level(roots.tolist(), dict(zip(placed.tolist(), last[placed].tolist()))))
    return found[::-1]


def edge_arrays(np, parents: Sequence[tuple[int, ...]]) -> tuple[Any, Any]:
    """Every edge of rows whose inputs are ``parents`` as two 32-bit numpy arrays, in
    backward's order (the rows from the last down, each one's inputs in order): the row
    that reads, and the row it reads (``GraphTable.edge_arrays`` keeps them)."""
    ins = parents[::-1]
    widths = np.fromiter(map(len, ins), np.int32, count=len(ins))
    into = np.fromiter(chain.from_iterable(ins), np.int32, count=int(widths.sum()))
    return np.repeat(np.arange(len(ins) - 1, -1, -1, dtype=np.int32), widths), into


def _joined(np, roots, a, b):
    """``roots`` (each row's root, the smallest row of its piece) with the edges ``a``-``b``
    added. Each round hooks the larger root of every edge that still joins two pieces
    under the smallest root it meets, then points every row straight at its root; a
    round at least halves the pieces an edge still joins, so the rounds are few."""
    roots = roots.copy()
    while a.size:
        ra, rb = roots[a], roots[b]
        apart = ra != rb
        if not apart.any():
            break
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        np.minimum.at(roots, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:  # every link leads to a smaller row: no cycles, and this ends
            further = roots[roots]
            if np.array_equal(further, roots):
                break
            roots = further
    return roots


def _shared_levels(a: tuple, b: tuple) -> int:
    """The deepest level (from 0) at which scope paths ``a`` and ``b`` agree; -1 if none."""
    j = -1
    for x, y in zip(a, b):
        if x != y:
            break
        j += 1
    return j


__all__ = ["pieces", "Level", "union_find", "components", "edge_arrays", "ARRAY_EDGES"]
