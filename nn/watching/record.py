"""``Recorder``: snapshots of a model while it trains, to watch live or replay as a page.

At chosen steps a recorder keeps the loss, the accuracy (when given), every parameter's
value and gradient, and the gradient norm of each layer. Call ``record`` once per step,
after ``backward`` and before the optimizer's ``step``: a snapshot then holds the
parameters that made the loss and the gradient of the loss at them.

>>> from nn import MLP, SGD, hinge, make_moons
>>> X, y = make_moons(40, noise=0.1, seed=0); y = [2 * t - 1 for t in y]
>>> model = MLP(2, [4, 1], seed=0); opt = SGD(model.parameters(), lr=0.1)
>>> rec = Recorder(model, X=X, y=y, max_snapshots=8)
>>> for k in range(20):
...     loss = hinge([model(x) for x in X], y)
...     opt.zero_grad(); loss.backward()
...     _ = rec.record(loss)
...     opt.step()
>>> len(rec), rec.every, [s.step for s in rec.snapshots][:4]
(5, 4, [0, 4, 8, 12])
>>> page = rec.html()          # the replay page (an autograd.views.Page); rec.html("run.html") saves it

Memory stays bounded: at most ``max_snapshots`` (default 100) are kept, whatever the
number of steps. When the recorder is full it drops every other snapshot and doubles
``every``, so the snapshots it keeps stay evenly spread over the whole run.

Time stays bounded too: ``record`` on a step that is not due is one comparison, and a
snapshot only copies the parameters' numbers (about 0.1 ms for micrograd's 337-parameter
model, whose training step takes tens of milliseconds). The
decision boundary (for 2-D inputs ``X``) is not computed while training: it is a
function of the parameters, which every snapshot holds, so ``boundary(snapshot)``
computes it later (under ``no_grad``, on a small grid) by putting that snapshot's values
back into the model for the moment it takes, and caches it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import autograd
from autograd import Value

from ..module import Module

if TYPE_CHECKING:
    from autograd.views import Page

DEFAULT_MAX_SNAPSHOTS = 100


@dataclass
class Snapshot:
    """The model at one training step.

    ``values[i]`` and ``grads[i]`` belong to ``recorder.names[i]`` (the order of
    ``model.parameters()``); ``norms[j]`` is the L2 norm of the gradient of the
    parameters of ``recorder.groups[j]`` (a layer).
    """

    step: int
    loss: float
    accuracy: float | None
    values: list[float]
    grads: list[float]
    norms: list[float]
    boundary: list[float] | None = field(default=None, repr=False)  # filled in lazily


def _number(x: object, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"Recorder.record: {what} must be a number or a Value, got {type(x).__name__} {x!r}")
    return float(x)


def layer_groups(model: Module) -> tuple[list[str], list[int]]:
    """(group names, the group of each parameter): a model's layers, from its children.

    A parameter belongs to the direct child module whose path starts its name
    (``layers.1`` for ``layers.1.neurons.3.w.0``); parameters of the model itself, or a
    model without children, form one group named after the model.

    >>> from nn import MLP
    >>> names, of = layer_groups(MLP(2, [3, 1], seed=0))
    >>> names, of[:4], of[-1]
    (['layers.0', 'layers.1'], [0, 0, 0, 0], 1)
    """
    children = [name for name, _ in model.named_children()]
    own = type(model).__name__
    names: list[str] = []
    of: list[int] = []
    for pname, _ in model.named_parameters():
        group = next((c for c in children if pname.startswith(c + ".")), own)
        if group not in names:
            names.append(group)
        of.append(names.index(group))
    return names, of


class Recorder:
    """Snapshots of ``model`` every ``every`` steps, at most ``max_snapshots`` of them.

    - ``X``, ``y``: the training data (optional). With 2-D inputs the views draw the
      decision boundary over them; ``fit(..., recorder=rec)`` fills them in if missing.
    - ``grid``: the decision boundary's resolution (``grid × grid`` points).
    - ``watch``: show the panels live in Jupyter (one output, updated in place; see
      ``nn.watching.watch``); ``watch_seconds``: at most one update per this many seconds.
    """

    def __init__(
        self,
        model: Module,
        *,
        X: Sequence[Sequence[float]] | None = None,
        y: Sequence | None = None,
        every: int = 1,
        max_snapshots: int = DEFAULT_MAX_SNAPSHOTS,
        grid: int = 24,
        watch: bool = False,
        watch_seconds: float = 0.5,
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"Recorder: model must be an nn.Module, got {type(model).__name__}")
        for what, n, low in (("every", every, 1), ("max_snapshots", max_snapshots, 2), ("grid", grid, 2)):
            if isinstance(n, bool) or not isinstance(n, int) or n < low:
                raise ValueError(f"Recorder: {what} must be an int >= {low}, got {n!r}")
        self.model = model
        named = model.named_parameters()
        if not named:
            raise ValueError(f"Recorder: {model.short_repr()} has no parameters to record")
        self.names = [name for name, _ in named]
        self.params = [p for _, p in named]  # read at every snapshot: listed once here
        self.multiclass: bool | None = None  # several outputs (classes)? known once a boundary is made
        self.groups, self._group_of = layer_groups(model)
        self.every = every
        self.max_snapshots = max_snapshots
        self.grid = grid
        self.snapshots: list[Snapshot] = []
        self.steps_seen = 0  # record() calls, the step number when none is given
        self.seconds = 0.0  # time spent taking snapshots
        self.X: list[list[float]] | None = None
        self.y: list | None = None
        if X is not None:
            self.set_data(X, y)
        self.watch_seconds = float(watch_seconds)
        self._live = None
        if watch:
            self.watch()

    def __len__(self) -> int:
        return len(self.snapshots)

    def __repr__(self) -> str:
        last = f", last step {self.snapshots[-1].step}" if self.snapshots else ""
        return f"Recorder({self.model.short_repr()}, {len(self)} snapshots every {self.every} steps{last})"

    def set_data(self, X: Sequence[Sequence[float]], y: Sequence | None) -> None:
        """The training points the views draw (and the boundary's extent, for 2-D inputs)."""
        if y is not None and len(X) != len(y):
            raise ValueError(f"Recorder: X and y must be of equal length, got {len(X)} and {len(y)}")
        self.X = [[float(v) for v in x] for x in X]
        self.y = list(y) if y is not None else None

    # -- recording ---------------------------------------------------------------------

    def due(self, step: int) -> bool:
        """Whether ``record`` at ``step`` takes a snapshot."""
        return step % self.every == 0

    def record(self, loss: Value | float, *, step: int | None = None,
               accuracy: float | None = None, force: bool = False) -> bool:
        """Take a snapshot if ``step`` is due (or ``force``); return whether one was taken.

        Call it after ``loss.backward()`` and before ``optimizer.step()``. ``step``
        defaults to the number of earlier calls; ``force`` records a step that is not
        due (``fit`` forces its last step, so a replay ends where training ended).
        """
        if step is None:
            step = self.steps_seen
        elif isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"Recorder.record: step must be an int >= 0, got {step!r}")
        self.steps_seen += 1
        if not (force or step % self.every == 0):
            return False
        if self.snapshots and step <= self.snapshots[-1].step:
            raise ValueError(f"Recorder.record: step {step} is not after the last recorded "
                             f"step {self.snapshots[-1].step}; steps must increase")
        loss_value = _number(loss, "loss")
        acc = None if accuracy is None else _number(accuracy, "accuracy")
        started = time.perf_counter()
        if len(self.snapshots) >= self.max_snapshots:
            self._thin()
            if not (force or step % self.every == 0):  # not due at the new spacing
                self.seconds += time.perf_counter() - started
                return False
        grads = [p.grad for p in self.params]
        squares = [0.0] * len(self.groups)
        for g, j in zip(grads, self._group_of):
            squares[j] += g * g
        snapshot = Snapshot(step, loss_value, acc, [p.data for p in self.params], grads,
                            [math.sqrt(s) for s in squares])
        self.snapshots.append(snapshot)
        self.seconds += time.perf_counter() - started
        if self._live is not None:
            self._live.update(self)
        return True

    def _thin(self) -> None:
        """Halve the snapshots (keep the steps that are multiples of 2·every) and double every."""
        self.every *= 2
        kept = [s for s in self.snapshots if s.step % self.every == 0]
        if len(kept) >= self.max_snapshots:  # steps given by the caller need not be spread out
            kept = self.snapshots[::2]
        self.snapshots = kept

    # -- the decision boundary ---------------------------------------------------------

    def extent(self) -> tuple[float, float, float, float] | None:
        """(x min, x max, y min, y max) of the boundary's grid, or None without 2-D data."""
        if not self.X or len(self.X[0]) != 2:
            return None
        xs = [p[0] for p in self.X]
        ys = [p[1] for p in self.X]
        pad_x = 0.1 * (max(xs) - min(xs) or 1.0)
        pad_y = 0.1 * (max(ys) - min(ys) or 1.0)
        return min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y

    def grid_points(self) -> list[list[float]]:
        """The boundary's ``grid × grid`` points, row by row from the top (largest y) down."""
        box = self.extent()
        if box is None:
            raise ValueError("Recorder: the decision boundary needs 2-D inputs X (pass X=... or train with fit)")
        x0, x1, y0, y1 = box
        n = self.grid
        return [[x0 + (x1 - x0) * (i + 0.5) / n, y1 - (y1 - y0) * (r + 0.5) / n]
                for r in range(n) for i in range(n)]

    def boundary(self, snapshot: Snapshot) -> list[float]:
        """The model's output over ``grid_points()`` with ``snapshot``'s parameters.

        One number per point: the score for a model with one output, the index of the
        largest score (the predicted class) for several. The model's own parameters are
        put back afterwards, whatever happens.
        """
        if snapshot.boundary is None:
            points = self.grid_points()
            params = self.params
            current = [p.data for p in params]
            try:
                for p, v in zip(params, snapshot.values):
                    p.data = v
                with autograd.no_grad():
                    outputs = [self.model(x) for x in points]
                self.multiclass = not isinstance(outputs[0], Value)
                snapshot.boundary = [_score(out) for out in outputs]
            finally:
                for p, v in zip(params, current):
                    p.data = v
        return snapshot.boundary

    # -- views -------------------------------------------------------------------------

    def watch(self) -> None:
        """Show the panels in this Jupyter output and update them in place as snapshots come.

        Outside IPython nothing is shown (the recorder still records).
        """
        from .watch import Live

        if self._live is None:
            self._live = Live(self)

    def close(self) -> None:
        """Show the last snapshot in the live view (if watching) and stop updating it."""
        if self._live is not None:
            self._live.finish(self)
            self._live = None

    def html(self, path: str | None = None, *, title: str = "Training replay",
             boundary_frames: int = 12) -> Page:
        """The replay page (an ``autograd.views.Page``); with ``path``, also saved there.

        One self-contained offline file: a step slider, play/pause and ``#step=N`` links
        show the loss and accuracy curves, the network's weights and gradients, each
        layer's gradient norm and (2-D inputs) the decision boundary at every recorded
        step. The boundary is computed for ``boundary_frames`` snapshots spread over the
        run (the first and the last among them); the others show the nearest earlier one.
        """
        from .replay import replay_page

        page = replay_page(self, title=title, boundary_frames=boundary_frames)
        if path is not None:
            page.save(path)
        return page


def _score(out: Value | list[Value]) -> float:
    if isinstance(out, Value):
        return out.data
    return float(max(range(len(out)), key=lambda k: out[k].data))


__all__ = ["Recorder", "Snapshot", "layer_groups"]
