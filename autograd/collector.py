"""The engine and Python's cyclic garbage collector.

The engine makes no reference cycles: a node holds its parents and numbers, never a
closure or anything that refers back to it, so a graph is freed by reference counting
alone the moment it is dropped. The cyclic collector has nothing to find in it, yet it
scans the graph again and again while a large one is built or differentiated. Pausing it
saves that time; the state before is always restored.

The views that read a whole graph (``html``, ``draw`` and ``render``, ``explain``,
``tree``, ``summary``) pause it too: their passes make many lists and tuples (a graph
table's columns, a list by row per pass) that live only while the view is made and hold
no cycles, and the collector would scan them, and the graph, again and again while they
do (on a 78k-node GPT step, ``html`` pays about an eighth of its time for it).

>>> import gc
>>> with fast_training():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (``backward`` runs inside one), then put it
    back as it was, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pauses_collector(view: F) -> F:
    """``view`` with the collector paused while it runs (``collector_paused``), as a
    decorator whose frame is this package's, so that an error naming the user's line
    (``autograd.trace``'s) still finds the user's code above it."""

    @functools.wraps(view)
    def paused(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return view(*args, **kwargs)

    return cast(F, paused)


@contextmanager
def fast_training() -> Iterator[None]:
    """Opt-in: pause the cyclic garbage collector for a training loop, then restore it.

    The engine makes no reference cycles, so graphs are freed by reference counting alone;
    the collector only spends time scanning them. Your own code inside the block should
    not build reference cycles in a loop (they would wait until the block ends).

    >>> with fast_training():
    ...     pass
    """
    with collector_paused():
        yield


__all__ = ["collector_paused", "pauses_collector", "fast_training"]
