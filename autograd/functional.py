"""Gradients of Python functions: ``grad``, ``value_and_grad``, ``gradcheck``.

>>> from autograd import grad
>>> f = lambda x: x ** 3
>>> grad(f)(2.0), grad(grad(f))(2.0)      # 3x², 6x
(12.0, 12.0)
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence

from .derivatives import gradients
from .errors import real
from .mode import enable_grad, no_grad
from .value import Value

# How many grad transforms are evaluating their function right now. Inside one, a nested
# grad returns Values, so the outer one can differentiate through it (grad(grad(f))).
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("chainrule_grad_depth", default=0)


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``f``'s value and its gradient with respect to the arguments ``argnums``.

    Floats in, floats out. Called with Values, or inside another ``grad``, it returns
    Values instead, which is what lets the transforms nest.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    if not callable(f):
        raise TypeError(f"grad: expected a function to differentiate, got {type(f).__name__} {f!r}")
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    positions = (argnums,) if single else _positions(argnums)

    def wrapper(*args):
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"grad: argnums {i} is out of range for {len(args)} arguments")
        if len({i % len(args) for i in positions}) < len(positions):
            raise ValueError(f"grad: argnums {tuple(positions)} names an argument twice")
        nested = _DEPTH.get() > 0 or any(isinstance(a, Value) for a in args)
        args = list(args)
        wrt = []
        # A transform records even inside an outer no_grad (else every gradient would be
        # 0), as torch.func.grad does; a no_grad inside f still applies.
        with enable_grad():
            for i in positions:
                if isinstance(args[i], Value):
                    # A fresh node, so that d f/d arg is not confused with a closure's use
                    # of the same Value: grad(lambda x: grad(lambda y: y * x)(x)) is 1.
                    args[i] = args[i] + 0.0
                else:
                    args[i] = Value(real(args[i], f"grad: argument {i}"))
                wrt.append(args[i])
            token = _DEPTH.set(_DEPTH.get() + 1)
            try:
                out = f(*args)
            finally:
                _DEPTH.reset(token)
        if not isinstance(out, Value):
            raise TypeError(_not_a_value(out))
        gs = gradients(out, wrt, create_graph=nested)
        if not nested:
            out = out.data
        return out, (gs[0] if single else tuple(gs))

    return wrapper


def _positions(argnums) -> tuple[int, ...]:
    try:
        positions = tuple(argnums)
    except TypeError:
        positions = ()
    if not positions or not all(isinstance(i, int) and not isinstance(i, bool) for i in positions):
        raise TypeError(f"grad: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    return positions


def _not_a_value(out) -> str:
    what = f"{type(out).__name__} {out!r}"
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return (f"grad: the function returned a plain number ({what}), not a Value, so no "
                "gradient can flow back from it: the result left the graph (through .data, "
                "float() or math.*). Compute it with Value operators and methods "
                "(x.tanh(), x ** 2, autograd.exp(x)); a constant function can return x * 0 + c")
    return f"grad: the function must return a Value, got {what}"


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of ``f`` (a function of numbers returning one number), as a function.

    >>> import math
    >>> round(grad(lambda x: x.sin())(0.0), 6)
    1.0
    """
    vg = value_and_grad(f, argnums)

    def gradient(*args):
        return vg(*args)[1]

    return gradient


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message holds the table."""


def gradcheck(
    f: Callable[..., Value],
    *inputs: float,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare backward's gradients with central differences (f(x+eps) - f(x-eps)) / 2eps.

    Returns True, or raises ``GradcheckError`` with a table of input, analytic, numeric
    and difference for every input.

    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: expected a function to check, got {type(f).__name__} {f!r}")
    if not inputs:
        raise ValueError("gradcheck: pass at least one input number, e.g. gradcheck(f, 0.5)")
    xs = [real(x, f"gradcheck: input {i}") for i, x in enumerate(inputs)]
    for name, tolerance in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        t = real(tolerance, f"gradcheck: {name}")
        if not (t >= 0.0 and t < float("inf")) or (name == "eps" and t == 0.0):
            bound = '> 0' if name == 'eps' else '>= 0'
            raise ValueError(f"gradcheck: {name} must be a finite number {bound}, got {tolerance!r}")
    leaves = [Value(x) for x in xs]
    with enable_grad():  # an outer no_grad would make every analytic gradient 0
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(_not_a_value(out).replace("grad:", "gradcheck:", 1))
    analytic = gradients(out, leaves)
    numeric = []
    with no_grad():
        for i in range(len(xs)):
            hi = list(xs)
            hi[i] += eps
            lo = list(xs)
            lo[i] -= eps
            f_hi = f(*[Value(x) for x in hi]).data
            f_lo = f(*[Value(x) for x in lo]).data
            numeric.append((f_hi - f_lo) / (2 * eps))
    bad = [abs(a - n) > atol + rtol * abs(n) for a, n in zip(analytic, numeric)]
    if any(bad):
        rows = [f"{'input':>6} {'value':>12} {'analytic':>14} {'numeric':>14} {'difference':>12}"]
        for i, (x, a, n, wrong) in enumerate(zip(xs, analytic, numeric, bad)):
            rows.append(f"{i:>6} {x:>12.6g} {a:>14.8g} {n:>14.8g} {a - n:>12.3g}{'  <--' if wrong else ''}")
        raise GradcheckError(
            f"gradcheck: analytic and numeric gradients differ (eps={eps}, atol={atol}, rtol={rtol})\n"
            + "\n".join(rows))
    return True
