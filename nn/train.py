"""``fit``: a small training loop for demos, and ``accuracy``.

The explicit loop (forward, loss, ``zero_grad``, ``backward``, ``step``) stays the
documented way to train; ``fit`` is that loop with mini-batches, a progress display
(``nn.watching.progress``: tqdm in a terminal, one line updated in place in Jupyter), a history of
loss and accuracy per epoch, and optionally an ``nn.Recorder`` of every step, watched live
in Jupyter with ``watch=True``.

>>> from nn import MLP, SGD
>>> from nn.data import make_xor
>>> X, y = make_xor()
>>> model = MLP(2, [8, 1], seed=0)
>>> history = fit(model, X, [2 * t - 1 for t in y], epochs=50, progress=False,
...               optimizer=SGD(model.parameters(), lr=0.1))
>>> history["accuracy"][-1]
1.0
"""

from __future__ import annotations

import contextlib
import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from . import losses
from .data import batches
from .module import Module
from .optim import SGD, Optimizer, linear_decay
from .traced import TracedStep, traced_step
from .watching.progress import progress as progress_bar
from .watching.record import Recorder

LOSSES: dict[str, Callable[..., Value]] = {
    "hinge": losses.hinge,
    "mse": losses.mse,
    "binary_cross_entropy": losses.binary_cross_entropy,
    "cross_entropy": losses.cross_entropy,
}
_CLASSIFIERS = {"hinge", "binary_cross_entropy", "cross_entropy"}


def _correct(score: Value | list[Value], label: Any) -> bool:
    """A single score is right when its sign matches the label's (labels -1/+1 or 0/1);
    a list of scores when its largest is at the label's index."""
    if isinstance(score, Value):
        return (score.data > 0) == (label > 0)
    best = max(range(len(score)), key=lambda i: score[i].data)
    return best == label


def accuracy(model: Callable, X: Sequence, y: Sequence) -> float:
    """The fraction of samples ``model`` classifies right (computed without a graph).

    >>> accuracy(lambda x: Value(x[0]), [[2.0], [-1.0], [3.0], [0.5]], [1, 1, 1, 0])
    0.5
    """
    X, y = as_lists(X, y, "accuracy")
    with autograd.no_grad():
        return sum(_correct(model(x), label) for x, label in zip(X, y)) / len(X)


