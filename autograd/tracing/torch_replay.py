"""The replay on torch: the numpy replay's plan, each group run as torch tensor ops on a
device (``trace(..., backend="torch", device="cuda")``), float64.

The plan (which nodes form a group, and in what order) is the numpy replay's; only the
arrays change. Each group's result is a tensor of its members' values (members, batch); a
group reads its inputs as slices of earlier groups' tensors (or of the fixed numbers'
tensor ``P``). Elementwise and n-ary ops run their row's array form through an ``xp``
adapter with numpy's names over torch, and their gradient is the row's ``local`` form
(a ``torch.autograd.Function`` per group), so a replay on torch applies the same rules as
the engine, kinks and edges included. Products, sums, ``logsumexp`` and ``pick`` are
torch's own ops, whose gradients are exact. torch's autograd then runs the backward on the
device, and the fixed numbers' gradients come back to the CPU once, where the shared nodes
pass theirs down and the captured leaves add theirs to ``.grad`` (as in the numpy replay).

Used as (tests/test_torch.py runs it; torch is not imported by doctests)::

    w = Value(2.0)
    traced = trace(lambda x: (w * x).tanh(), 0.5, backend="torch", device="cuda")
    traced.batch([0.5, -1.0])   # the mean of tanh(2·0.5) and tanh(-2); w.grad gets its slope
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ops import exact_sum
from .arguments import DomainError
from .numpy_replay import NumpyReplay
from .tape import Tape


def torch_available() -> bool:
    """Whether torch can be imported here."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def array_namespace(torch: Any, device: Any) -> types.SimpleNamespace:
    """numpy's names for the array forms (``xp.exp``, ``xp.where``...), over torch tensors:
    plain numbers become float64 tensors on ``device``; ``out=`` is ignored (autograd keeps
    every result)."""

    def t(x):
        return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64, device=device)

    def unary(fn):
        return lambda x, out=None: fn(t(x))

    def binary(fn):
        return lambda a, b, out=None: fn(t(a), t(b))

    return types.SimpleNamespace(
        add=binary(torch.add), subtract=binary(torch.sub), multiply=binary(torch.mul),
        divide=binary(torch.div), pow=binary(torch.pow), maximum=binary(torch.maximum),
        minimum=binary(torch.minimum), negative=unary(torch.neg), exp=unary(torch.exp),
        log=unary(torch.log), sqrt=unary(torch.sqrt), tanh=unary(torch.tanh), sin=unary(torch.sin),
        cos=unary(torch.cos), abs=unary(torch.abs), sign=unary(torch.sign), floor=unary(torch.floor),
        isinf=unary(torch.isinf), isnan=unary(torch.isnan),
        where=lambda c, a, b: torch.where(t(c).bool(), t(a), t(b)),
        inf=float("inf"), nan=float("nan"), float64=torch.float64,
    )


