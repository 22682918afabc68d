"""The elementwise functions as plain functions of a Value or a number.

They are what expressions such as ``tanh(x*w + b)`` call (the command line uses them).
A number becomes a constant Value, so the result is always a Value.

>>> from autograd import Value, tanh
>>> tanh(Value(0.0)).data, exp(0).data
(0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable

from .value import Value, as_value, logsumexp


def _value(x, name: str) -> Value:
    v = as_value(x)
    if v is NotImplemented:
        raise TypeError(f"{name}: expected a Value or a number, got {type(x).__name__} {x!r}")
    return v


def exp(x) -> Value: return _value(x, "exp").exp()
def log(x) -> Value: return _value(x, "log").log()
def sqrt(x) -> Value: return _value(x, "sqrt").sqrt()
def tanh(x) -> Value: return _value(x, "tanh").tanh()
def sigmoid(x) -> Value: return _value(x, "sigmoid").sigmoid()
def relu(x) -> Value: return _value(x, "relu").relu()
def sin(x) -> Value: return _value(x, "sin").sin()
def cos(x) -> Value: return _value(x, "cos").cos()
def abs(x) -> Value: return _value(x, "abs").__abs__()  # shadows the builtin: the maths name


def leaky_relu(x, slope: float | Value = 0.01) -> Value:
    return _value(x, "leaky_relu").leaky_relu(slope)


def log_softmax(xs: Iterable[Value | float]) -> list[Value]:
    """x_i - log Σ exp(x): each input's log-probability. The stabilising max lives inside
    ``logsumexp``, so user code reads no ``.data`` and the result traces.

    >>> [round(v.data, 4) for v in log_softmax([0.0, 0.0])]
    [-0.6931, -0.6931]
    """
    xs = [_value(x, "log_softmax") for x in xs]
    total = logsumexp(xs)
    return [x - total for x in xs]


def softmax(xs: Iterable[Value | float]) -> list[Value]:
    """exp(x_i - log Σ exp(x)): probabilities summing to 1, without overflow for any
    inputs and without reading ``.data`` (it traces).

    >>> [round(v.data, 4) for v in softmax([Value(1000.0), Value(1000.0)])]
    [0.5, 0.5]
    """
    return [v.exp() for v in log_softmax(xs)]
