"""Traced arguments: Values, numbers or nested lists of them, flattened to leaves and back.

``trace`` turns each example argument into input leaves (a number becomes a new leaf, a
Value is used as it is) and remembers its shape; a replay flattens each sample of a
batched argument the same way and checks it has that shape.

>>> from autograd import Value
>>> shape, leaves = placeholders([1.0, [2, Value(3.0)]], "x")
>>> shape, [v.data for v in leaves]
([None, [None, None]], [1.0, 2.0, 3.0])
>>> flatten([4, [5, 6]], shape, "batch: argument 0, sample 0")
[4.0, 5.0, 6.0]
"""

from __future__ import annotations

import numbers
from typing import Any

from ..value import Value

# A shape is None for one number, or a list of shapes for a list.
Shape = Any


class BatchShapeError(ValueError):
    """A sample of a batched argument is not shaped like the traced example."""


class DomainError(Exception):
    """A replay met a sample outside an op's domain; ``sample`` says which (``Traced``
    re-runs it eagerly, so the engine's own error names the op, the numbers and the line)."""

    def __init__(self, sample: int) -> None:
        super().__init__(sample)
        self.sample = sample


def placeholders(arg: object, name: str) -> tuple[Shape, list[Value]]:
    """The shape of ``arg`` and its input leaves, in order (depth first)."""
    leaves: list[Value] = []

    def make(x: object, path: str) -> Shape:
        if isinstance(x, Value):
            if x.parents:
                raise TypeError(
                    f"trace: argument {path} is a Value made by an op ({x.op}); pass leaves "
                    "(Values without parents) or numbers as traced inputs")
            leaves.append(x)
            return None
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            leaves.append(Value(float(x), label=path))
            return None
        if isinstance(x, (list, tuple)):
            return [make(item, f"{path}[{i}]") for i, item in enumerate(x)]
        raise TypeError(
            f"trace: argument {path} must be a Value, a number or a list of them, "
            f"got {type(x).__name__} {x!r}")

    # Depth is that of the user's nesting (a list of lists), a handful of levels.
    shape = make(arg, name)
    return shape, leaves


def rebuild(shape: Shape, leaves: list[Value]) -> object:
    """The argument ``fn`` receives: ``leaves`` arranged in ``shape``."""
    it = iter(leaves)

    def build(s: Shape) -> object:
        return next(it) if s is None else [build(t) for t in s]

    return build(shape)


def size(shape: Shape) -> int:
    """How many numbers an argument of this shape holds."""
    return 1 if shape is None else sum(size(s) for s in shape)


def flatten(x: object, shape: Shape, where: str) -> list[float]:
    """The numbers of one sample of an argument, in leaf order; an error if its shape differs."""
    out: list[float] = []

    def walk(item: object, s: Shape) -> None:
        if s is None:
            if isinstance(item, Value):
                item = item.data
            if isinstance(item, bool) or not isinstance(item, numbers.Real):
                raise TypeError(f"{where}: expected a number, got {type(item).__name__} {item!r}")
            out.append(float(item))
            return
        if not isinstance(item, (list, tuple)) or len(item) != len(s):
            raise BatchShapeError(
                f"{where}: expected a list of {len(s)} like the traced example, got {item!r:.60}")
        for sub, t in zip(item, s):
            walk(sub, t)

    walk(x, shape)
    return out


def is_flat(shape: Shape) -> bool:
    """A number, or a list of numbers: the shapes a replay can read without flattening."""
    return shape is None or all(s is None for s in shape)
