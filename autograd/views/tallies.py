"""The paths from one row of a graph table up to the root, tallied without listing them.

For every row ``r`` that depends on row ``wrt``, up to the root row, the paths from ``r``
down to ``wrt`` are tallied: how many (``counts[r]``), and the largest |product| of one of
them (``most[r]``; a NaN counts as inf: a NaN path is the first one to show); and at the
root, the sum of their products (the ``gradient`` d root / d wrt, in forward mode,
computed independently of backward) and of their |product| (``magnitude``). A row takes
each from its inputs', so one pass over the rows above ``wrt`` gives them all: ``explain``
counts the paths by them and finds the largest.

Two ways, with the same numbers to the last bit: ``by_rows``, a pass in Python, and
``by_levels`` with numpy, used when it is installed and ``ARRAY_ROWS`` rows or more lie
above ``wrt``. The arrays take the rows a level at a time (a row's level is its longest
path down to ``wrt``, so its inputs are all on levels below it) and add each row's terms
in the order of its inputs, as the pass does (``ufunc.at`` adds in the order given). A
deep parameter of the 78k-node GPT step of ``python -m demos.figures --only views`` has
42,882 rows above it (itself included) on 25 levels, and 457,210 edges between them. A
graph too deep for levels to pay (a long chain) is tallied in Python.

>>> from autograd import Value
>>> from autograd.table import table
>>> x = Value(3.0); y = x * x; t = table(y * 2)
>>> top = t.roots[0]; found = tally(t, t.row[x], top)
>>> found.counts[top], found.most[top], found.gradient  # 2 paths of 2·3 each: d(2x²)/dx = 4x
(2, 6.0, 12.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from ..table import GraphTable

# The fewest rows above wrt for which the arrays cost less than the pass, with room (on an
# MLP's weights they already do at about a thousand).
ARRAY_ROWS = 2_000
# The most levels tried with arrays: each level is a few array operations to find and a
# few to tally, which a chain of many short levels makes slower than the pass in Python
# (and a row's level is kept in a byte).
MAX_LEVELS = 64
RADIX_ROWS = 1 << 16  # the most rows above wrt numbered by 16 bits


class Tally(NamedTuple):
    """The tallies (see the module docstring): ``counts`` and ``most`` by row (0 for a row
    that does not depend on ``wrt``), ``gradient`` and ``magnitude`` at the root."""

    counts: Sequence[int]
    most: Sequence[float]
    gradient: float
    magnitude: float


def tally(t: GraphTable, wrt: int, root: int, above: Sequence[int] | None = None) -> Tally:
    """The tallies of the paths down to row ``wrt`` of every row up to row ``root``;
    ``above`` is ``t.above(wrt)`` if the caller has it."""
    if above is None:
        above = t.above(wrt)
    if len(above) >= ARRAY_ROWS:
        try:
            import numpy
        except ImportError:
            pass
        else:
            try:
                found = by_levels(numpy, t, wrt, root, above)
            except (TypeError, ValueError, OverflowError):  # a local derivative numpy cannot hold
                found = None
            if found is not None:
                return found
    return by_rows(t, wrt, root, above)


def by_rows(t: GraphTable, wrt: int, root: int, above: Sequence[int]) -> Tally:
    """The tallies in Python, one pass over the rows ``above`` (row order, ``wrt`` first)."""
    n = len(t)
    count = [0] * n
    tangent = [0.0] * n
    size = [0.0] * n
    most = [0.0] * n
    count[wrt], tangent[wrt], size[wrt], most[wrt] = 1, 1.0, 1.0, 1.0
    parents, locals_ = t.parents, t.locals
    for r in above[1:]:
        if r > root:
            break
        c = 0
        tan = m = big = 0.0
        for p, local in zip(parents[r], locals_[r]):
            pc = count[p]
            if pc:
                c += pc
                tan += local * tangent[p]
                a = abs(local)
                m += a * size[p]
                b = a * most[p]  # >= 0 or NaN: explain's _magnitude written out (this loop is most of its work)
                if b > big:
                    big = b
                elif b != b:
                    big = math.inf  # a NaN path is the first one to show
        if c:
            count[r] = c
            tangent[r] = tan
            size[r] = m
            most[r] = big
    return Tally(count, most, tangent[root], size[root])


def by_levels(np: Any, t: GraphTable, wrt: int, root: int, above: Sequence[int]) -> Tally | None:
    """The tallies with numpy (``np``), the same as ``by_rows``'; None when there are more
    than ``MAX_LEVELS`` levels, or more paths than a float64 counts exactly."""
    n = len(t)
    rows = np.asarray(above, np.intp)
    inside = np.zeros(n, bool)
    inside[rows[rows <= root]] = True
    reads, read = t.edge_arrays(np)  # backward's order: rows from the last down, inputs in order
    kept = np.flatnonzero(inside[reads] & inside[read])
    reads, read, local = reads[kept], read[kept], t.edge_locals(np)[kept]
    # Levels by Kahn's algorithm: a row's level is known once the last of its inputs
    # above wrt has one. The edges sorted by the row they read give each level's edges
    # out of it, so every edge is looked at once.
    if len(rows) <= RADIX_ROWS:  # the rows numbered from 0: a 16-bit key, which numpy sorts by radix
        key = np.zeros(n, np.uint16)
        key[rows] = np.arange(len(rows))
        by_read = np.argsort(key[read], kind="stable")
    else:
        by_read = np.argsort(read, kind="stable")
    out_of, out_to = read[by_read], reads[by_read]
    waiting = np.bincount(reads, minlength=n)  # each row's inputs above wrt not yet given a level
    level = np.zeros(n, np.uint8)
    here = np.array([wrt])
    for k in range(1, MAX_LEVELS + 2):
        first = np.searchsorted(out_of, here, "left")
        widths = np.searchsorted(out_of, here, "right") - first
        ends = np.cumsum(widths)
        if not len(ends) or not ends[-1]:
            break
        if k > MAX_LEVELS:
            return None
        to = out_to[np.repeat(first - ends + widths, widths) + np.arange(ends[-1])]
        np.subtract.at(waiting, to, 1)
        ready = np.zeros(n, bool)
        ready[to[waiting[to] == 0]] = True  # a row read twice is there twice
        here = np.flatnonzero(ready)
        level[here] = k
    # Each level's edges together; a row's edges keep their order (the sort is stable).
    ranked = level[reads]
    order = np.argsort(ranked, kind="stable")
    reads, read, local, ranked = reads[order], read[order], local[order], ranked[order]
    bounds = np.searchsorted(ranked, np.arange(1, k + 1)).tolist()
    count, tangent, size, most = (np.zeros(n) for _ in range(4))
    count[wrt] = tangent[wrt] = size[wrt] = most[wrt] = 1.0
    magnitude = np.abs(local)
    with np.errstate(all="ignore"):  # inf times 0 is NaN here as in Python, without a warning
        for lo, hi in pairwise(bounds):
            into, p, a = reads[lo:hi], read[lo:hi], magnitude[lo:hi]
            np.add.at(count, into, count[p])
            np.add.at(tangent, into, local[lo:hi] * tangent[p])
            np.add.at(size, into, a * size[p])
            b = a * most[p]
            b[np.isnan(b)] = np.inf  # a NaN path is the first one to show
            np.maximum.at(most, into, b)
    if not count.max() < 2.0 ** 53:  # counted in floats: exact below 2**53
        return None
    return Tally(count.astype(np.int64).tolist(), most.tolist(), float(tangent[root]), float(size[root]))


__all__ = ["tally", "Tally", "by_rows", "by_levels", "ARRAY_ROWS", "MAX_LEVELS", "RADIX_ROWS"]
