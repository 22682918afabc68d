"""Scopes from the code itself: ``function_scopes()`` makes every call of your functions a scope.

Code written for micrograd-style engines opens no scopes, so ``draw(loss, collapse=1)``
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

import os
import sys
import sysconfig

from .mode import DECORATED, enter_call, exit_call, fresh_call_numbers, reset_call_numbers, scope_name

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
        numbers = fresh_call_numbers()
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
        reset_call_numbers(numbers)


__all__ = ["function_scopes", "user_function_name"]
