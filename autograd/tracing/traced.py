"""``trace``: record one sample's graph, then replay it over whole batches.

>>> from autograd import Value, trace
>>> w = Value(0.5, label="w")
>>> traced = trace(lambda x, y: (w * x - y) ** 2, 1.0, 0.0)   # one sample: x = 1, y = 0
>>> traced.batch([1.0, 2.0], [1.0, 1.0])   # mean of (0.5-1)² and (1-1)²
0.125
>>> w.grad                                   # d/dw mean (w·x - y)² = mean 2x(w·x - y)
-0.5
>>> traced.values([4.0], [0.0])
[4.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..mode import enable_grad
from ..value import Value
from .arguments import BatchShapeError, DomainError, placeholders, rebuild
from .guard import TraceError, watching
from .python_replay import PythonReplay
from .tape import SAMPLE, Tape

BACKENDS = ("numpy", "python", "torch")


def numpy_available() -> bool:
    """Whether numpy can be imported here (the ``fast`` extra)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


class Traced:
    """One sample's graph, recorded by ``trace``, that replays over batches of samples."""

    def __init__(self, fn: Callable, graph: Value | list[Value], tape: Tape, shapes: list,
                 backend: str, device: Any = None) -> None:
        self.fn = fn
        self.graph = graph  # the traced sample's result: draw, explain and tree take it
        self.tape = tape
        self.shapes = shapes
        if backend == "numpy":
            from .numpy_replay import NumpyReplay

            self._replay = NumpyReplay(tape, shapes)
        elif backend == "torch":
            from .torch_replay import TorchReplay

            self._replay = TorchReplay(tape, shapes, device)
        else:
            self._replay = PythonReplay(tape, shapes)
        self.backend = backend

    @property
    def captured(self) -> list[Value]:
        """The leaves each replay reads (``.data``) and adds gradients to (``.grad``)."""
        return [self.tape.nodes[i] for i in self.tape.captured]

    @property
    def inputs(self) -> list[Value]:
        """The input leaves of the traced sample, in argument order."""
        return [self.tape.nodes[i] for i in self.tape.inputs]

    def __reduce__(self):
        # The replays hold closures over this Traced's own arrays and leaves, which
        # copy.deepcopy would share with the copy (its batch would then run the original's
        # steps). So a copy (or a pickle) is the graph and its inputs; the tape and the
        # replays are made again from them. Leaves shared by the graph and the inputs stay
        # shared (pickle's and deepcopy's memo); ``fn`` is the same function.
        device = getattr(self._replay, "device", None)  # the torch replay's; None elsewhere
        return (_retrace, (self.fn, self.graph, self.inputs, self.shapes, self.backend,
                           None if device is None else str(device)))

    def __repr__(self) -> str:
        tape = self.tape
        ops = sum(1 for op in tape.ops if op is not None)
        return (f"Traced({getattr(self.fn, '__name__', 'fn')}: {len(tape.inputs)} inputs, "
                f"{len(tape.captured)} captured leaves, {ops} op nodes, backend {self.backend!r})")

    def _check(self, batched: Sequence, where: str) -> int:
        if len(batched) != len(self.shapes):
            raise TypeError(f"{where}: the traced function takes {len(self.shapes)} argument"
                            f"{'s' if len(self.shapes) != 1 else ''}, got {len(batched)} batched ones")
        sizes = set()
        for j, arg in enumerate(batched):
            if isinstance(arg, (str, bytes, Value)) or not hasattr(arg, "__len__"):
                raise TypeError(f"{where}: argument {j} must be a list with one entry per sample, "
                                f"got {type(arg).__name__}")
            sizes.add(len(arg))
        if len(sizes) > 1:
            raise ValueError(f"{where}: the batched arguments have different lengths {sorted(sizes)}; "
                             "give one entry per sample in each")
        n = sizes.pop()
        if n == 0:
            raise ValueError(f"{where}: the batch is empty")
        return n

    def batch(self, *batched: Sequence, reduce: str = "mean") -> float:
        """Forward and backward over a batch: the mean (or sum) of the traced result over the
        samples; adds d(that)/d(leaf) to every captured leaf's ``.grad``, as the eager loop
        over the same samples would."""
        if isinstance(self.graph, list):
            raise TypeError("batch: the traced function returned a list; batch needs one Value "
                            "per sample (the loss); values() returns every output")
        n = self._check(batched, "batch")
        if reduce == "mean":
            weight = 1.0 / n
        elif reduce == "sum":
            weight = 1.0
        else:
            raise ValueError(f"batch: reduce must be 'mean' or 'sum', got {reduce!r}")
        total = self._run(lambda: self._replay.batch(batched, n, weight) if self.backend != "python"
                          else self._replay.batch(batched, weight), batched)
        return total * weight

    def values(self, *batched: Sequence) -> list:
        """The traced result for each sample, forward only (no gradients): a list of floats,
        or of lists when the traced function returned a list."""
        n = self._check(batched, "values")
        if self.backend != "python":
            rows = self._run(lambda: self._replay.values(batched, n).tolist(), batched)
        else:
            rows = self._run(lambda: self._replay.values(batched), batched)
        if isinstance(self.graph, list):
            return [list(row) for row in rows]
        return [row[0] for row in rows]

    def _run(self, replay: Callable[[], Any], batched: Sequence) -> Any:
        """Run a replay; a sample outside an op's domain is re-run eagerly, so the engine's
        own error (the op, the numbers, the line) is what the user sees."""
        try:
            return replay()
        except BatchShapeError:
            raise
        except DomainError as error:
            self._rerun(batched, error.sample)
            raise ValueError(f"trace replay: sample {error.sample} is outside an op's domain") from None
        except (ValueError, ZeroDivisionError, OverflowError):  # the Python replay's math
            self._rerun(batched, None)
            raise

    def _rerun(self, batched: Sequence, sample: int | None) -> None:
        samples = range(len(batched[0])) if sample is None else [sample]
        for j in samples:
            args = [arg[j] for arg in batched]
            self.fn(*args)  # raises the engine's error for this sample


