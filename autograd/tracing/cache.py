"""``trace_cache``: one trace per shape of the arguments, made the first time a shape is met.

A sequence model's graph depends on the sequence's length: a name of 5 letters is another
graph than one of 7. ``trace_cache(fn)`` replays ``fn`` over batches whose samples may
differ in shape: the samples of one call must share a shape (group documents by length),
and each new shape is traced once, on the call's first sample, then replayed whenever it
comes back.

>>> from autograd import Value, trace_cache
>>> w = Value(2.0)
>>> total = trace_cache(lambda xs: sum(w * x for x in xs), backend="python")
>>> total.batch([[1.0, 2.0]], reduce="sum"), total.batch([[1.0, 2.0, 3.0]], reduce="sum")
(6.0, 12.0)
>>> total.batch([[4.0, 5.0]], reduce="sum"), len(total.traces)   # the length 2 trace again
(18.0, 2)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from ..value import Value
from .traced import Traced, trace


def shape_key(arg: object) -> Hashable:
    """A sample's shape: None for a number (or a Value), a tuple of shapes for a list."""
    if isinstance(arg, (list, tuple)):
        return tuple(shape_key(item) for item in arg)  # depth is the user's nesting
    if isinstance(arg, Value) or (isinstance(arg, numbers.Real) and not isinstance(arg, bool)):
        return None
    raise TypeError(f"trace_cache: a sample must hold numbers or lists of them, got {type(arg).__name__} {arg!r:.60}")


class TraceCache:
    """``fn`` traced once per shape of its arguments; ``batch`` and ``values`` as ``Traced``'s."""

    def __init__(self, fn: Callable, backend: str | None = None, **options: Any) -> None:
        if not callable(fn):
            raise TypeError(f"trace_cache: fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.backend = backend
        self.options = options  # passed on to trace (the torch replay's device)
        self.traces: dict[Hashable, Traced] = {}

    def traced(self, *sample: Any) -> Traced:
        """The trace for one sample's shapes, traced on that sample if it is the first."""
        key = tuple(shape_key(arg) for arg in sample)
        found = self.traces.get(key)
        if found is None:
            found = self.traces[key] = trace(self.fn, *sample, backend=self.backend, **self.options)
        return found

    def _for_batch(self, batched: Sequence[Sequence], where: str) -> Traced:
        if not batched or any(not isinstance(arg, (list, tuple)) or not arg for arg in batched):
            raise ValueError(f"{where}: give each argument as a non-empty list with one entry per sample")
        return self.traced(*[arg[0] for arg in batched])

    def batch(self, *batched: Sequence, reduce: str = "mean") -> float:
        """``Traced.batch`` with the trace of these samples' shape (all samples alike)."""
        return self._for_batch(batched, "batch").batch(*batched, reduce=reduce)

    def values(self, *batched: Sequence) -> list:
        """``Traced.values`` with the trace of these samples' shape (all samples alike)."""
        return self._for_batch(batched, "values").values(*batched)

    def __repr__(self) -> str:
        return f"TraceCache({getattr(self.fn, '__name__', 'fn')}: {len(self.traces)} shapes traced)"


def trace_cache(fn: Callable, backend: str | None = None, **options: Any) -> TraceCache:
    """``fn`` traced once per shape of its arguments (see ``TraceCache``)."""
    return TraceCache(fn, backend, **options)


__all__ = ["trace_cache", "TraceCache"]
