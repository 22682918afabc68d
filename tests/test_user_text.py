"""User text stays text: labels, scope names, op names, titles and data never become
markup or code in DOT, SVG, HTML or notebook output (issue #22, class 1).

Random strings, seeded with the fragments that break quoting (``<...>`` that graphviz reads
as an HTML-like label, ``URL=<javascript:...>``, ``id=<chainrule-data>``, ``</script>``,
backslashes, record punctuation, bidi controls), go through every text route; the DOT
must lay out, the SVG must hold only graphviz's own elements and attributes, and a page
opened in Chromium must run, keep its data and run nothing the text asked for.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import autograd
import nn
from autograd import Value, draw, scope
from autograd.ops import OPS, defop
from autograd.value import apply
from autograd.views.page import pack_json, script_hash, unpack_json

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")

DANGER = [
    "<", ">", "<a>", "<b>a</b>c<i>", "</script>", "<script>window.pwned=1</script>",
    "<a> URL=<javascript:void(window.pwned=1)> tooltip=<b>", "id=<chainrule-data>",
    "<img src=x onerror=window.pwned=1>", '"', "'", "&", "&amp;", "&#60;", "\\", "\\N", "\\G",
    "\\l", "\\\"", "{", "}", "|", "\n", "\r", "\t", "\u202e", "\u2028", "\x00", "\x1b", "\x7f",
    "]]>", "<!--", "-->", "{{x}}", "${x}", " ", "node", "edge", "subgraph", "graph", "--", "->",
    ";", "=", "[", "]", "<<", ">>", "\ufeff", "\U0001F600",
]
_PIECES = st.lists(st.one_of(st.sampled_from(DANGER), st.text(max_size=4)), max_size=6).map("".join)
# Half the time shaped like graphviz's HTML-like labels, <...>, which it writes unquoted.
TEXT = st.one_of(_PIECES, _PIECES.map(lambda s: f"<{s}>"))

SVG = "{http://www.w3.org/2000/svg}"
# What graphviz's SVG is made of; anything else (a link, a script, foreignObject) came from text.
ELEMENTS = {"svg", "g", "title", "text", "polygon", "polyline", "path", "ellipse"}
ATTRIBUTES = {"width", "height", "viewBox", "id", "class", "transform", "fill", "stroke", "points",
              "d", "cx", "cy", "rx", "ry", "x", "y", "text-anchor", "font-family", "font-size",
              "font-weight", "stroke-dasharray", "stroke-width", "xmlns", "xmlns:xlink",
              "space", "style", "version", "preserveAspectRatio", "stroke-opacity", "fill-opacity"}
# graphviz-pure (PyPI's port of dot, used without dot) is checked the same way where installed.
PURE = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
LAYOUTS = [["dot", "-Tsvg"]] + ([[PURE, "-Tsvg"]] if Path(PURE).is_file() else [])


def _graph(label: str, scope_name: str, op_symbol: str) -> Value:
    name = "user_op_text_test"
    OPS.pop(name, None)
    rule = defop(name, op_symbol, lambda a: 2.0 * a, lambda out, a: (2.0,))
    try:
        x = Value(1.5, label=label)
        with scope(scope_name):
            with scope(scope_name + "2"):
                y = apply(rule, x * 2.0)
        z = y.tanh()
        z.label = label
        return z
    finally:
        del OPS[name]


def svg_is_only_graphviz(svg: str) -> None:
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.replace(SVG, "")
        assert tag in ELEMENTS, f"unexpected element <{tag}> in the SVG"
        for attribute in element.attrib:
            name = attribute.split("}")[-1]
            assert name in ATTRIBUTES, f"unexpected attribute {name}= on <{tag}>"


@needs_dot
@settings(max_examples=60)
@given(label=TEXT, scope_name=TEXT, op_symbol=TEXT)
def test_any_text_is_laid_out_by_dot_as_text(label, scope_name, op_symbol):
    y = _graph(label, scope_name, op_symbol)
    y.backward()
    for options in ({}, {"collapse": 1}, {"collapse": 2, "edge_labels": True}, {"rankdir": "TB"}):
        source = draw(y, **options).source
        for program in LAYOUTS:
            done = subprocess.run(program, input=source.encode("utf-8"), capture_output=True)
            assert done.returncode == 0, (program[0], done.stderr.decode(errors="replace"))
            svg_is_only_graphviz(done.stdout.decode("utf-8"))


def test_a_scope_shaped_like_an_html_label_is_quoted():
    # The example of the issue: unquoted, graphviz read attributes and a javascript: URL.
    name = "<a> URL=<javascript:void(document.title='PWNED')> tooltip=<b>"
    with scope(name):
        y = Value(1.0, label="x") * 2
    source = draw(y).source
    line = next(line for line in source.splitlines() if "URL" in line)
    assert 'label="<a> URL=<javascript:' in line


@needs_dot
@settings(max_examples=12)
@given(label=TEXT, scope_name=TEXT, op_symbol=TEXT, title=TEXT)
def test_pages_keep_every_text_inert_in_chromium(browser, tmp_path_factory, label, scope_name, op_symbol, title):
    y = _graph(label, scope_name, op_symbol)
    folder = tmp_path_factory.mktemp("page")
    page = autograd.html(y, title=title)
    page.save(folder / "page.html")
    notebook = folder / "notebook.html"
    notebook.write_text("<!doctype html><meta charset='utf-8'><body>" + page._repr_html_() + "</body>",
                        encoding="utf-8")
    tab = browser.open(folder / "page.html", "step=end")
    try:
        # The page's own data and player are intact, and nothing the text asked for ran.
        assert tab.js("chainrule.steps") == len(page.steps)
        assert tab.js("window.chainruleBackprop.player.current()") == len(page.steps) - 1
        assert tab.js("window.pwned === undefined && document.title.indexOf('PWNED') < 0")
        assert tab.js("document.querySelectorAll('#graph a, #graph script, #graph foreignObject').length") == 0
        assert tab.js("document.querySelectorAll('[id=chainrule-data]').length") == 1
        # Clicking every node runs no link and keeps the page working.
        for node in tab.page.query_selector_all("#graph g.node, #graph g.cluster")[:6]:
            node.click(force=True)
        assert tab.js("window.pwned === undefined")
        tab.check()
    finally:
        tab.page.close()
    tab = browser.open(notebook)
    try:
        frame = next(f for f in tab.page.frames if f != tab.page.main_frame)
        frame.wait_for_function("() => window.chainruleBackprop !== undefined")
        assert frame.evaluate("window.pwned === undefined")
        tab.check()
    finally:
        tab.page.close()
    # nn's replay page: the same shell, a title from the user.
    model = nn.MLP(2, [2, 1], seed=0)
    recorder = nn.Recorder(model)
    recorder.record(0.5)
    recorder.html(folder / "replay.html", title=title)
    tab = browser.open(folder / "replay.html")
    try:
        shown = title.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")  # as HTML parses (NUL is dropped)
        assert tab.js("document.querySelector('h1').textContent") == shown
        assert tab.js("window.pwned === undefined && document.querySelectorAll('script').length") == 3
        tab.check()
    finally:
        tab.page.close()


def test_the_page_policy_runs_only_its_own_scripts():
    page = str(autograd.html(Value(2.0, label="x") * 3))
    policy = page.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    # The loader inline, and the two scripts it unpacks: exactly those texts, by hash.
    loader = page.split("<script>")[1].split("</script>")[0]
    data, body, *scripts = unpack_json(page.split('id="chainrule-packed">')[1].split("<")[0])
    assert sorted(policy.split("script-src ")[1].split(";")[0].split()) == sorted(
        script_hash(s) for s in [loader, *scripts])
    assert len(scripts) == 2 and policy.count("'sha256-") == 3


@needs_dot
def test_an_inline_handler_in_the_page_is_blocked_by_its_policy(browser, tmp_path):
    # Were any markup to slip through, the policy is the second wall: prove it holds.
    page = str(autograd.html(Value(2.0, label="x") * 3))
    # Slipped into the packed body (the loader parses it into the page) and into the page itself.
    packed = page.split('id="chainrule-first">')[1].split("<")[0]
    body = unpack_json(packed).replace('<svg', '<img id="evil" src="data:," '
                                       'onerror="window.pwned=1"><a id="link" href="javascript:window.pwned=2">x</a>'
                                       '<script>window.pwned=3</script><svg', 1)
    evil = page.replace(packed, pack_json(body)).replace(
        '<main id="main">', '<main id="main"><img src="data:," onerror="window.pwned=4">'
        '<script>window.pwned=5</script>')
    path = tmp_path / "evil.html"
    path.write_text(evil, encoding="utf-8")
    tab = browser.open(path)
    try:
        tab.page.click("#link")
        assert tab.js("window.pwned === undefined")
        assert tab.js("window.chainruleBackprop !== undefined")  # the page's own scripts ran
        assert any("Content Security Policy" in e for e in tab.errors)
    finally:
        tab.page.close()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.tags.update(f"{tag}@{name}" for name, _ in attrs)


@given(text=TEXT)
def test_summary_notebook_html_holds_no_tag_from_text(text):
    with scope(text):
        y = Value(1.0, label=text) * 2
    parser = _Tags()
    parser.feed(autograd.summary(y)._repr_html_())
    assert parser.tags <= {"div", "p", "br", "table", "tr", "td", "th", "table@style", "td@style",
                           "td@align", "td@colspan"}, parser.tags
