"""One self-contained HTML page that steps through something: ``Page`` and its shell.

A ``Page`` is a complete HTML document in one string: its script, its style, its pictures
and its data are all inline, so it opens from ``file://``, from a static web site, or
inside a Jupyter output cell, and it makes no request to any network or other file (its
Content-Security-Policy forbids them). ``str(page)`` is the HTML, ``page.save(path)``
writes it, and a notebook cell ending in ``page`` shows it.

Every chainrule page is built on one shell (``shell``): a title, a caption line, the
page's own body, an optional side panel, and a step player: a slider, first / previous /
play-pause (with a speed) / next / last buttons, the keys ← → space Home End, and the
URL hash ``#step=N`` or ``#step=end`` to open a step (other hash keys, such as
``#node=x1``, are passed to the page's script). The page supplies its per-step data as
JSON and a script that calls ``chainrule.player({count, render})``; ``render(k, from)``
draws step ``k``. ``chainrule.data`` is the parsed JSON.

>>> page = Page(shell("demo", "<p id='out'></p>", {"steps": ["a", "b"]},
...     "chainrule.player({count: chainrule.data.steps.length, render: function (k) {"
...     " chainrule.el('out').textContent = chainrule.data.steps[k]; }});"), "demo")
>>> str(page).startswith("<!doctype html>"), "srcdoc" in page._repr_html_()
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import os
import re
import warnings
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..files import write_atomic

# Nothing may be fetched: no network, no other file; images only as data: URLs. Scripts
# run only if their sha256 is listed (``policy``): the page's own two scripts (and, in a
# packed page, the loader that inflates them and runs them as inline scripts). So no
# inline event handler (``onclick="..."``) and no ``javascript:`` URL can run, whatever
# text reached the page. Inline style stays allowed: the scripts set styles.
POLICY = "default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data:"


def script_hash(source: str) -> str:
    """The CSP source that lets exactly this inline script run.

    >>> script_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy(*scripts: str) -> str:
    """The page's Content-Security-Policy, allowing exactly these inline scripts."""
    return POLICY.format(scripts=" ".join(script_hash(s) for s in scripts))


