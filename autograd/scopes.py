"""Drawing scopes: ``scope`` names a block or a function's calls, and numbers the calls.

The nodes made inside ``with scope("layer1"):`` carry the scope ``("layer1",)`` (inside
whatever scopes are already open); drawings cluster them and ``collapse`` folds them.
``@scope`` makes every call of a function a scope of its own, numbered per call
(``linear``, ``linear#2``...). ``enter_scope``/``exit_scope`` are the same as ``with
scope(name)`` without the context-manager object, for a hot loop (nn enters one per
neuron call). A scope is a part of the recording mode (``mode.py``): the nodes made in one
share its ``Meta``.

>>> from autograd import Value, scope
>>> with scope("layer1"):
...     y = Value(1.0) * 2
>>> y.scope, current_scope()
(('layer1',), ())

**Scopes from the code itself**: ``function_scopes()`` makes every call of your
functions a scope. Code written for micrograd-style engines opens no scopes, so ``draw(loss, collapse=1)``
has nothing to fold. Inside ``with function_scopes():`` every call of a Python function
defined outside chainrule (your code: not chainrule's ``autograd``/``nn`` packages, the
standard library or installed packages) is a scope named after the function, numbered
per call as ``@scope`` numbers them (``gpt``, ``gpt#2``...; inside each, ``linear``,
``linear#2``...). Numbering starts from 1 in each block.

>>> from autograd import Value, function_scopes
>>> def square(x):
...     return x * x
>>> def model(x):
...     return square(x) + square(x + 1)
>>> with function_scopes():
...     y = model(Value(2.0))
>>> y.scope, y.parents[0].scope, y.parents[1].scope
(('model',), ('model', 'square'), ('model', 'square#2'))

How: a profile function (``sys.setprofile``) is installed for the block and the previous
one is put back after it. It sees every call and return in the calling thread and opens a
scope when one of your functions starts and closes it when it returns (or raises). Outside
the block nothing is installed, so it costs nothing; inside, every Python call and every
call of a C function pays for the profile function, chainrule's own calls included (about
ten events per node): building a graph costs 5 to 7 times as much, about 10 µs per node
against 1.5 outside (``python -m demos.gpt`` measures it on its GPT step and prints it).
Use it for the step you want to look at, not to train. Only the thread that enters the block is profiled
(scopes are per thread and per asyncio task anyway), and comprehensions, lambdas and
generator expressions (``<listcomp>``...) are not scopes of their own. A profiler already
running (``cProfile``) is paused for the block and resumed after it.
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
import sysconfig
from collections.abc import Callable

from .mode import MODE

# The context variable's methods, bound once: CPython 3.11 compiles a method call on an
# imported name (``MODE.get()`` here) as an attribute load that makes a bound method
# every call. nn enters a scope per neuron call; through these names a pair of
# enter_scope/exit_scope costs about 4,400 instructions (callgrind) instead of 5,900.
get_mode, set_mode, reset_mode = MODE.get, MODE.set, MODE.reset


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
        mode = get_mode()
        key = ("scope", self._name)
        child = mode.children.get(key) or mode.derive(key)
        self._tokens.append((set_mode(child), _CALLS.set({})))

    def __exit__(self, *exc: object) -> None:
        mode_token, calls_token = self._tokens.pop()
        _CALLS.reset(calls_token)
        reset_mode(mode_token)

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
    mode = get_mode()
    child = mode.children.get(key) or mode.derive(key)
    return set_mode(child), _CALLS.set({})


def exit_call(tokens: tuple) -> None:
    """Close the scope ``enter_call`` opened (``tokens`` is what it returned)."""
    mode_token, calls_token = tokens
    _CALLS.reset(calls_token)
    reset_mode(mode_token)


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
    mode = get_mode()
    key = ("scope", name)
    child = mode.children.get(key)
    return set_mode(child if child is not None else mode.derive(key))


def exit_scope(token: contextvars.Token) -> None:
    """Leave the scope ``enter_scope`` entered (``token`` is what it returned)."""
    reset_mode(token)


def current_scope() -> tuple:
    return get_mode().scope


# ---------------------------------------------------------------------------------------
# function_scopes: a scope for every call of the user's own functions.

_AUTOGRAD_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    """Folders whose code is not the user's: chainrule's packages, the standard library,
    installed packages. Each ends in a separator, for ``startswith``."""
    dirs = {_AUTOGRAD_DIR, os.path.join(os.path.dirname(_AUTOGRAD_DIR), "nn")}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        for base in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
            try:
                path = sysconfig.get_path(name, vars={"base": base, "platbase": base,
                                                      "installed_base": base, "installed_platbase": base})
            except KeyError:
                continue
            if path:
                dirs.add(path)
    out = set()
    for d in dirs:
        for form in (os.path.abspath(d), os.path.realpath(d)):
            out.add(form.rstrip(os.sep) + os.sep)
    return tuple(sorted(out))


_LIBRARY_DIRS = _library_dirs()

# code object -> scope name, or None for code that is not the user's. Bounded: code made
# at run time (exec, many closures' code is shared, so rarely) cannot grow it without end.
_NAMES: dict = {}
_MAX_NAMES = 100_000


def user_function_name(code) -> str | None:
    """The scope name for a call of ``code``, or None if it is not the user's function.

    >>> def f(): pass
    >>> user_function_name(f.__code__), user_function_name(os.path.join.__code__)
    ('f', None)
    """
    if code.co_name.startswith("<") or code in DECORATED:  # <module>, <listcomp>, <lambda>...
        return None
    filename = code.co_filename
    if filename.startswith("<"):  # <stdin>, <string>, doctests: typed by the user
        return None if filename.startswith("<frozen") else scope_name(code)
    path = os.path.abspath(filename)
    if path.startswith(_LIBRARY_DIRS) or os.path.realpath(path).startswith(_LIBRARY_DIRS):
        return None
    return scope_name(code)


class function_scopes:
    """Context: while it runs, every call of a function of yours is a scope named after it.

    See the module docstring for what counts as yours and what it costs.

    >>> from autograd import Value
    >>> def f(x):
    ...     return x.exp()
    >>> with function_scopes():
    ...     a, b = f(Value(0.0)), f(Value(1.0))
    >>> a.scope, b.scope, f(Value(2.0)).scope
    (('f',), ('f#2',), ())
    """

    def __init__(self) -> None:
        self._saved: list = []  # a stack: the object may be entered again inside itself

    def __enter__(self) -> function_scopes:
        previous = sys.getprofile()
        if previous is not None and not callable(previous) and not callable(getattr(previous, "enable", None)):
            raise RuntimeError(f"function_scopes: a profiler ({type(previous).__name__}) is running in this "
                               "thread and could not be restarted after the block; stop it first")
        numbers = _CALLS.set({})  # its calls are numbered from 1
        calls: list = []  # (frame, tokens) of the calls whose scope is open, innermost last
        names = _NAMES
        unknown = names  # a marker no name can be
        if len(names) > _MAX_NAMES:
            names.clear()

        # Called for every call and return of the thread, so it does as little as it can:
        # C calls fall through both tests; a Python call costs one dict lookup.
        def profile(frame, event, arg):
            if event == "call":
                code = frame.f_code
                name = names.get(code, unknown)
                if name is unknown:
                    name = names[code] = user_function_name(code)
                if name is not None:
                    calls.append((frame, enter_call(name)))
            elif event == "return" and calls and calls[-1][0] is frame:
                exit_call(calls.pop()[1])

        self._saved.append((previous, numbers, calls))
        sys.setprofile(profile)
        return self

    def __exit__(self, *exc: object) -> None:
        previous, numbers, calls = self._saved.pop()
        if previous is None or callable(previous):
            sys.setprofile(previous)
        else:  # a profiler written in C (cProfile): it is off during the block, on again after
            sys.setprofile(None)
            previous.enable()
        # Normally empty here: every call opened in the block has returned. Close any left
        # open (a generator suspended inside one of them) innermost first.
        while calls:
            exit_call(calls.pop()[1])
        _CALLS.reset(numbers)


__all__ = ["scope", "current_scope", "enter_scope", "exit_scope", "enter_call", "exit_call", "scope_name",
           "function_scopes", "user_function_name"]
