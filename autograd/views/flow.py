"""How the step-through page's box steps follow gradients (``backprop.html``).

A collapsed scope's box steps back as one run of its rows at a time. The page keeps up
only the gradients it shows or hands on: the *followed* rows, each NOTED (drawn, or an
input of an op drawn: captions name it) and/or a PARAM (a parameter: the box's last run
says what the call handed its parameters, their norm and largest entries). ``flow(t,
played, followed)`` makes the object that plays the runs: ``back(run, grad, box)`` (``box``
any key: the page passes a box's call) adds to
``grad`` (a list by row) what the run's rows pass to their followed inputs, edge by edge
in the order backward passes them (the rows from the root down, each one's inputs in
order: d root / d row, complete when the row is played, times the local derivative),
and returns the noted rows reached, in order, with their gradients before the run;
``handed(box)`` is what the runs of ``box`` handed each parameter, summed over its runs,
in the order they were first reached; ``settle(grad)`` writes every followed gradient
into ``grad`` when the runs are done.

A box's run reaches most of a big graph: on a 78k-node GPT step's page, 1.26M edges of
which 0.57M lead to parameters. ``Flow`` goes over them in Python. ``ArrayFlow``, used
when numpy is installed and the graph has ``ARRAY_EDGES`` edges or more, lays the edges
into parameters out as arrays once and plays each run with a few array operations (0.08 s
instead of 0.24 s on that page, CPU medians): the same additions in the same order, so the
same numbers to the last bit.

>>> from autograd import Value
>>> from autograd.table import row_gradients, table
>>> w = Value(2.0, label="w"); w.role = "param"; y = w * w
>>> t = table(y); followed = bytearray([PARAM, 0]); grad = [0.0, 1.0]
>>> f = Flow(t, row_gradients(t), followed)
>>> f.back([1], grad, "box"), grad[0], f.handed("box")
({}, 4.0, {0: 4.0})
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Hashable
from itertools import repeat
from operator import add, sub
from typing import Any

from ..table import GraphTable

NOTED, PARAM = 1, 2  # a followed row's kinds, bits of a byte per row

# The fewest edges for which laying them out as arrays costs less than it saves.
ARRAY_EDGES = 50_000


class Flow:
    """The runs played in Python (see the module docstring)."""

    def __init__(self, t: GraphTable, played: list[float], followed: bytearray) -> None:
        self.parents, self.locals = t.parents, t.locals
        self.played, self.followed = played, followed
        self._handed: dict[Hashable, dict[int, float]] = {}

    def back(self, run: list[int], grad: list[float], box: Hashable) -> dict[int, float]:
        parents, locals_, played, followed = self.parents, self.locals, self.played, self.followed
        # The rows that are only parameters (most of what a run reaches) are kept apart
        # from the few the captions name, so that the step's other passes go over those few.
        params: dict[int, float] = {}
        noted: dict[int, float] = {}
        for k in run:
            g = played[k]
            for p, local in zip(parents[k], locals_[k]):
                kind = followed[p]
                if kind:
                    if kind == PARAM:  # the most of them, so tested first
                        if p not in params:
                            params[p] = grad[p]
                    else:
                        if kind & PARAM and p not in params:
                            params[p] = grad[p]
                        if p not in noted:
                            noted[p] = grad[p]
                    grad[p] += g * local
        # What the run handed its parameters: their gradients' growth (with map: a run
        # can reach thousands).
        handed = self._handed.setdefault(box, {})
        growth = map(sub, map(grad.__getitem__, params), params.values())
        handed.update(list(zip(params, map(add, map(handed.get, params, repeat(0.0)), growth))))
        return noted

    def handed(self, box: Hashable) -> dict[int, float]:
        return self._handed.get(box, {})

    def largest(self, box: Hashable, top: int) -> tuple[int, float, list[tuple[int, float]]]:
        """What ``handed(box)`` says in a caption: how many parameters, the norm of what
        they were handed, and the ``top`` largest (row, amount), largest |amount| first (a
        NaN first of all), equal ones in the order they were first reached."""
        handed = self.handed(box)
        largest = sorted(handed.items(), key=_rank)[:top]  # sorted() is stable
        return len(handed), math.sqrt(math.fsum(v * v for v in handed.values())), largest

    def settle(self, grad: list[float]) -> None:
        """Write into ``grad`` the gradients kept elsewhere (none here)."""


class ArrayFlow(Flow):
    """The runs played with numpy (see the module docstring). The edges into rows that are
    only parameters are arrays in backward's order, each with what it carries; the few
    into noted rows (a drawn parameter among them) are played in Python, as ``Flow`` plays
    them. What a box handed its parameters is kept as the runs' pieces and summed, in run
    order, when asked for."""

    def __init__(self, t: GraphTable, played: list[float], followed: bytearray, np: Any) -> None:
        super().__init__(t, played, followed)
        self.np = np
        top = t.roots[0]
        rows, into = t.edge_arrays(np)  # backward's order: from the last row down
        start = sum(map(len, t.parents[top + 1:]))  # past the edges of rows above the root (a table of several roots)
        rows, into = rows[start:], into[start:]
        kinds = np.frombuffer(followed, np.uint8)[into]
        chosen = np.flatnonzero(kinds)  # the edges into followed rows, by position
        kinds, into = kinds[chosen], into[chosen]
        rows = rows[chosen]
        carried = np.asarray(played, np.float64)[rows] * t.edge_locals(np)[start:][chosen]
        apart = kinds == PARAM
        # Rows descend along the edges: negated, searchsorted finds a run's edges (in the
        # width of a Python int, which each search would otherwise cast the array to).
        self.p_rows, self.p_into, self.p_carried = (-rows[apart]).astype(np.intp), into[apart], carried[apart]
        self.p_position = chosen[apart]
        rest = ~apart
        self.n_rows = (-rows[rest]).tolist()
        self.n_into, self.n_carried = into[rest].tolist(), carried[rest].tolist()
        self.n_kinds, self.n_position = kinds[rest].tolist(), chosen[rest].tolist()
        self.grad = np.zeros(len(t))  # the gradients of the rows that are only parameters
        self._pieces: dict[Hashable, list] = {}  # box -> (rows, what each got, where first reached) per run
        self._first: dict[Hashable, dict[int, int]] = {}  # box -> noted parameter -> where first reached

    def back(self, run: list[int], grad: list[float], box: Hashable) -> dict[int, float]:
        np = self.np
        high, low = -run[0], -run[-1]
        lo, hi = np.searchsorted(self.p_rows, high, "left"), np.searchsorted(self.p_rows, low, "right")
        if lo < hi:
            into, carried = self.p_into[lo:hi], self.p_carried[lo:hi]
            rows, first = np.unique(into, return_index=True)
            before = self.grad[rows]
            if len(rows) == len(into):
                self.grad[into] += carried
            else:  # a row reached more than once: ufunc.at adds in order, one edge at a time
                np.add.at(self.grad, into, carried)
            self._pieces.setdefault(box, []).append((rows, self.grad[rows] - before, self.p_position[lo + first]))
        # The edges into noted rows, in Python.
        params: dict[int, float] = {}
        noted: dict[int, float] = {}
        firsts = self._first.setdefault(box, {})
        for e in range(bisect_left(self.n_rows, high), bisect_right(self.n_rows, low)):
            p = self.n_into[e]
            if self.n_kinds[e] & PARAM and p not in params:
                params[p] = grad[p]
                firsts.setdefault(p, self.n_position[e])
            if p not in noted:
                noted[p] = grad[p]
            grad[p] += self.n_carried[e]
        handed = self._handed.setdefault(box, {})
        for p, before in params.items():
            handed[p] = handed.get(p, 0.0) + (grad[p] - before)
        return noted

    def handed(self, box: Hashable) -> dict[int, float]:
        where, rows, total = self._handed_arrays(box)
        order = where.argsort()
        return dict(zip(rows[order].tolist(), total[order].tolist()))

    def largest(self, box: Hashable, top: int) -> tuple[int, float, list[tuple[int, float]]]:
        # As Flow.largest, on the arrays: a call hands thousands of parameters, and a
        # step only writes their norm and a few.
        np = self.np
        where, rows, total = self._handed_arrays(box)
        rank = -np.abs(total)
        rank[np.isnan(total)] = -np.inf
        chosen = np.arange(len(rank))
        if len(rank) > top:  # the candidates: every one at least as large as the top-th
            chosen = np.flatnonzero(rank <= np.partition(rank, top - 1)[top - 1])
        chosen = chosen[np.lexsort((where[chosen], rank[chosen]))][:top]
        largest = list(zip(rows[chosen].tolist(), total[chosen].tolist()))
        return len(rows), math.sqrt(math.fsum((total * total).tolist())), largest

    def _handed_arrays(self, box: Hashable) -> tuple[Any, Any, Any]:
        """What the runs of ``box`` handed each parameter, summed over its runs: (where
        each was first reached, its row, the sum), arrays in no particular order."""
        np = self.np
        pieces = self._pieces.get(box, [])
        where, rows, total = [], [], []
        if pieces:
            reached = np.concatenate([piece[0] for piece in pieces])
            got = np.concatenate([piece[1] for piece in pieces])
            first_at = np.concatenate([piece[2] for piece in pieces])
            each, first, which = np.unique(reached, return_index=True, return_inverse=True)
            summed = np.zeros(len(each))
            np.add.at(summed, which, got)  # from 0.0, run after run, as Flow adds them
            where, rows, total = [first_at[first]], [each], [summed]
        noted = self._handed.get(box, {})
        if noted:
            firsts = self._first.get(box, {})
            where.append(np.fromiter(map(firsts.__getitem__, noted), np.intp, count=len(noted)))
            rows.append(np.fromiter(noted, np.intp, count=len(noted)))
            total.append(np.fromiter(noted.values(), np.float64, count=len(noted)))
        if not rows:
            return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)
        return np.concatenate(where), np.concatenate(rows), np.concatenate(total)

    def settle(self, grad: list[float]) -> None:
        reached = self.np.zeros(len(grad), bool)
        reached[self.p_into] = True
        rows = self.np.flatnonzero(reached)
        for p, g in zip(rows.tolist(), self.grad[rows].tolist()):
            grad[p] = g


def _rank(item: tuple[int, float]) -> float:
    """A parameter's place among the largest: by |amount|, a NaN before all."""
    v = item[1]
    return -abs(v) if v == v else -math.inf


def flow(t: GraphTable, played: list[float], followed: bytearray) -> Flow:
    """An ``ArrayFlow`` where numpy is installed and the graph is big enough, else a ``Flow``."""
    if t.n_edges >= ARRAY_EDGES:
        try:
            import numpy
        except ImportError:
            pass
        else:
            try:
                return ArrayFlow(t, played, followed, numpy)
            except (TypeError, ValueError, OverflowError):  # a local derivative numpy cannot hold
                pass
    return Flow(t, played, followed)


__all__ = ["Flow", "ArrayFlow", "flow", "NOTED", "PARAM", "ARRAY_EDGES"]
