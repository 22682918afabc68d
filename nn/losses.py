"""Loss functions: a batch of predictions and targets in, one ``Value`` out.

Each loss is written with ``Value`` operations only, so ``backward`` differentiates it;
the tests check every one against finite differences. Predictions may be Values or plain
numbers; ``reduction`` is "mean" (default) or "sum" over the batch.

>>> from autograd import Value
>>> s = [Value(2.0), Value(-0.5)]
>>> hinge(s, [1, 1]).data           # max(0, 1 - y·s): 0 and 1.5, mean 0.75
0.75
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import autograd
from autograd import Value

Scalar = Value | float


def _batch(preds: object, targets: object, where: str) -> tuple[list, list]:
    """Predictions and targets as two equal, non-empty lists; one of each is a batch of one."""
    single = isinstance(preds, (Value, numbers.Real))
    preds = [preds] if single else list(preds)  # type: ignore[call-overload]
    targets = [targets] if single or isinstance(targets, numbers.Real) else list(targets)  # type: ignore[call-overload]
    if len(preds) != len(targets):
        raise ValueError(f"{where}: {len(preds)} predictions but {len(targets)} targets; "
                         "give one target per prediction")
    if not preds:
        raise ValueError(f"{where}: the batch is empty")
    for i, (p, t) in enumerate(zip(preds, targets)):
        if not isinstance(p, (Value, numbers.Real)):
            size = f"a list of {len(p)}" if isinstance(p, (list, tuple)) else f"a {type(p).__name__}"
            raise TypeError(f"{where}: prediction {i} is {size}, but {where} takes one number per sample; "
                            "give the model one output (MLP(nin, [..., 1])), or use cross_entropy "
                            "for one logit per class")
        if isinstance(t, bool) or not isinstance(t, (Value, numbers.Real)):
            raise TypeError(f"{where}: target {i} must be a number, got {type(t).__name__} {t!r:.40}")
        if isinstance(t, numbers.Real) and not math.isfinite(t):
            raise ValueError(f"{where}: target {i} is {t}; a loss with it would make every gradient "
                             "NaN. Drop or fill the samples with missing targets")
    return preds, targets


def _reduce(terms: list, reduction: str, where: str) -> Value:
    total = autograd.sum(terms)  # one n-ary node for the whole batch
    if reduction == "mean":
        return total * (1.0 / len(terms))
    if reduction == "sum":
        return total
    raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {reduction!r}")


def mse(preds: Sequence[Scalar] | Scalar, targets: Sequence[Scalar] | Scalar,
        reduction: str = "mean") -> Value:
    """Mean squared error: mean of ``(pred - target)²``.

    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data    # (1 + 4) / 2
    2.5
    """
    preds, targets = _batch(preds, targets, "mse")
    return _reduce([(p - t) ** 2 for p, t in zip(preds, targets)], reduction, "mse")


def hinge(scores: Sequence[Scalar] | Scalar, labels: Sequence[int] | int, margin: float = 1.0,
          reduction: str = "mean") -> Value:
    """Max-margin loss for labels -1/+1: mean of ``max(0, margin - label·score)`` (micrograd's demo).

    >>> hinge([Value(0.5)], [-1]).data
    1.5
    """
    scores, labels = _batch(scores, labels, "hinge")
    for i, y in enumerate(labels):
        if y not in (-1, 1) or isinstance(y, bool):
            raise ValueError(
                f"hinge: labels must be -1 or +1, got {y!r} at position {i}; "
                "for 0/1 labels pass [2 * t - 1 for t in y], or use binary_cross_entropy")
    scores = [s if isinstance(s, Value) else Value(s) for s in scores]
    return _reduce([(margin - y * s).relu() for s, y in zip(scores, labels)], reduction, "hinge")


def _softplus(z: Value) -> Value:
    """log(1 + exp(z)) without overflow: the exp only ever sees a number <= 0.

    For z >= 0 it is z + log(1 + exp(-z)); both forms are smooth and have derivative
    sigmoid(z) everywhere, so the gradient is exact on either side of the branch.
    """
    if z.data >= 0.0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy(logits: Sequence[Scalar] | Scalar, targets: Sequence[float] | float,
                         reduction: str = "mean") -> Value:
    """Cross-entropy of sigmoid(logit) against targets in [0, 1], computed from the logits.

    ``-[t·log σ(z) + (1-t)·log(1-σ(z))]`` equals ``softplus(z) - t·z``, which stays
    finite for any logit (log σ(z) itself underflows to log 0 for z below about -745).
    Its gradient is ``σ(z) - t``.

    >>> round(binary_cross_entropy([Value(0.0)], [1]).data, 6)   # log 2
    0.693147
    >>> binary_cross_entropy([Value(-1000.0)], [1]).data          # finite, = 1000
    1000.0
    """
    logits, targets = _batch(logits, targets, "binary_cross_entropy")
    terms = []
    for i, (z, t) in enumerate(zip(logits, targets)):
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets must be numbers in [0, 1], got {t!r} at position {i}")
        if not isinstance(z, Value):
            z = Value(z)
        terms.append(_softplus(z) - t * z)
    return _reduce(terms, reduction, "binary_cross_entropy")


def _log_sum_exp(logits: list[Value]) -> Value:
    """log Σ exp(z_i), shifted by m = max z so no exp exceeds 1 (no overflow).

    m is a plain number, not a node: log Σ exp(z_i - m) + m is the same function for any
    m, so treating it as a constant leaves the gradient (the softmax) exact.
    """
    m = max(z.data for z in logits)
    return autograd.sum([(z - m).exp() for z in logits]).log() + m


def cross_entropy(logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
                  targets: int | Sequence[int], reduction: str = "mean") -> Value:
    """Softmax cross-entropy: ``log Σ exp(z) - z[target]`` for one list of logits or a batch.

    One sample: ``cross_entropy([z0, z1, z2], 2)``. A batch: a list of such lists and a
    list of class indices. Stable for large logits (log-sum-exp with the max taken out).

    >>> round(cross_entropy([Value(1.0), Value(1.0)], 0).data, 6)    # log 2
    0.693147
    >>> cross_entropy([Value(1000.0), Value(0.0)], 1).data            # finite
    1000.0
    """
    if isinstance(targets, numbers.Integral) and not isinstance(targets, bool):
        logits, targets = [logits], [targets]  # one sample
    rows, labels = list(logits), list(targets)  # type: ignore[arg-type]
    if len(rows) != len(labels):
        raise ValueError(f"cross_entropy: {len(rows)} rows of logits but {len(labels)} targets; "
                         "give one class index per row")
    if not rows:
        raise ValueError("cross_entropy: the batch is empty")
    terms = []
    for i, (row, k) in enumerate(zip(rows, labels)):
        if isinstance(row, (Value, numbers.Real)) or isinstance(row, (str, bytes)):
            raise TypeError(
                f"cross_entropy: row {i} must be a list of logits (one per class), got {type(row).__name__}; "
                "a single list of logits takes an int target")
        zs = [z if isinstance(z, Value) else Value(z) for z in row]
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k < len(zs):
            raise ValueError(
                f"cross_entropy: target {k!r} of row {i} must be a class index from 0 to {len(zs) - 1}")
        terms.append(_log_sum_exp(zs) - zs[k])
    return _reduce(terms, reduction, "cross_entropy")


def l2_penalty(params: Iterable[Value], alpha: float = 1e-4) -> Value:
    """``alpha · Σ p²`` (weight decay as a loss term), one ``dot`` node for all parameters.

    micrograd's demo writes ``alpha * sum((p*p for p in model.parameters()))``; this is
    the same number and gradient ``2·alpha·p``.

    >>> l2_penalty([Value(1.0), Value(-2.0)], alpha=0.5).data
    2.5
    """
    ps = list(params)
    if not ps:
        raise ValueError("l2_penalty: no parameters given")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not math.isfinite(alpha):
        raise ValueError(f"l2_penalty: alpha must be a finite number, got {alpha!r}")
    return alpha * autograd.dot(ps, ps)