def loss_function(loss: str | Callable, track_accuracy: bool | None, where: str = "fit") -> tuple[Callable, bool]:
    """(the loss function, whether accuracy is tracked) for ``fit``'s ``loss`` argument.

    >>> loss_function("mse", None)[1], loss_function("hinge", None)[1]
    (False, True)
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"{where}: unknown loss {loss!r}; use one of {', '.join(LOSSES)} "
                             "or a function (scores, labels) -> Value")
        return LOSSES[loss], loss in _CLASSIFIERS if track_accuracy is None else bool(track_accuracy)
    if callable(loss):
        return loss, bool(track_accuracy)
    raise TypeError(f"{where}: loss must be a name or a function, got {type(loss).__name__}")


def as_lists(X: Sequence, y: Sequence, where: str) -> tuple[list, list]:
    """``X`` and ``y`` as lists of Python numbers (numpy arrays are what users have: their
    truth value is ambiguous and their int64 overflows where Python's int does not), checked
    to be non-empty, of equal length and finite (a NaN target would turn every parameter
    into NaN, and the trained weights are the user's).

    >>> as_lists([[1, 2.5]], [1], "fit")
    ([[1, 2.5]], [1])
    """
    X = X.tolist() if hasattr(X, "tolist") else list(X)
    y = y.tolist() if hasattr(y, "tolist") else list(y)
    X = [x.tolist() if hasattr(x, "tolist") else x for x in X]
    if len(X) != len(y) or not X:
        raise ValueError(f"{where}: X and y must be non-empty and of equal length, got {len(X)} and {len(y)}")
    for name, rows in (("X", X), ("y", y)):
        for i, row in enumerate(rows):
            for v in (row if isinstance(row, (list, tuple)) else (row,)):
                if isinstance(v, float) and not math.isfinite(v):
                    raise ValueError(f"{where}: {name}[{i}] holds {v}; training on it would make every "
                                     "parameter NaN. Drop or fill the samples with missing values first")
    return X, y


def _check_epochs(epochs: object) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")


def _check_fits(model: Module, loss: str | Callable, X: list, y: list) -> None:
    """A named loss against the model's output and the labels, before any step: a model
    with 2 outputs and a one-number loss, or 0/1 labels with hinge, named here with the
    shapes, rather than by an operator deep inside the loss."""
    if not isinstance(loss, str):
        return
    with autograd.no_grad():
        out = model(X[0])
    outputs = len(out) if isinstance(out, (list, tuple)) else 1
    if loss == "cross_entropy":
        if outputs == 1:
            raise ValueError("fit: loss='cross_entropy' takes one logit per class, but the model "
                             "gives one number per sample; give its last layer one output per "
                             "class (MLP(nin, [..., classes])), or use loss='binary_cross_entropy' for two classes")
        return
    if outputs != 1:
        raise ValueError(f"fit: loss={loss!r} takes one number per sample, but the model gives "
                         f"{outputs} per sample (a list of {outputs} Values); give its last layer one "
                         "output (MLP(nin, [..., 1])), or use loss='cross_entropy' for one logit per class")
    if loss == "hinge" and 0 in y and all(t in (0, 1) for t in y):
        raise ValueError("fit: loss='hinge' (the default) takes labels -1 and +1, but y holds 0/1 "
                         "labels (as make_moons gives them); pass y=[2 * t - 1 for t in y], or "
                         "loss='binary_cross_entropy'")


def _recorder_for(model: Module, X: Sequence, y: Sequence, recorder: Recorder | None, watch: bool) -> Recorder | None:
    """The recorder ``fit`` feeds: the one given (its data filled in if missing), a new one to watch, or None."""
    if recorder is None and watch:
        recorder = Recorder(model)
    if recorder is None:
        return None
    if not isinstance(recorder, Recorder):
        raise TypeError(f"fit: recorder must be an nn.Recorder, got {type(recorder).__name__}")
    if recorder.model is not model:
        raise ValueError("fit: the recorder records another model; make it with nn.Recorder(model)")
    if recorder.X is None:
        recorder.set_data(X, y)
    if watch:
        recorder.watch()
    return recorder


class _Epoch:
    """One pass over the mini-batches: forward, loss, backward, record, step. Sums for the history."""

    def __init__(self, model: Module, loss_fn: Callable, optimizer: Optimizer, params: list[Value],
                 alpha: float, track: bool, recorder: Recorder | None, last_step: int,
                 traced: TracedStep | None = None) -> None:
        self.model, self.loss_fn, self.optimizer, self.params = model, loss_fn, optimizer, params
        self.alpha, self.track, self.recorder, self.last_step = alpha, track, recorder, last_step
        self.traced = traced  # fit(trace=True): the batch's loss replayed, not rebuilt
        self.step = 0  # batches done over the whole run

    def run(self, pairs) -> tuple[float, float]:
        """(sum of batch loss × batch size, samples classified right) over ``pairs`` of batches."""
        total = right = 0.0
        for Xb, yb in pairs:
            if self.traced is not None:  # value is a float here
                value, good = self.traced.gradients(Xb, yb, self.optimizer, self.params, self.alpha, self.track)
            else:
                scores = [self.model(x) for x in Xb]
                value = self.loss_fn(scores, yb)
                if self.alpha:
                    value = value + losses.l2_penalty(self.params, self.alpha)
                self.optimizer.zero_grad()
                value.backward()
                good = sum(_correct(s, t) for s, t in zip(scores, yb)) if self.track else 0
            number = value if value.__class__ is float else value.data
            if not math.isfinite(number):
                # Stop before the update: the parameters keep the last finite values.
                raise FloatingPointError(
                    f"fit: the loss became {number} at step {self.step}; stopped before updating, so "
                    "the parameters keep their values from the step before. Lower the learning "
                    "rate (optimizer=SGD(model.parameters(), lr=...)) or scale the inputs")
            if self.recorder is not None:  # after backward, before the update: a consistent snapshot
                self.recorder.record(value, step=self.step, force=self.step == self.last_step,
                                     accuracy=good / len(Xb) if self.track else None)
            self.optimizer.step()
            self.step += 1
            total += number * len(Xb)
            right += good
        return total, right


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence,
    *,
    epochs: int = 100,
    loss: str | Callable[[list, list], Value] = "hinge",
    optimizer: Optimizer | None = None,
    batch_size: int | None = None,
    alpha: float = 0.0,
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool | None = None,
    track_accuracy: bool | None = None,
    fast: bool = True,
    recorder: Recorder | None = None,
    watch: bool = False,
    trace: bool = False,
) -> dict[str, Any]:
    """Train ``model`` on ``(X, y)``; return ``{"loss": [...], "accuracy": [...], "seconds": s}``.

    - ``loss``: "hinge" (labels -1/+1), "binary_cross_entropy" (0/1), "cross_entropy"
      (class indices, the model returning one logit per class), "mse", or a function
      ``(scores, labels) -> Value``.
    - ``optimizer``: default ``SGD`` with micrograd's schedule, lr from 1.0 down to 0.1.
    - ``batch_size``: None trains on the whole set at once (micrograd's demo).
    - ``alpha``: weight of the L2 penalty ``alpha·Σp²`` added to the loss.
    - ``track_accuracy``: recorded for the classification losses unless False; for "mse" or a
      function only if True. It is measured on each batch's scores before its update,
      as micrograd's demo prints it.
    - ``progress``: in Jupyter one line updated in place, in a terminal a tqdm bar (plain
      lines without tqdm); None shows it only in a notebook or when stderr is a terminal.
    - ``recorder``: an ``nn.Recorder`` of ``model``, given each mini-batch step (its last
      step always); its ``X``, ``y`` are filled in from the data if it has none.
    - ``watch``: in Jupyter, show the recorder's panels live in one output updated in place
      (a recorder is made if none is given; it is returned as ``history["recorder"]``).
    - ``fast``: run inside ``autograd.fast_training()`` (cyclic GC paused).
    - ``trace``: record one sample's loss once and replay it over each batch
      (``autograd.trace``, numpy-fast with the ``fast`` extra): for the named losses, plus
      ``alpha``'s penalty computed eagerly. When it cannot (a loss function, a model that
      branches on numbers) it warns why and trains eagerly; ``history["trace"]`` says which.

    The loss and accuracy of an epoch are averages over its samples.

    >>> from nn import MLP, make_xor
    >>> X, y = make_xor()
    >>> fit(MLP(2, [8, 1], seed=0), X, [2 * t - 1 for t in y], epochs=30, progress=False)["accuracy"][-1]
    1.0
    """
    _check_epochs(epochs)
    X, y = as_lists(X, y, "fit")
    loss_fn, track = loss_function(loss, track_accuracy)
    params = model.parameters()
    n_batches = len(list(batches(X, y, batch_size, shuffle=False)))  # also checks batch_size
    _check_fits(model, loss, X, y)
    if optimizer is None:
        optimizer = SGD(params, lr=linear_decay(1.0, 0.1, epochs * n_batches))
    recorder = _recorder_for(model, X, y, recorder, watch)
    rng = random.Random(seed)  # one generator: each epoch gets a different, reproducible order
    traced, why = traced_step(model, loss, X, y) if trace else (None, "")
    if why:
        warnings.warn(f"fit(trace=True): cannot trace, {why}; training eagerly", stacklevel=2)
    epoch = _Epoch(model, loss_fn, optimizer, params, alpha, track, recorder, epochs * n_batches - 1, traced)

    history: dict[str, Any] = {"loss": []}
    if track:
        history["accuracy"] = []
    # Watching shows the step itself: no second progress line under the panels.
    bar = progress_bar(epochs, False if watch and progress is None else progress)
    started = time.perf_counter()
    paused = autograd.fast_training() if fast else contextlib.nullcontext()
    try:
        with paused:
            for _ in bar:
                total, right = epoch.run(batches(X, y, batch_size, shuffle, seed=rng.getrandbits(64)))
                history["loss"].append(total / len(X))
                text = f"loss {history['loss'][-1]:.4f}"
                if track:
                    history["accuracy"].append(right / len(X))
                    text += f", accuracy {history['accuracy'][-1]:.1%}"
                bar.set_postfix_str(text)
    finally:
        bar.close()
        if watch and recorder is not None:
            recorder.close()
    history["seconds"] = time.perf_counter() - started
    if recorder is not None:
        history["recorder"] = recorder
    if trace:
        history["trace"] = traced.backend if traced is not None else f"eager: {why}"
    return history
