"""What a check found, for a terminal (``str``) and for Jupyter (``_repr_html_``)."""

from __future__ import annotations

import html as _html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..views.text import number
from .format import Exercise

EXIT = {"right": 0, "wrong": 1, "unusable": 2}


@dataclass
class Result:
    """The verdict on one solution file.

    ``status`` is ``"right"``, ``"wrong"`` or ``"unusable"`` (the file could not be checked:
    it does not run, lacks a name, or went over a limit); ``exit_code`` is 0, 1 or 2 to
    match. A wrong answer names the first node that differs (``node``; ``what`` is
    ``"data"``, ``"grad"``, ``"number"``, ``"missing"`` or ``"raised"``), with the
    ``expected`` and ``given`` numbers, the reference graph as a ``tree`` with that node
    marked, and the ``explanation`` of the right number (``explain``'s paths). In Jupyter
    it shows the reference graph's picture with the node outlined; ``page()`` is the
    step-through page of it.
    """

    exercise: Exercise
    file: str
    status: str
    message: str
    notice: str = ""
    case: str = ""
    case_index: int = 0
    node: str = ""
    what: str = ""
    expected: float | None = None
    given: float | None = None
    row: int | None = None
    tree: str = ""
    explanation: str = ""
    output: str = field(default="", repr=False)

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __str__(self) -> str:
        name = self.exercise.name
        if self.status == "right":
            return f"✔ {name}: right.\n\nNotice next: {self.notice}" if self.notice else f"✔ {name}: right."
        if self.status == "unusable":
            return f"✘ {name}: {self.file} could not be checked: {self.message}" + self._output()
        parts = [f"✘ {name}: not yet. First difference {self.message}."]
        if self.tree:
            parts.append("The reference graph, where yours first differs:\n" + self.tree)
        if self.explanation:
            parts.append(("Why the right number is what it is:\n" if self.what == "grad" else "") + self.explanation)
        return "\n\n".join(parts) + self._output()

    def _output(self) -> str:
        return f"\n\nYour file printed (the end of it):\n{self.output}" if self.output.strip() else ""

    __repr__ = __str__

    def _case_root(self):
        if self.row is None:
            return None, None
        root = self.exercise.reference_cases()[self.case_index].root
        if root is None:
            return None, None
        from ..graph import topological_order

        return root, topological_order(root)[self.row]

    def page(self, path: str | os.PathLike | None = None):
        """The step-through page of the reference graph (``autograd.html``); with ``path``,
        also saved there. ``page_link`` gives the address that opens it on the node."""
        from ..views.backprop import html

        root, _ = self._case_root()
        if root is None:
            raise ValueError(f"{self.exercise.name}: this result has no graph to show")
        return html(root, path, title=f"{self.exercise.name}: the reference, where yours first differs")

    def page_link(self, path: str | os.PathLike) -> str:
        """Save the page at ``path`` and return its address opened at the node
        (``file:///.../page.html#step=end&node=n7``)."""
        from urllib.parse import quote

        from ..views.draw import picture

        root, node = self._case_root()
        self.page(path)
        rid = picture(root).records.get(node, "") if root is not None else ""
        return Path(path).resolve().as_uri() + f"#step=end&node={quote(rid)}"

    def svg(self) -> str:
        """The reference graph as SVG with the first differing node outlined in red, or ""."""
        from ..views.draw import GraphTooLargeError, layout, picture

        root, node = self._case_root()
        if root is None:
            return ""
        try:
            pic = picture(root, edge_labels=True)
        except GraphTooLargeError:
            return ""
        rid = pic.records.get(node)
        source = pic.graph.source.rstrip().rstrip("}")
        if rid:  # ids and numbers are ours ("n7", "1.5"), never user text
            yours = f"yours: {number(self.given)}" if self.given is not None else "not in yours"
            source += (f'\t{rid} [color="#d62728" penwidth=3]\n'
                       f'\tyours [shape=note color="#d62728" fontcolor="#d62728" label="{yours}"]\n'
                       f'\tyours -> {rid} [color="#d62728" style=dashed arrowhead=none]\n')
        svg = layout(source + "}\n", "svg", "exercises").decode("utf-8")
        # Scaled to the output's width (graphviz gives a viewBox), so the outlined node is in view.
        return '<svg style="max-width:100%;height:auto"' + svg[svg.index("<svg") + 4:]

    def _repr_html_(self) -> str:
        e = _html.escape
        colour = {"right": "#2ca02c", "wrong": "#d62728", "unusable": "#ff7f0e"}[self.status]
        head, _, rest = str(self).partition("\n")
        parts = [f'<div style="font-family:sans-serif"><p style="color:{colour};font-weight:bold">{e(head)}</p>']
        if self.status == "wrong":
            try:
                picture = self.svg()
            except Exception as error:  # no dot: the text still says everything
                picture = f"<p>(no picture: {e(str(error).splitlines()[0])})</p>"
            if picture:
                parts.append(f'<div style="max-width:100%;overflow:auto">{_strip_script(picture)}</div>')
                parts.append(f"<p>The node in red is {e(self.node)}: the first place yours differs.</p>")
        if rest.strip():
            parts.append(f'<pre style="white-space:pre-wrap">{e(rest.strip())}</pre>')
        parts.append("</div>")
        return "".join(parts)


def _strip_script(svg: str) -> str:
    # graphviz writes no scripts; a belt-and-braces guard for SVG embedded in a notebook.
    return re.sub(r"<script.*?</script>", "", svg, flags=re.S | re.I)


__all__ = ["Result", "EXIT"]