class TorchReplay:
    """Forward and backward of a tape over a batch, as torch tensor ops per group."""

    name = "torch"

    def __init__(self, tape: Tape, shapes: Sequence[Any], device: Any = None) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device if device is not None else "cpu")
        self.plan = NumpyReplay(tape, shapes)  # the layout, shared; its arrays are not used
        self.tape, self.shapes = tape, list(shapes)
        self.xp = array_namespace(torch, self.device)
        self._each_fn = _each_function(torch)
        r = self.plan
        # Where each per-sample node's value lives: (group number, position in it); the
        # arguments' input rows are group -1 (one tensor read from the batch).
        self.where: dict[int, tuple[int, int]] = {}
        group_rows = [r.row[members[0]] for _, members in r.groups]
        self.input_rows = min(group_rows) if group_rows else r.n_rows
        for i in tape.inputs:
            self.where[i] = (-1, r.row[i])
        for g, (_, members) in enumerate(r.groups):
            for position, i in enumerate(members):
                self.where[i] = (g, position)
        self.steps = [self._group(key, members) for key, members in r.groups]

    # -- reading values --------------------------------------------------------------------

    def _gather(self, nodes: Sequence[int | None], fill: float = 0.0) -> Callable:
        """A function (values, P, batch) -> tensor (len(nodes), batch or 1): the nodes'
        values, per-sample ones from their group's tensor, fixed ones from P; None is
        ``fill`` (padding). Consecutive positions of one tensor are read as one slice."""
        torch, r = self.torch, self.plan
        runs: list[tuple[str, Any, Any]] = []  # ("rows", group, (start, stop)) | ("fixed", places) | ("fill", n)
        for node in nodes:
            if node is None:
                kind, source, at = "fill", None, None
            elif r.per_sample[node]:
                kind, (source, at) = "rows", self.where[node]
            else:
                kind, source, at = "fixed", None, r.place[node]
            last = runs[-1] if runs else None
            if last and last[0] == kind == "rows" and last[1] == source and last[2][1] == at:
                runs[-1] = ("rows", source, (last[2][0], at + 1))
            elif last and last[0] == kind and kind in ("fixed", "fill"):
                last[2].append(at)
            else:
                runs.append((kind, source, (at, at + 1) if kind == "rows" else [at]))
        fixed_only = all(kind != "rows" for kind, _, _ in runs)
        places = [torch.tensor(spec, dtype=torch.long, device=self.device) if kind == "fixed" else None
                  for kind, _, spec in runs]

        def read(values: dict, P: Any, batch: int):
            parts = []
            for (kind, source, spec), at in zip(runs, places):
                if kind == "rows":
                    parts.append(values[source][spec[0]:spec[1]])
                elif kind == "fixed":
                    part = P[at].unsqueeze(1)
                    parts.append(part if fixed_only else part.expand(-1, batch))
                else:
                    parts.append(torch.full((len(spec), 1 if fixed_only else batch), fill,
                                            dtype=torch.float64, device=self.device))
            return parts[0] if len(parts) == 1 else torch.cat(parts)

        return read

    # -- the groups --------------------------------------------------------------------------

    def _group(self, key: tuple, members: list[int]) -> Callable:
        """A function (values, P, batch) -> the group's tensor (members, batch)."""
        torch, r, tape = self.torch, self.plan, self.tape
        kind = key[0]
        parents = [list(tape.parents[i]) for i in members]
        if kind == "each" or kind == "nary":
            form = tape.ops[members[0]].array
            if kind == "each":
                reads = [self._gather([ps[j] for ps in parents]) for j in range(len(parents[0]))]
            else:
                reads = [self._gather([p]) for p in parents[0]]
            fn = self._each_fn
            xp, nary = self.xp, kind == "nary"

            def each(values, P, batch):
                xs = [read(values, P, batch) for read in reads]
                return fn.apply(form, xp, nary, batch, *xs)
            return each
        if kind == "sum":
            read = self._gather(parents[0])
            return lambda values, P, batch: read(values, P, batch).sum(dim=0, keepdim=True).expand(1, batch)
        if kind == "matmul":
            weights = torch.tensor([[r.place[w] for w in r.weights_of(i, r.per_sample)] for i in members],
                                   dtype=torch.long, device=self.device)
            read_x = self._gather(list(key[2]))
            pairs = [r.constant_pairs(i) for i in members]
            owner = torch.tensor([j for j, ps in enumerate(pairs) for _ in ps], dtype=torch.long, device=self.device)
            cu = torch.tensor([u for ps in pairs for u, _ in ps], dtype=torch.long, device=self.device)
            cv = torch.tensor([v for ps in pairs for _, v in ps], dtype=torch.long, device=self.device)
            k = len(members)

            def matmul(values, P, batch):
                out = P[weights] @ read_x(values, P, batch).expand(-1, batch)
                if len(owner):  # fixed pairs (biases), added neuron by neuron
                    bias = torch.zeros(k, dtype=torch.float64, device=self.device).index_add(0, owner, P[cu] * P[cv])
                    out = out + bias.unsqueeze(1)
                return out
            return matmul
        return self._sequence(key, members, parents)

    def _sequence(self, key: tuple, members: list[int], parents: list[list[int]]) -> Callable:
        """pick, logsumexp, dots with per-sample pairs and one Linear at every position, as
        the numpy replay groups them (members padded to the longest)."""
        torch, r = self.torch, self.plan
        name, k = key[2], len(members)

        def padded(rows: list[list[int]], fill: float):
            m = max(len(row) for row in rows)
            return m, self._gather([row[j] if j < len(row) else None for row in rows for j in range(m)], fill)

        if name == "linear":
            rows = key[3]
            n_pos = k // rows

            def split(ps):  # (weight, input) pairs
                half = len(ps) // 2
                return [(v, u) if r.per_sample[u] else (u, v) for u, v in zip(ps[:half], ps[half:])]

            weights = torch.tensor([[r.place[w] for w, _ in split(ps)] for ps in parents[:rows]],
                                   dtype=torch.long, device=self.device)
            m = weights.shape[1]
            read_x = self._gather([x for p in range(n_pos) for _, x in split(parents[p * rows])])

            def linear(values, P, batch):
                X = read_x(values, P, batch).expand(-1, batch).reshape(n_pos, m, batch)
                return (P[weights] @ X).reshape(k, batch)
            return linear
        if name == "dot":
            h, read_u = padded([ps[:len(ps) // 2] for ps in parents], 0.0)
            _, read_v = padded([ps[len(ps) // 2:] for ps in parents], 0.0)
            return lambda values, P, batch: (read_u(values, P, batch) * read_v(values, P, batch)).expand(
                -1, batch).reshape(k, h, batch).sum(dim=1)
        if name == "logsumexp":
            m, read = padded(parents, float("-inf"))

            def logsumexp(values, P, batch):
                return torch.logsumexp(read(values, P, batch).expand(-1, batch).reshape(k, m, batch), dim=1)
            return logsumexp
        # pick: (index, c_0 .. c_{m-1}); an index outside a member's own choices is refused
        read_index = self._gather([ps[0] for ps in parents])
        m, read_choices = padded([ps[1:] for ps in parents], 0.0)
        counts = torch.tensor([len(ps) - 1 for ps in parents], dtype=torch.float64, device=self.device).unsqueeze(1)

        def pick(values, P, batch):
            index = read_index(values, P, batch).expand(-1, batch)
            bad = (index != torch.floor(index)) | (index < 0) | (index >= counts)
            if bool(bad.any()):
                raise DomainError(int(torch.nonzero(bad.any(dim=0))[0][0]))
            choices = read_choices(values, P, batch).expand(-1, batch).reshape(k, m, batch)
            return torch.gather(choices, 1, index.long().unsqueeze(1)).squeeze(1)
        return pick

    # -- running it ----------------------------------------------------------------------------

    def _run(self, batched: Sequence, batch: int, backward: bool) -> tuple[dict, Any, np.ndarray]:
        torch, r = self.torch, self.plan
        state = types.SimpleNamespace(S=np.zeros((self.input_rows, batch)), P=np.zeros(r.n_fixed))
        r.fixed_values(state)  # captured leaves' numbers, then the shared nodes (on floats)
        r.fill(state, batched)
        P = torch.tensor(state.P, dtype=torch.float64, device=self.device, requires_grad=backward)
        values: dict[int, Any] = {-1: torch.tensor(state.S, dtype=torch.float64, device=self.device)}
        with torch.enable_grad() if backward else torch.no_grad():
            for g, step in enumerate(self.steps):
                values[g] = step(values, P, batch)
        return values, P, state.P

    def _outputs(self, values: dict, batch: int) -> Any:
        rows = []
        for o in self.tape.outputs:
            source, at = self.where[o]
            rows.append(values[source][at].expand(batch))
        return self.torch.stack(rows, dim=1)

    def values(self, batched: Sequence, batch: int) -> np.ndarray:
        """Every output of every sample, forward only: an array (batch, outputs)."""
        values, _, _ = self._run(batched, batch, False)
        return self._outputs(values, batch).detach().cpu().numpy()

    def batch(self, batched: Sequence, batch: int, weight: float) -> float:
        """Sum of the root over the batch; adds ``weight`` · d(sum)/d(leaf) to captured leaves."""
        values, P, P_numbers = self._run(batched, batch, True)
        root = self._outputs(values, batch)[:, 0]
        total = exact_sum(root.detach().cpu().tolist())
        if P.numel():
            (root.sum() * weight).backward()
            GP = P.grad.detach().cpu().numpy().astype(np.float64) if P.grad is not None else np.zeros(len(P_numbers))
            self.plan.finish_gradients(P_numbers, GP.copy())
        return total


def _each_function(torch: Any) -> Any:
    """A ``torch.autograd.Function`` running a row's array form forward and its ``local``
    form backward: the engine's own rule, not torch's derivative of the forward."""

    class Each(torch.autograd.Function):
        @staticmethod
        def forward(ctx, form, xp, nary, batch, *xs):
            out = form.forward(xp, list(xs)) if nary else form.forward(xp, *xs)
            if form.invalid is not None:
                bad = form.invalid(xp, list(xs)) if nary else form.invalid(xp, *xs)
                bad = torch.as_tensor(bad, device=out.device)
                if bool(bad.any()):
                    bad = bad.expand(-1, batch) if bad.dim() == 2 else bad
                    raise DomainError(int(torch.nonzero(bad.reshape(-1, batch).any(dim=0))[0][0]))
            ctx.form, ctx.xp, ctx.nary = form, xp, nary
            ctx.save_for_backward(out, *xs)
            return out

        @staticmethod
        def backward(ctx, g):
            out, *xs = ctx.saved_tensors
            ds = ctx.form.local(ctx.xp, out, list(xs)) if ctx.nary else ctx.form.local(ctx.xp, out, *xs)
            grads = []
            for x, d in zip(xs, ds):
                if not x.requires_grad:
                    grads.append(None)
                    continue
                if isinstance(d, torch.Tensor) and d.dtype == torch.bool:
                    d = d.to(torch.float64)
                gx = g * d
                if not isinstance(gx, torch.Tensor):
                    gx = torch.as_tensor(gx, dtype=torch.float64, device=g.device)
                gx = gx.expand_as(g) if gx.shape != g.shape and gx.numel() < g.numel() else gx
                if x.shape != gx.shape:  # a fixed input read once for the whole batch
                    gx = gx.sum(dim=tuple(i for i, n in enumerate(x.shape) if n == 1), keepdim=True)
                grads.append(gx)
            return (None, None, None, None, *grads)

    return Each
