"""Trace a per-sample computation once, replay it over whole batches (numpy or generated Python).

- ``tape``: the traced graph as a table (kinds of nodes, parents, ops);
- ``arguments``: traced arguments, their shapes and flattening;
- ``guard``: ``TraceError``, raised when traced code branches on a traced number;
- ``numpy_replay`` and ``python_replay``: the two ways to run a tape over a batch;
- ``traced``: ``trace`` and ``Traced``, what users call;
- ``cache``: ``trace_cache``, one trace per shape of the arguments (sequences of any length);
- ``sequence_groups``: the numpy replay's groups for pick, logsumexp and attention's dots;
- ``held``: ``ParameterArrays``, parameters' numbers and gradients held in arrays that a
  replay and an optimizer share.
"""

from .cache import TraceCache, trace_cache
from .guard import TraceError
from .held import ParameterArrays
from .traced import Traced, numpy_available, trace

__all__ = ["trace", "Traced", "TraceError", "numpy_available", "trace_cache", "TraceCache", "ParameterArrays"]
