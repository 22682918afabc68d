"""The numpy replay's groups for sequence models: ``pick``, ``logsumexp`` and the ``dot``s
whose pairs are both per-sample (attention's q·k and weights·v).

A transformer's step is full of small n-ary nodes that do not fit a matrix product: each
position's scores, each head's softmax normaliser, each embedding entry chosen by a token
id. Replayed node by node they would cost a Python loop each; here every such node of one
level with the same op is one group, and its inputs are gathered into one array ``X``
(members, inputs, batch; members with fewer inputs padded), whatever mixture of
per-sample rows and fixed numbers they are. A ``Linear`` applied at every position of a
sequence is one matrix product (``merge_positions``). Gradients go back through one sum per distinct row
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


def merge_positions(groups: dict[tuple, list[int]], parents: Sequence[tuple[int, ...]],
                    per_sample: Sequence[bool]) -> dict[tuple, list[int]]:
    """Matrix products of one level that apply the same weights to different inputs (one
    ``Linear`` at every position of a sequence) become one group: ``W @ [X_0 .. X_P]``,
    one product for the whole sequence instead of one per position. Products with a fixed
    pair (a bias) stay as they are (the numpy replay folds those into a bias column)."""
    by_weights: dict[tuple, list[tuple]] = {}
    for key, members in groups.items():
        if key[0] != "matmul":
            continue
        weights = []
        for i in members:
            ps = parents[i]
            half = len(ps) // 2
            pairs = list(zip(ps[:half], ps[half:]))
            if any(not (per_sample[u] or per_sample[v]) for u, v in pairs):
                break  # a fixed pair: not a plain product
            weights.append(tuple(v if per_sample[u] else u for u, v in pairs))
        else:
            by_weights.setdefault((key[1], tuple(weights)), []).append(key)
    merged = dict(groups)
    for (level, _), keys in by_weights.items():
        if len(keys) < 2:
            continue
        members = [i for k in keys for i in merged.pop(k)]
        merged[("seq", level, "linear", len(groups[keys[0]]), members[0])] = members
    return merged


def key(name: str, level: int) -> tuple:
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


def group(b: _Builder, key: tuple, members: list[int]):
    """(forward, make_backward) of a group of ``key[2]`` nodes, as ``_Builder`` takes them."""
    r = b.r
    tape = r.tape
    name = key[2]
    out = b.out_view(members)
    parents = [list(tape.parents[i]) for i in members]
    wants = b.want_backward and any(tape.needs_grad[i] for i in members)
    k = len(members)
    if name == "pick":
        return _pick(b, members, parents, out, wants)
    if name == "linear":
        return _linear(b, key[3], members, parents, out, wants, r.views.get(key))
    G = b.grad_view(members) if wants else np.empty((0, b.batch))  # read only by a backward, made when wants
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
    places: np.ndarray | None = None
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
        if places is not None:  # all fixed, an embedding: the chosen parameters straight from P
            np.take(b.state.P, places[along_k, chosen], out=out)
        else:
            out[...] = choices.read()[along_k, chosen, along_b]

    def make():
        G = b.grad_view(members)
        if places is not None:  # all fixed
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


def _linear(b: _Builder, rows: int, members, parents, out, wants, view: tuple | None = None):
    """``W @ X_p`` for every position p: members are P blocks of ``rows`` dots, block p
    reading position p's inputs, row j of every block weighing them by the same weights.
    ``view``: (start, width, _) when the weights fill P row by row from ``start`` (the
    replay's layout gives them that place): W and its gradient are then views of P and GP,
    not a gather and a scattered add each step (about 5% of a GPT step's instructions)."""
    r = b.r
    per_sample = r.per_sample
    n_pos = len(members) // rows

    def split(ps):
        half = len(ps) // 2
        pairs = list(zip(ps[:half], ps[half:]))
        return ([v if per_sample[u] else u for u, v in pairs], [u if per_sample[u] else v for u, v in pairs])

    weights = [split(ps)[0] for ps in parents[:rows]]
    inputs = _Gather(b, [split(parents[p * rows])[1] for p in range(n_pos)])
    places = np.array([[r.place[w] for w in row] for row in weights], dtype=np.intp)
    P = b.state.P
    out3 = out.reshape(n_pos, rows, -1)
    W_view = GW_view = None
    if view is not None:
        start, width, _ = view
        W_view = P[start:start + rows * width].reshape(rows, width)
        GW_view = b.state.GP[start:start + rows * width].reshape(rows, width)

    def read_w():
        return P[places] if W_view is None else W_view

    def forward():
        np.matmul(read_w(), inputs.read(), out=out3)

    def make():
        G3 = b.grad_view(members).reshape(n_pos, rows, -1)
        sink = inputs.sink()
        needs = r.tape.needs_grad
        weights_need = any(needs[w] for row in weights for w in row)
        GP, n_fixed = b.state.GP, r.n_fixed
        unique = len(set(places.ravel().tolist())) == places.size

        def backward():
            W = read_w()
            if weights_need:
                gw = np.einsum("pkb,pmb->km", G3, inputs.X.reshape(n_pos, -1, G3.shape[2]))
                add_weight_gradient(gw, GW_view, GP, places, unique, n_fixed)
            if sink is not None:
                sink(np.matmul(W.T, G3))
        return backward

    return forward, (make if wants else None)


def add_weight_gradient(gw: np.ndarray, view: np.ndarray | None, GP: np.ndarray, places: np.ndarray,
                        unique: bool, n_fixed: int) -> None:
    """Add a weight matrix's gradient ``gw`` into the replay's parameter gradients ``GP``:
    through ``view`` where the weights are laid out row by row in the parameters' array,
    by fancy index where each weight has its own place, or summed by ``bincount`` where
    one parameter fills several places (fancy ``+=`` would keep only one of them)."""
    if view is not None:
        view[...] += gw
    elif unique:
        GP[places] += gw
    else:
        GP[:] += np.bincount(places.ravel(), weights=gw.ravel(), minlength=n_fixed)
