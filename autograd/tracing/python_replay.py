"""The replay without numpy: the traced sample as generated straight-line Python.

The tape is turned once into the source of a function that loops over the samples: per
sample one assignment per node (the forward), then one statement per edge that carries a
gradient (the chain rule, in reverse order), adding into one accumulator per captured
leaf. No node objects are made and no graph is walked, which is where the eager engine
spends its time. The source is generated from the tape (op names and node numbers only,
never user text) and compiled with ``compile``.

Each op is written inline from its row's Python-source form (``Op.source``, see
``autograd.ops.SourceForm``); an op without one, such as a user's ``defop`` given only its
float rules, calls its own ``forward`` and ``local`` from the row, so every op replays as
the engine runs it. Sums and dots call ``fsum`` (``math.fsum``, or ``exact_sum`` where
fsum refuses), as the engine does, so values match it to the last bit.

>>> from autograd import Value
>>> from autograd.tracing.tape import Tape
>>> w = Value(2.0); x = Value(3.0)
>>> replay = PythonReplay(Tape.record([(w * x).relu()], [x]), [None])
>>> replay.batch([[1.0, -1.0]], 1.0), w.grad      # relu(2·1) + relu(-2), d/dw = 1 + 0
(2.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..ops import Op, exact_sum
from .arguments import cleaned, flatten
from .tape import CAPTURED, SAMPLE, SHARED, Tape


class PythonReplay:
    """Forward and backward of a tape over a batch, as generated Python."""

    name = "python"

    def __init__(self, tape: Tape, shapes: Sequence[Any]) -> None:
        self.tape = tape
        self.shapes = list(shapes)
        # Numbers read once per replay: captured leaves, then shared op nodes.
        self.fixed = [i for i, k in enumerate(tape.kind) if k in (CAPTURED, SHARED)]
        self._functions: dict[tuple[bool, bool], Any] = {}

    # -- the generated source ------------------------------------------------------------

    def source(self, backward: bool) -> str:
        """The generated function's source (for reading; ``batch`` and ``values`` run it)."""
        tape = self.tape
        kind, parents, ops, needs = tape.kind, tape.parents, tape.ops, tape.needs_grad
        fixed = self.fixed
        root = tape.outputs[0]
        lines = ["def replay(P, args, w):"]
        if fixed:
            lines.append(f"    {''.join(f'v{i}, ' for i in fixed)}= P")
        grads = [i for i in fixed if needs[i]] if backward else []
        if grads:
            lines.append(f"    {' = '.join(f'a{i}' for i in grads)} = 0.0")
        lines.append("    outs = []")
        inputs = iter(tape.inputs)
        pattern = "".join(_unpack(shape, inputs) + ", " for shape in self.shapes)
        lines.append(f"    for ({pattern}) in zip(*args):")
        body = [f"v{i} = float(v{i})" for i in tape.inputs]
        for i, k in enumerate(kind):
            if k == SAMPLE:
                body.append(_forward_line(i, ops[i], parents[i]))
        if backward:
            body.append(f"outs.append(v{root})")
            body += self._backward_lines(root)
        else:
            body.append(f"outs.append(({', '.join(f'v{o}' for o in tape.outputs)},))")
        lines += ["        " + line for line in body]
        if backward:
            lines.append(f"    return outs, ({''.join(f'a{i}, ' for i in grads)})")
        else:
            lines.append("    return outs")
        return "\n".join(lines) + "\n"

    def _backward_lines(self, root: int) -> list[str]:
        """The chain rule for one sample, from the root down.

        A node with many inputs (a neuron's dot) passes its gradient on only when it is not
        0 (``if g:``): a ReLU that is off, or a sample inside the hinge's margin, then
        costs one test instead of a multiply-add per weight. Skipped terms are 0 · x, which
        change nothing unless x is inf or NaN (the engine would give NaN there).
        """
        tape = self.tape
        kind, parents, ops, needs = tape.kind, tape.parents, tape.ops, tape.needs_grad
        body = [f"g{root} = w"]
        started = {root}
        for i in range(len(kind) - 1, -1, -1):
            if kind[i] != SAMPLE or not needs[i] or i not in started:
                continue
            op, ps = ops[i], parents[i]
            names = [f"v{p}" for p in ps]
            terms = _gradient_terms(i, op, names, body)
            wanted = [(p, t) for p, t in zip(ps, terms) if needs[p]]
            guarded = len(wanted) >= 4
            if guarded:  # targets first written here start at 0, whether or not it runs
                for p in dict.fromkeys(p for p, _ in wanted if kind[p] == SAMPLE and p not in started):
                    body.append(f"g{p} = 0.0")
                    started.add(p)
                body.append(f"if g{i}:")
            indent = "    " if guarded else ""
            for p, term in wanted:
                if kind[p] == SAMPLE:
                    body.append(f"{indent}g{p} {'+' if p in started else ''}= {term}")
                    started.add(p)
                else:  # captured or shared: one accumulator over the whole batch
                    body.append(f"{indent}a{p} += {term}")
        return body

    def _function(self, backward: bool, exact: bool = False):
        """The compiled replay. Sums use ``math.fsum``; the ``exact`` variant uses
        ``exact_sum``, which also takes what fsum refuses (partial sums past 1.8e308, inf
        and -inf together), as the engine does: a replay that meets one runs again with it."""
        fn = self._functions.get((backward, exact))
        if fn is None:
            namespace = _source_names(self.tape.ops)
            namespace["fsum"] = exact_sum if exact else math.fsum
            for i, op in enumerate(self.tape.ops):
                if op is not None and op.source is None:
                    namespace[f"F{i}"] = op.forward
                    namespace[f"L{i}"] = op.local
            code = compile(self.source(backward), "<chainrule trace: python replay>", "exec")
            exec(code, namespace)  # our generated source, from op names and node numbers
            fn = self._functions[(backward, exact)] = namespace["replay"]
        return fn

    # -- running it ----------------------------------------------------------------------

    def _fixed_values(self) -> list[float]:
        """The captured leaves' current numbers and the shared nodes computed from them."""
        tape = self.tape
        values: dict[int, float] = {}
        for i in self.fixed:
            if tape.kind[i] == CAPTURED:
                values[i] = tape.nodes[i].data
            else:
                op = tape.ops[i]
                xs = [values[p] for p in tape.parents[i]]
                values[i] = op.forward(xs) if op.nary else op.forward(*xs)
        return [values[i] for i in self.fixed]

    def values(self, batched: Sequence[Sequence]) -> list[tuple[float, ...]]:
        """Every output of every sample, forward only."""
        return self._call(False, self._fixed_values(), batched, 0.0)

    def _call(self, backward: bool, fixed: list[float], batched, weight: float):
        # The generated code calls float() on each number, which would read a string sample
        # "1.5" as 1.5, unpack "12" as [1, 2] and take True as 1: a batch that is not plain
        # numbers is read sample by sample first, as the eager loop would (or refused).
        batched = [cleaned(arg, shape, f"batch: argument {k}")
                   for k, (arg, shape) in enumerate(zip(batched, self.shapes))]
        try:
            return self._function(backward)(fixed, batched, weight)
        except (TypeError, ValueError, OverflowError):
            # A sample shaped unlike the example (the unpacking failed): say which. Else
            # fsum refused a sum the engine takes, or an op met a bad input: run again
            # with the engine's exact sums, which raise only for the latter.
            for j, sample in enumerate(zip(*batched)):
                for k, (x, shape) in enumerate(zip(sample, self.shapes)):
                    flatten(x, shape, f"batch: argument {k}, sample {j}")
            return self._function(backward, exact=True)(fixed, batched, weight)

    def batch(self, batched: Sequence[Sequence], weight: float) -> float:
        """Sum of the root over the batch; adds ``weight`` · d(sum)/d(leaf) to captured leaves."""
        tape = self.tape
        fixed_values = self._fixed_values()
        outs, accumulated = self._call(True, fixed_values, batched, weight)
        grads = dict(zip([i for i in self.fixed if tape.needs_grad[i]], accumulated))
        # Shared nodes pass their gradient down to captured leaves, on plain floats.
        value_of = dict(zip(self.fixed, fixed_values))
        for i in reversed(self.fixed):
            if tape.kind[i] != SHARED or not grads.get(i):
                continue
            op, ps = tape.ops[i], tape.parents[i]
            xs = [value_of[p] for p in ps]
            local = op.local(value_of[i], xs) if op.nary else op.local(value_of[i], *xs)
            for p, d in zip(ps, local):
                if tape.needs_grad[p]:
                    grads[p] = grads.get(p, 0.0) + grads[i] * d
        for i in tape.captured:
            g = grads.get(i)
            if g is not None:
                tape.nodes[i].grad += g
        return exact_sum(outs)


