"""One name per node: what every view calls a node, and how numbers and ops are written.

A node's name, in this order of preference:

- a parameter (role ``"param"``): its place, the scope path and its label
  (``mlp.layer1.neuron2.w0``);
- a label: the label (``x``, ``loss``);
- a leaf with neither (a number written into an expression, the 2 of ``x * 2``): the number;
- an op node: the short expression that made it, from its inputs' names (``x*w``,
  ``tanh(n)``, ``-x``), when that is at most ``SHORT`` characters;
- otherwise the op within its scope (``mlp.layer0.neuron3.dot``), or the op alone.

Where two nodes would share a name, the calls they were made in tell them apart (see
``Calls``): a model called on two samples makes ``mlp[0].layer2.neuron0.dot`` and
``mlp[1].layer2.neuron0.dot``, and the inputs and loss terms of sample 1, outside every
scope, read ``sample1.x0``, ``sample1.sub``. Where no call tells them apart (two nodes
of one call, or constants), each gets its row in the graph table as a suffix
(``tanh#5``, ``tanh#9``); a name without ``#`` plus a number belongs to one node.
Expressions are written with the inputs' names before that suffix, so ``x*2`` reads as
``x*2`` even when the graph holds several constants 2.

>>> from autograd import Value, dot, scope
>>> ys = []
>>> for i in range(2):
...     x = Value(float(i), label="x")
...     with scope("f"):
...         ys.append(dot([x, x, 2.0], [x, 3.0, x]).tanh())
>>> from autograd.table import table
>>> t = table(ys[0] + ys[1])
>>> [t.name(y) for y in ys], [t.name(y.parents[0]) for y in ys]
(['f[0].tanh', 'f[1].tanh'], ['f[0].dot', 'f[1].dot'])
>>> sorted(n for n in t.names() if n.startswith("sample"))
['sample0.x', 'sample1.x']

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
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import eq, not_
from typing import Any

from .ops import Op
from .pieces import pieces

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
               digits: int = 4) -> tuple[list[str], Counter, dict[str, list[int]]]:
    """Every row's name before rows that share one are told apart, how many rows have
    each, and each name's rows: one pass, inputs before the rows that read them.
    ``unique`` finishes a row's name from these, so a view naming a few rows need not
    write every name; ``Calls`` tells a shared name's rows apart."""
    base: list[str] = []
    rows: dict[str, list[int]] = {}  # most rows of a big graph share their name: kept in this pass
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
        found_rows = rows.get(text)
        if found_rows is None:
            rows[text] = [i]
        else:
            found_rows.append(i)
    return base, Counter({name: len(these) for name, these in rows.items()}), rows


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


