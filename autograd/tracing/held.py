"""Parameters held in arrays: one float64 array of their numbers and one of their gradients,
shared by a traced replay and an optimizer, so a training step moves no number through a
``Value``.

A ``ParameterArrays`` lists some leaves (an optimizer's parameters). While it is *held*, the
arrays ``data`` and ``grad`` are the truth: a numpy replay reads the parameters' numbers
from ``data`` and adds their gradients into ``grad``, and the optimizer (``nn.SGD``,
``nn.Adam``) updates ``data`` in place and zeroes ``grad``; no Python loop over the
parameters runs. Each held Value's class is switched to a subclass of ``Value`` whose
``data`` and ``grad`` are properties: the first read or write of either, on any of them,
*releases* the arrays (every Value gets its two numbers back, and its class back) and then
reads or writes as usual. So eager code, the views, pickling and copying see the current
numbers whenever they look, at the cost of one pass over the parameters, and never an old
number. The next replay holds the arrays again (one pass, reading the Values).

>>> from autograd import Value
>>> w = [Value(1.0), Value(2.0)]
>>> arrays = ParameterArrays(w)
>>> arrays.hold(), type(w[0]).__name__
(True, 'Value')
>>> arrays.data += 0.5; arrays.grad[1] = 3.0      # what a replay and an optimizer do
>>> w[0].data, w[1].grad, arrays.held              # a read releases: the current numbers
(1.5, 3.0, False)
>>> type(w[0]) is Value
True

Only leaves whose class is exactly ``Value`` are held (a subclass's own methods would be
hidden); ``hold`` returns False for any other list, and the optimizer and the replay then
read and write the Values as before. A Value is held by one ``ParameterArrays`` at a time:
holding another list that shares it releases the first.
"""

# pyright: reportIncompatibleVariableOverride=false
# (HeldValue puts properties over the slots ``data`` and ``grad`` on purpose.)

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..graph import Node
from ..value import Value

if TYPE_CHECKING:
    import numpy as np

# The slots' own descriptors, taken before anything (the trace guard) replaces the class
# attributes: releasing writes the numbers straight into the slots.
_DATA_SLOT = Node.__dict__["data"]
_GRAD_SLOT = Node.__dict__["grad"]

# Every ParameterArrays made, newest last (weakly: an optimizer dropped frees its arrays),
# and how many were ever made: a replay looks for its parameters' arrays again only when
# that count has changed since it last looked.
_LIVE: list[weakref.ref[ParameterArrays]] = []
made = 0


class HeldValue(Value):
    """A ``Value`` whose numbers are held by a ``ParameterArrays``: reading or writing
    ``data`` or ``grad`` releases them first (each held list has its own subclass, whose
    ``arrays`` is the list's ``ParameterArrays`` while it holds). Named ``Value``, as it
    behaves as one."""

    __slots__ = ()
    arrays: ClassVar[ParameterArrays | None] = None

    # Properties over the slots, for the time the arrays hold the numbers. Once released,
    # ``self`` is a Value again: it reads and writes as a Value does.
    @property
    def data(self) -> float:
        _release(self)
        return self.data

    @data.setter
    def data(self, x: float) -> None:
        _release(self)
        self.data = x

    @property
    def grad(self) -> float:
        _release(self)
        return self.grad

    @grad.setter
    def grad(self, x: float) -> None:
        _release(self)
        self.grad = x

    # copy.copy and pickle make a node of the object's own class: released first, a Value.
    def __copy__(self) -> Value:
        _release(self)
        return self.__copy__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        _release(self)
        return self.__reduce_ex__(protocol)


def _release(node: Value) -> None:
    """Give every Value held with ``node`` its numbers back (``node`` included)."""
    held = type(node)
    if issubclass(held, HeldValue) and held.arrays is not None:
        held.arrays.release()
    if type(node) is not Value:  # a held class's node that no list holds (not made here)
        node.__class__ = Value


class ParameterArrays:
    """The numbers and gradients of ``values`` (leaves, each listed once) as two float64
    arrays, ``data`` and ``grad``, which are the truth while ``held`` (see the module)."""

    def __init__(self, values: Sequence[Value]) -> None:
        import numpy as np

        global made
        self.values = list(values)
        self.index = {id(v): i for i, v in enumerate(self.values)}  # the values are kept: ids stay theirs
        if len(self.index) != len(self.values):
            raise ValueError("ParameterArrays: a Value is listed twice; list each once")
        n = len(self.values)
        self.data: np.ndarray = np.zeros(n)
        self.grad: np.ndarray = np.zeros(n)
        self.held = False
        # Only leaves of class Value (or held by another list) can be held.
        self.holdable = all((type(v) is Value or isinstance(v, HeldValue)) and not v.parents for v in self.values)
        # This list's own held class: its ``arrays`` is this list while it holds.
        namespace = {"__slots__": (), "__module__": __name__, "__qualname__": "HeldValue"}
        self._class: type[HeldValue] = type("Value", (HeldValue,), namespace)
        _LIVE[:] = [ref for ref in _LIVE if ref() is not None]
        _LIVE.append(weakref.ref(self))
        made += 1

    def hold(self) -> bool:
        """Make the arrays the truth (read every Value's numbers, switch their class);
        True once held, False if these values cannot be held (not all plain leaves)."""
        if self.held:
            return True
        if not self.holdable:
            return False
        import numpy as np

        values, n = self.values, len(self.values)
        # Reading releases any other list holding some of them.
        data = np.fromiter([v.data for v in values], np.float64, n)
        grad = np.fromiter([v.grad for v in values], np.float64, n)
        if any(type(v) is not Value for v in values):  # a class changed since (a user's subclass)
            self.holdable = False
            return False
        self.data[...] = data
        self.grad[...] = grad
        held = self._class
        held.arrays = self  # the held Values keep their arrays alive
        for v in values:
            v.__class__ = held
        self.held = True
        return True

    def release(self) -> None:
        """Give every Value its number and gradient back, and its class: the Values are the
        truth again (the arrays are read afresh by the next ``hold``)."""
        if not self.held:
            return
        self.held = False
        self._class.arrays = None
        put_data, put_grad = _DATA_SLOT.__set__, _GRAD_SLOT.__set__
        for v, x, g in zip(self.values, self.data.tolist(), self.grad.tolist()):
            v.__class__ = Value
            put_data(v, x)
            put_grad(v, g)

    def __reduce__(self):
        # Each list has its own held class, which pickle cannot name: a copy or a pickle is
        # the list made again from its Values, released first so that they carry the numbers.
        self.release()
        return (ParameterArrays, (self.values,))

    def positions(self, nodes: Sequence[Node]) -> list[int]:
        """Where each of ``nodes`` sits in the arrays, -1 for a node not listed here."""
        index = self.index
        return [index.get(id(node), -1) for node in nodes]

    def __repr__(self) -> str:
        return f"ParameterArrays({len(self.values)} values, {'held' if self.held else 'released'})"


def arrays_listing(nodes: Sequence[Node]) -> ParameterArrays | None:
    """The newest live ``ParameterArrays`` that lists any of ``nodes``, or None (the newest:
    an optimizer made again over the same parameters replaces the last one)."""
    for ref in reversed(_LIVE):
        arrays = ref()
        if arrays is not None and any(id(node) in arrays.index for node in nodes):
            return arrays
    return None


__all__ = ["ParameterArrays", "HeldValue", "arrays_listing"]
