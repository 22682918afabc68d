"""A laid-out picture's SVG in fewer bytes once deflated: its coordinates apart from its text.

A page carries the layouts of its boxes opened (``backprop._open_views``), each graphviz's
SVG, packed. Half of such an SVG is coordinates (``points``, ``d``, ``x``, ``y``...), and
DEFLATE finds little to share between one coordinate and the next. ``pack_svg`` takes them
out: the text keeps a mark where each was (the rest, tags and all, repeats from node to
node and deflates well), and the coordinates ride as a list of integers, each the change
in tenths of a point from the coordinate two before (an x from the x before, a y from the
y before: neighbouring points are close). ``unpack_svg`` here and ``chainrule_svg`` in
``backprop.js`` put them back, exactly: a coordinate is taken out only if it is written as
its number of tenths writes it, and a picture holding the mark itself travels as it is.

>>> svg = '<svg><polygon points="10,-20 10.5,-20.5"/><text x="3" y="-4">data 0.25</text></svg>'
>>> packed = pack_svg(svg)
>>> packed["numbers"]
[100, -200, 5, -5, -75, 165]
>>> unpack_svg(packed) == svg
True
"""

from __future__ import annotations

import re

MARK = "\ue002"  # where a coordinate was; the page's captions use \ue000 and \ue001
# The attributes of graphviz's SVG that hold coordinates (backprop.trim_svg rounds them to
# tenths of a point; pack_svg takes them out).
GEOMETRY = re.compile(r' (points|d|x|y|cx|cy|rx|ry)="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _tenths_text(tenths: int) -> str:
    # As trim_svg and graphviz write a coordinate: no ".0"; what backprop.js's chainrule_svg writes.
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def pack_svg(svg: str) -> dict | str:
    """``svg`` as ``{"skeleton": text, "numbers": [...]}`` (see the module docstring), or
    ``svg`` itself if it holds ``MARK``."""
    if MARK in svg:
        return svg
    numbers: list[int] = []
    last = [0, 0]

    def one(m: re.Match) -> str:
        text = m.group(0)
        tenths = round(float(text) * 10)
        if _tenths_text(tenths) != text:
            return text  # written otherwise (more decimals, "-0"): stays in the text
        slot = len(numbers) % 2
        numbers.append(tenths - last[slot])
        last[slot] = tenths
        return MARK

    skeleton = GEOMETRY.sub(lambda m: f' {m.group(1)}="{_NUMBER.sub(one, m.group(2))}"', svg)
    return {"skeleton": skeleton, "numbers": numbers}


def unpack_svg(packed: dict | str) -> str:
    """The SVG ``pack_svg`` packed."""
    if isinstance(packed, str):
        return packed
    numbers = iter(packed["numbers"])
    last = [0, 0]
    k = 0

    def one(_: re.Match) -> str:
        nonlocal k
        last[k % 2] += next(numbers)
        k += 1
        return _tenths_text(last[(k - 1) % 2])

    return re.sub(MARK, one, packed["skeleton"])


__all__ = ["pack_svg", "unpack_svg", "MARK", "GEOMETRY"]
