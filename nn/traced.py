"""Training through ``autograd.trace``: per-sample loss terms that trace, and ``fit``'s traced step.

``fit(..., trace=True)`` records one sample's loss once and replays it over every batch.
That is sound only if the loss never turns a per-sample Value into a Python number, so the
terms here are written without branches: the same numbers as ``nn.losses`` (to rounding),
with the stabilising max and the softplus branch written as ops.

>>> from autograd import Value
>>> round(cross_entropy_term([Value(1.0), Value(1.0)], [1.0, 0.0]).data, 6)   # log 2
0.693147
>>> binary_cross_entropy_term(Value(-1000.0), 1.0).data                        # finite
1000.0
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from . import losses
from .module import Module


def hinge_term(score: Value, label: Value | float, margin: float = 1.0) -> Value:
    """``max(0, margin - label·score)`` for one sample, as ``nn.hinge`` computes each term."""
    return (margin - label * score).relu()


def mse_term(pred: Value, target: Value | float) -> Value:
    """``(pred - target)²`` for one sample."""
    return (pred - target) ** 2


def softplus(z: Value) -> Value:
    """``log(1 + exp(z))`` without overflow and without a branch on the number:
    ``relu(z) + log(1 + exp(-|z|))``, with relu written ``(z + |z|)/2`` so the slope at 0 is
    exactly sigmoid(0) = 1/2 (relu's and abs's slopes at 0 are both taken as 0)."""
    size = abs(z)
    return (z + size) * 0.5 + (1.0 + (-size).exp()).log()


def binary_cross_entropy_term(logit: Value, target: Value | float) -> Value:
    """``softplus(z) - t·z`` for one sample, as ``nn.binary_cross_entropy`` computes it."""
    return softplus(logit) - target * logit


def _max(values: list[Value]) -> Value:
    """The largest of ``values`` as a node, ``b + relu(a - b)`` pairwise (a balanced tree)."""
    level = list(values)
    while len(level) > 1:
        pairs = [level[i + 1] + (level[i] - level[i + 1]).relu() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    return level[0]


def cross_entropy_term(logits: Sequence[Value], one_hot: Sequence[Value | float]) -> Value:
    """``log Σ exp(z) - z[target]`` for one sample, the target given as a one-hot list.

    The max taken out for stability is a node here (``nn.cross_entropy`` reads it as a
    number): ``log Σ exp(z - m) + m`` is the same function, and has the same gradient, for
    any ``m`` that depends on ``z``, so only rounding differs.
    """
    zs = list(logits)
    m = _max(zs)
    return autograd.sum([(z - m).exp() for z in zs]).log() + m - autograd.dot(zs, list(one_hot))


TERMS: dict[str, Callable[[Any, Any], Value]] = {
    "hinge": hinge_term,
    "mse": mse_term,
    "binary_cross_entropy": binary_cross_entropy_term,
    "cross_entropy": cross_entropy_term,
}


def _targets(loss: str, y: Sequence, classes: int) -> list:
    """The targets as the per-sample term takes them (numbers, or one-hot rows), checked as
    the eager losses check them."""
    for i, t in enumerate(y):
        bad = isinstance(t, bool) or not isinstance(t, numbers.Real)
        if loss == "hinge" and (bad or t not in (-1, 1)):
            raise ValueError(f"hinge: labels must be -1 or +1, got {t!r} at position {i}; "
                             "for 0/1 labels use y*2 - 1, or binary_cross_entropy")
        if loss == "binary_cross_entropy" and (bad or not 0.0 <= t <= 1.0):
            raise ValueError(f"binary_cross_entropy: targets must be numbers in [0, 1], got {t!r} at position {i}")
        if loss == "cross_entropy" and (bad or not isinstance(t, numbers.Integral) or not 0 <= t < classes):
            raise ValueError(f"cross_entropy: target {t!r} of row {i} must be a class index from 0 to {classes - 1}")
    if loss != "cross_entropy":
        return [float(t) for t in y]
    rows = []
    for t in y:
        row = [0.0] * classes
        row[t] = 1.0
        rows.append(row)
    return rows


class TracedStep:
    """``fit``'s step through a trace: the batch's loss replayed, the L2 penalty computed
    eagerly on the parameters (``fit`` then records and updates as it does eagerly)."""

    def __init__(self, model: Module, loss: str, classes: int, X: Sequence, y: Sequence,
                 backend: str | None = None) -> None:
        self.loss = loss
        self.classes = classes
        term = TERMS[loss]
        target = _targets(loss, [y[0]], classes)[0]
        self.traced = autograd.trace(lambda x, t: term(model(x), t), X[0], target, backend=backend)
        self.scores = autograd.trace(lambda x: model(x), X[0], backend=backend)
        self.backend = self.traced.backend

    def gradients(self, Xb: Sequence, yb: Sequence, optimizer, params: list[Value], alpha: float,
                  track: bool) -> tuple[float, int]:
        """Zero the gradients, then put the batch's into them: return its mean loss (with the
        penalty) and how many samples the scores before the update got right."""
        right = 0
        if track:  # on the scores before the update, as the eager loop measures them
            right = sum(_correct(s, t) for s, t in zip(self.scores.values(Xb), yb))
        optimizer.zero_grad()
        value = self.traced.batch(Xb, _targets(self.loss, yb, self.classes))
        if alpha:
            penalty = losses.l2_penalty(params, alpha)
            penalty.backward()
            value = value + penalty.data
        return value, right


def _correct(score: float | list[float], label: Any) -> bool:
    if isinstance(score, numbers.Real):
        return (score > 0) == (label > 0)
    return max(range(len(score)), key=score.__getitem__) == label


def traced_step(model: Module, loss: object, X: Sequence, y: Sequence,
                backend: str | None = None) -> tuple[TracedStep | None, str]:
    """``fit``'s traced step, or None and the reason it cannot trace this model and loss."""
    if not isinstance(loss, str):
        return None, ("the loss is a function; trace=True needs a per-sample loss it knows "
                      f"({', '.join(TERMS)})")
    if loss not in TERMS:
        return None, f"the loss {loss!r} has no per-sample form"
    first = model(X[0])
    classes = len(first) if isinstance(first, list) else 1
    _targets(loss, y, classes)  # bad labels get the eager loss's own error, not a fallback
    try:
        return TracedStep(model, loss, classes, X, y, backend), ""
    except autograd.TraceError as error:
        return None, f"the model cannot be traced: {error}"
    except (TypeError, ValueError, NotImplementedError, IndexError) as error:
        return None, f"tracing failed: {error}"
