"""``TraceError``, and the guard that raises it while ``fn`` is being traced.

A replay is only valid while the graph's shape does not depend on the numbers. So while
``trace`` runs ``fn``, every way a number of a traced Value (an input, or anything computed
from one) could reach ``fn`` is refused, naming the user's line:

- reading ``.data``, ``.local_grads``, or a gradient computed inside ``fn`` (``.grad``,
  ``gradients(...)`` as floats), outside the engine itself, which reads them to compute;
- ``float(v)`` (and so ``math.exp(v)``, ``'%f' % v``), ``int``, ``round``, ``math.floor``...,
  ``bool(v)`` (``if v:``), text (``str(v)``, ``repr(v)``, ``print(v)``, ``f"{v:.3f}"``);
- ``<``, ``<=``, ``>``, ``>=`` (and so ``max``, ``min`` and ``sorted`` over Values);
- ``table[v]`` (a list index: ``autograd.pick`` chooses per sample instead);
- ``v.detach()``, which would make a leaf of this sample's number;
- a ``create_graph=True`` gradient through an op whose derivative branches on its input
  (relu, abs, leaky_relu, pow, sqrt): the rules read the number, and are not trusted.

Values that do not depend on the inputs (parameters, constants) can still be read.

How (the engine hook): for the duration of the call, and only then, the class attributes
``Node.data``, ``Node.grad`` (the slots' descriptors) and ``Node.local_grads`` are replaced
by properties that check who reads, and ``Value`` gets checking conversions, text,
``detach`` and comparisons; all are put back when the call ends, however it ends. Outside
``trace`` the engine runs untouched, at its own speed. The trusted readers are the node
layer and Value computing ops, and ``nn.layers`` (which reads its inputs' numbers once per
layer, for the engine's ``dot``) and ``nn.transformer`` (the same, for its ``Linear``).

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
from types import FrameType
from typing import Any

from ..graph import Node
from ..ops import Op
from ..value import Value


class TraceError(RuntimeError):
    """User code used a traced Value as a Python number or branch, so the recorded graph's
    shape could depend on the numbers and a replay would not be sound."""


# The modules whose reads of a node's number are the engine computing an op, not a
# branch: the node layer and Value (forward passes, backward, their errors), and nn.layers
# and nn.transformer (which read their inputs' numbers once per layer, for ``dot``). Not the rules of ops.py:
# in a forward pass they receive floats, so a rule that reads a Value's number is a
# create_graph gradient branching on it. Not the views, the functional helpers or any
# other reader: what they read reaches the user as numbers or text.
_TRUSTED = ("autograd.graph", "autograd.value", "autograd.derivatives", "autograd.errors",
            "nn.layers", "nn.transformer")
# Functions of those modules that hand numbers out: ``gradients`` returns floats, and a
# copy (copy.copy, copy.deepcopy, pickle) of a traced Value would be leaves holding this
# sample's numbers.
_HANDS_OUT = ("gradients", "__copy__", "__reduce__", "__reduce_ex__")
# Value's text: it holds the number.
_TEXT = ("__repr__", "__str__", "__format__")
_LIBRARY_DIRS = tuple(os.path.dirname(os.path.dirname(os.path.abspath(p))) + os.sep
                      for p in (__file__,))  # the autograd package's folder
# Python's modules that call a Value's copying methods: the user's line is further out.
_PASSING = ("copy", "copyreg", "pickle")
_PICKLING = "autograd.pickling"  # writes the rows of a pickled graph (for Node.__reduce__)

_GRADIENT_HINT = ("a replay would reuse this sample's numbers for every sample; take the "
                  "gradients outside the traced function (Traced.batch adds them to every "
                  "captured leaf), or use create_graph=True through smooth ops only "
                  "(tanh, sigmoid, exp, log, sin, cos, +, -, *, /)")

_TEXT_HINT = ("the text holds this sample's number, and fn runs only once, on this "
              "sample: a replay would not print, and would reuse anything computed from "
              "the text. Print Traced.values(...) or the traced graph after trace returns")

# Value's conversions to a plain number, each replaced while tracing by one that refuses a
# traced Value (whatever the mode) and otherwise keeps Value's own contract.
_CONVERSIONS = {
    "__float__": "turns a traced Value into a number (float(), math.*)",
    "__int__": "turns a traced Value into a number (int())",
    "__round__": "turns a traced Value into a number (round())",
    "__trunc__": "turns a traced Value into a number (math.trunc())",
    "__floor__": "turns a traced Value into a number (math.floor())",
    "__ceil__": "turns a traced Value into a number (math.ceil())",
    "__bool__": "branches on a traced Value (bool(), `if v:`)",
}

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
_saved: dict[str, Any] = {}  # descriptors, methods, the set of written ids, Value's own entries


def _is_traced(node: object) -> bool:
    return isinstance(node, Node) and any(w.traced(node) for w in _watches)


def _user_line(depth: int = 3) -> str:
    """The first frame outside the library: the user's line that asked for the number
    (and the library line that read it, when a library function did)."""
    reader = sys._getframe(depth)
    frame: FrameType | None = reader
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        name = frame.f_globals.get("__name__", "")
        if not (path.startswith(_LIBRARY_DIRS) or name.startswith("nn.") or name in _PASSING):
            break
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" + (f" ({code})" if code else "")
    if reader is not frame:
        where += f", inside {reader.f_globals.get('__name__', '?')} line {reader.f_lineno}"
    return where


def _refuse(what: str, hint: str = _HINT) -> TraceError:
    return TraceError(f"trace: fn {what}; at {_user_line()}: {hint}")


def _trusted(frame) -> bool:
    """Whether the code of ``frame`` is the engine computing an op (not a reader)."""
    if frame.f_globals.get("__name__", "") not in _TRUSTED:
        return False
    while frame.f_code.co_name.startswith("<"):  # a comprehension: its function's frame is next
        frame = frame.f_back
    return frame.f_code.co_name not in _HANDS_OUT


def _install() -> None:
    data, grad = Node.__dict__["data"], Node.__dict__["grad"]
    get, put = data.__get__, data.__set__
    get_grad, put_grad = grad.__get__, grad.__set__
    local_grads = Node.__dict__["local_grads"]
    written: set[int] = set()  # nodes whose gradient was computed inside fn
    replaced = (*_CONVERSIONS, *_TEXT, "detach")
    # Value's own entries, put back when tracing ends (None: inherited, so deleted then);
    # the wrappers call what Value had, inherited or not.
    _saved["own"] = {name: Value.__dict__.get(name) for name in replaced}
    _saved.update({name: getattr(Value, name) for name in replaced})
    _saved.update(data=data, grad=grad, local_grads=local_grads, written=written)

    def read(node):
        frame = sys._getframe(1)
        if not _trusted(frame) and _is_traced(node):
            if frame.f_globals.get("__name__", "") == "autograd.ops":
                raise _refuse(_branching_rule(frame), _GRADIENT_HINT)
            if frame.f_code.co_name in ("__copy__", "__reduce__") or frame.f_globals.get("__name__") == _PICKLING:
                raise _refuse("copies a traced Value (copy.copy, copy.deepcopy, pickle): the copy's "
                              "leaves would hold this sample's numbers")
            raise _refuse("reads the number of a traced Value (.data)")
        return get(node, type(node))

    def read_grad(node):
        if not _trusted(sys._getframe(1)) and (id(node) in written or _is_traced(node)):
            raise _refuse("reads a gradient computed inside fn (.grad, or gradients() as "
                          "numbers)", _GRADIENT_HINT)
        return get_grad(node, type(node))

    def write_grad(node, value):
        written.add(id(node))
        put_grad(node, value)

    def read_local_grads(node):
        if not _trusted(sys._getframe(1)) and _is_traced(node):
            raise _refuse("reads the local derivatives of a traced Value (.local_grads)")
        return local_grads.__get__(node, type(node))

    def conversion(name, what):
        original = _saved[name]

        def convert(v, *args):
            if _is_traced(v):
                raise _refuse(what)
            return original(v, *args)  # the Value's own contract (refused while recording)
        return convert

    def as_text(v):
        if _is_traced(v):
            raise _refuse("turns a traced Value into text (str, repr, print, an f-string)", _TEXT_HINT)
        return _saved["__repr__"](v)

    def as_formatted(v, spec):
        if _is_traced(v):
            raise _refuse(f"turns a traced Value into text (f'{{v:{spec}}}')", _TEXT_HINT)
        return _saved["__format__"](v, spec)

    def detach(v):
        if _is_traced(v):
            raise _refuse("detaches a traced Value (detach() makes a leaf of this sample's number)",
                          "a replay would reuse this sample's number for every sample; compute "
                          "what you detach outside fn and pass it in as a traced argument")
        return _saved["detach"](v)

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

    # Class attributes swapped while tracing and put back after, by name (to a type
    # checker ``data`` is a float slot and the dunders are methods, not things to assign).
    swaps: list[tuple[type, str, object]] = [
        (Node, "data", property(read, lambda node, value: put(node, value), doc=getattr(data, "__doc__", None))),
        (Node, "grad", property(read_grad, write_grad)),
        (Node, "local_grads", property(read_local_grads, doc=local_grads.__doc__))]
    swaps += [(Value, name, conversion(name, what)) for name, what in _CONVERSIONS.items()]
    swaps += [(Value, "__repr__", as_text), (Value, "__str__", as_text), (Value, "__format__", as_formatted),
              (Value, "detach", detach), (Value, "__index__", as_index)]
    swaps += [(Value, name, comparison(symbol))
              for name, symbol in (("__lt__", "<"), ("__le__", "<="), ("__gt__", ">"), ("__ge__", ">="))]
    for cls, name, attribute in swaps:
        setattr(cls, name, attribute)


def _branching_rule(frame) -> str:
    """What a rule that read its input's number was doing: a create_graph gradient."""
    while frame is not None and not isinstance(frame.f_locals.get("rule"), Op):
        frame = frame.f_back
    op = frame.f_locals["rule"].name if frame is not None else "an op"
    return (f"takes a gradient with create_graph=True through {op}, whose derivative "
            "depends on which side of a kink its input is (relu, abs, leaky_relu, pow, sqrt "
            "branch on the number); a replay would keep this sample's branch")


def _uninstall() -> None:
    for name in ("data", "grad", "local_grads"):
        setattr(Node, name, _saved.pop(name))
    _saved.pop("written")
    for name, own in _saved.pop("own").items():
        _saved.pop(name)
        if own is None:
            delattr(Value, name)
        else:
            setattr(Value, name, own)
    for name in ("__index__", "__lt__", "__le__", "__gt__", "__ge__"):
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