def __getattr__(name: str) -> str:
    # ``CSP`` was the pages' policy with 'unsafe-inline'; kept for pages of one's own.
    if name == "CSP":
        warnings.warn("autograd.views.page.CSP allows any inline script; use policy(*scripts), "
                      "which allows exactly the page's own", DeprecationWarning, stacklevel=2)
        return POLICY.format(scripts="'unsafe-inline'")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def asset(name: str) -> str:
    """The text of one of the shell's asset files (``page.js``, ``page.css``)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def compact(text: str) -> str:
    r"""Script or style text without its comment lines and indentation, as a page carries it:
    only whole lines that are comments go (``// ...``, ``/* ... */``), so no string or
    expression is touched (the pages' scripts have no string spanning lines).

    >>> compact("  // why\n  var a = 1;  // kept\n/* a\n   rule */\n  b { c: d }")
    'var a = 1;  // kept\nb { c: d }'
    """
    out = []
    in_comment = False
    for line in text.splitlines():
        s = line.strip()
        if in_comment:
            in_comment = "*/" not in s
            continue
        if not s or s.startswith("//"):
            continue
        if s.startswith("/*"):
            in_comment = "*/" not in s
            continue
        out.append(s)
    return "\n".join(out)


# A `/` after one of these (or after a word that is not one of _BEFORE_REGEX) divides;
# anywhere else it starts a regular expression literal.
_ENDS_VALUE = set(")]") | set("0123456789")
_BEFORE_REGEX = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
                 "else", "yield", "await"}


def _word(c: str) -> bool:
    return c.isalnum() or c in "_$" or ord(c) > 127


def _divides(last: str) -> bool:
    """Whether a ``/`` after the token ``last`` divides (else it starts a regular expression):
    after a value (a name, a number, a string, ``)``, ``]``, a regular expression)."""
    end = last[-1:]
    if not end:
        return False
    if last == "/re/" or end in _ENDS_VALUE or end in "_$'\"`":
        return True
    return _word(end) and last not in _BEFORE_REGEX


# The same few scripts are minified for every page (about 40 ms for a step page's three):
# kept by their text.
@lru_cache(maxsize=16)
def minify_js(text: str) -> str:
    r"""Script text without its comments and the spaces no token needs, as a page carries
    it: strings and regular expression literals are copied as they are, and a line break
    stays a line break (so automatic semicolon insertion reads the same statements). Text
    it cannot read for certain (a template literal with ``${``, or an unclosed string,
    comment or regular expression) is only ``compact``-ed.

    >>> minify_js("var a = b / 2;  // half\n/* note */ if (a) { s = 'x  // y'; r = /\\/ +/g; }")
    "var a=b/2;\nif(a){s='x  // y';r=/\\/ +/g;}"
    >>> minify_js("a = b + +c; d = e - -f; g = 1 .toString()")
    'a=b+ +c;d=e- -f;g=1 .toString()'
    """
    out: list[str] = []
    gap = ""  # the whitespace (and comments) since the last token: "", " " or "\n"
    last = ""  # the last token written
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            if c == "\n":
                gap = "\n"
            elif not gap:
                gap = " "
            i += 1
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return compact(text)
            if "\n" in text[i:end]:
                gap = "\n"
            elif not gap:
                gap = " "
            i = end + 2
            continue
        start = i
        if c in "'\"`" or (c == "/" and not _divides(last)):
            i += 1
            in_class = False
            while i < n:
                d = text[i]
                if d == "\\":
                    i += 2
                    continue
                if d == "\n" and c != "`":
                    return compact(text)
                if c == "`" and text.startswith("${", i):
                    return compact(text)
                if c == "/" and d == "[":
                    in_class = True
                elif c == "/" and d == "]":
                    in_class = False
                elif d == c and not in_class:
                    break
                i += 1
            else:
                return compact(text)
            i += 1
            if c == "/":
                while i < n and _word(text[i]):
                    i += 1  # the flags
            token = text[start:i]
        elif _word(c):
            while i < n and (_word(text[i]) or (text[i] == "." and text[start].isdigit())):
                i += 1
            token = text[start:i]
        else:
            i += 1
            token = c
        if gap and out:
            a, b = out[-1][-1], token[0]
            if gap == "\n":
                out.append("\n")
            elif (_word(a) and _word(b)) or (a in "+-" and b in "+-") or (a == "/" and b in "/*") \
                    or (a.isdigit() and b == ".") or (a == "." and b.isdigit()):
                out.append(" ")
        out.append(token)
        last = "/re/" if c == "/" and token != "/" else token
        gap = ""
    return "".join(out)


def json_for_script(data: object) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as escapes, so no text in the data (a label such as
    ``</script>``) can end the script element early.

    >>> json_for_script({"label": "</script>"})
    '{"label": "\\\\u003c/script\\\\u003e"}'
    """
    return _script_safe(json.dumps(data, ensure_ascii=False, allow_nan=False))


def pack_json(value: object) -> str:
    """``value`` as one string, ``size:base64``: the raw DEFLATE (RFC 1951) of its JSON in
    base64, after the JSON's size in bytes; what ``unpack.js``'s ``chainrule_unpack``
    reads back in the browser (and ``unpack_json`` here).

    >>> unpack_json(pack_json(["a", "é"]))
    ['a', 'é']
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    text = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return f"{len(text)}:{base64.b64encode(deflate.compress(text) + deflate.flush()).decode('ascii')}"


def unpack_json(text: str) -> Any:
    """What ``pack_json`` packed."""
    return json.loads(zlib.decompress(base64.b64decode(text.partition(":")[2]), -15).decode("utf-8"))


_PACKED = re.compile(r'<script type="application/octet-stream" id="chainrule-packed">([^<]*)</script>')
_FIRST = re.compile(r'<script type="application/octet-stream" id="chainrule-first">([^<]*)</script>\n')


def unpacked(page: str) -> str:
    """A packed page's HTML as the browser holds it once its loader has run: the body in
    ``<main>``, the data in its element and the scripts inline (a page not packed is
    returned as it is). For reading a page's text: its scripts' hashes are the packed ones.

    >>> page = shell("t", "<p>hi</p>", {"a": 1}, "var x = 1;", pack=True)
    >>> "<p>hi</p>" in page, "<p>hi</p>" in unpacked(page), "<script>\\nvar x=1;\\n</script>" in unpacked(page)
    (False, True, True)
    """
    match = _PACKED.search(page)
    if not match:
        return page
    data, body, *scripts = unpack_json(match.group(1))
    page = page[:match.start()] + "".join(f"<script>{s}</script>" for s in scripts) + page[match.end():]
    first = _FIRST.search(page)
    if first:  # a first frame packed apart: its body, then what came with the scripts
        body = unpack_json(first.group(1)) + (f"\n{body}" if body else "")
        page = page[:first.start()] + page[first.end():]
    page = page.replace('<main id="main"></main>', f'<main id="main">\n{body}\n</main>', 1)
    return page.replace('id="chainrule-data"></script>', f'id="chainrule-data">{_script_safe(data)}</script>', 1)


# Rules no first frame needs: states a script sets (focus, lit edges, dragging), what only a
# hand or a click brings (hover, keyboard focus, the side panel) and the picture's controls
# and legend, which come with the scripts. A page with a first frame carries them with its
# scripts, so that frame's style is parsed and matched against the picture without them.
_LATER = re.compile(r":hover|:focus-visible|#panel|#view-controls|#folds|#key|\.swatch|\.num\b|\.dragging"
                    r"|:not\(\.ready\)|\.prefit ~|#graph g\.|#graph text\.|@keyframes|prefers-reduced-motion")


def first_style(css: str) -> tuple[str, str]:
    r"""``compact``'d CSS split into what a first frame needs and what waits for the scripts
    (``_LATER``), each in its order: a rule waits when every one of its selectors does.

    >>> first_style("a { b: c; }\n#panel h2,\n#panel p { d: e; }\na:hover, b { f: g; }")
    ('a { b: c; }\na:hover, b { f: g; }', '#panel h2,\n#panel p { d: e; }')
    """
    first: list[str] = []
    later: list[str] = []
    rule: list[str] = []
    depth = 0
    for line in css.splitlines():
        rule.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0:
            text = "\n".join(rule)
            heads = re.sub(r"\{[^{}]*\}", "", re.sub(r"/\*.*?\*/", "", text))  # selectors, @-rules' preludes
            waits = all(_LATER.search(h) for h in heads.split(",") if h.strip())
            (later if waits else first).append(text)
            rule = []
    return "\n".join(first + rule), "\n".join(later)


def _packed_text(text: str) -> str:
    if not re.fullmatch(r"\d*:[A-Za-z0-9+/=]*", text):
        raise ValueError("shell: a packed text is pack_json's output (size:base64)")
    return text


def _script_safe(text: str) -> str:
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def shell(title: str, body: str, data: object, script: str, *, style: str = "",
          subtitle: str = "", panel: bool = False, pack: bool = False, packed: dict[str, str] | None = None,
          first: dict | None = None) -> str:
    """A complete page: the shared controls and caption around ``body``.

    - ``body``: the page's own HTML (a picture, panels), placed in ``<main id="main">``.
    - ``data``: anything JSON can hold (no NaN: write numbers as text); the script reads
      it as ``chainrule.data``.
    - ``script``: the page's JavaScript, run after the shell's; it calls
      ``chainrule.player({count, render, names})`` once.
    - ``style``: extra CSS. ``panel``: include an empty side panel ``<aside id="panel">``.

    Elements the script may fill: ``#caption`` (a line under the controls), ``#main``,
    ``#panel``. Titles and subtitles are plain text (escaped here).

    ``pack``: the data, the style, the body and the scripts travel as one compressed string
    (``pack_json``) that a small inline loader (``unpack.js``) inflates and puts in place as
    the page is parsed, before its first paint; the policy lists the loader's hash and the scripts'
    own, so nothing else can run. A page of a big graph is several times smaller so.
    ``packed``: more ``pack_json`` texts by element id, each in an element of its own that
    the page's script inflates (``chainrule_unpack``) when it needs it, not as it opens.

    ``first`` (with ``pack``): the page's first frame is in its HTML, ``{"caption": text,
    "twins": [texts the caption is sized for], "label": the step label, "count": steps,
    "later": markup the scripts need that the frame does not show (optional)}`` and ``body``
    as step 0 shows it. That body and the style it needs (``first_style``) are packed apart
    from the data, the scripts, the rest of the style and ``later``: the loader puts the first
    in place as the page is read, and the rest once that frame is made (at once if the
    address names a step or a node, or when a script asks for ``window.chainrule`` sooner).
    """
    # The text between <script> and </script>, exactly as the browser hashes it (its parser
    # turns CR LF and CR into LF first).
    own = f"\n{minify_js(asset('page.js'))}\n"
    theirs = "\n" + minify_js(script.replace("\r\n", "\n").replace("\r", "\n")) + "\n"
    later = "".join(f'<script type="application/octet-stream" id="{_html.escape(key)}">{_packed_text(text)}</script>\n'
                    for key, text in (packed or {}).items())
    sheet = f"{compact(asset('page.css'))}\n{compact(style)}"  # the shared style, then the page's
    css = f"<style>\n{sheet}\n</style>"
    if pack:
        # The style rides packed too, in the body (a <style> applies wherever it is): the
        # loader puts it in place before anything is laid out or painted.
        loader = f"\n{minify_js(asset('unpack.js'))}\n"
        packed_body = f"{css}\n{body}"
        frame = ""
        if first:  # the first frame (the caption's twins, its style, the body) packed apart
            first_css, later_css = first_style(sheet)
            frame = pack_json('<div id="chainrule-twins" hidden>' + "".join(
                f'<div class="twin" aria-hidden="true">{_html.escape(t)}</div>' for t in first["twins"])
                + f"</div>\n<style>\n{first_css}\n</style>\n{body}")
            frame = f'<script type="application/octet-stream" id="chainrule-first">{frame}</script>\n'
            packed_body = f"<style>\n{later_css}\n</style>\n{first.get('later', '')}"
        scripts = (f'{frame}<script type="application/octet-stream" id="chainrule-packed">'
                   f'{pack_json([json.dumps(data, ensure_ascii=False, allow_nan=False), packed_body, own, theirs])}'
                   f'</script>\n<script>{loader}</script>')
        allowed = policy(loader, own, theirs)
        body, data_text, css = "", "", ""
    else:
        scripts = f"<script>{own}</script>\n<script>{theirs}</script>"
        allowed = policy(own, theirs)
        data_text = json_for_script(data)
        body = f"\n{body}\n"
    side = '<aside id="panel" hidden aria-live="polite"></aside>' if panel else ""
    caption, label, count = "", "", 1
    if first:  # the caption over hidden twins of the tallest: the style sizes it (page.css)
        caption = f' class="twins"><div>{_html.escape(first["caption"])}</div>'
        label, count = _html.escape(first["label"]), first["count"]
    sub = f"<p>{_html.escape(subtitle)}</p>" if subtitle else ""
    speeds = "".join(f'<option value="{s}"{" selected" if s == "2" else ""}>{s}×</option>'
                     for s in ("0.5", "1", "2", "4", "8", "16"))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{allowed}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chainrule">
<title>{_html.escape(title)}</title>
{css}
</head>
<body>
<header><h1>{_html.escape(title)}</h1>{sub}</header>
<nav id="controls" aria-label="steps">
<button id="first" type="button" title="first step (Home)" aria-label="first step">|◀</button>
<button id="prev" type="button" title="previous step (←)" aria-label="previous step">◀</button>
<button id="play" type="button" title="play (space)" aria-label="play">play</button>
<button id="next" type="button" title="next step (→)" aria-label="next step">▶</button>
<button id="last" type="button" title="last step (End)" aria-label="last step">▶|</button>
<input id="step-slider" type="range" min="0" max="{max(0, count - 1)}" value="0" aria-label="step">
<label for="speed">speed</label> <select id="speed" title="steps per second">{speeds}</select>
<span id="step-label" aria-live="polite">{label}</span>
</nav>
<div id="caption" aria-live="polite"{caption or ">"}</div>
<div id="layout"><main id="main">{body}</main>{side}</div>
<script type="application/json" id="chainrule-data">{data_text}</script>
{later}{scripts}
</body>
</html>
"""


