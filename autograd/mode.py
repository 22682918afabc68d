"""Recording modes: ``no_grad``, ``detect_anomaly`` and drawing ``scope``.

One context variable holds the current ``Mode``; every op reads it once. A context
variable (not a global) makes the modes nest, and keeps threads and asyncio tasks apart.

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
from collections.abc import Callable
from dataclasses import dataclass, field, replace


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


@dataclass(frozen=True)
class Mode:
    record: bool = True  # False inside no_grad(): ops make leaves
    anomaly: bool = False  # True inside detect_anomaly()
    scope: tuple = ()
    meta: Meta | None = None  # shared by the nodes made in this mode (scope, no label)
    # Modes derived from this one, by change: entering the same scope (nn enters one per
    # neuron call) then costs a dict lookup, and its nodes share one Meta.
    _children: dict = field(default_factory=dict, compare=False, repr=False)
    # Recording with no anomaly checks: every op takes its short path (see value.py).
    simple: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "simple", self.record and not self.anomaly)

    def derive(self, key: tuple) -> Mode:
        child = self._children.get(key)
        if child is None:
            what, value = key
            if what == "scope":
                path = self.scope + (value,)
                child = replace(self, scope=path, meta=Meta(scope=path), _children={})
            else:
                child = replace(self, **{what: value}, _children={})
            # Bounded, so scopes named per step (f"t{t}") cannot grow it without end;
            # past the bound a scope still works, it is just derived anew each time.
            if len(self._children) < _MAX_CHILDREN:
                self._children[key] = child
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

    def __exit__(self, *exc) -> bool:
        MODE.reset(self._tokens.pop())
        return False

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


def scope(name: str | Callable | None = None):
    """Group the nodes made inside into a named scope; drawings cluster and collapse it.

    As a context, ``with scope("layer1"):``, every node made in the block gets the scope
    ``"layer1"``, inside whatever scopes are already open:

    >>> from autograd import Value
    >>> with scope("layer1"):
    ...     y = Value(1.0) * 2
    >>> y.scope
    ('layer1',)

    As a decorator, every call of the function is a scope of its own: ``@scope`` names it
    after the function, ``@scope("attention")`` explicitly. Calls nest, and repeated calls
    are told apart by a call number (``linear``, ``linear#2``, ``linear#3``...), so a
    drawing with ``collapse`` draws one box per call. Numbers count the calls made inside
    the innermost enclosing call scope (or ``with scope`` block, or ``function_scopes``
    block), so each such block numbers its calls from 1; calls at the top level, outside
    all of these, are numbered from the start of the program.

    >>> @scope
    ... def linear(x, w):
    ...     return x * w
    >>> @scope("model")
    ... def model(x):
    ...     return linear(linear(x, 2.0), 3.0)
    >>> with scope("step"):
    ...     out = model(Value(1.0))
    >>> out.scope, out.parents[0].scope
    (('step', 'model', 'linear#2'), ('step', 'model', 'linear'))
    """
    if name is None:
        return _scope_decorator  # @scope(): named after the function, like @scope
    if callable(name) and not isinstance(name, str):
        return _scope_decorator(name)  # bare @scope
    if not isinstance(name, str):
        raise TypeError(f"scope: expected a name (str) or a function to decorate, got "
                        f"{type(name).__name__} {name!r}")
    return _Scope(name)


class _Scope:
    """``scope(name)``: a context that opens the scope, or a decorator that opens one per call."""

    __slots__ = ("_name", "_tokens")

    def __init__(self, name: str) -> None:
        self._name = name
        self._tokens: list = []  # a stack, so one object can be entered re-entrantly

    def __enter__(self) -> None:
        mode = MODE.get()
        key = ("scope", self._name)
        child = mode._children.get(key) or mode.derive(key)
        self._tokens.append((MODE.set(child), _CALLS.set({})))

    def __exit__(self, *exc) -> bool:
        mode_token, calls_token = self._tokens.pop()
        _CALLS.reset(calls_token)
        MODE.reset(mode_token)
        return False

    def __call__(self, fn: Callable) -> Callable:
        return _numbered(fn, self._name)


def _scope_decorator(fn: Callable) -> Callable:
    if not callable(fn):
        raise TypeError(f"scope: @scope decorates a function, got {type(fn).__name__} {fn!r}")
    return _numbered(fn, scope_name(fn))


def scope_name(fn) -> str:
    """The scope name of a function or code object: its qualified name without the
    ``<locals>`` of enclosing functions (``Block.forward``, ``inner`` for a nested one)."""
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "co_qualname", None)
    qualname = qualname or getattr(fn, "__name__", None) or getattr(fn, "co_name", None) or type(fn).__name__
    return qualname.rsplit("<locals>.", 1)[-1]


# Code objects of functions decorated with a scope: function_scopes leaves their calls to
# the decorator, so a decorated function is one scope, not two.
DECORATED: set = set()


def _numbered(fn: Callable, name: str) -> Callable:
    code = getattr(fn, "__code__", None)
    if code is not None:
        DECORATED.add(code)

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        tokens = enter_call(name)  # per call, in the caller's context: safe across threads
        try:
            return fn(*args, **kwargs)
        finally:
            exit_call(tokens)

    return wrapped


# Call numbers: how many calls of each name were made inside the innermost call scope,
# ``with scope`` block or ``function_scopes`` block (each starts a fresh count), so a
# name is unique among its siblings. Outside all of them, the program-wide count.
_CALLS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("chainrule_scope_calls", default=None)
_TOP_CALLS: dict = {}


def enter_call(name: str) -> tuple:
    """Open the scope of one call of ``name``: ``name`` the first time, then ``name#2``...

    Returns what ``exit_call`` needs to close it. Used by ``@scope`` and ``function_scopes``.

    >>> tokens = enter_call("f"); again = enter_call("f")
    >>> current_scope()[-2:]
    ('f', 'f')
    >>> exit_call(again); exit_call(tokens)
    """
    calls = _CALLS.get()
    if calls is None:
        calls = _TOP_CALLS
    n = calls.get(name, 0) + 1
    calls[name] = n
    key = ("scope", name if n == 1 else f"{name}#{n}")
    mode = MODE.get()
    child = mode._children.get(key) or mode.derive(key)
    return MODE.set(child), _CALLS.set({})


def exit_call(tokens: tuple) -> None:
    """Close the scope ``enter_call`` opened (``tokens`` is what it returned)."""
    mode_token, calls_token = tokens
    _CALLS.reset(calls_token)
    MODE.reset(mode_token)


def fresh_call_numbers() -> contextvars.Token:
    """Number the calls from here on from 1 again, until ``_CALLS`` is reset with the token
    (``function_scopes`` does this for its block)."""
    return _CALLS.set({})


def reset_call_numbers(token: contextvars.Token) -> None:
    _CALLS.reset(token)


def enter_scope(name: str) -> contextvars.Token:
    """Enter the scope ``name`` until ``exit_scope(token)``: what ``with scope(name)`` does,
    for code that enters one on every call of a hot loop (nn enters one per neuron call).

    Under half the cost of the ``with`` (no context-manager object, no
    ``__enter__``/``__exit__`` calls): the derived mode is looked up in its parent's cache
    directly. Always pair it with ``try: ... finally: exit_scope(token)``.

    >>> from autograd import Value
    >>> token = enter_scope("neuron0")
    >>> try:
    ...     y = Value(1.0) * 2
    ... finally:
    ...     exit_scope(token)
    >>> y.scope, current_scope()
    (('neuron0',), ())
    """
    mode = MODE.get()
    key = ("scope", name)
    child = mode._children.get(key)
    return MODE.set(child if child is not None else mode.derive(key))


def exit_scope(token: contextvars.Token) -> None:
    """Leave the scope ``enter_scope`` entered (``token`` is what it returned)."""
    MODE.reset(token)


def current_scope() -> tuple:
    return MODE.get().scope


# ---------------------------------------------------------------------------------------
# Where a node was made, for anomaly reports: the innermost frame outside this package.

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_site() -> str:
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    import linecache

    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" + (f": {line}" if line else "")

