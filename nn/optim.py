"""Optimizers: ``SGD`` (momentum, weight decay) and ``Adam``; schedules are plain callables.

An optimizer holds the parameters and updates ``p.data`` from ``p.grad`` in ``step()``.
With numpy and 256 parameters or more it also makes their ``ParameterArrays``
(``autograd.tracing``): while a traced replay holds those (the replay's numbers and
gradients in two arrays), ``step()`` and ``zero_grad()`` work on the arrays in place, and
the Values get their numbers back when anyone reads one.
``lr`` is a number, or a function of the step index (0 for the first step) returning one:

>>> from autograd import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(2):
...     opt.zero_grad(); (w * w).backward(); opt.step()   # w -= 0.1 * 2w
>>> round(w.data, 6)
1.92
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import Value
from autograd.tracing import ParameterArrays

Schedule = Callable[[int], float]


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """Learning rate falling in a straight line from ``start`` (step 0) to ``end`` (step ``steps``).

    micrograd's demo uses ``1.0 - 0.9*k/100``, which is ``linear_decay(1.0, 0.1, 100)``;
    after ``steps`` it stays at ``end``.

    >>> lr = linear_decay(1.0, 0.1, 100)
    >>> lr(0), lr(50), lr(100), lr(500)
    (1.0, 0.55, 0.1, 0.1)
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"linear_decay: steps must be a positive int, got {steps!r}")
    drop = start - end

    def schedule(k: int) -> float:
        # Written as micrograd writes it, so the two agree to the last bit.
        return start - drop * k / steps if k < steps else end

    return schedule


def _real(x: object) -> float | None:
    """``x`` as a float if it is a real number a float can hold (not a bool), else None."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    try:
        return float(x)
    except OverflowError:  # an int past 1.8e308
        return None


def _positive(x: object, what: str, where: str, allow_zero: bool = False) -> float:
    f = _real(x)
    if f is None or not math.isfinite(f) or f < 0 or (f == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{where}: {what} must be a finite number {bound}, got {_short(x)}")
    return f


def _fraction(x: object, what: str, where: str) -> float:
    f = _real(x)
    if f is None or not 0.0 <= f < 1.0:
        raise ValueError(f"{where}: {what} must be in [0, 1), got {_short(x)}")
    return f


def _short(x: object) -> str:
    """``repr(x)``, or for an int too large for a float its size (its repr is 400 digits)."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 1e308:
        return "an int too large for a float (past 1.8e308)"
    return repr(x)