class Page:
    """A self-contained HTML page: ``str(page)`` is the HTML, ``page.save(path)`` writes it.

    In Jupyter a cell ending in ``page`` shows it in an ``<iframe srcdoc>``, so several
    pages in one notebook keep their ids and scripts apart.

    >>> p = Page("<!doctype html><title>t</title><p>hi</p>", title="t")
    >>> p
    Page('t', 40 characters)
    >>> p.save("page.html")  # doctest: +SKIP
    PosixPath('page.html')
    """

    def __init__(self, html: str, title: str, *, height: int = 720) -> None:
        if not isinstance(html, str):
            raise TypeError(f"Page: html must be a str, got {type(html).__name__}")
        self.html = html
        self.title = str(title)
        self.height = int(height)  # of the frame in a notebook, in CSS pixels

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Page({self.title!r}, {len(self.html):,} characters)"

    def __len__(self) -> int:
        return len(self.html)

    def _repr_html_(self) -> str:
        # srcdoc holds the whole page as an attribute value: escaping quotes and & is
        # all it needs. No sandbox attribute: the page's own CSP already forbids requests.
        # The frame fills the cell's width; its holder can be dragged taller or shorter
        # (resize: vertical), and the page inside refits its picture to the new size.
        return (f'<div style="resize: vertical; overflow: hidden; height: {self.height}px; min-height: 240px; '
                'width: 100%; border: 1px solid #d0d4d9; border-radius: 4px">'
                f'<iframe srcdoc="{_html.escape(self.html, quote=True)}" title="{_html.escape(self.title)}" '
                'style="display: block; width: 100%; height: 100%; border: 0" loading="eager"></iframe></div>')

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path.

        Written by ``autograd.files.write_atomic``: a crash never leaves half a page, and a
        file replaced keeps its permissions.
        """
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"Page.save: {str(path)!r} should end in .html (a browser opens it by its name)")
        write_atomic(path, self.html)
        return path


__all__ = ["Page", "shell", "json_for_script", "compact", "first_style", "POLICY", "policy", "script_hash",
           "pack_json", "unpack_json", "unpacked"]