class Calls:
    """Which call of its scopes each row was made in, and the names that tell rows apart by it.

    A call of a scope path is a connected piece of the op nodes made under that path:
    ``mlp`` called on two samples makes two pieces that share only the parameters. Two
    rows that share a name are told apart by the calls where they differ, counted from 0
    within the enclosing call in the order the program made them (the reverse of graph
    order, whose walk places an op's last input first): ``mlp[1].layer2.neuron0.dot`` is
    that neuron's dot in ``mlp``'s second call. (Two calls where the later one reads the
    earlier one's result through nodes outside the scope are numbered the other way round:
    the order is read from the graph, which does not record when a call was made.) A row
    outside every scope that belongs to one call of a top-level scope (the inputs handed
    to it, the loss terms made from its output) is that call's sample: ``sample1.x0``.
    Rows that no call tells apart (two in one call, or constants, named by their number)
    keep their row as ``#k``.

    The pieces are found from the graph's edges (``autograd.pieces``), only when a name is
    shared: a graph without a shared name pays nothing. A group of shared names writes
    only the names asked for (a page names a few hundred of a big model's rows).
    """

    def __init__(self, base: Sequence[str], counts: Counter, parents: Sequence[tuple[int, ...]],
                 scopes: Sequence[tuple], labels: Sequence[str], roles: Sequence[str],
                 edge_arrays: Callable[[Any], tuple[Any, Any]] | None = None,
                 rows: dict[str, list[int]] | None = None) -> None:
        self.base, self.counts, self.parents, self.scopes = base, counts, parents, scopes
        self.labels, self.roles = labels, roles
        self.edge_arrays = edge_arrays  # the graph table's (``pieces`` may use them): never the table itself
        self._groups = rows  # each name's rows (``base_names``'), found when first needed if not given
        self._names: dict[int, str] = {}
        # A group of op rows of one scope, named by it: what tells its rows apart, kept so
        # that only the names asked for are written (a big model's groups hold thousands).
        self._uniform: dict[str, tuple[tuple, list[int], Counter]] = {}
        self._ready = False

    def name(self, k: int) -> str:
        """Row ``k``'s name: its base name, told apart by its calls or its row if shared."""
        name = self.base[k]
        if self.counts[name] == 1:
            return name
        found = self._names.get(k)
        if found is None:
            if name not in self._uniform:
                self._name_group(name)
            found = self._names.get(k)
            if found is None:
                found = self._names[k] = self._uniform_name(k, name)
        return found

    def piece(self, k: int, level: int) -> int | None:
        """Which call of its scope's first ``level`` + 1 names op row ``k`` was made in,
        as the first row of that call's piece (None for a leaf, or a scope not that deep).

        >>> from autograd import Value, scope
        >>> with scope("f"):
        ...     a = Value(1.0) * 2
        >>> with scope("f"):
        ...     b = Value(1.0) * 3
        >>> from autograd.table import table
        >>> t = table(a + b); calls = t.calls()
        >>> calls.piece(t.row[a], 0) != calls.piece(t.row[b], 0), calls.piece(t.row[a], 1)
        (True, None)
        """
        if not self._ready:
            self._prepare()
        return self._roots[level][k] if self.parents[k] and level < len(self.scopes[k]) else None

    def pieces(self, level: int) -> list[int]:
        """Every row's ``piece`` at ``level``, by row, for a view that reads thousands:
        only an op row whose scope is more than ``level`` deep has one (what the list
        holds for any other row means nothing)."""
        if not self._ready:
            self._prepare()
        return self._roots[level]

    def position(self, k: int, level: int) -> int | None:
        """The position (from 0) of op row ``k``'s call at ``level`` among the calls of its
        scope within the enclosing call, as names write it (``mlp[1]``); None as ``piece``."""
        piece = self.piece(k, level)
        return None if piece is None else self._index[level][piece]

    def _prepare(self) -> None:
        parents, scopes = self.parents, self.scopes
        n = len(parents)
        levels = pieces(parents, scopes, self.edge_arrays)
        # Each piece's position among the pieces of its path within the enclosing piece,
        # counted from the end of the graph: the walk that orders the rows places an op's
        # last input first, so the program's first call (sample 0, position 0) comes last.
        # A piece is placed by its last row, and named by its root, its first row: a row
        # of the piece, so the root's own scope and enclosing piece are the piece's.
        index: list[dict[int, int]] = []
        for j, (_, last) in enumerate(levels):
            seen: dict[tuple, int] = {}
            placed: dict[int, int] = {}
            for r in sorted(last, key=last.__getitem__, reverse=True):
                key = (levels[j - 1].roots[r] if j else None, scopes[r][j])
                placed[r] = seen[key] = seen.get(key, -1) + 1
            index.append(placed)
        self._index, self._roots = index, [level.roots for level in levels]
        # A row outside every scope: the top-level call it belongs to, if just one
        # (an op's from its inputs, a leaf's from what reads it). None: none; -1: several.
        tied: dict[int, object] = {}
        outside = list(compress(range(n), map(not_, scopes)))
        for k in outside:
            if parents[k]:
                tie = None
                for p in parents[k]:
                    if parents[p]:
                        tie = _join(tie, self._top(p) if scopes[p] else tied.get(p))
                tied[k] = tie
        leaves = {k for k in outside if not parents[k] and self.counts[self.base[k]] > 1}
        if leaves:  # the rows that read them, found in C: a big graph has few
            for k in compress(range(n), map(not_, map(leaves.isdisjoint, parents))):
                reader = self._top(k) if scopes[k] else tied.get(k)
                for p in parents[k]:
                    if p in leaves:
                        tied[p] = _join(tied.get(p), reader)
        self._tied = tied
        self._ready = True

    def _top(self, k: int) -> tuple:
        """The top-level call of op row ``k``: (scope name, its piece's position)."""
        return self.scopes[k][0], self._index[0][self._roots[0][k]]

    def _calls(self, k: int) -> tuple:
        """Row ``k``'s calls, outermost first: the piece of each prefix of its scope (a
        leaf in a scope: those of what reads it, not known here, so none), or for a row
        outside every scope its top-level call as ('sample', position)."""
        s = self.scopes[k]
        if not s:
            tie = self._tied.get(k)
            return (("sample", tie[1]),) if isinstance(tie, tuple) else ()
        if not self.parents[k]:
            return ()  # a leaf in a scope: none
        return tuple(f[k] for f in self._roots[:len(s)])

    def _name_group(self, name: str) -> None:
        if self._groups is None:
            groups: dict[str, list[int]] = {}
            for k, b in enumerate(self.base):
                groups.setdefault(b, []).append(k)
            self._groups = groups
        members = self._groups[name]
        parents, labels, roles = self.parents, self.labels, self.roles
        if all(not parents[k] and not labels[k] and roles[k] != "param" for k in members):
            for k in members:  # constants: named by their number, told apart by their row
                self._names[k] = unique(self.base, self.counts, k)
            return
        if not self._ready:
            self._prepare()
        if self._told_uniformly(name, members):
            return
        calls = {k: self._calls(k) for k in members}
        # A level is written where it tells apart rows that the levels before it do not.
        levels = max(map(len, calls.values()), default=0)
        used = []
        for j in range(levels):
            if len({c[:j + 1] for c in calls.values()}) > len({c[:j] for c in calls.values()}):
                used.append(j)
        written: dict[tuple, str] = {}  # (scope, the calls written) -> the scope path so written
        out = {k: self._indexed(k, name, calls[k], used, written) for k in members}
        shared = Counter(out.values())
        for k, new in out.items():
            if shared[new] > 1 or (new != name and new in self.counts):
                new = f"{new}#{k}"
                while new in self.counts:
                    new += f"#{k}"
            self._names[k] = new

    def _told_uniformly(self, name: str, members: list[int]) -> bool:
        """For a group of op rows made under one scope and named by it (most of a big
        model's shared names, ``mlp.layer0.neuron3.dot``), keep what tells them apart and
        write no name yet (``_uniform_name`` writes one when asked); False for any other group.

        Their calls are their pieces, one a level, and a level's piece lies within one piece
        of the level above, so the calls up to a level differ exactly where that level's
        pieces do; and the positions written at the levels used tell the pieces apart as
        the pieces themselves do. So two of them get one name exactly when their pieces at
        the levels used agree, which is counted on the pieces without writing a name."""
        scopes, parents = self.scopes, self.parents
        s = scopes[members[0]]
        if not s or not name.startswith(".".join(s) + "."):
            return False
        if not all(map(parents.__getitem__, members)) or not all(map(eq, map(scopes.__getitem__, members), repeat(s))):
            return False
        columns = [list(map(f.__getitem__, members)) for f in self._roots[:len(s)]]  # each level's pieces
        used, before = [], 1
        for j, column in enumerate(columns):
            here = len(set(column))
            if here > before:
                used.append(j)
            before = here
        told: Counter
        if not used:
            told = Counter({(): len(members)})
        elif len(used) == 1:
            told = Counter(columns[used[0]])
        else:
            told = Counter(zip(*(columns[j] for j in used)))
        self._uniform[name] = (s, used, told)
        return True

    def _uniform_name(self, k: int, name: str) -> str:
        """Row ``k``'s name in a group ``_told_uniformly`` kept, as ``_name_group`` writes it."""
        s, used, told = self._uniform[name]
        c = self._calls(k)
        if not used:
            return unique(self.base, self.counts, k)  # its one call holds them all: its row
        index = self._index
        path = ".".join(f"{part}[{index[j][c[j]]}]" if j in used else part for j, part in enumerate(s))
        new = path + name[len(".".join(s)):]
        if told[c[used[0]] if len(used) == 1 else tuple(c[j] for j in used)] > 1 or new in self.counts:
            new = f"{new}#{k}"
            while new in self.counts:
                new += f"#{k}"
        return new

    def _indexed(self, k: int, name: str, calls: tuple, used: list[int], written: dict) -> str:
        """``name`` with the calls at levels ``used`` written in: ``mlp[1].layer2...``
        for an op node named by its scope, ``sample1.x0`` outside every scope."""
        if not calls or not used or (not self.labels[k] and not self.parents[k] and self.roles[k] != "param"):
            return name  # nothing tells it apart, or a constant: its number and its row
        if isinstance(calls[0], tuple):  # ('sample', position): outside every scope
            return f"sample{calls[0][1]}.{name}"
        s = self.scopes[k]
        plain = written.get(s)
        if plain is None:
            plain = written[s] = ".".join(s)
        if not name.startswith(plain) or name[len(plain):len(plain) + 1] != ".":
            # A label or an expression: its sample only.
            return f"sample{self._index[0][calls[0]]}.{name}" if 0 in used else name
        key = (s, tuple(calls[j] for j in used if j < len(s)))
        path = written.get(key)
        if path is None:
            index = self._index
            path = written[key] = ".".join(f"{part}[{index[j][calls[j]]}]" if j in used else part
                                           for j, part in enumerate(s))
        return path + name[len(plain):]


def _join(a: object, b: object) -> object:
    """Two rows' top-level calls joined: the one call if they agree, -1 if they do not."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    return -1


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


__all__ = ["number", "is_number", "op_symbol", "simple", "wrap", "formula", "base_names", "unique", "Calls", "SHORT"]
