"""The backprop page's first frame, written when the page is made (``backprop.html``).

A page of backward opens at step 0: the forward pass done, every gradient 0. Written into
the page's HTML (the picture's gradient texts, the caption, the step label) and fitted by
its style, that frame needs no script to be painted: the page's scripts run once it is
(``page.shell(first=...)``), and find it as they would have drawn it.

The caption is as tall as the tallest of the view's captions at the window's width, the
way ``backprop.js``'s ``fitCaption`` measures it; in the first frame the style does the
measuring, from hidden twins of the captions likely tallest (``caption_twins``).

>>> caption_twins([{"caption": "a"}, {"template": "b = \\ue000D1.0\\ue001\\nc"}], 2)
['b = −888e−88\\nc', 'a']
"""

from __future__ import annotations

import html as _html
import re

_NUMBER = re.compile("\ue000[^\ue001]*\ue001")  # a number of a template, as backprop.py writes it
_DIGIT = re.compile(r"\d")  # captions alike but for their digits are as tall (tabular digits)
# Characters a caption line holds at a generous glyph width (half of the caption's 15 px):
# in a window 1024 px wide, 1920 px wide and a narrow one.
_PER_LINE = {136: 6, 256: 3, 64: 3}  # characters a line -> how many of the tallest there


def _text(step: dict, digits: int) -> str:
    # A caption still a template is measured with each number as wide as one can be written
    # (as fitCaption does): an edit cannot make it taller.
    if "caption" in step:
        return step["caption"]
    return _NUMBER.sub("\u2212" + "8" * (digits + 1) + "e\u221288", step["template"])


def caption_twins(steps: list[dict], digits: int) -> list[str]:
    """The captions (as the page's step data holds them) likely tallest at common widths,
    tallest first: the first frame's caption is sized for them. Of captions that differ only
    in their digits (``mlp[0]``'s call and ``mlp[1]``'s), one: the caption's digits are all
    as wide (tabular), so the others would be laid out again for the same height.

    >>> caption_twins([{"caption": "x1 = 2"}, {"caption": "x2 = 3"}], 2)
    ['x1 = 2']
    """
    texts = [_text(s, digits) for s in steps]
    picked: dict[int, None] = {}
    for per_line, how_many in _PER_LINE.items():
        rows = [sum(-(-(len(line) + 1) // per_line) for line in t.split("\n")) + len(t) / 1e6 for t in texts]
        for k in sorted(range(len(texts)), key=lambda k: -rows[k])[:how_many]:
            picked[k] = None
    shapes: dict[str, str] = {}
    for k in picked:
        shapes.setdefault(_DIGIT.sub("0", texts[k]), texts[k])
    return list(shapes.values())


_NODE = re.compile(r'(<title>(n\d+)</title>\n)(.*?)(</g>)', re.S)
_FIELD = re.compile(r">(grad|data) [^<]*</text>")


def first_svg(svg: str, start: dict[str, str], start_data: dict[str, str]) -> str:
    """graphviz's picture (each record printing its final gradient) as step 0 shows it:
    each record's gradient and data texts set to the view's ``start`` and ``startData``.

    >>> first_svg('<g class="node"><title>n1</title>\\n<text>data 2</text><text>grad -1.5</text></g>',
    ...           {"n1": "0"}, {"n1": "2"})
    '<g class="node"><title>n1</title>\\n<text>data 2</text><text>grad 0</text></g>'
    """
    def node(m: re.Match) -> str:
        rid = m.group(2)
        if rid not in start:
            return m.group(0)
        texts = {"grad": start[rid], "data": start_data.get(rid)}

        def field(f: re.Match) -> str:
            value = texts[f.group(1)]
            return f.group(0) if value is None else f">{f.group(1)} {_html.escape(value, quote=False)}</text>"

        return m.group(1) + _FIELD.sub(field, m.group(3)) + m.group(4)

    return _NODE.sub(node, svg)


__all__ = ["caption_twins", "first_svg"]
