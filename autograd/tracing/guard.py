"""``TraceError``, and the guard that raises it while ``fn`` is being traced.

A replay is only valid while the graph's shape does not depend on the numbers. So while
``trace`` runs ``fn``, every way of turning a traced Value (an input, or anything computed
from one) into a Python number is refused, naming the user's line:

- reading ``.data`` (outside the engine itself, which reads it to compute the op),
- ``float(v)`` (and so ``math.exp(v)`` and the like), ``bool(v)`` (``if v:``),
- ``<``, ``<=``, ``>``, ``>=`` (and so ``max``, ``min`` and ``sorted`` over Values),
- ``table[v]`` (a list index: ``autograd.pick`` chooses per sample instead).

Values that do not depend on the inputs (parameters, constants) can still be read.

How (the engine hook): for the duration of the call, and only then, the class attribute
``Node.data`` (the slot's descriptor) is replaced by a property that checks who reads,
and ``Value`` gets checking ``__float__``, ``__bool__`` and comparisons; all are put back
when the call ends, however it ends. Outside ``trace`` the engine runs untouched, at its
own speed. The engine's modules (``autograd.*``) and ``nn.layers`` (which reads its
inputs' numbers once per layer, for the engine's ``dot``) and ``nn.transformer`` (the same,
for its ``Linear``) are trusted readers.

>>> from autograd import Value, trace
>>> try:
...     trace(lambda x: x if x.data > 0 else -x, 1.0)
... except TraceError as error:
...     print(str(error).split(";")[0])
trace: fn reads the number of a traced Value (.data)
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ..graph import Node
from ..value import Value


class TraceError(RuntimeError):
    """User code used a traced Value as a Python number or branch, so the recorded graph's
    shape could depend on the numbers and a replay would not be sound."""


# Modules whose reads of ``.data`` are the engine computing, not a branch of the user's.
_TRUSTED = ("autograd.", "nn.layers", "nn.transformer")
_UNTRUSTED = ("autograd.tracing",)  # reads nothing while fn runs; its doctests are user code
_LIBRARY_DIRS = tuple(os.path.dirname(os.path.dirname(os.path.abspath(p))) + os.sep
                      for p in (__file__,))  # the autograd package's folder

_HINT = ("a replay would reuse this sample's number for every sample. Write it with ops "
         "instead: x.relu() for max(x, 0), abs(x), x.leaky_relu(a), or a product with a "
         "0/1 input for a choice; or pass the number in as a traced argument")


class _Watch:
    """The traced inputs of one ``trace`` call, and which nodes depend on them."""

    def __init__(self, inputs: Sequence[Value]) -> None:
        self.inputs = {id(v) for v in inputs}
        self.known: dict[int, tuple[Node, bool]] = {}  # the node is kept so ids stay unique

    def traced(self, node: Node) -> bool:
        known = self.known
        hit = known.get(id(node))
        if hit is not None:
            return hit[1]
        stack = [node]
        while stack:  # no recursion: graphs can be deep
            top = stack[-1]
            if id(top) in known:
                stack.pop()
                continue
            if id(top) in self.inputs:
                known[id(top)] = (top, True)
                stack.pop()
                continue
            parents = top.parents
            todo = [p for p in parents if id(p) not in known]
            if todo:
                stack += todo
                continue
            known[id(top)] = (top, any(known[id(p)][1] for p in parents))
            stack.pop()
        return known[id(node)][1]


_lock = threading.Lock()
_watches: list[_Watch] = []
_saved: dict[str, object] = {}


def _is_traced(node: object) -> bool:
    return isinstance(node, Node) and any(w.traced(node) for w in _watches)


def _user_line(depth: int = 3) -> str:
    """The first frame outside the library: the user's line that asked for the number
    (and the library line that read it, when a library function did)."""
    frame = reader = sys._getframe(depth)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        name = frame.f_globals.get("__name__", "")
        if not (path.startswith(_LIBRARY_DIRS) or name.startswith("nn.")):
            break
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" + (f" ({code})" if code else "")
    if reader is not frame:
        where += f", inside {reader.f_globals.get('__name__', '?')} line {reader.f_lineno}"
    return where


def _refuse(what: str) -> TraceError:
    return TraceError(f"trace: fn {what}; at {_user_line()}: {_HINT}")


def _install() -> None:
    member = Node.__dict__["data"]
    get, put = member.__get__, member.__set__

    def read(node):
        name = sys._getframe(1).f_globals.get("__name__", "")
        if not name.startswith(_TRUSTED) or name.startswith(_UNTRUSTED):
            if _is_traced(node):
                raise _refuse("reads the number of a traced Value (.data)")
        return get(node, type(node))

    def write(node, value):
        put(node, value)

    def as_float(v):
        if _is_traced(v):
            raise _refuse("turns a traced Value into a number (float())")
        return float(get(v, type(v)))

    def as_bool(v):
        if _is_traced(v):
            raise _refuse("branches on a traced Value (bool(), `if v:`)")
        return True

    def comparison(symbol):
        def compare(a, b):
            if _is_traced(a) or _is_traced(b):
                raise _refuse(f"compares a traced Value ({symbol}; max, min and sorted compare too)")
            return NotImplemented
        return compare

    def as_index(v):
        if _is_traced(v):
            raise TraceError(f"trace: fn uses a traced Value as a list index; at {_user_line(2)}: "
                             "a replay would reuse this sample's choice for every sample. Write "
                             "autograd.pick(index, choices) (nn.Embedding for table rows): one node "
                             "that chooses per sample")
        raise TypeError("a Value is not a list index; use int(v.data), or autograd.pick(v, choices)")

    _saved["data"] = member
    _saved["__float__"] = Value.__dict__.get("__float__")
    Node.data = property(read, write, doc=getattr(member, "__doc__", None))
    Value.__float__ = as_float
    Value.__bool__ = as_bool
    Value.__index__ = as_index
    for name, symbol in (("__lt__", "<"), ("__le__", "<="), ("__gt__", ">"), ("__ge__", ">=")):
        setattr(Value, name, comparison(symbol))


def _uninstall() -> None:
    Node.data = _saved.pop("data")
    original = _saved.pop("__float__")
    if original is not None:
        Value.__float__ = original
    else:
        del Value.__float__
    for name in ("__bool__", "__index__", "__lt__", "__le__", "__gt__", "__ge__"):
        delattr(Value, name)


@contextmanager
def watching(inputs: Sequence[Value]) -> Iterator[None]:
    """While tracing: refuse to turn Values that depend on ``inputs`` into numbers."""
    watch = _Watch(inputs)
    with _lock:
        if not _watches:
            _install()
        _watches.append(watch)
    try:
        yield
    finally:
        with _lock:
            _watches.remove(watch)
            if not _watches:
                _uninstall()