def _unpack(shape: Any, inputs) -> str:
    """The ``for`` target that unpacks one sample of an argument of ``shape``."""
    if shape is None:
        return f"v{next(inputs)}"
    inner = ", ".join(_unpack(s, inputs) for s in shape)
    return f"({inner},)"


def _source_names(ops: Sequence[Op | None]) -> dict[str, Any]:
    """The globals the ops' source forms use, one namespace for the generated function."""
    names: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for op in dict.fromkeys(op for op in ops if op is not None and op.source is not None):
        for name, value in op.source.names.items():
            if name in names and names[name] is not value:
                raise ValueError(
                    f"trace: ops {owner[name]!r} and {op.name!r} both name {name!r} in their "
                    f"source forms, for different things; rename it in one of them")
            names[name], owner[name] = value, op.name
    return names


def _forward_line(i: int, op: Op, ps: Sequence[int]) -> str:
    args = [f"v{p}" for p in ps]
    form = op.source
    if form is not None:
        if callable(form.forward):  # n-ary: the form writes the line from the inputs' list
            return form.forward(f"v{i}", args)
        return form.forward.format(*args, o=f"v{i}")
    if op.nary:
        return f"v{i} = F{i}([{', '.join(args)}])"
    return f"v{i} = F{i}({', '.join(args)})"


def _gradient_terms(i: int, op: Op, args: list[str], body: list[str]) -> list[str]:
    """The gradient each input of node ``i`` receives; may append lines that compute locals."""
    g = f"g{i}"
    form = op.source
    if form is not None:
        if callable(form.backward):
            return list(form.backward(g, f"v{i}", args))
        return [t.format(*args, g=g, o=f"v{i}") for t in form.backward]
    # No source form: the op's own local rule, on floats.
    call = f"L{i}(v{i}, [{', '.join(args)}])" if op.nary else f"L{i}(v{i}, {', '.join(args)})"
    body.append(f"d{i} = {call}")
    return [f"{g} * d{i}[{k}]" for k in range(len(args))]