class Optimizer:
    """What every optimizer shares: the parameter list, the step count, the current lr."""

    def __init__(self, params: Iterable[Value], lr: float | Schedule) -> None:
        where = type(self).__name__
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{where}: no parameters given (pass model.parameters())")
        seen: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{where}: parameter {i} must be a Value, got {type(p).__name__} {p!r}")
            if id(p) in seen:
                # Updated twice per step otherwise, silently doubling its learning rate.
                raise ValueError(f"{where}: parameter {i} is the same Value as parameter {seen[id(p)]}; list each once")
            seen[id(p)] = i
        if not callable(lr):
            _positive(lr, "lr", where)
        self.lr = lr
        self.steps = 0  # how many times step() has run
        # The parameters' arrays, shared with traced replays; None without numpy or for
        # a few parameters (a Python loop over them costs less than numpy's calls).
        self.arrays: ParameterArrays | None = None
        if len(self.params) >= _ARRAYS_FROM and _numpy() is not None:
            self.arrays = ParameterArrays(self.params)

    def held_arrays(self) -> ParameterArrays | None:
        """The parameters' arrays when a replay holds them (they are then the truth)."""
        arrays = self.arrays
        return arrays if arrays is not None and arrays.held else None

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        return _positive(lr, f"the learning rate at step {self.steps}", type(self).__name__, allow_zero=True)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every parameter (``backward`` adds to it)."""
        arrays = self.held_arrays()
        if arrays is not None:
            arrays.grad.fill(0.0)
            return
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: ``p -= lr · v`` with ``v = momentum · v + (grad + weight_decay · p)``.

    With the defaults it is micrograd's update ``p.data -= lr * p.grad`` exactly. Momentum
    and weight decay are PyTorch's (no dampening; the first step uses the gradient alone).

    >>> w = Value(1.0); opt = SGD([w], lr=0.5, momentum=0.9)
    >>> w.grad = 1.0; opt.step(); w.grad = 1.0; opt.step()
    >>> round(w.data, 12)   # 1 - 0.5·1 - 0.5·(0.9·1 + 1)
    -0.45
    """

    def __init__(self, params: Iterable[Value], lr: float | Schedule = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "momentum", "SGD")
        self.weight_decay = _positive(weight_decay, "weight_decay", "SGD", allow_zero=True)
        # A list, or an array once a step has run on held arrays.
        self.velocity: Any = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its ``grad``."""
        lr, mu, wd = self.current_lr(), self.momentum, self.weight_decay
        arrays = self.held_arrays()
        np = _numpy()
        if arrays is not None and np is not None:  # in place: a replay holds the numbers and gradients
            # The same operations on arrays, each correctly rounded: the same numbers.
            data = arrays.data
            step = arrays.grad + wd * data if wd else arrays.grad
            if mu:
                step = self.velocity = mu * np.asarray(self.velocity, dtype=np.float64) + step
            data -= lr * step
            self.steps += 1
            return
        velocity = self.velocity
        if not isinstance(velocity, list):  # an array, left by a step on held arrays
            velocity = self.velocity = velocity.tolist()
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            if mu:
                g = velocity[i] = mu * velocity[i] + g
            p.data -= lr * g
        self.steps += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): steps scaled by running averages of the gradient and its square.

    ``m = b1·m + (1-b1)·g``, ``v = b2·v + (1-b2)·g²``, both divided by ``1 - b^t`` to undo
    their start at 0, then ``p -= lr · m̂ / (sqrt(v̂) + eps)``. So the first step moves each
    parameter by about ``lr`` whatever the gradient's scale.

    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w.grad = 123.0; opt.step(); round(w.data, 6)
    0.9
    """

    def __init__(self, params: Iterable[Value], lr: float | Schedule = 0.001,
                 betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (b1, b2), got {betas!r}")
        self.betas = (_fraction(betas[0], "betas[0]", "Adam"), _fraction(betas[1], "betas[1]", "Adam"))
        self.eps = _positive(eps, "eps", "Adam")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its ``grad``."""
        lr = self.current_lr()
        b1, b2 = self.betas
        t = self.steps + 1
        c1 = 1.0 - b1 ** t  # bias corrections
        c2 = 1.0 - b2 ** t
        if self.arrays is not None:
            self._step_arrays(_numpy(), lr, c1, c2)
            self.steps = t
            return
        m, v, eps = self.m, self.v, self.eps
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
        self.steps = t

    def _step_arrays(self, np, lr: float, c1: float, c2: float) -> None:
        """``step`` over numpy arrays: the same operations in the same order, each one
        correctly rounded, so the same numbers to the last bit as the loop above. For a
        GPT's 4,192 parameters it takes a third of the loop's time (its Python arithmetic
        per parameter was a step's largest cost after tracing)."""
        b1, b2 = self.betas
        params = self.params
        arrays = self.held_arrays()
        n = len(params)
        if arrays is not None:  # in place: a replay holds the numbers and gradients
            g, data = arrays.grad, arrays.data
        else:
            g = np.fromiter([p.grad for p in params], np.float64, n)
            data = np.fromiter([p.data for p in params], np.float64, n)
        m = self.m = b1 * np.asarray(self.m, dtype=np.float64) + (1.0 - b1) * g
        v = self.v = b2 * np.asarray(self.v, dtype=np.float64) + (1.0 - b2) * g * g
        data -= lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        if arrays is None:
            for p, x in zip(params, data.tolist()):
                p.data = x


# Adam updates this many parameters or more with numpy arrays, when numpy is installed.
_ARRAYS_FROM = 256


def _numpy():
    try:
        import numpy
    except ImportError:
        return None
    return numpy
