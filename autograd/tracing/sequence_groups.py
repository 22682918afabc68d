"""The numpy replay's groups for sequence models: ``pick``, ``logsumexp`` and the ``dot``s
whose pairs are both per-sample (attention's q·k and weights·v).

A transformer's step is full of small n-ary nodes that do not fit a matrix product: each
position's scores, each head's softmax normaliser, each embedding entry chosen by a token
id. Replayed node by node they would cost a Python loop each; here every such node of one
level with the same op and the same number of inputs is one group, and its inputs are
gathered into one array ``X`` (members, inputs, batch), whatever mixture of per-sample rows
and fixed numbers they are. Gradients go back through one sum per distinct row
(``np.add.reduceat`` over the rows sorted), so a row read by many members (a key read by
every later query) costs no loop.

>>> from autograd import Value, logsumexp, trace
>>> w = Value(0.5)
>>> traced = trace(lambda a, b: logsumexp([a * w, b * w]), 0.0, 0.0, backend="numpy")
>>> round(traced.batch([0.0, 2.0], [0.0, 2.0], reduce="sum"), 6)   # 2 log 2 + (1 + log 2)
2.386294
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .arguments import DomainError

if TYPE_CHECKING:
    from .numpy_replay import _Builder

# The ops this module replays; a dot comes here when it is not part of a matrix product.
OPS = ("pick", "logsumexp", "dot")


def key(name: str, level: int, parents: Sequence[int]) -> tuple:
    """The group of a node of these ops: its level and op. Members may differ in their
    number of inputs (a softmax over each position's past): the gather pads them."""
    return ("seq", level, name)


class _Gather:
    """The inputs of a group's members as one array (members, inputs, batch), and the
    sink that sends such an array's gradient back to them.

    Members with fewer inputs are padded to the longest with ``fill``, a number that
    changes nothing (-inf in a logsumexp, whose exp is 0; 0 in a dot): one group for all
    of attention's positions instead of one per length of the past.
    """

    def __init__(self, b: _Builder, nodes: list[list[int]], fill: float = 0.0) -> None:
        r = b.r
        self.b = b
        self.k, self.m = len(nodes), max(len(row) for row in nodes)
        m = self.m
        # (position in X, node) for every real input; the other positions are padding
        slots = [(i * m + j, n) for i, row in enumerate(nodes) for j, n in enumerate(row)]
        self.flat = dict(slots)
        sample = [j for j, n in slots if r.per_sample[n]]
        fixed = [j for j, n in slots if not r.per_sample[n]]
        self.dense = len(sample) == self.k * m  # every position a per-sample row
        self.sample_at = np.array(sample, dtype=np.intp)
        self.sample_rows = np.array([r.row[self.flat[j]] for j in sample], dtype=np.intp)
        self.fixed_at = np.array(fixed, dtype=np.intp)
        self.fixed_places = np.array([r.place[self.flat[j]] for j in fixed], dtype=np.intp)
        self.X = np.full((self.k * m, b.batch), fill)  # the padding is written once, here

    def read(self) -> np.ndarray:
        st = self.b.state
        X = self.X
        if self.dense:
            np.take(st.S, self.sample_rows, axis=0, out=X)
        else:
            if len(self.sample_at):
                X[self.sample_at] = st.S[self.sample_rows]
            if len(self.fixed_at):
                X[self.fixed_at] = st.P[self.fixed_places][:, None]
        return X.reshape(self.k, self.m, -1)

    def sink(self) -> Callable[[np.ndarray], None] | None:
        """A function adding a gradient array (members, inputs, batch) to the inputs'
        gradients; None when none of them needs one."""
        b, r = self.b, self.b.r
        needs = r.tape.needs_grad
        parts = []
        sample = [(j, row) for j, row in zip(self.sample_at.tolist(), self.sample_rows.tolist())
                  if needs[self.flat[j]]]
        if sample:
            parts.append(self._to_rows(b, sample))
        fixed = [j for j in self.fixed_at.tolist() if needs[self.flat[j]]]
        if fixed:
            at = np.array(fixed, dtype=np.intp)
            places = np.array([r.place[self.flat[j]] for j in fixed], dtype=np.intp)
            GP, n_fixed = b.state.GP, r.n_fixed

            def to_fixed(GX):
                GP[:] += np.bincount(places, weights=GX[at].sum(axis=1), minlength=n_fixed)
            parts.append(to_fixed)
        if not parts:
            return None

        def sink(GX):
            GX = GX.reshape(self.k * self.m, -1)
            for part in parts:
                part(GX)
        return sink

    @staticmethod
    def _to_rows(b: _Builder, sample: list[tuple[int, int]]) -> Callable[[np.ndarray], None]:
        """Add the blocks of ``sample`` (position in X, row of S) into GS: one sum per
        distinct row, written where the row holds no gradient yet, else added."""
        GS = b.state.GS
        at = np.array([j for j, _ in sample], dtype=np.intp)
        rows = np.array([row for _, row in sample], dtype=np.intp)
        order = np.argsort(rows, kind="stable")
        unique, starts = np.unique(rows[order], return_index=True)
        at_sorted = at[order]
        repeated = len(unique) != len(rows)
        fresh = [int(x) not in b.written for x in unique]
        if not all(fresh):
            b.zero_first += [int(x) for x, f in zip(unique, fresh) if f]
        b.written.update(int(x) for x in unique)
        assign = all(fresh)

        def to_rows(GX):
            block = GX[at_sorted]
            if repeated:
                block = np.add.reduceat(block, starts, axis=0)
            if assign:
                GS[unique] = block
            else:
                GS[unique] += block
        return to_rows


def group(b: _Builder, name: str, members: list[int]):
    """(forward, make_backward) of a group of ``name`` nodes, as ``_Builder`` takes them."""
    r = b.r
    tape = r.tape
    out = b.out_view(members)
    parents = [list(tape.parents[i]) for i in members]
    wants = b.want_backward and any(tape.needs_grad[i] for i in members)
    k = len(members)
    if name == "pick":
        return _pick(b, members, parents, out, wants)
    G = b.grad_view(members) if wants else None
    if name == "dot":  # w_1..w_n, x_1..x_n: the two halves, each padded with 0
        left = _Gather(b, [ps[:len(ps) // 2] for ps in parents])
        right = _Gather(b, [ps[len(ps) // 2:] for ps in parents])

        def forward():
            np.einsum("kib,kib->kb", left.read(), right.read(), out=out)

        def make():
            sinks = [left.sink(), right.sink()]
            if sinks == [None, None]:
                return lambda: None
            GX = np.empty((k, left.m, b.batch))

            def backward():  # each half gets G times the other, as the forward left them
                for sink, other in zip(sinks, (right, left)):
                    if sink is not None:
                        np.multiply(G[:, None, :], other.X.reshape(k, other.m, -1), out=GX)
                        sink(GX)
            return backward
        return forward, (make if wants else None)
    inputs = _Gather(b, parents, fill=-np.inf)
    if name == "logsumexp":  # the max taken out inside, as the float rule does

        def forward():
            X = inputs.read()
            top = X.max(axis=1)
            finite = np.isfinite(top)
            shift = np.where(finite, top, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                total = np.log(np.exp(X - shift[:, None, :]).sum(axis=1)) + shift
            np.copyto(out, np.where(finite, total, top))

        def make():
            sink = inputs.sink()
            if sink is None:
                return lambda: None

            def backward():
                with np.errstate(invalid="ignore"):
                    sink(np.exp(inputs.X.reshape(k, inputs.m, -1) - out[:, None, :]) * G[:, None, :])
            return backward
    return forward, (make if wants else None)


def _pick(b: _Builder, members, parents, out, wants):
    """Each member is ``(index, c_0 .. c_{m-1})``; the index is read per sample (or fixed)."""
    k = len(members)
    index = _Gather(b, [ps[:1] for ps in parents])
    choices = _Gather(b, [ps[1:] for ps in parents])
    m, r = choices.m, b.r
    counts = np.array([len(ps) - 1 for ps in parents])[:, None]  # each member's own choices
    along_k = np.arange(k)[:, None]
    along_b = np.arange(b.batch)[None, :]
    chosen = np.zeros((k, b.batch), dtype=np.intp)  # the forward's picks, for the backward
    all_fixed = len(choices.sample_at) == 0
    places = None
    if all_fixed:  # padded with place 0, never chosen: the index is checked against counts
        places = np.zeros((k, m), dtype=np.intp)
        for j, ps in enumerate(parents):
            places[j, :len(ps) - 1] = [r.place[c] for c in ps[1:]]

    def forward():
        i = index.read()[:, 0, :]
        bad = (i != np.floor(i)) | (i < 0) | (i >= counts)
        if bad.any():
            raise DomainError(int(np.nonzero(bad.any(axis=0))[0][0]))
        chosen[...] = i
        if all_fixed:  # an embedding: the chosen parameters straight from P
            np.take(b.state.P, places[along_k, chosen], out=out)
        else:
            out[...] = choices.read()[along_k, chosen, along_b]

    def make():
        G = b.grad_view(members)
        if all_fixed:
            needs = r.tape.needs_grad
            if not any(needs[c] for ps in parents for c in ps[1:]):
                return lambda: None
            GP, n_fixed = b.state.GP, r.n_fixed

            def backward_fixed():
                GP[:] += np.bincount(places[along_k, chosen].ravel(), weights=G.ravel(), minlength=n_fixed)
            return backward_fixed
        sink = choices.sink()
        if sink is None:
            return lambda: None
        GX = np.zeros((k, m, b.batch))

        def backward():
            GX.fill(0.0)
            GX[along_k, chosen, along_b] = G
            sink(GX)
        return backward

    return forward, (make if wants else None)