def _retrace(fn: Callable, graph: Value | list[Value], inputs: list[Value], shapes: list,
             backend: str, device: Any = None) -> Traced:
    """A ``Traced`` made again from its graph and input leaves (see ``Traced.__reduce__``)."""
    outputs = [graph] if isinstance(graph, Value) else list(graph)
    return Traced(fn, graph, Tape.record(outputs, inputs), shapes, backend, device)


def trace(fn: Callable, *example_args: Any, backend: str | None = None, device: Any = None) -> Traced:
    """Record ``fn`` on one sample (``example_args``) and return a ``Traced`` to replay it.

    ``fn`` takes Values, numbers or (nested) lists of them and returns a Value (or a list of
    Values, for ``values`` only). Each argument becomes input leaves that change per
    sample; every other leaf the graph reaches (a model's parameters) is captured: each
    replay reads its current ``.data`` and adds to its ``.grad``. While ``fn`` runs, using a
    per-sample Value as a Python number or branch raises ``TraceError``.

    ``backend``: "numpy" (vectorised over the batch; needs numpy), "python" (generated
    straight-line code), "torch" (the numpy replay's plan run as float64 torch tensor ops on
    ``device``, "cpu" by default or e.g. "cuda"; needs torch and numpy) or None (numpy when
    it is installed and every op has an array form).

    >>> from autograd import Value, trace
    >>> k = Value(3.0)
    >>> trace(lambda x: (k * x).relu(), 1.0, backend="python").values([1.0, -1.0])
    [3.0, 0.0]
    """
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    if backend not in (None, *BACKENDS):
        raise ValueError(f"trace: backend must be 'numpy', 'python', 'torch' or None, got {backend!r}")
    if backend in ("numpy", "torch") and not numpy_available():
        raise ImportError(f"trace: backend={backend!r} needs numpy (pip install 'chainrule[fast]')")
    if backend == "torch":
        from .torch_replay import torch_available

        if not torch_available():
            raise ImportError("trace: backend='torch' needs torch (pip install torch)")
    elif device is not None:
        raise ValueError(f"trace: device= is for backend='torch' (the numpy and python replays run on the "
                         f"CPU), got device={device!r} with backend={backend!r}")
    shapes, leaves, args = [], [], []
    for j, example in enumerate(example_args):
        shape, these = placeholders(example, f"arg{j}")
        shapes.append(shape)
        leaves += these
        args.append(rebuild(shape, these))
    if len({id(v) for v in leaves}) != len(leaves):
        raise ValueError("trace: the same Value appears twice among the arguments; each input "
                         "must be its own leaf")
    with enable_grad(), watching(leaves):
        out = fn(*args)
    if isinstance(out, Value):
        outputs = [out]
    elif isinstance(out, (list, tuple)) and out and all(isinstance(v, Value) for v in out):
        outputs = list(out)
    else:
        raise TypeError(f"trace: fn must return a Value (or a list of Values), got {type(out).__name__} {out!r:.60}")
    tape = Tape.record(outputs, leaves)
    for i in tape.outputs:
        if tape.kind[i] != SAMPLE:
            raise ValueError(
                "trace: fn's result does not depend on its arguments (the same for every "
                "sample); pass the per-sample data as arguments")
    if backend is None:
        # numpy when every op has an array form (the numpy replay refuses any other op)
        runs_on_arrays = all(op.array is not None for op in tape.ops if op is not None)
        backend = "numpy" if runs_on_arrays and numpy_available() else "python"
    return Traced(fn, out if isinstance(out, Value) else outputs, tape, shapes, backend, device)


__all__ = ["trace", "Traced", "TraceError", "numpy_available"]
