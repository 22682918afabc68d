"""The chain rule written out with numbers: ``explain(root, wrt)``.

>>> from autograd import Value, explain
>>> x = Value(3.0, label="x")
>>> y = x * x; y.label = "y"
>>> explain(y, x)
∂y/∂x by the chain rule: 2 paths from y to x
path 1: y ← x
    ∂y/∂x (input 1) = x = 3
    product: 3
path 2: y ← x
    ∂y/∂x (input 2) = x = 3
    product: 3
∂y/∂x = sum over the 2 paths = 3 + 3 = 6
backward gives the same: 6 ✓

A derivative d root / d wrt is the sum, over every path from ``root`` down to ``wrt``, of
the product of the local derivatives along the path (d child / d parent at each step).
``x * x`` reaches ``x`` twice, once per factor, hence two paths. The number of paths can
grow exponentially with depth (``y = y * y`` doubles it each time), so they are counted
by dynamic programming, never listed. Only the ``top`` paths with the largest products in
magnitude are written out, with the share of the gradient each carries. The same
forward pass that counts them keeps, for each node, the largest |product| of a path from
it down to ``wrt`` (|a·b| = |a|·|b|, so it is the largest over its inputs of |local| times
theirs); then a best-first search from the root, which ranks a partial path by its
|product| so far times that largest rest, reaches the complete paths largest first
(equal ones in the order of their inputs, the first input's first): it visits about
``top`` times the paths' length nodes, not the graph. The total comes from the
forward-mode pass, which is checked against ``backward``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import overload

from ..collector import pauses_collector
from ..derivatives import gradients
from ..names import formula, number, wrap
from ..ops import exact_sum
from ..table import GraphTable, table
from ..value import Value
from .tallies import Tally, tally
from .text import check_digits

_MAX_STEPS = 16  # steps of one path written out; longer paths show both ends
_MAX_FACTORS = 12  # factors of a product written out


@dataclass(frozen=True)
class ChainPath:
    """One path from the root down to ``wrt``: ``nodes[0]`` is the root, the last is wrt.

    ``slots[i]`` is which input of ``nodes[i]`` the path leaves by, and ``locals[i]`` is
    d nodes[i] / d nodes[i+1] through that input.
    """

    nodes: tuple[Value, ...]
    slots: tuple[int, ...]
    locals: tuple[float, ...]

    @property
    def product(self) -> float:
        return math.prod(self.locals)


@dataclass(repr=False, eq=False)
class Explanation:
    """What ``explain`` found; it prints itself at the prompt (``repr`` is the derivation)."""

    root: Value
    wrt: Value
    n_paths: int  # every path from root to wrt (shown or not)
    paths: list[ChainPath]  # the top of them by |product|, largest first
    gradient: float  # the sum over all paths (forward mode; exact sum if all are shown)
    backward: float  # d root / d wrt as backward computes it
    magnitude: float = 0.0  # the sum over all paths of |product|
    text: str = field(default="")

    @property
    def share(self) -> float:
        """The part of the gradient the paths shown carry: their sum / the gradient."""
        shown = exact_sum(p.product for p in self.paths)
        return shown / self.gradient if self.gradient else (1.0 if shown == 0.0 else math.inf)

    @property
    def matches(self) -> bool:
        """Whether the sum over paths equals backward's gradient (up to rounding)."""
        return _close(self.gradient, self.backward, self._scale())

    def _scale(self) -> float:
        # Rounding error grows with the size of the terms summed, not of the sum.
        if self.paths and len(self.paths) == self.n_paths:
            return exact_sum(abs(p.product) for p in self.paths)
        return abs(self.gradient) + abs(self.backward)

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def _close(a: float, b: float, scale: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * scale + 1e-300


def _find(t: GraphTable, wrt: Value | str) -> int:
    """The row of ``wrt`` itself, or of the one node of the graph carrying that label."""
    if isinstance(wrt, Value):
        k = t.row.get(wrt)
        return len(t) if k is None else k  # not in the graph: no path reaches it
    if not isinstance(wrt, str):
        raise TypeError(f"explain: wrt must be a Value or a label (str), got {type(wrt).__name__} {wrt!r}")
    found = [k for k, label in enumerate(t.labels) if label == wrt]
    if len(found) == 1:
        return found[0]
    if not found:
        labels = sorted({label for label in t.labels if label})
        have = f"; labels in the graph: {', '.join(labels)}" if labels else "; no node has a label"
        raise ValueError(f"explain: no node labelled {wrt!r} in the graph{have}. Pass the Value itself or set .label")
    raise ValueError(f"explain: {len(found)} nodes are labelled {wrt!r}; pass the Value itself instead of its label")


@pauses_collector  # see autograd.collector: the passes make many short-lived containers
def explain(root: Value, wrt: Value | str, *, top: int = 10, digits: int = 4,
            max_paths: int | None = None) -> Explanation:
    """The chain-rule derivation of d root / d wrt, with the actual numbers.

    The ``top`` paths from ``root`` to ``wrt`` whose products of local derivatives are
    largest in magnitude, each with the share of the gradient it carries; how many paths
    there are in all and what the rest add up to; and a check against the gradient
    ``backward`` computes. ``wrt`` is a Value of the graph or the label of one. The result
    shows itself at the prompt; in a script, ``print`` it. Fields: ``gradient``,
    ``backward``, ``n_paths``, ``paths``, ``magnitude``, ``share``, ``matches``.
    (``max_paths`` is the older name of ``top``.)

    >>> from autograd import Value
    >>> a = Value(2.0, label="a"); b = (a * 3).tanh()
    >>> e = explain(b, "a")
    >>> e.n_paths, round(e.gradient, 6) == round(e.backward, 6), e.matches
    (1, True, True)
    >>> x = Value(0.5, label="x"); y = x * 10 + x.exp()  # two paths: 10 and e^0.5
    >>> [round(p.product, 3) for p in explain(y, x, top=1).paths]
    [10.0]
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: expected a Value as root, got {type(root).__name__} {root!r}")
    given = "top"
    if max_paths is not None:
        if top != 10:
            raise ValueError("explain: pass top or max_paths (its older name), not both")
        top, given = max_paths, "max_paths"
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError(f"explain: {given} must be an int >= 0 (how many paths to write out), got {top!r}")
    check_digits(digits, "explain")
    t = table(root)
    k = _find(t, wrt)
    node = t.nodes[k] if k < len(t) else wrt
    assert isinstance(node, Value)  # past the rows only a Value outside the graph (_find)
    (from_backward,) = gradients(root, [node])
    return explain_row(t, k, from_backward, top=top, digits=digits, wrt_node=node)


def explain_row(t: GraphTable, wrt: int, from_backward: float, *, top: int = 10, digits: int = 4,
                wrt_node: Value | None = None, above: list[int] | None = None) -> Explanation:
    """``explain`` of d root / d (row ``wrt``) read from the graph table ``t``, with
    ``from_backward`` the gradient to check against: no walk of the graph, one pass over
    the rows above ``wrt`` (``t.above(wrt)``, passed as ``above`` by a caller that already
    has it). The page explains its nodes this way, from one table.

    >>> from autograd import Value
    >>> from autograd.table import row_gradients
    >>> x = Value(3.0, label="x"); t = table(x * x)
    >>> explain_row(t, 0, row_gradients(t)[0]).gradient
    6.0
    """
    n = len(t)
    root_row = t.roots[0]
    # Forward from wrt up its consumers: only the rows above it can reach it (a page
    # explains dozens of nodes of one table, most with few rows above them).
    found = tally(t, wrt, root_row, above) if wrt < n else Tally([], [], 0.0, 0.0)
    n_paths = found.counts[root_row] if wrt < n else 0
    shown = _top_paths(t, root_row, wrt, found.counts, found.most, top) if n_paths and top else []
    if shown and len(shown) == n_paths:
        total = exact_sum(p.product for p in shown)  # the literal sum over the paths
    else:
        total = found.gradient if n_paths else 0.0
    node = t.nodes[wrt] if wrt < n else wrt_node
    if node is None:
        raise ValueError(f"explain_row: row {wrt} is past the table's {n} rows; pass the node as wrt_node")
    result = Explanation(t.nodes[root_row], node, n_paths, shown, total, from_backward,
                         found.magnitude if n_paths else 0.0)
    result.text = _write(result, t, digits)
    return result


def _magnitude(x: float) -> float:
    m = abs(x)
    return m if m == m else math.inf  # a NaN path is the first one to show


def _top_paths(t: GraphTable, root: int, wrt: int, count: Sequence[int], most: Sequence[float],
               top: int) -> list[ChainPath]:
    """The ``top`` paths from row ``root`` down to row ``wrt`` of largest |product|,
    largest first, equal ones in the order of their inputs (the first input's first).

    Best-first from the root: a partial path is ranked by its |product| so far times
    ``most`` of the row it has reached (the most any completion of it can have, and just
    that for its best one), so complete paths come off the heap largest first, after
    about ``top`` times their length rows. Ranks are rounded to 36 bits, so that rounding
    in the last digits does not rank a path's best continuation below its siblings; were
    the search still to wander (very many paths of one size), past a budget the paths
    are found by ``_top_paths_everywhere`` instead, one pass over the rows.
    """
    parents, locals_ = t.parents, t.locals
    budget = 10_000 + (root - wrt) // 4  # pops; the pass over the rows costs about this
    # (-rank, -push number, row, steps so far, |product| so far); steps are linked,
    # (row, slot, local, the steps before), so a step costs the same however deep. Equal
    # ranks pop last pushed first, and a row's inputs are pushed last one first: among
    # equal paths the search goes depth first, first input first, as the pass does.
    heap: list = [(-_coarse(most[root]), 0, root, None, 1.0)]
    pushed = 0
    found: list = []
    while heap and len(found) < top:
        budget -= 1
        if budget < 0:
            return _top_paths_everywhere(t, root, wrt, count, top)
        rank, _, r, steps, so_far = heapq.heappop(heap)
        if r == wrt:
            found.append(_unlinked(steps))
            continue
        ins = parents[r]
        for slot in range(len(ins) - 1, -1, -1):
            p = ins[slot]
            if count[p]:
                local = locals_[r][slot]
                reached = _magnitude(so_far * abs(local))
                child = max(rank, -_coarse(_magnitude(reached * most[p])))  # never above its parent
                pushed += 1
                heapq.heappush(heap, (child, -pushed, p, (r, slot, local, steps), reached))
    # In the order the products themselves give (the last step first, as the pass does).
    found.sort(key=lambda steps: (-_magnitude(_product_from_the_end(steps)), [slot for _, slot, _ in steps]))
    nodes = t.nodes
    return [ChainPath(tuple(nodes[r] for r, _, _ in steps) + (nodes[wrt],), tuple(slot for _, slot, _ in steps),
                      tuple(local for _, _, local in steps)) for steps in found]


def _unlinked(steps) -> list[tuple]:
    """The linked steps of a path as a list, from the root down."""
    out = []
    while steps is not None:
        r, slot, local, steps = steps
        out.append((r, slot, local))
    out.reverse()
    return out


def _coarse(x: float) -> float:
    """``x`` rounded to 36 significant bits (ranks that differ only by rounding tie)."""
    if x == 0.0 or x == math.inf:
        return x
    mantissa, exponent = math.frexp(x)
    return math.ldexp(round(mantissa * 68719476736.0), exponent - 36)


def _product_from_the_end(steps: tuple) -> float:
    product = 1.0
    for _, _, local in reversed(steps):
        product = local * product
    return product


def _top_paths_everywhere(t: GraphTable, root: int, wrt: int, count: Sequence[int], top: int) -> list[ChainPath]:
    """``_top_paths`` by one pass from ``wrt`` up to ``root``, keeping for every row the
    ``top`` paths from it down to ``wrt`` of largest |product|, as linked entries
    (|product|, product, input row, slot, the input's entry). Each input's list is
    sorted, so one input's list times its local derivative is sorted too; several are
    merged, and the sort is stable: equal products keep the order of the inputs."""
    parents, locals_ = t.parents, t.locals
    best: dict[int, list] = {wrt: [(1.0, 1.0, None, -1, None)]}
    for r in range(wrt + 1, root + 1):
        if not count[r]:
            continue
        merged = []
        for slot, (p, local) in enumerate(zip(parents[r], locals_[r])):
            if count[p]:
                merged += [(_magnitude(local * e[1]), local * e[1], p, slot, e) for e in best[p]]
        merged.sort(key=_first, reverse=True)
        best[r] = merged[:top]
    paths = []
    for entry in best[root]:
        rows, slots, steps = [root], [], []
        while entry[2] is not None:  # the entry of wrt itself has no input
            _, _, p, slot, tail = entry
            steps.append(locals_[rows[-1]][slot])
            rows.append(p)
            slots.append(slot)
            entry = tail
        paths.append(ChainPath(tuple(t.nodes[r] for r in rows), tuple(slots), tuple(steps)))
    return paths


def _first(entry: tuple) -> float:
    return entry[0]


# ---------------------------------------------------------------------------------------
# Writing it out.


class _InputNames(Sequence[str]):
    """A row's inputs' names, each written when read: an n-ary op's formula (a sum's, a
    dot's) reads two of its inputs, of thousands."""

    def __init__(self, inputs: tuple[int, ...], named: Callable[[int], str]) -> None:
        self.inputs, self.named = inputs, named

    def __len__(self) -> int:
        return len(self.inputs)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self.named(k) for k in self.inputs[i]]
        return self.named(self.inputs[i])


def _write(e: Explanation, t: GraphTable, digits: int) -> str:
    row = t.row
    outside = {e.wrt: number(e.wrt.data, digits) if not e.wrt.label else e.wrt.label} if e.wrt not in row else {}

    def named(k: int) -> str:  # only the rows on the paths written are named
        return t.name_of(k, digits)

    def name(node: Value) -> str:
        k = row.get(node)
        return named(k) if k is not None else outside[node]

    def rule_of(node: Value, slot: int) -> str:
        k = row[node]
        return formula(t.rules[k], _InputNames(t.parents[k], named), slot)

    num = lambda x: number(x, digits)  # noqa: E731
    top, bottom = name(e.root), name(e.wrt)
    d = f"∂{wrap(top)}/∂{wrap(bottom)}"
    lines: list[str] = []
    if e.n_paths == 0:
        lines.append(f"{d} = 0: {top} does not depend on {bottom} (no path leads from {top} to {bottom})")
        lines.append(f"backward gives {'the same' if e.backward == 0.0 else 'something else'}: {num(e.backward)}"
                     f" {'✓' if e.backward == 0.0 else '✗'}")
        return "\n".join(lines)
    plural = "s" if e.n_paths != 1 else ""
    left = e.n_paths - len(e.paths)
    head = f"{d} by the chain rule: {e.n_paths:,} path{plural} from {top} to {bottom}"
    if left and e.paths:
        head += (f"; the {len(e.paths):,} with the largest products" if len(e.paths) > 1
                 else "; the one with the largest product")
    lines.append(head)
    # With paths left out, each one shown says how much of the gradient it carries.
    of = (lambda p: f"  ({_percent(p, e.gradient)} of {d})") if left else (lambda p: "")
    for k, path in enumerate(e.paths, 1):
        lines.append(f"path {k}: " + _arrows([name(n) for n in path.nodes]))
        n_steps = len(path.locals)
        keep = _MAX_STEPS // 2
        # A long path shows both ends; only the steps shown are written (paths can be long).
        steps_shown = range(n_steps) if n_steps <= _MAX_STEPS else [*range(keep), *range(n_steps - keep, n_steps)]
        steps = []
        for i in steps_shown:
            if n_steps > _MAX_STEPS and i == n_steps - keep:
                steps.append(("…", f"{n_steps - 2 * keep:,} more steps …"))
            node, local = path.nodes[i], path.locals[i]
            rule = rule_of(node, path.slots[i])
            parent = path.nodes[i + 1]
            head = f"∂{wrap(name(node))}/∂{wrap(name(parent))}"
            if sum(p is parent for p in node.parents) > 1:  # x*x: say which factor this is
                head += f" (input {path.slots[i] + 1})"
            if rule and rule.replace("−", "-") != num(local):  # skip '= -1 = -1'
                steps.append((head, f"= {rule} = {num(local)}"))
            else:
                steps.append((head, f"= {num(local)}"))
        width = max((len(h) for h, _ in steps), default=0)
        lines.extend(f"    {h.ljust(width)} {rest}" for h, rest in steps)
        if not path.locals:
            lines.append(f"    ({top} is {bottom} itself) product: 1")
        elif len(path.locals) == 1:
            lines.append(f"    product: {num(path.product)}{of(path.product)}")
        elif len(path.locals) <= _MAX_FACTORS:
            lines.append(f"    product: {' × '.join(num(x) for x in path.locals)} = {num(path.product)}"
                         f"{of(path.product)}")
        else:
            lines.append(f"    product of the {len(path.locals):,} local derivatives: {num(path.product)}"
                         f"{of(path.product)}")
    if left:
        shown = exact_sum(p.product for p in e.paths)
        rest = e.gradient - shown
        adding = f", adding up to {num(rest)}" if math.isfinite(rest) else ""
        lines.append(f"… and {left:,} more path{'s' if left != 1 else ''} not shown{adding}"
                     f" (explain(..., top=N) shows more)")
        if e.paths:
            which = "the one shown carries" if len(e.paths) == 1 else f"the {len(e.paths):,} shown carry"
            lines.append(f"{which} {_percent(shown, e.gradient)} of {d}; "
                         f"|products| over all paths add up to {num(e.magnitude)}, of which these are "
                         f"{_percent(exact_sum(abs(p.product) for p in e.paths), e.magnitude)}")
    if not left and 1 < e.n_paths <= 6:
        terms = " + ".join(num(p.product) for p in e.paths).replace("+ -", "- ")
        lines.append(f"{d} = sum over the {e.n_paths} paths = {terms} = {num(e.gradient)}")
    else:
        lines.append(f"{d} = sum over the {e.n_paths:,} path{plural} = {num(e.gradient)}")
    if e.matches:
        lines.append(f"backward gives the same: {num(e.backward)} ✓")
    else:
        lines.append(f"backward gives {num(e.backward)} ✗ (differs by {e.gradient - e.backward:.3g})")
    return "\n".join(lines)


def _percent(part: float, whole: float) -> str:
    if whole == 0.0 or not (math.isfinite(part) and math.isfinite(whole)):
        return "an undefined share"
    return f"{100.0 * part / whole:.3g}%"


def _arrows(names: list[str]) -> str:
    if len(names) > 12:
        names = names[:5] + [f"… {len(names) - 10:,} more …"] + names[-5:]
    return " ← ".join(names)


__all__ = ["explain", "explain_row", "Explanation", "ChainPath"]
