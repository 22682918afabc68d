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
magnitude are written out, with the share of the gradient each carries; they are found
by dynamic programming too, keeping at each node the ``top`` largest partial products
from it down to ``wrt`` (|a·b| = |a|·|b|, so the best paths through a node extend the
best paths from its inputs): linear in the graph's size for a fixed ``top``. The total
comes from a forward-mode pass, which is checked against ``backward``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..derivatives import gradients
from ..graph import topological_order
from ..ops import OPS, exact_sum
from ..value import Value
from .text import check_digits, is_number, number

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


def _find(order: list[Value], wrt: Value | str) -> Value:
    """``wrt`` itself, or the one node of the graph carrying that label."""
    if isinstance(wrt, Value):
        return wrt
    if not isinstance(wrt, str):
        raise TypeError(f"explain: wrt must be a Value or a label (str), got {type(wrt).__name__} {wrt!r}")
    found = [n for n in order if n.label == wrt]
    if len(found) == 1:
        return found[0]
    if not found:
        labels = sorted({n.label for n in order if n.label})
        have = f"; labels in the graph: {', '.join(labels)}" if labels else "; no node has a label"
        raise ValueError(f"explain: no node labelled {wrt!r} in the graph{have}. Pass the Value itself or set .label")
    raise ValueError(f"explain: {len(found)} nodes are labelled {wrt!r}; pass the Value itself instead of its label")


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
    order = topological_order(root)
    wrt = _find(order, wrt)

    # Forward from wrt (parents before children), for each node n that depends on it:
    # count[n], how many paths lead from n down to wrt; tangent[n], d n / d wrt, the sum
    # over those paths of their products (computed independently of backward's reverse
    # pass); size[n], the sum of |product| over them; best[n], the ``top`` paths from n
    # down to wrt with the largest |product|, largest first, as linked entries
    # (|product|, product, parent, slot, parent's entry).
    count: dict[Value, int] = {wrt: 1}
    tangent: dict[Value, float] = {wrt: 1.0}
    size: dict[Value, float] = {wrt: 1.0}
    best: dict[Value, list] = {wrt: [(1.0, 1.0, None, -1, None)] if top else []}
    reached = False
    for node in order:
        if node is wrt:
            reached = True
            continue
        if not reached:
            continue  # before wrt in topological order: cannot depend on it
        c = 0
        t = m = 0.0
        found = []  # (slot, parent, local) of the inputs that lead to wrt
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            pc = count.get(parent)
            if pc:
                c += pc
                t += local * tangent[parent]
                m += abs(local) * size[parent]
                found.append((slot, parent, local))
        if c:
            count[node] = c
            tangent[node] = t
            size[node] = m
            best[node] = _best(found, best, top)
    n_paths = count.get(root, 0)
    shown = _paths(root, best[root]) if n_paths else []
    if shown and len(shown) == n_paths:
        total = exact_sum(p.product for p in shown)  # the literal sum over the paths
    else:
        total = tangent.get(root, 0.0)
    (from_backward,) = gradients(root, [wrt])
    result = Explanation(root, wrt, n_paths, shown, total, from_backward, size.get(root, 0.0))
    result.text = _write(result, order, digits)
    return result


def _magnitude(x: float) -> float:
    m = abs(x)
    return m if m == m else math.inf  # a NaN path is the first one to show


def _best(found: list, best: dict, top: int) -> list:
    """The ``top`` entries of largest |product| through the inputs ``found``, largest first.

    Each input's list is sorted already, so one input's list times its local derivative
    is sorted too; several are merged. Sorting is stable, so equal products keep the
    order of the inputs (the first input's path first): the order a depth-first listing
    would give.
    """
    if len(found) == 1:
        slot, parent, local = found[0]
        return [(_magnitude(local * e[1]), local * e[1], parent, slot, e) for e in best[parent]]
    merged = [(_magnitude(local * e[1]), local * e[1], parent, slot, e)
              for slot, parent, local in found for e in best[parent]]
    merged.sort(key=_first, reverse=True)
    del merged[top:]
    return merged


def _first(entry: tuple) -> float:
    return entry[0]


def _paths(root: Value, entries: list) -> list[ChainPath]:
    """The ChainPaths the linked entries of ``root`` stand for."""
    paths = []
    for entry in entries:
        nodes, slots, locals_ = [root], [], []
        while entry[2] is not None:  # the entry of wrt itself has no parent
            _, _, parent, slot, tail = entry
            locals_.append(nodes[-1].local_grads[slot])
            nodes.append(parent)
            slots.append(slot)
            entry = tail
        paths.append(ChainPath(tuple(nodes), tuple(slots), tuple(locals_)))
    return paths


# ---------------------------------------------------------------------------------------
# Writing it out.


def _namer(order: list[Value], digits: int):
    index = {node: k for k, node in enumerate(order)}

    def name(node: Value) -> str:
        if node.label:
            return node.label
        if not node.parents:
            return number(node.data, digits)  # a constant reads best as its value
        return f"{node.op}#{index[node]}"  # position in topological order: stable

    return name


def _wrapped(text: str) -> str:
    simple = text.replace("_", "").replace("#", "").replace(".", "").isalnum()
    return text if simple or is_number(text) else f"({text})"


def _rule(node: Value, slot: int, name) -> str:
    """The local derivative's formula from the op table, e.g. '1 − tanh(n)²', or ''."""
    forms = OPS[node.op].formula if node.op in OPS else ()
    parents = node.parents
    if len(forms) == 1 and len(parents) > 1:  # n-ary (sum, dot): one text for all inputs
        n = len(parents) // 2
        other = parents[slot + n] if slot < n else parents[slot - n]
        return forms[0].format(other=_wrapped(name(other)))
    if slot >= len(forms):
        return ""
    raw = [name(p) for p in parents]
    raw += [""] * (2 - len(raw))
    return forms[slot].format(a=_wrapped(raw[0]), b=_wrapped(raw[1]) if raw[1] else "", A=raw[0], B=raw[1])


def _write(e: Explanation, order: list[Value], digits: int) -> str:
    name = _namer(order, digits)
    num = lambda x: number(x, digits)  # noqa: E731
    top, bottom = name(e.root), name(e.wrt)
    d = f"∂{_wrapped(top)}/∂{_wrapped(bottom)}"
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
        shown = range(n_steps) if n_steps <= _MAX_STEPS else [*range(keep), *range(n_steps - keep, n_steps)]
        steps = []
        for i in shown:
            if n_steps > _MAX_STEPS and i == n_steps - keep:
                steps.append(("…", f"{n_steps - 2 * keep:,} more steps …"))
            node, local = path.nodes[i], path.locals[i]
            rule = _rule(node, path.slots[i], name)
            parent = path.nodes[i + 1]
            head = f"∂{_wrapped(name(node))}/∂{_wrapped(name(parent))}"
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


__all__ = ["explain", "Explanation", "ChainPath"]
