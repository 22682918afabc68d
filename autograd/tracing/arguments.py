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
from collections.abc import Sequence
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


def rebuild(shape: Shape, leaves: list) -> object:
    """The argument ``fn`` receives: ``leaves`` (or numbers) arranged in ``shape``."""
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
        if not (isinstance(item, (list, tuple)) or getattr(item, "ndim", None) == 1) or len(item) != len(s):
            raise BatchShapeError(
                f"{where}: expected a list of {len(s)} like the traced example, got {item!r:.60}")
        for sub, t in zip(item, s):
            walk(sub, t)

    walk(x, shape)
    return out


_ROWS = {list, tuple}


def _numbers(types: set) -> bool:
    """Every type is an int or a float (or a subclass, as numpy's float64), not a bool."""
    return all(t is float or t is int or (issubclass(t, (float, int)) and not issubclass(t, bool)) for t in types)


def plain(arg: Sequence, shape: Shape) -> bool:
    """Whether a batched argument is plain numbers shaped like a flat ``shape`` (a quick
    check, at C speed, that lets a replay read it without ``flatten``). Anything else -- a
    string sample ("12" is not [1, 2], "1.5" is not 1.5), None, a Value -- takes
    ``flatten``, which reads or refuses each sample as the eager loop would.

    Rows of numbers are checked by summing them, which refuses anything but numbers at a
    quarter of the cost of looking at each one's type (the read itself costs about that
    much again); so a bool among a row's floats is read as 0 or 1. Single numbers, and
    numpy arrays by their dtype, are checked exactly.

    >>> plain([1.0, 2], None), plain(["12"], [None, None]), plain([[1, 2.5]], [None, None])
    (True, False, True)
    >>> plain([["1", 2.5]], [None, None]), plain([True], None)
    (False, False)
    """
    if not is_flat(shape):
        return False
    dtype = getattr(arg, "dtype", None)
    if dtype is not None:  # a numpy array: numbers of its kind, one row per sample
        ndim = 1 if shape is None else 2
        return dtype.kind in "fiu" and arg.ndim == ndim and (shape is None or arg.shape[1] == len(shape))
    if shape is None:
        return _numbers(set(map(type, arg)))
    if not (set(map(type, arg)) <= _ROWS and set(map(len, arg)) <= {len(shape)}):
        return False
    try:
        total = sum(map(sum, arg))
    except TypeError:  # a string, None, a list: not a number
        return False
    return isinstance(total, (float, int)) and not isinstance(total, bool)  # not Values


def cleaned(arg: Sequence, shape: Shape, where: str) -> Sequence:
    """``arg`` itself if it is ``plain``, else each sample read by ``flatten`` (so refused
    with its error if it is not numbers shaped like the example) and put back in shape."""
    if plain(arg, shape):
        return arg
    return [rebuild(shape, flatten(x, shape, f"{where}, sample {j}")) for j, x in enumerate(arg)]


def is_flat(shape: Shape) -> bool:
    """A number, or a list of numbers: the shapes a replay can read without flattening."""
    return shape is None or all(s is None for s in shape)
