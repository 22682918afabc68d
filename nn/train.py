"""``fit``: a small training loop for demos, and ``accuracy``.

The explicit loop (forward, loss, ``zero_grad``, ``backward``, ``step``) stays the
documented way to train; ``fit`` is that loop with mini-batches, a progress bar (tqdm when
it is installed, a line every tenth of the run otherwise) and a history of loss and
accuracy per epoch.

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
import random
import sys
import time
from typing import Any, Callable, Sequence

import autograd
from autograd import Value

from . import losses
from .data import batches
from .module import Module
from .optim import SGD, Optimizer, linear_decay

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
    if len(X) != len(y) or not X:
        raise ValueError(f"accuracy: X and y must be non-empty and of equal length, got {len(X)} and {len(y)}")
    with autograd.no_grad():
        return sum(_correct(model(x), label) for x, label in zip(X, y)) / len(X)


class _Lines:
    """The progress display without tqdm: one line to stderr every tenth of the epochs."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.every = max(1, epochs // 10)
        self.epoch = 0

    def __iter__(self):
        for self.epoch in range(self.epochs):
            yield self.epoch

    def set_postfix_str(self, text: str) -> None:
        if (self.epoch + 1) % self.every == 0 or self.epoch + 1 == self.epochs:
            print(f"epoch {self.epoch + 1}/{self.epochs}: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def _progress(epochs: int, enabled: bool | None):
    # None: a bar only when stderr is a terminal (not in pipes, logs or tests); True: always.
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        return _Quiet(epochs)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Lines(epochs)
    return tqdm(range(epochs), desc="fit", unit="epoch")


class _Quiet(_Lines):
    def set_postfix_str(self, text: str) -> None:
        pass


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
    - ``progress``: a tqdm bar (plain lines without tqdm); None shows it only when stderr
      is a terminal.
    - ``fast``: run inside ``autograd.fast_training()`` (cyclic GC paused).

    The loss and accuracy of an epoch are averages over its samples.

    >>> from nn import MLP, make_xor
    >>> X, y = make_xor()
    >>> fit(MLP(2, [8, 1], seed=0), X, [2 * t - 1 for t in y], epochs=30, progress=False)["accuracy"][-1]
    1.0
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if len(X) != len(y) or not X:
        raise ValueError(f"fit: X and y must be non-empty and of equal length, got {len(X)} and {len(y)}")
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} or a function (scores, labels) -> Value")
        track = loss in _CLASSIFIERS if track_accuracy is None else track_accuracy
        loss_fn = LOSSES[loss]
    elif callable(loss):
        track, loss_fn = bool(track_accuracy), loss
    else:
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    params = model.parameters()
    n_batches = len(list(batches(X, y, batch_size, shuffle=False)))  # also checks batch_size
    if optimizer is None:
        optimizer = SGD(params, lr=linear_decay(1.0, 0.1, epochs * n_batches))
    rng = random.Random(seed)  # one generator: each epoch gets a different, reproducible order

    history: dict[str, Any] = {"loss": []}
    if track:
        history["accuracy"] = []
    bar = _progress(epochs, progress)
    started = time.perf_counter()
    paused = autograd.fast_training() if fast else contextlib.nullcontext()
    try:
        with paused:
            for _ in bar:
                total = right = 0.0
                for Xb, yb in batches(X, y, batch_size, shuffle, seed=rng.getrandbits(64)):
                    scores = [model(x) for x in Xb]
                    value = loss_fn(scores, yb)
                    if alpha:
                        value = value + losses.l2_penalty(params, alpha)
                    optimizer.zero_grad()
                    value.backward()
                    optimizer.step()
                    total += value.data * len(Xb)
                    if track:
                        right += sum(_correct(s, t) for s, t in zip(scores, yb))
                history["loss"].append(total / len(X))
                text = f"loss {history['loss'][-1]:.4f}"
                if track:
                    history["accuracy"].append(right / len(X))
                    text += f", accuracy {history['accuracy'][-1]:.1%}"
                bar.set_postfix_str(text)
    finally:
        bar.close()
    history["seconds"] = time.perf_counter() - started
    return history
