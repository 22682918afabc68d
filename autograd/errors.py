"""How the engine words what went wrong: a number it cannot use, an input outside an op's
domain, a NaN or inf gradient. Each message names the op, the numbers (with their labels
when they have any) and, where there is one, what to do.

>>> from autograd import Value
>>> Value(2.0, label="x") / 0
Traceback (most recent call last):
ZeroDivisionError: div: the divisor must not be 0, got 2.0 / 0.0 (Values 'x', unlabelled); add a small epsilon ...

These read nodes only through their public readers (``data``, ``grad``, ``label``,
``parents``, ...), so they sit below graph.py and know nothing of the node layout.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .mode import user_site

if TYPE_CHECKING:
    from .graph import Node
    from .ops import Op


def real(x, where: str) -> float:
    """``x`` as a float if it is a real number (an int, a float, a numpy float; not a
    bool), else a TypeError that names what was received.

    >>> real(3, "Value"), real(2.5, "Value")
    (3.0, 2.5)
    """
    if x.__class__ is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:  # an int too large for a float
            digits = _digits(int(math.trunc(x)))
            raise TypeError(f"{where}: {type(x).__name__} too large for a float ({digits} digits)") from None
    # A node (it has both): the number is inside. Asked by its readers, not its class,
    # so this module needs nothing of graph.py's.
    is_node = hasattr(x, "data") and hasattr(x, "grad")
    hint = "use v.data for the number inside a Value" if is_node else "pass an int or a float"
    raise TypeError(f"{where}: expected an int or float, got {type(x).__name__} {_clip(repr(x))}; {hint}")


def number_of(node: Node, rule: Op) -> float:
    """``node.data`` as a float, for ``rule``: users may assign ints or numpy floats to it."""
    x = node.data
    return x if x.__class__ is float else real(x, f"{rule.name}: the input's .data")


def _digits(n: int) -> int:
    return n.bit_length() * 30103 // 100000 + 1  # about log10(2) digits a bit, no str(n)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def short(x: float) -> str:
    """``x`` to six significant digits, which read well at the prompt (``.data`` has them all).

    >>> short(2 / 3), short("not a number")
    ('0.666667', "'not a number'")
    """
    try:
        return repr(float(f"{x:.6g}"))
    except (TypeError, ValueError):
        return repr(x)


def describe(nodes: Sequence[Node], symbol: str = "") -> str:
    """The numbers of ``nodes`` for an error message, with their labels if they have any.

    >>> from autograd.graph import Node
    >>> describe([Node(-2.0, label="x")]), describe([Node(1.0), Node(0.0)], "/")
    ("-2.0 (Value 'x')", '1.0 / 0.0')
    """
    joiner = f" {symbol} " if symbol and len(nodes) == 2 else ", "
    numbers_ = joiner.join(short(n.data) for n in nodes)
    if not any(n.label for n in nodes):
        return numbers_
    if len(nodes) == 1:
        return f"{numbers_} (Value {nodes[0].label!r})"
    labels = ", ".join(repr(n.label) if n.label else "unlabelled" for n in nodes)
    return f"{numbers_} (Values {labels})"


def domain_error(rule: Op, inputs: Sequence[Node], error: Exception) -> Exception:
    """The error for inputs outside the rule's domain, naming the op, the numbers and the fix."""
    message = f"{rule.name}: {rule.domain or str(error)}, got {describe(inputs, rule.symbol)}"
    if rule.hint:
        message += f"; {rule.hint}"
    return type(error)(message)


def check_forward(node: Node, rule: Op, parents: Sequence[Node]) -> None:
    """Anomaly mode, as ``node`` is made: record the line of user code that made it, and
    raise if its number is NaN or inf, naming the op, its inputs and that line."""
    node.site = site = user_site()
    if not math.isfinite(node.data):
        raise FloatingPointError(
            f"{rule.name} produced {node.data} from input{'s' if len(parents) > 1 else ''} "
            f"{describe(parents)}, at {site}")


def check_gradients(order: Sequence[Node]) -> None:
    """Anomaly mode: raise for the first node (from the root down) whose gradient is NaN or
    inf, blaming the op that passed it and the line of user code that made that op."""
    for node in reversed(order):
        if not math.isfinite(node.grad):
            consumers = [c for c in order if any(p is node for p in c.parents)]
            # Blame the consumer whose own contribution is NaN/inf, not just any of them.
            bad = [c for c in consumers if any(
                p is node and not math.isfinite(c.grad * d) for p, d in zip(c.parents, c.local_grads))]
            culprit = (bad or consumers or [node])[-1]
            site = culprit.site or "an unknown line (made outside detect_anomaly)"
            raise FloatingPointError(
                f"backward of {culprit.op or 'leaf'} gave gradient {node.grad} to its input "
                f"{node.data!r}{f' ({node.label!r})' if node.label else ''}; local derivatives "
                f"{culprit.local_grads}; node made at {site}")


__all__ = ["real", "number_of", "short", "describe", "domain_error", "check_forward", "check_gradients"]
