"""One name per node: what every view calls a node, and how numbers and ops are written.

A node's name, in this order of preference:

- a parameter (role ``"param"``): its place, the scope path and its label
  (``mlp.layer1.neuron2.w0``);
- a label: the label (``x``, ``loss``);
- a leaf with neither (a number written into an expression, the 2 of ``x * 2``): the number;
- an op node: the short expression that made it, from its inputs' names (``x*w``,
  ``tanh(n)``, ``-x``), when that is at most ``SHORT`` characters;
- otherwise the op within its scope (``mlp.layer0.neuron3.dot``), or the op alone.

Where two nodes would share a name, each of them gets its row in the graph table as a
suffix (``tanh#5``, ``tanh#9``); a name without ``#`` plus a number belongs to one node.
Expressions are written with the inputs' names before that suffix, so ``x*2`` reads as
``x*2`` even when the graph holds several constants 2.

>>> from autograd import Value, scope
>>> with scope("neuron"):
...     w = Value(0.5, label="w0"); w.role = "param"
...     y = (w * Value(2.0, label="x")).tanh()
>>> from autograd.table import table
>>> table(y).names()
('x', 'neuron.w0', 'neuron.w0*x', 'tanh(neuron.w0*x)')
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from .ops import Op

SHORT = 24  # an unlabelled op is named by its expression ("x*w") up to this length


def number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits, as short as possible.

    >>> number(0.7071067811865476), number(-1.4999999999999996), number(1.5e-7), number(-0.0)
    ('0.7071', '-1.5', '1.5e-7', '0')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"  # no "-0": the sign of zero only distracts in a picture
    text = f"{x:.{digits}g}"
    # 1e-05 -> 1e-5 and 1e+20 -> 1e20: the padding is noise in a small drawing.
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent[0] == "-" else ""
        text = f"{mantissa}e{sign}{exponent[1:].lstrip('0') or '0'}"
    return text


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number, as views decide when a name needs brackets.

    >>> is_number("-1.5e-3"), is_number("x1")
    (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True


def op_symbol(rule: Op) -> str:
    """How views write an op: its symbol ('*', 'tanh'), or its name where the symbol is
    missing or one glyph that reads as punctuation at drawing size (dot's '·').

    >>> from autograd.ops import OPS
    >>> op_symbol(OPS["mul"]), op_symbol(OPS["dot"]), op_symbol(OPS["sigmoid"])
    ('*', 'dot', 'sigmoid')
    """
    symbol = rule.symbol
    if not symbol or (len(symbol) == 1 and not symbol.isascii()):
        return rule.name
    return symbol


def simple(text: str) -> bool:
    """Whether a name needs no brackets before '.grad' or inside '∂a/∂b': a bare name or
    number, or one call whose brackets close at the end ('tanh(x*w)').

    >>> simple("layer0.w1"), simple("tanh(x*w)"), simple("x*w"), simple("f(a)+g(b)")
    (True, True, False, False)
    """
    bare = text.replace("_", "").replace("#", "").replace(".", "").replace("[", "").replace("]", "")
    if bare.isalnum() or is_number(text):
        return True
    head, bracket, _ = text.partition("(")
    if not bracket or not head.isalpha() or not text.endswith(")"):
        return False
    depth = 0
    for k, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch == ")" and k < len(text) - 1:
            return False  # 'f(a)+g(b)': the first call closes before the end
    return True


def wrap(text: str) -> str:
    """``text`` bracketed unless ``simple``: ``(x*w).grad``, ``x.grad``."""
    return text if simple(text) else f"({text})"


def formula(rule: Op, inputs: Sequence[str], slot: int) -> str:
    """The op row's formula for d out / d (input ``slot``), written with the inputs' names
    ``inputs``: 'w' for d(x*w)/dx, '1 − tanh(n)²' for tanh; '' if the row has none.

    >>> from autograd.ops import OPS
    >>> mul, tanh, dot = OPS["mul"], OPS["tanh"], OPS["dot"]
    >>> formula(mul, ["x", "w"], 0), formula(tanh, ["x*w"], 0), formula(dot, ["a", "b", "x", "y"], 1)
    ('w', '1 − tanh(x*w)²', 'y')
    """
    forms = rule.formula
    if len(forms) == 1 and len(inputs) > 1:  # n-ary (sum, dot): one text for all inputs
        n = len(inputs) // 2
        other = inputs[slot + n] if slot < n else inputs[slot - n]
        mine = inputs[slot]  # logsumexp's 'exp({A} − logsumexp)' names the input itself
        return forms[0].format(other=wrap(other), a=wrap(mine), A=mine, b="", B="")
    if slot >= len(forms):
        return ""
    raw = list(inputs) + ["", ""]
    return forms[slot].format(a=wrap(raw[0]), b=wrap(raw[1]) if raw[1] else "", A=raw[0], B=raw[1])


def base_names(rules: Sequence[Op], parents: Sequence[tuple[int, ...]], labels: Sequence[str],
               scopes: Sequence[tuple], roles: Sequence[str], data: Sequence[float],
               digits: int = 4) -> tuple[list[str], Counter]:
    """Every row's name before rows that share one are told apart, and how many rows
    have each: one pass, inputs before the rows that read them. ``unique`` finishes a
    row's name from these, so a view naming a few rows need not write every name."""
    base: list[str] = []
    level: list[int] = []  # how tightly each name binds (ATOM, or an operator's), for brackets
    scoped: dict[tuple, str] = {}  # (scope, op name) -> "scope.path.op": most op nodes share a few
    numbers: dict[float, tuple[str, int]] = {}  # a constant's text: the same few numbers recur
    add_name, add_level = base.append, level.append
    for i, (rule, label, ps, role) in enumerate(zip(rules, labels, parents, roles)):
        if ps and not label and role != "param":
            # An op node. Inputs named by their op (most of a big model's nodes) make no
            # expression: 'mul' says nothing of what it was made from, so no 'mul+x' above it.
            text = ""
            if level[ps[0]] != FALLBACK and level[ps[-1]] != FALLBACK:
                text, bind = _expression(rule, ps, base, level)
            if not text:
                key = (scopes[i], rule.name)
                text = scoped.get(key) or scoped.setdefault(key, ".".join((*key[0], rule.name)))
                bind = FALLBACK
        elif ps or label or role == "param":
            text = label
            if role == "param":  # its place: the scope path and the label
                text = ".".join((*scopes[i], label or "param"))
            bind = ATOM if simple(text) else 0  # a label such as 'a+b' is bracketed wherever it goes
        else:  # a number written into the expression
            found = numbers.get(data[i])
            if found is None:
                text = number(data[i], digits)
                found = numbers[data[i]] = (text, 2 if text.startswith("-") else ATOM)
            text, bind = found
        add_name(text)
        add_level(bind)
    return base, Counter(base)


ATOM = 4
FALLBACK = -1  # a name that is the op within its scope: not written into expressions
# How tightly each infix op binds, and whether its right operand needs brackets at the same
# level ('a-(b-c)', 'a/(b*c)'); ** groups from the right.
_BINDS = {"+": (1, False), "-": (1, True), "*": (2, False), "/": (2, True), "**": (3, False)}


def _expression(rule: Op, ps: tuple[int, ...], base: list[str], level: list[int]) -> tuple[str, int]:
    """The short expression an op node is named by, and how tightly it binds; ('', 0) if
    there is none or it is longer than ``SHORT``."""
    if len(ps) > 2 or level[ps[0]] == FALLBACK or level[ps[-1]] == FALLBACK:
        return "", 0
    symbol = op_symbol(rule)
    first = base[ps[0]]
    if len(ps) == 2:
        if symbol not in _BINDS:
            return "", 0
        second = base[ps[1]]
        if len(first) + len(second) >= SHORT:  # too long already: skip the brackets
            return "", 0
        bind, strict_right = _BINDS[symbol]
        left_ok = level[ps[0]] > bind or (level[ps[0]] == bind and symbol != "**")
        right_ok = level[ps[1]] > bind or (level[ps[1]] == bind and not strict_right)
        text = f"{first if left_ok else f'({first})'}{symbol}{second if right_ok else f'({second})'}"
    elif len(first) >= SHORT:
        return "", 0
    elif symbol.isalpha() or len(symbol) > 1:
        text, bind = f"{symbol}({first})", ATOM
    else:  # neg: '-x', '-(x*y)'
        text, bind = f"{symbol}{first if level[ps[0]] == ATOM else f'({first})'}", 2
    return (text, bind) if len(text) <= SHORT else ("", 0)


def unique(base: Sequence[str], counts: Counter, k: int) -> str:
    """Row ``k``'s name: its base name, with ``#k`` if other rows have that name too.

    A name ending in ``#k`` is never another row's (its last ``#`` says its row), so it
    only has to stay clear of the names left as they are (a label 'tanh#5')."""
    name = base[k]
    if counts[name] == 1:
        return name
    new = f"{name}#{k}"
    while new in counts:
        new += f"#{k}"
    return new


__all__ = ["number", "is_number", "op_symbol", "simple", "wrap", "formula", "base_names", "unique", "SHORT"]
