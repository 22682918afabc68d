"""The traced graph as a table: what each node of one sample is, in the order to compute it.

A ``Tape`` is what both replays (``numpy_replay``, ``python_replay``) read: the nodes of
the traced sample in topological order, each marked as

- ``INPUT``: a leaf made from the traced arguments; a replay fills it per sample;
- ``CAPTURED``: any other leaf (a model's parameters, constants such as the 1 of ``1 - x``):
  a replay reads its current ``.data`` and adds to its ``.grad``;
- ``SHARED``: an op node whose inputs are all captured or shared: one number per replay;
- ``SAMPLE``: an op node that depends on an input: one number per sample.

Built from the graph table (``autograd.table``) of the outputs, with each node's inputs
placed first one first: that puts the nodes of a layer in the order the next layer lists
them, which the numpy replay turns into contiguous rows.

>>> from autograd import Value
>>> w = Value(2.0, label="w"); x = Value(3.0, label="x")
>>> tape = Tape.record([w * x + 1], [x])
>>> [KIND_NAMES[k] for k in tape.kind]
['captured', 'input', 'sample', 'captured', 'sample']
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ops import OPS, Op
from ..table import table
from ..value import Value

INPUT, CAPTURED, SHARED, SAMPLE = range(4)
KIND_NAMES = ("input", "captured", "shared", "sample")


class Tape:
    """The nodes of one traced sample, in topological order, with what each one is."""

    def __init__(self, nodes: list[Value], kind: list[int], parents: list[tuple[int, ...]],
                 ops: list[Op | None], outputs: list[int], inputs: list[int],
                 captured: list[int], needs_grad: list[bool]) -> None:
        self.nodes = nodes  # the traced sample's Values
        self.kind = kind
        self.parents = parents  # indices into nodes
        self.ops = ops  # the rule-table entry of each op node (None for leaves)
        self.outputs = outputs  # indices of what the traced function returned
        self.inputs = inputs  # the index of each input leaf, in argument order
        self.captured = captured  # indices of captured leaves, in order of first use
        self.needs_grad = needs_grad  # True when a captured leaf lies at or below the node

    @classmethod
    def record(cls, outputs: Sequence[Value], inputs: Sequence[Value]) -> Tape:
        """The tape of the graph below ``outputs``, where ``inputs`` are the per-sample leaves."""
        graph = table(*outputs, inputs_in_order=True)
        nodes = list(graph.nodes)
        index = {id(node): i for i, node in enumerate(nodes)}
        parent_rows = list(graph.parents)
        for v in inputs:  # an argument the function did not use still has its place
            if id(v) not in index:
                index[id(v)] = len(nodes)
                nodes.append(v)
                parent_rows.append(())
        input_ids = {id(v) for v in inputs}
        kind: list[int] = []
        parents: list[tuple[int, ...]] = []
        ops: list[Op | None] = []
        captured: list[int] = []
        needs_grad: list[bool] = []
        for i, node in enumerate(nodes):
            ps = parent_rows[i]
            parents.append(ps)
            if not ps:
                ops.append(None)
                if id(node) in input_ids:
                    kind.append(INPUT)
                    needs_grad.append(False)
                else:
                    kind.append(CAPTURED)
                    captured.append(i)
                    needs_grad.append(True)
                continue
            op = OPS.get(node.op)
            if op is None:
                raise ValueError(f"trace: node {i} has op {node.op!r}, which is not in autograd.OPS")
            ops.append(op)
            sample = any(kind[p] in (INPUT, SAMPLE) for p in ps)
            kind.append(SAMPLE if sample else SHARED)
            needs_grad.append(any(needs_grad[p] for p in ps))
        return cls(nodes, kind, parents, ops, [index[id(v)] for v in outputs],
                   [index[id(v)] for v in inputs], captured, needs_grad)

    def op_names(self) -> set[str]:
        """The names of the ops the tape uses."""
        return {op.name for op in self.ops if op is not None}
