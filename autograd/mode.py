"""Recording modes: ``no_grad``, ``enable_grad`` and ``detect_anomaly``.

One context variable holds the current ``Mode``; every op reads it once. A context
variable (not a global) makes the modes nest, and keeps threads and asyncio tasks apart.
Drawing scopes are a part of the mode too (the nodes made in one share its ``Meta``);
``scopes.py`` opens and numbers them.

>>> from autograd import Value, no_grad
>>> with no_grad():
...     y = Value(2.0) * 3
>>> y.op  # recorded nothing: y is a leaf
''
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
from dataclasses import dataclass, field, replace
from types import FrameType


class Meta:
    """What a node carries besides its numbers: label, drawing scope, role, creation site.

    Most nodes share one ``Meta`` (the mode's, usually ``None``), so a node pays for these
    only when it has them. Setting a label gives the node its own copy.
    """

    __slots__ = ("label", "scope", "role", "site")

    def __init__(self, label: str = "", scope: tuple = (), role: str = "", site: str = ""):
        self.label = label
        self.scope = scope  # ("mlp", "layer0", "neuron3"): where drawings cluster it
        self.role = role  # "param" for parameters (nn sets it); drawings colour by it
        self.site = site  # "file.py:12: y = x.log()", recorded in anomaly mode

    def __reduce__(self):
        return (Meta, (self.label, self.scope, self.role, self.site))

    def but(self, label: str | None = None, role: str | None = None, site: str | None = None) -> Meta:
        """A copy with a new ``label``, ``role`` or ``site``: never write to a Meta, which the
        nodes of a scope share.

        >>> Meta("x", ("layer0",)).but(role="param").scope
        ('layer0',)
        """
        return Meta(self.label if label is None else label, self.scope, self.role if role is None else role,
                    self.site if site is None else site)


@dataclass(frozen=True)
class Mode:
    record: bool = True  # False inside no_grad(): ops make leaves
    anomaly: bool = False  # True inside detect_anomaly()
    scope: tuple = ()
    meta: Meta | None = None  # shared by the nodes made in this mode (scope, no label)
    # Modes derived from this one, by change: entering the same scope (nn enters one per
    # neuron call) then costs a dict lookup, and its nodes share one Meta. Read through
    # ``derive``, or directly where a call costs too much (``scopes.enter_scope``).
    children: dict = field(default_factory=dict, compare=False, repr=False)
    # Recording with no anomaly checks: every op takes its short path (see value.py).
    simple: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "simple", self.record and not self.anomaly)

    def derive(self, key: tuple) -> Mode:
        child = self.children.get(key)
        if child is None:
            what, value = key
            if what == "scope":
                path = self.scope + (value,)
                child = replace(self, scope=path, meta=Meta(scope=path), children={})
            else:
                child = replace(self, **{what: value}, children={})
            # Bounded, so scopes named per step (f"t{t}") cannot grow it without end;
            # past the bound a scope still works, it is just derived anew each time.
            if len(self.children) < _MAX_CHILDREN:
                self.children[key] = child
        return child


_MAX_CHILDREN = 4096


_DEFAULT = Mode()
MODE: contextvars.ContextVar[Mode] = contextvars.ContextVar("chainrule_mode", default=_DEFAULT)


class _Entered:
    """A context (and decorator) that switches to a derived mode and back."""

    __slots__ = ("_key", "_tokens")

    def __init__(self, key: tuple) -> None:
        self._key = key
        self._tokens: list = []  # a stack, so one object can be entered re-entrantly

    def __enter__(self) -> None:
        self._tokens.append(MODE.set(MODE.get().derive(self._key)))

    def __exit__(self, *exc: object) -> None:
        MODE.reset(self._tokens.pop())

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with _Entered(self._key):  # a fresh context per call: safe across threads
                return fn(*args, **kwargs)

        return wrapped


def _entered(**change) -> _Entered:
    ((what, value),) = change.items()
    return _Entered((what, value))


def no_grad():
    """Context in which ops record nothing: results are leaves, and cost less.

    >>> from autograd import Value
    >>> with no_grad():
    ...     print((Value(1.0) + 2).parents)
    ()
    """
    return _entered(record=False)


def enable_grad():
    """Context that records again inside a ``no_grad`` block."""
    return _entered(record=True)


def is_grad_enabled() -> bool:
    return MODE.get().record


def detect_anomaly():
    """Context in which the first NaN or inf, in a forward value or a gradient, raises.

    The ``FloatingPointError`` names the op, its inputs and the line of your code that
    created the node. Recording the line costs time: use it to debug, not to train.

    >>> from autograd import Value
    >>> with detect_anomaly():  # doctest: +ELLIPSIS
    ...     Value(1000.0).exp()
    Traceback (most recent call last):
    FloatingPointError: exp produced inf from input 1000.0, at ...
    """
    return _entered(anomaly=True)


# ---------------------------------------------------------------------------------------
# Where a node was made, for anomaly reports: the innermost frame outside this package.

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_site() -> str:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    import linecache

    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" + (f": {line}" if line else "")

