"""The graph recomputed in the browser: the ops' JavaScript forms as script text, and a
graph as the rows ``compute.js`` evaluates.

A page that lets a learner edit a leaf and see every number change embeds ``script(ops)``
(``compute.js``, then the op table written by ``js_ops``) and the graph as ``js_rows``
in its JSON data, and calls ``chainruleCompute.evaluate(rows)`` (see the top of
``compute.js`` for the interface). The script is plain text with every op's rule written
as a function literal: no ``eval`` or ``new Function``, which the pages'
Content-Security-Policy forbids. An op without a JavaScript form (a user's ``defop``
given only its float rules) is left out: ``evaluate`` lists its nodes in ``missing``, and
the page shows them read-only.

>>> from autograd import Value, topological_order
>>> x = Value(0.5, label="x"); y = (x * 2.0).tanh()
>>> rows = js_rows(topological_order(y))
>>> [(r["op"], r["parents"]) for r in rows]
[('', []), ('', []), ('mul', [1, 0]), ('tanh', [2])]
>>> print(js_ops(["tanh"]))  # doctest: +NORMALIZE_WHITESPACE
chainruleCompute.define({
"tanh": {nary: false, domain: "",
  forward: function (a0) { return (Math.tanh(a0)); },
  local: function (o, a0) { return [(1 - o * o)]; },
  invalid: null}
});
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..ops import OPS, Op
from .page import asset, json_for_script

# Text that would end or confuse the <script> element the forms are written into.
_UNSAFE = re.compile(r"</|<!--|<script", re.IGNORECASE)


def _checked(op: Op, text: str) -> str:
    if _UNSAFE.search(text):
        raise ValueError(f"js_ops: op {op.name!r}'s JavaScript form contains {_UNSAFE.search(text).group()!r}, "
                         "which would end the page's <script>; write it another way (e.g. '< /' or a < b)")
    return text


def _function(op: Op) -> str:
    form = op.js
    assert form is not None
    if op.nary:
        fill = {"xs": "xs", "o": "o"}
        forward = f"function (xs) {{ return ({form.forward.format(**fill)}); }}"
        local = f"function (o, xs) {{ return ({form.local[0].format(**fill)}); }}"
        invalid = f"function (xs) {{ return ({form.invalid.format(**fill)}); }}" if form.invalid else "null"
    else:
        args = [f"a{k}" for k in range(len(form.local))]
        params = ", ".join(args)
        forward = f"function ({params}) {{ return ({form.forward.format(*args, o='o')}); }}"
        terms = ", ".join(f"({t.format(*args, o='o')})" for t in form.local)
        local = f"function (o, {params}) {{ return [{terms}]; }}"
        invalid = f"function ({params}) {{ return ({form.invalid.format(*args, o='o')}); }}" if form.invalid else "null"
    head = f"{json_for_script(op.name)}: {{nary: {'true' if op.nary else 'false'}, domain: {json_for_script(op.domain)}"
    body = [f"forward: {_checked(op, forward)}", f"local: {_checked(op, local)}", f"invalid: {_checked(op, invalid)}}}"]
    return ",\n  ".join([head, *body])


def js_ops(ops: Iterable[Op | str]) -> str:
    """JavaScript that registers the JS forms of ``ops`` (rows or names) with
    ``chainruleCompute.define``, in order of name; ops without a JS form are left out. Safe inside a
    ``<script>`` element: names and messages are JSON-escaped, and a form containing
    ``</`` or ``<!--`` is refused."""
    rows = {op.name: op for op in (OPS[op] if isinstance(op, str) else op for op in ops)}
    # sorted by name: the same ops give the same text (pages are compared, and hashed into their CSP)
    entries = [_function(rows[name]) for name in sorted(rows) if rows[name].js is not None]
    return "chainruleCompute.define({\n" + ",\n".join(entries) + "\n});"


def script(ops: Iterable[Op | str]) -> str:
    """The whole script a page embeds to recompute graphs using ``ops``: ``compute.js`` and
    the ops' table (``js_ops``)."""
    return asset("compute.js") + "\n" + js_ops(ops)


def _number(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def js_rows(order: Sequence) -> list[dict]:
    """A graph as ``compute.js`` reads it: ``order`` is its nodes in topological order
    (parents first, e.g. ``topological_order(root)`` or a graph table's rows), each row
    ``{"op", "parents" (row indices), "data", "local"}``. Non-finite numbers are written
    as "inf", "-inf", "nan" (JSON has none)."""
    index = {id(node): k for k, node in enumerate(order)}
    rows = []
    for node in order:
        parents = [index[id(p)] for p in node.parents]
        rows.append({"op": node.op, "parents": parents, "data": _number(node.data),
                     "local": [_number(float(d)) for d in node.local_grads]})
    return rows


__all__ = ["js_ops", "js_rows", "script"]
