"""The elementwise functions as plain functions of a Value or a number.

They are what expressions such as ``tanh(x*w + b)`` call (the command line uses them).
A number becomes a constant Value, so the result is always a Value.

>>> from autograd import Value, tanh
>>> tanh(Value(0.0)).data, exp(0).data
(0.0, 1.0)
"""

from __future__ import annotations

import builtins

from . import ops
from .value import Value, _as_value, _unary


def _value(x, name: str) -> Value:
    v = _as_value(x, None)
    if v is NotImplemented:
        raise TypeError(f"{name}: expected a Value or a number, got {type(x).__name__} {x!r}")
    return v


def exp(x) -> Value: return _unary(ops.EXP, _value(x, "exp"))
def log(x) -> Value: return _unary(ops.LOG, _value(x, "log"))
def sqrt(x) -> Value: return _unary(ops.SQRT, _value(x, "sqrt"))
def tanh(x) -> Value: return _unary(ops.TANH, _value(x, "tanh"))
def sigmoid(x) -> Value: return _unary(ops.SIGMOID, _value(x, "sigmoid"))
def relu(x) -> Value: return _unary(ops.RELU, _value(x, "relu"))
def sin(x) -> Value: return _unary(ops.SIN, _value(x, "sin"))
def cos(x) -> Value: return _unary(ops.COS, _value(x, "cos"))
def abs(x) -> Value: return _unary(ops.ABS, _value(x, "abs"))  # noqa: A001


def leaky_relu(x, slope: float | Value = 0.01) -> Value:
    return _value(x, "leaky_relu").leaky_relu(slope)


del builtins
