"""Toy data sets in pure Python, a train/test split and mini-batches; every one takes a seed.

Each generator returns ``(X, y)``: ``X`` a list of ``[x0, x1]`` lists of floats, ``y`` a
list of int class labels. The same seed gives the same data on every machine (Python's
``random.Random`` is specified exactly).

>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> len(X), sorted(set(y)), X[0] == make_moons(100, noise=0.1, seed=0)[0][0]
(100, [0, 1], True)
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
L = TypeVar("L")


def _linspace(start: float, stop: float, n: int) -> list[float]:
    """n evenly spaced numbers from start to stop inclusive (numpy's linspace)."""
    if n == 1:
        return [start]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def _count(n: object, where: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"{where}: n_samples must be an int >= {minimum}, got {n!r}")
    return n


def _noise(noise: object, where: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0.0 <= noise < math.inf:
        raise ValueError(f"{where}: noise must be a finite number >= 0 (a standard deviation), got {noise!r}")
    return float(noise)


def _finish(points: list[list[float]], labels: list[int], noise: float, rng: random.Random,
            shuffle: bool) -> tuple[list[list[float]], list[int]]:
    """Add Gaussian noise to every coordinate, then shuffle points and labels together."""
    if noise:
        points = [[x + rng.gauss(0.0, noise) for x in p] for p in points]
    order = list(range(len(points)))
    if shuffle:
        rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = None,
               shuffle: bool = True) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, labels 0 (upper) and 1 (lower), as scikit-learn draws them.

    Upper: ``(cos t, sin t)``; lower: ``(1 - cos t, 1 - sin t - 0.5)``, t evenly spaced in
    [0, pi]; then Gaussian noise of standard deviation ``noise`` on each coordinate.

    >>> X, y = make_moons(4, shuffle=False)
    >>> [[round(a, 2), round(b, 2)] for a, b in X], y
    ([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]], [0, 0, 1, 1])
    """
    n = _count(n_samples, "make_moons", 2)
    noise = _noise(noise, "make_moons")
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    points = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    points += [[1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5] for t in _linspace(0.0, math.pi, n_in)]
    return _finish(points, [0] * n_out + [1] * n_in, noise, rng, shuffle)


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.8,
                 seed: int | None = None, shuffle: bool = True) -> tuple[list[list[float]], list[int]]:
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1), as scikit-learn.

    >>> X, y = make_circles(4, factor=0.5, shuffle=False)
    >>> [[round(a, 2), round(b, 2)] for a, b in X], y
    ([[1.0, 0.0], [-1.0, 0.0], [0.5, 0.0], [-0.5, 0.0]], [0, 0, 1, 1])
    """
    n = _count(n_samples, "make_circles", 2)
    noise = _noise(noise, "make_circles")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 <= factor < 1.0:
        raise ValueError(f"make_circles: factor (inner radius / outer) must be in [0, 1), got {factor!r}")
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    # endpoint excluded: angle 2pi is angle 0, and a point twice would be wasted.
    outer = [2 * math.pi * i / n_out for i in range(n_out)]
    inner = [2 * math.pi * i / n_in for i in range(n_in)]
    points = [[math.cos(t), math.sin(t)] for t in outer]
    points += [[factor * math.cos(t), factor * math.sin(t)] for t in inner]
    return _finish(points, [0] * n_out + [1] * n_in, noise, rng, shuffle)


def make_spirals(n_samples: int = 300, classes: int = 3, noise: float = 0.2,
                 seed: int | None = None, shuffle: bool = True) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms (labels 0 .. classes-1), as in Stanford's CS231n.

    Arm k: radius r from 0 to 1, angle ``4k + 4r`` plus Gaussian noise of standard
    deviation ``noise`` (radians); point ``(r sin a, r cos a)``. Samples are split as
    evenly as possible among the arms.

    >>> X, y = make_spirals(6, classes=2, noise=0.0, shuffle=False)
    >>> y, [round(c, 2) for c in X[2]]
    ([0, 0, 0, 1, 1, 1], [-0.76, -0.65])
    """
    n = _count(n_samples, "make_spirals")
    noise = _noise(noise, "make_spirals")
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= n:
        raise ValueError(f"make_spirals: classes must be an int from 2 to n_samples ({n}), got {classes!r}")
    rng = random.Random(seed)
    points: list[list[float]] = []
    labels: list[int] = []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        for r in _linspace(0.0, 1.0, count):
            angle = 4.0 * k + 4.0 * r + (rng.gauss(0.0, noise) if noise else 0.0)
            points.append([r * math.sin(angle), r * math.cos(angle)])
            labels.append(k)
    return _finish(points, labels, 0.0, rng, shuffle)  # the noise is on the angle


def make_xor(n_samples: int = 4, noise: float = 0.0, seed: int | None = None,
             shuffle: bool = False) -> tuple[list[list[float]], list[int]]:
    """XOR: the corners (0,0), (0,1), (1,0), (1,1), labels 0, 1, 1, 0, repeated to ``n_samples``.

    With the defaults it is the truth table itself; ``noise`` scatters repeated corners.

    >>> make_xor()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _count(n_samples, "make_xor")
    noise = _noise(noise, "make_xor")
    corners = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    points = [list(corners[i % 4]) for i in range(n)]
    labels = [int(p[0] != p[1]) for p in points]
    return _finish(points, labels, noise, random.Random(seed), shuffle)


def _check_pair(X: Sequence, y: Sequence, where: str) -> None:
    if len(X) != len(y):
        raise ValueError(f"{where}: X and y must have the same length, got {len(X)} and {len(y)}")


def train_test_split(X: Sequence[T], y: Sequence[L], test_size: float | int = 0.25,
                     shuffle: bool = True, seed: int | None = None,
                     ) -> tuple[list[T], list[T], list[L], list[L]]:
    """``X_train, X_test, y_train, y_test``, in scikit-learn's order.

    ``test_size``: a fraction in (0, 1) or a number of samples.

    >>> X, y = make_xor(8)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=2, seed=0)
    >>> len(X_tr), len(X_te)
    (6, 2)
    """
    _check_pair(X, y, "train_test_split")
    n = len(X)
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)  # scikit-learn rounds the test part up
    elif isinstance(test_size, int) and not isinstance(test_size, bool) and 0 < test_size < n:
        n_test = test_size
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count in 1..{n - 1}, got {test_size!r}")
    if n_test >= n:
        raise ValueError(f"train_test_split: test_size {test_size!r} leaves no training samples out of {n}")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    train, test = order[:n - n_test], order[n - n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def batches(X: Sequence[T], y: Sequence[L], batch_size: int | None = None, shuffle: bool = True,
            seed: int | None = None) -> Iterator[tuple[list[T], list[L]]]:
    """Mini-batches ``(Xb, yb)`` covering every sample once; the last may be smaller.

    ``batch_size=None`` gives the whole set as one batch (micrograd's demo). With a seed the
    order is reproducible; each call draws a fresh order from its own generator.

    >>> [yb for _, yb in batches([[0], [1], [2], [3], [4]], [0, 1, 2, 3, 4], 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    _check_pair(X, y, "batches")
    n = len(X)
    if batch_size is None:
        batch_size = max(n, 1)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive int or None (whole set), got {batch_size!r}")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    # Checked above, generated below: a bad argument fails at the call, not at first use.
    parts = [order[start:start + batch_size] for start in range(0, n, batch_size)]
    return (([X[i] for i in part], [y[i] for i in part]) for part in parts)
