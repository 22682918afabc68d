"""The replay with numpy: the traced graph level by level, each group of alike nodes as one
vectorised operation over the whole batch.

The plan is made once, from the tape:

- **Rows.** Every per-sample node gets a row of a matrix ``S`` (one column per sample); the
  nodes of a group get consecutive rows, so a group reads and writes a block of ``S``
  without copying. Numbers that are the same for every sample (captured leaves, shared
  nodes) sit in a vector ``P``.
- **Levels and groups.** A node's level is one more than its deepest per-sample parent.
  Nodes of one level with the same op and the same kinds of inputs form a group, run as one
  numpy call. ``dot`` nodes that read the same per-sample inputs against fixed weights (the
  neurons of a layer) form one matrix product; their weights get consecutive places in
  ``P``, so the weight matrix is a view of ``P``, and its gradient a view of ``P``'s. A
  layer's biases (``dot(w + [b], x + [1])``) join it as one more column, against a row of
  ``S`` under the layer's inputs that holds the 1.
- **Gradients without scattering.** The backward plan knows, node by node, whether a row
  already holds a gradient: the first contribution is written, later ones added. Indices
  that repeat within one call are summed first (``np.add.reduceat`` over the rows sorted,
  or ``bincount`` for fixed numbers), then added once; ``np.add.at`` is never used.
- **Sequences.** ``pick``, ``logsumexp`` and dots whose pairs are both per-sample
  (attention) are grouped by level and op whatever their number of inputs, and matrix
  products applying the same weights at every position of a sequence become one product
  (``sequence_groups``).

Values and local derivatives come from each op's array form (``Op.array``, see
``autograd.ops.ArrayForm``: the same formulas and edge cases as the float rules), per
sample, so relu, abs and leaky_relu replay elementwise; inputs outside an op's domain are
found by its ``invalid`` mask. Sums and dots are planned as block sums and matrix products
(the shape of the graph, not a rule); pick and logsumexp as sequence groups; any other
n-ary op runs node by node from its array form. The forms get ``XP`` as their namespace:
numpy, where exp, pow and divide give their IEEE results (inf) without a warning, as the
engine does; domain errors are found by the masks. An op without an array form (a user's
``defop`` given only its float rules) is refused by name, with the advice to use
``backend="python"``, which runs any op.

>>> from autograd import Value
>>> from autograd.tracing.tape import Tape
>>> w = Value(2.0); x = Value(3.0)
>>> replay = NumpyReplay(Tape.record([(w * x).relu()], [x]), [None])
>>> replay.batch([[1.0, -1.0]], 2, 1.0), w.grad   # relu(2·1) + relu(-2), d/dw = 1 + 0
(2.0, 1.0)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from types import ModuleType
from typing import Any

import numpy as np

from ..ops import Op, exact_sum
from . import held, sequence_groups
from .arguments import DomainError, flatten, is_flat, plain, size
from .tape import CAPTURED, INPUT, SAMPLE, SHARED, Tape


def unsupported(ops: Iterable[Op]) -> list[str]:
    """The names of the ops among ``ops`` that have no array form, sorted."""
    return sorted({op.name for op in ops if op.array is None})


def _quiet(fn: Callable) -> Callable:
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return quiet


# The array namespace the forms receive: numpy, with exp, pow and divide quiet, since their
# IEEE results (inf where exp or a power overflows, inf for 0.5 / 0) are the engine's too.
# Per function, not one errstate around the whole replay: numpy's ufuncs (matmul above all)
# run measurably slower while an errstate is in force (W1's traced.batch +10%).
XP = ModuleType("numpy", "numpy for the array forms: exp, pow and divide without warnings")
XP.__dict__.update(vars(np), exp=_quiet(np.exp), pow=_quiet(np.power), divide=_quiet(np.divide))


def _takes_out(fn: Callable) -> bool:
    """Whether an array form's forward takes ``out=``, to write into the group's block
    (saves allocating and copying the result: about 1.5% of W1's traced.batch)."""
    try:
        return "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class NumpyReplay:
    """Forward and backward of a tape over a batch, as a few numpy calls per group."""

    name = "numpy"

    def __init__(self, tape: Tape, shapes: Sequence[Any]) -> None:
        unknown = unsupported(op for op in tape.ops if op is not None)
        if unknown:
            raise NotImplementedError(
                f"trace: the numpy replay needs an op's array form (defop(..., array=ArrayForm(...))), "
                f"and op {', '.join(map(repr, unknown))} has none; use trace(..., backend='python'), "
                "which runs any op from its float rules")
        self.tape = tape
        self.shapes = list(shapes)
        self._plan_layout()
        self._sized: dict[tuple[int, bool], _State] = {}
        # The captured leaves' ParameterArrays (an optimizer's), if any: looked for when a
        # new one has been made since the last look (``held.made``).
        self.arrays: held.ParameterArrays | None = None
        self._arrays_seen = -1
        self._released = 0  # batches in a row that found the arrays released (see held_arrays)
        self._held_once = False  # whether this replay has held them

    # -- the layout: rows, places in P, levels, groups -----------------------------------

    def _plan_layout(self) -> None:
        tape = self.tape
        kind, parents = tape.kind, tape.parents
        n = len(kind)
        per_sample = [k in (INPUT, SAMPLE) for k in kind]
        level = [0] * n
        groups: dict[tuple, list[int]] = {}
        for i in range(n):
            if kind[i] != SAMPLE:
                continue
            ps = parents[i]
            level[i] = 1 + max(level[p] for p in ps if per_sample[p])
            op = tape.op(i)
            name = op.name
            key: tuple[Any, ...]  # (group kind, level, what the members share)
            if name == "dot":
                half = len(ps) // 2
                pairs = list(zip(ps[:half], ps[half:]))
                if all(not (per_sample[u] and per_sample[v]) for u, v in pairs):
                    xs = tuple(v if per_sample[v] else u for u, v in pairs if per_sample[u] or per_sample[v])
                    key = ("matmul", level[i], xs)
                else:
                    key = sequence_groups.key(name, level[i])
            elif name in sequence_groups.OPS:
                key = sequence_groups.key(name, level[i])
            elif name == "sum":
                key = ("sum", level[i], i)
            elif op.nary:
                key = ("nary", level[i], i)
            else:
                key = ("each", level[i], name, tuple(per_sample[p] for p in ps))
            groups.setdefault(key, []).append(i)
        groups = sequence_groups.merge_positions(groups, parents, per_sample)
        # Rows: each argument's inputs (filled from the batch in one copy), then group after
        # group; every block is followed by one spare row, for the bias trick below.
        row = [-1] * n
        spare: dict[int, int] = {}  # spare row -> the node whose number it holds, once used
        self.arg_rows: list[int] = []
        next_row, position = 0, 0
        for shape in self.shapes:
            self.arg_rows.append(next_row)
            for _ in range(size(shape)):
                row[tape.inputs[position]] = next_row
                next_row, position = next_row + 1, position + 1
            spare[next_row], next_row = -1, next_row + 1
        ordered = sorted(groups.items(), key=lambda item: (item[0][1], item[1][0]))
        for _, members in ordered:
            for i in members:
                row[i] = next_row
                next_row += 1
            spare[next_row], next_row = -1, next_row + 1
        # Places in P: each matrix product's weights row by row, so the weight matrix is a
        # view of P. When every neuron of the product also has one fixed pair (b_j, c), the
        # same c for all (the bias trick: dot(w + [b], x + [1])), b_j ends its neuron's row
        # and c fills the spare row under the inputs: [W | b] @ [X; c] is the whole layer in
        # one product, where adding the biases apart took two more calls forward and two
        # backward per layer, a tenth of a small MLP's batch.
        place = [-1] * n
        taken = 0
        # start, width, and with a bias column (its spare row, the node of its factor)
        self.views: dict[tuple, tuple[int, int, tuple[int, int] | None]] = {}
        for key, members in ordered:
            # A Linear at every position (sequence_groups.merge_positions) is a product too:
            # its weights are those of the first position's block of rows.
            linear = key[0] == "seq" and key[2] == "linear"
            if key[0] != "matmul" and not linear:
                continue
            weights = [self.weights_of(i, per_sample) for i in (members[:key[3]] if linear else members)]
            flat = [w for ws in weights for w in ws]
            if not flat or any(place[w] >= 0 for w in flat) or len(set(flat)) != len(flat):
                continue
            bias = None if linear else self._bias_column(key[2], members, per_sample, row, spare, set(flat), place)
            if bias is not None:
                biases, spare_row, factor = bias
                weights = [ws + [b] for ws, b in zip(weights, biases)]
            for w in chain.from_iterable(weights):
                place[w] = taken
                taken += 1
            self.views[key] = (place[weights[0][0]], len(weights[0]), None if bias is None else (spare_row, factor))
        for i in range(n):
            if kind[i] in (CAPTURED, SHARED) and place[i] < 0:
                place[i] = taken
                taken += 1
        self.n_rows, self.n_fixed = next_row, taken
        self.row, self.place, self.level, self.per_sample = row, place, level, per_sample
        self.groups = ordered
        # The shared nodes (computed from captured leaves only), in graph order: the one
        # Python loop over fixed nodes a replay runs, so it skips the captured leaves.
        self.shared_order = [i for i in range(n) if kind[i] == SHARED]
        # Each shared node's parents as places in P, read in one call: an L2 term folded
        # into the traced loss is one shared dot over every parameter (twice), whose
        # parents read one by one cost more than the batch's replay.
        self.shared_parents = [np.array([place[p] for p in parents[i]], dtype=np.intp) for i in self.shared_order]
        self.shared_repeats = [len(set(ps.tolist())) != len(ps) for ps in self.shared_parents]
        # A shared dot (that L2 term) runs as one numpy dot, and its local derivatives (each
        # input's partner) are read as arrays, not lists of floats.
        self.shared_dot = [tape.op(i).name == "dot" for i in self.shared_order]
        # The captured leaves in the order of their places: read and written as one slice
        # of P when they fill its start, as they do unless a shared node sits among them.
        by_place = sorted(tape.captured, key=place.__getitem__)
        self.captured_nodes = [tape.nodes[i] for i in by_place]
        self.captured_places = np.array([place[i] for i in by_place], dtype=np.intp)
        self.captured_prefix = [place[i] for i in by_place] == list(range(len(by_place)))

    def weights_of(self, i: int, per_sample: list[bool]) -> list[int]:
        """The fixed side of each (weight, per-sample input) pair of dot node ``i``."""
        ps = self.tape.parents[i]
        half = len(ps) // 2
        return [u if per_sample[v] else v for u, v in zip(ps[:half], ps[half:])
                if per_sample[u] or per_sample[v]]

    def _bias_column(self, xs: tuple, members: list[int], per_sample: list[bool], row: list[int],
                     spare: dict[int, int], weights: set[int], place: list[int]) -> tuple[list[int], int, int] | None:
        """The biases of a matrix product's neurons, the spare row under its inputs that
        will hold their common factor (taken for it) and the factor's node; or None when
        the product is not of that shape or the row holds another number."""
        ps = self.tape.parents
        pairs = []
        for i in members:
            half = len(ps[i]) // 2
            fixed = [(u, v) for u, v in zip(ps[i][:half], ps[i][half:])
                     if not (per_sample[u] or per_sample[v])]
            if len(fixed) != 1:
                return None
            pairs.append(fixed[0])
        us, vs = [u for u, _ in pairs], [v for _, v in pairs]
        if len(set(us)) == 1 and len(members) > 1:
            us, vs = vs, us
        below = row[xs[-1]] + 1
        rows = [row[x] for x in xs]
        if len(set(vs)) != 1 or len(set(us)) != len(us) or weights & set(us) or vs[0] in us \
                or any(place[u] >= 0 for u in us) or rows != list(range(rows[0], below)) \
                or spare.get(below) not in (-1, vs[0]):
            return None
        spare[below] = vs[0]
        return us, below, vs[0]

    def constant_pairs(self, i: int) -> list[tuple[int, int]]:
        """The (fixed, fixed) pairs of dot node ``i``, as places in P: its bias terms."""
        ps = self.tape.parents[i]
        half = len(ps) // 2
        return [(self.place[u], self.place[v]) for u, v in zip(ps[:half], ps[half:])
                if not (self.per_sample[u] or self.per_sample[v])]

    # -- the steps for one batch size ----------------------------------------------------

    def _steps(self, batch: int, backward: bool) -> _State:
        cached = self._sized.get((batch, backward))
        if cached is None:
            if len(self._sized) > 8:  # a few sizes (the last batch of an epoch is smaller)
                self._sized.clear()
            cached = self._sized[(batch, backward)] = _Builder(self, batch, backward).build()
        return cached

    def fill(self, state, batched: Sequence) -> None:
        """Read the batch into the input rows."""
        S = state.S
        for arg, shape, r in zip(batched, self.shapes, self.arg_rows):
            k = size(shape)
            block = _read_flat(arg, shape, k) if is_flat(shape) else None
            if block is None:  # nested, ragged or odd: sample by sample, with its error
                block = np.array([flatten(x, shape, f"batch: sample {j}") for j, x in enumerate(arg)],
                                 dtype=np.float64)
            S[r:r + k] = block.reshape(len(block), k).T

    def held_arrays(self) -> held.ParameterArrays | None:
        """The captured leaves' ``ParameterArrays``, held (so the truth), or None: then the
        Values are read and written. The newest arrays listing a captured leaf; the leaves
        they do not list are read and written as Values."""
        if self._arrays_seen != held.made:
            self._arrays_seen = held.made
            self._use(held.arrays_listing(self.captured_nodes))
        arrays = self.arrays
        if arrays is None:
            return None
        if arrays.held:
            self._released = 0
            return arrays
        # Released since this replay held them: someone read or wrote a parameter. When
        # that happens every step (fit's eager L2 term, a user logging a weight), holding
        # again each time costs more than reading the Values, so after three such batches
        # in a row the Values are read, and holding is tried again once every 64 batches.
        if self._released or self._held_once:
            self._released += 1
            if self._released > 3 and self._released % 64:
                return None
        self._held_once = arrays.hold()
        return arrays if self._held_once else None

    def _use(self, arrays: held.ParameterArrays | None) -> None:
        self.arrays = arrays
        self._released, self._held_once = 0, False
        if arrays is None:
            return
        at = arrays.positions(self.captured_nodes)
        listed = [k for k, p in enumerate(at) if p >= 0]
        # Where the listed leaves' numbers are in the arrays, and where they go in P (a
        # slice when they open P, as they do unless a shared node sits among them).
        self.arrays_from = np.array([at[k] for k in listed], dtype=np.intp)
        places = self.captured_places[listed]
        prefix = places.tolist() == list(range(len(listed)))
        self.arrays_to: slice | np.ndarray = slice(0, len(listed)) if prefix else places
        # The other captured leaves (a model's constants: the 0.25 of a scaled product)
        self.unlisted = [self.captured_nodes[k] for k, p in enumerate(at) if p < 0]
        self.unlisted_places = self.captured_places[[k for k, p in enumerate(at) if p < 0]]

    def fixed_values(self, state) -> None:
        """P: the captured leaves' current numbers, then the shared nodes computed from them."""
        tape, P, place = self.tape, state.P, self.place
        arrays = self.held_arrays()
        if arrays is not None:
            P[self.arrays_to] = arrays.data[self.arrays_from]
            if self.unlisted:
                P[self.unlisted_places] = [node.data for node in self.unlisted]
        elif self.captured_prefix:
            P[:len(self.captured_nodes)] = [node.data for node in self.captured_nodes]
        elif self.captured_nodes:
            P[self.captured_places] = [node.data for node in self.captured_nodes]
        for i, parents, is_dot in zip(self.shared_order, self.shared_parents, self.shared_dot):
            if is_dot:
                half = len(parents) // 2
                P[place[i]] = P[parents[:half]] @ P[parents[half:]]
                continue
            op = tape.op(i)
            xs = P[parents].tolist()
            P[place[i]] = op.forward(xs) if op.nary else op.forward(*xs)

    def values(self, batched: Sequence, batch: int) -> np.ndarray:
        """Every output of every sample, forward only: an array (batch, outputs)."""
        state = self._steps(batch, False)
        self.fixed_values(state)
        self.fill(state, batched)
        for step in state.forward:
            step()
        return state.S[[self.row[o] for o in self.tape.outputs]].T.copy()

    def batch(self, batched: Sequence, batch: int, weight: float) -> float:
        """Sum of the root over the batch; adds ``weight`` · d(sum)/d(leaf) to captured leaves."""
        tape = self.tape
        state = self._steps(batch, True)
        self.fixed_values(state)
        self.fill(state, batched)
        for step in state.forward:
            step()
        root = self.row[tape.outputs[0]]
        total = exact_sum(state.S[root].tolist())
        state.GS[root] = weight
        state.GP.fill(0.0)
        for step in state.backward:
            step()
        self.finish_gradients(state.P, state.GP)
        return total

    def finish_gradients(self, P: np.ndarray, GP: np.ndarray) -> None:
        """From the fixed numbers' gradients ``GP`` (the per-sample part done): the shared
        nodes pass theirs down to the captured leaves, which add theirs to ``.grad``. (The
        torch replay ends the same way.)"""
        tape, place = self.tape, self.place
        shared = zip(self.shared_order, self.shared_parents, self.shared_repeats, self.shared_dot)
        for i, parents, repeats, is_dot in reversed(list(shared)):  # shared nodes pass their gradient down
            g = float(GP[place[i]])
            if not g:
                continue
            if is_dot:  # d/dw_j = x_j and d/dx_j = w_j, as ops._dot_local
                xs, half = P[parents], len(parents) // 2
                local = np.concatenate((xs[half:], xs[:half]))
            else:
                op = tape.op(i)
                xs = P[parents].tolist()
                out = float(P[place[i]])
                local = np.asarray(op.local(out, xs) if op.nary else op.local(out, *xs), dtype=np.float64)
            if repeats:  # a parent met twice (dot(w, w)): its contributions added, not overwritten
                GP[:] += np.bincount(parents, weights=g * local, minlength=self.n_fixed)
            else:
                GP[parents] += g * local
        arrays = self.arrays
        if arrays is not None and arrays.held:  # held since fixed_values: add into its grad
            arrays.grad[self.arrays_from] += GP[self.arrays_to]
            for node, g in zip(self.unlisted, GP[self.unlisted_places].tolist()):
                node.grad += g
            return
        grads = GP[:len(self.captured_nodes)] if self.captured_prefix else GP[self.captured_places]
        for node, g in zip(self.captured_nodes, grads.tolist()):
            node.grad += g


_ROWS = {list, tuple}


def _read_flat(arg: Any, shape: Any, k: int):
    """One argument's batch as an array (samples, k), or None if it is not that regular.

    A list of rows is read with ``fromiter`` over the rows chained (twice as fast as
    ``np.array`` on nested lists) once every row is checked to have k entries.
    """
    # Only numbers: numpy would read the string "1.5" as 1.5 and True as 1, where the
    # eager loop refuses them; anything else is read sample by sample by ``flatten``.
    try:
        if not plain(arg, shape):
            return None
        if isinstance(arg, np.ndarray):
            block = arg.astype(np.float64, copy=False)
        elif shape is None:
            block = np.fromiter(arg, np.float64, len(arg))
        else:
            block = np.fromiter(chain.from_iterable(arg), np.float64, len(arg) * k)
    except (TypeError, ValueError):
        return None
    expected = (len(arg),) if shape is None else (len(arg), k)
    return block.reshape(expected) if block.size == len(arg) * k and block.ndim <= 2 else None


class _State:
    """The arrays and steps for one batch size."""

    def __init__(self, rows: int, fixed: int, batch: int) -> None:
        self.S = np.zeros((rows, batch))
        self.GS = np.zeros((rows, batch))
        self.P = np.zeros(fixed)
        self.GP = np.zeros(fixed)
        self.forward: list[Callable[[], None]] = []
        self.backward: list[Callable[[], None]] = []


class _Builder:
    """Turns the layout into closures over one batch size's arrays."""

    def __init__(self, replay: NumpyReplay, batch: int, backward: bool) -> None:
        self.r = replay
        self.batch = batch
        self.want_backward = backward
        self.state = _State(replay.n_rows, replay.n_fixed, batch)
        self.written: set[int] = set()  # rows of GS holding a gradient so far (backward plan)
        self.zero_first: list[int] = []

    def build(self) -> _State:
        r, st = self.r, self.state
        makers = []
        for key, members in r.groups:
            kind = key[0]
            if kind == "matmul":
                f, b = self._matmul(key, members)
            elif kind == "each":
                f, b = self._each(members)
            elif kind == "seq":  # pick, logsumexp, dots with per-sample pairs, one Linear at every position
                f, b = sequence_groups.group(self, key, members)
            elif kind == "nary":
                f, b = self._nary(members[0])
            else:  # a sum, one node
                f, b = self._general(members[0])
            st.forward.append(f)
            makers.append(b)
        if self.want_backward:
            # Planned in the order it runs (root first), so "first write or add" is known.
            self.written.add(r.row[r.tape.outputs[0]])  # batch() sets the root's row
            for make in reversed(makers):
                if make is not None:
                    st.backward.append(make())
        if self.zero_first:
            rows = np.array(sorted(set(self.zero_first)), dtype=np.intp)
            GS = st.GS
            st.backward.insert(0, lambda: GS.__setitem__(rows, 0.0))
        return st

    # -- reading and writing blocks ------------------------------------------------------

    def rows_of(self, nodes: Sequence[int]):
        """A view of S's rows for ``nodes`` when consecutive, else their row indices."""
        rows = [self.r.row[i] for i in nodes]
        if rows == list(range(rows[0], rows[0] + len(rows))):
            return slice(rows[0], rows[0] + len(rows))
        return np.array(rows, dtype=np.intp)

    def reader(self, nodes: Sequence[int]) -> Callable[[], np.ndarray]:
        """A function giving the values of ``nodes`` (all per-sample, or all fixed) as a block."""
        S, P = self.state.S, self.state.P
        if self.r.per_sample[nodes[0]]:
            where = self.rows_of(nodes)
            if isinstance(where, slice):
                view = S[where]
                return lambda: view
            return lambda: S[where]
        places = np.array([self.r.place[i] for i in nodes], dtype=np.intp)
        if (places == places[0]).all():
            one = P[places[0]:places[0] + 1]
            return lambda: one
        return lambda: P[places][:, None]

    def sink(self, nodes: Sequence[int]) -> Callable[[np.ndarray], None] | None:
        """A function adding a gradient block (one row per node) to the nodes' gradients;
        None when none of them needs one."""
        r = self.r
        if not any(r.tape.needs_grad[i] for i in nodes):
            return None
        GS, GP = self.state.GS, self.state.GP
        if not r.per_sample[nodes[0]]:
            places = np.array([r.place[i] for i in nodes], dtype=np.intp)
            n_fixed = r.n_fixed
            if len(set(places.tolist())) == len(places):
                if places.tolist() == list(range(places[0], places[0] + len(places))):
                    view = GP[places[0]:places[0] + len(places)]

                    def to_fixed_view(c):
                        view[...] += c.sum(axis=1) if c.ndim == 2 else c
                    return to_fixed_view

                def to_fixed(c):
                    GP[places] += c.sum(axis=1) if c.ndim == 2 else c
                return to_fixed

            def to_fixed_counted(c):
                s = c.sum(axis=1) if c.ndim == 2 else np.broadcast_to(c, places.shape)
                GP[:] += np.bincount(places, weights=s, minlength=n_fixed)
            return to_fixed_counted
        rows = [r.row[i] for i in nodes]
        if len(set(rows)) == len(rows):
            fresh = [x not in self.written for x in rows]
            where = self.rows_of(nodes)
            target = GS[where] if isinstance(where, slice) else None
            if all(fresh):
                self.written.update(rows)
                if target is not None:
                    def set_view(c):
                        target[...] = c
                    # Callers may write straight into it: they look for it with getattr.
                    set_view.out = target  # type: ignore[attr-defined]  # a function's own attribute
                    return set_view

                def set_rows(c):
                    GS[where] = c
                return set_rows
            if any(fresh):
                self.zero_first += [x for x, f in zip(rows, fresh) if f]
                self.written.update(rows)
            if target is not None:
                def add_view(c):
                    target[...] += c
                return add_view

            def add_rows(c):
                GS[where] += c
            return add_rows
        # Rows repeat (a node used by many members: the scale every entry of an RMSNorm
        # is multiplied by): the blocks sorted by row, one sum per distinct row
        # (``reduceat``), then one add, however often a row repeats.
        self.zero_first += [x for x in rows if x not in self.written]
        self.written.update(rows)
        by_row = np.argsort(np.array(rows, dtype=np.intp), kind="stable")
        distinct, starts = np.unique(np.array(rows, dtype=np.intp)[by_row], return_index=True)
        k = len(rows)

        def add_summed(c):
            c = np.broadcast_to(c, (k, c.shape[-1]))
            GS[distinct] += np.add.reduceat(c[by_row], starts, axis=0)
        return add_summed

    def out_view(self, members: Sequence[int]) -> np.ndarray:
        where = self.rows_of(members)
        assert isinstance(where, slice), "a group's rows are consecutive by construction"
        return self.state.S[where]

    def grad_view(self, members: Sequence[int]) -> np.ndarray:
        return self.state.GS[self.rows_of(members)]

    # -- groups --------------------------------------------------------------------------

    def _matmul(self, key: tuple, members: list[int]):
        r, st = self.r, self.state
        S, P, GP = st.S, st.P, st.GP
        xs = key[2]
        k, m = len(members), len(xs)
        out = self.out_view(members)
        read_x = self.reader(xs)
        bias = None  # with the bias column: the factor's place, its spare row, the biases
        GWB: np.ndarray | None  # the weights' gradient block, when the weights are one view
        if key in r.views:
            start, width, column = r.views[key]
            WB = P[start:start + k * width].reshape(k, width)
            GWB = GP[start:start + k * width].reshape(k, width)
            W = WB[:, :m]  # a view: the biases are its last column when there is one
            read_w = lambda: W  # noqa: E731 - a view of P, refreshed in place each replay
            if column is not None:
                spare_row, factor_node = column
                XB, factor = S[r.row[xs[0]]:spare_row + 1], S[spare_row]
                bias = (r.place[factor_node], factor, WB[:, m])
            w_unique = True
        else:
            places = np.array([[r.place[w] for w in r.weights_of(i, r.per_sample)] for i in members],
                              dtype=np.intp)
            read_w = lambda: P[places]  # noqa: E731
            GWB = None  # (and no WB: the forward reads it only with a bias column)
            w_unique = len(set(places.ravel().tolist())) == places.size
        if bias is None:  # any fixed pairs are added apart, neuron by neuron
            pairs = [r.constant_pairs(i) for i in members]
            cu = np.array([u for ps in pairs for u, _ in ps], dtype=np.intp)
            cv = np.array([v for ps in pairs for _, v in ps], dtype=np.intp)
            owner = np.array([j for j, ps in enumerate(pairs) for _ in ps], dtype=np.intp)
        else:
            cu = cv = owner = np.zeros(0, dtype=np.intp)
        one_each = owner.tolist() == list(range(k))

        def forward():
            if bias is not None:
                factor.fill(P[bias[0]])
                np.matmul(WB, XB, out=out)
                return
            np.matmul(read_w(), read_x(), out=out)
            if len(owner):
                c: np.ndarray = P[cu] * P[cv]
                if not one_each:
                    c = np.bincount(owner, weights=c, minlength=k)
                out[...] += c[:, None]

        if not self.want_backward or not any(r.tape.needs_grad[i] for i in members):
            return forward, None
        read_xb = (lambda: XB) if bias is not None else read_x
        return forward, lambda: self._matmul_backward(members, xs, read_xb, read_w, GWB, w_unique,
                                                      None if GWB is not None else places,
                                                      cu, cv, owner, bias)

    def _matmul_backward(self, members, xs, read_x, read_w, GW, w_unique, places, cu, cv, owner, bias):
        """``read_x`` gives the inputs with the factor's row under them when there is a bias
        column (``GW`` is then the weights' and biases' gradient), else the inputs."""
        r, st = self.r, self.state
        P, GP, n_fixed = st.P, st.GP, r.n_fixed
        G = self.grad_view(members)
        sink_x = self.sink(xs)
        tape = r.tape
        weights_need = any(tape.needs_grad[w] for i in members for w in r.weights_of(i, r.per_sample))
        weights_need = weights_need or bias is not None
        direct = getattr(sink_x, "out", None)

        def backward():
            if weights_need:
                sequence_groups.add_weight_gradient(G @ read_x().T, GW, GP, places, w_unique, n_fixed)
            if direct is not None:
                np.matmul(read_w().T, G, out=direct)
            elif sink_x is not None:
                sink_x(read_w().T @ G)
            if bias is not None:  # the factor's gradient: the sum of its row's, b · G
                at, _, biases = bias
                GP[at] += G.sum(axis=1) @ biases
            elif len(owner):
                gs = G.sum(axis=1)[owner]
                GP[:] += np.bincount(cu, weights=gs * P[cv], minlength=n_fixed)
                GP[:] += np.bincount(cv, weights=gs * P[cu], minlength=n_fixed)

        return backward

    def _each(self, members: list[int]):
        r = self.r
        tape = r.tape
        form = tape.op(members[0]).array
        assert form is not None  # the replay refuses an op without one when it is made
        arity = len(tape.parents[members[0]])
        inputs = [[tape.parents[i][j] for i in members] for j in range(arity)]
        readers = [self.reader(nodes) for nodes in inputs]
        out = self.out_view(members)
        fn, invalid = form.forward, form.invalid
        into = _takes_out(fn)

        def forward():
            xs = [read() for read in readers]
            if invalid is not None:
                bad = invalid(XP, *xs)
                if bad.any():
                    raise DomainError(int(np.nonzero(np.broadcast_to(bad, out.shape).any(axis=0))[0][0]))
            if into:
                fn(XP, *xs, out=out)
            else:
                out[...] = fn(XP, *xs)

        if not self.want_backward or not any(tape.needs_grad[i] for i in members):
            return forward, None

        def make():
            local = form.local
            G = self.grad_view(members)
            sinks = [self.sink(nodes) for nodes in inputs]

            direct = getattr(sinks[0], "out", None) if arity == 1 else None
            if direct is not None:  # one input, its gradient block fresh: G * local, in place
                read_x = readers[0]

                def direct_backward():
                    d = local(XP, out, read_x())[0]
                    np.multiply(G, d, out=direct)
                return direct_backward

            def backward():
                ds = local(XP, out, *[read() for read in readers])
                for d, sink in zip(ds, sinks):
                    if sink is not None:
                        if d.__class__ is float:  # a constant local: 1, -1 or a number
                            sink(G if d == 1.0 else (-G if d == -1.0 else G * d))
                        else:
                            sink(G * d)
            return backward

        return forward, make

    def _nary(self, i: int):
        """One node of an n-ary op other than sum and dot, from its array form."""
        r = self.r
        tape = r.tape
        form = tape.op(i).array
        assert form is not None  # the replay refuses an op without one when it is made
        ps = list(tape.parents[i])
        readers = [self.reader([p]) for p in ps]
        out = self.state.S[r.row[i]:r.row[i] + 1]
        fn, invalid = form.forward, form.invalid

        def forward():
            xs = [read() for read in readers]
            if invalid is not None:
                bad = invalid(XP, xs)
                if bad.any():
                    raise DomainError(int(np.nonzero(np.broadcast_to(bad, out.shape).any(axis=0))[0][0]))
            out[...] = fn(XP, xs)

        if not self.want_backward or not tape.needs_grad[i]:
            return forward, None

        def make():
            G = self.grad_view([i])
            sinks = [self.sink([p]) for p in ps]

            def backward():
                ds = form.local(XP, out, [read() for read in readers])
                for d, sink in zip(ds, sinks):
                    if sink is not None:
                        sink(np.broadcast_to(G * d, G.shape))
            return backward

        return forward, make

    def _general(self, i: int):
        """One ``sum`` node."""
        r = self.r
        ps = list(r.tape.parents[i])
        out = self.state.S[r.row[i]]
        P = self.state.P
        sample = [p for p in ps if r.per_sample[p]]
        fixed = np.array([r.place[p] for p in ps if not r.per_sample[p]], dtype=np.intp)
        read = self.reader(sample)

        def forward():
            np.sum(read(), axis=0, out=out)
            if len(fixed):
                out[...] += P[fixed].sum()
        if not self.want_backward or not r.tape.needs_grad[i]:
            return forward, None
        return forward, lambda: self._general_backward(i, ps, sample, fixed)

    def _general_backward(self, i, ps, sample, fixed):
        r = self.r
        G = self.state.GS[r.row[i]:r.row[i] + 1]
        sink_s = self.sink(sample) if sample else None
        sink_f = self.sink([p for p in ps if not r.per_sample[p]]) if len(fixed) else None
        n_s, n_f = len(sample), len(fixed)

        def backward():
            if sink_s is not None:
                sink_s(np.broadcast_to(G, (n_s, G.shape[1])))
            if sink_f is not None:
                sink_f(np.broadcast_to(G, (n_f, G.shape[1])))
        return backward
