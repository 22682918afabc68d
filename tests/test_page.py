"""The step-through page (``autograd.html``) and the page shell: built in Python, then opened
in a real headless Chromium and stepped through by its controls, keys and URL hash."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import random
import shutil
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

import autograd
from autograd import Value, explain, scope
from autograd.views.draw import picture
from autograd.views.page import Page, json_for_script, pack_json, shell, unpacked
from autograd.views.text import number

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")


# -- graphs ------------------------------------------------------------------------------


def readme_neuron():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    o = (x * w + b).tanh()
    o.label = "o"
    return o


def diamond():
    """Two paths from y down to a: a.grad is a sum where they meet."""
    a = Value(1.5, label="a")
    b = a * 2.0
    b.label = "b"
    c = a.exp()
    c.label = "c"
    y = b * c
    y.label = "y"
    return y


def square():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    return y


def mlp_loss():
    from nn import MLP

    model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    samples = [[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]]
    preds = [model(s) for s in samples]
    preds = [p[0] if isinstance(p, list) else p for p in preds]
    loss = autograd.sum([(p - 1.0) ** 2 for p in preds])
    loss.label = "loss"
    return loss


GRAPHS = {"neuron": (readme_neuron, {}), "diamond": (diamond, {}), "square": (square, {}),
          "mlp": (mlp_loss, {"collapse": 2})}


def expected_grads(root, **options) -> dict[str, str]:
    """record id -> the gradient backward() gives, as the drawing prints it."""
    autograd.zero_grad(root)
    root.backward()
    pic = picture(root, **options)
    return {rid: number(node.grad) for node, rid in pic.records.items() if node not in pic.constants}


# -- in Python -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GRAPHS))
@needs_dot
def test_last_step_is_backward_digit_for_digit(name):
    build, options = GRAPHS[name]
    root = build()
    page = autograd.html(root, **options)
    state = {}
    for step in page.steps:
        for rid, new, _old in step.updates:
            state[rid] = new
    expected = expected_grads(root, **options)
    shown = {rid: state.get(rid, "0") for rid in expected}
    assert shown == expected
    # Stepping back restores each old text: undoing every step gives all zeros.
    for step in reversed(page.steps):
        for rid, _new, old in step.updates:
            state[rid] = old
    assert set(state.values()) <= {"0"}


@needs_dot
def test_captions_give_the_numbers_and_the_sum_where_paths_meet():
    page = autograd.html(diamond())
    text = "\n".join(s.caption for s in page.steps)
    a = 1.5
    # y = b*c with b = 2a, c = exp(a): a gets 2·c·1 through b and b·c through c.
    c, two_c = number(math.exp(a)), number(2 * math.exp(a))
    # The arithmetic written out: b.grad (= c) times db/da = 2, then the running sum.
    assert f"a.grad += b.grad × ∂b/∂a = {c} × 2 = {two_c}   (a.grad: 0 → {two_c})" in text
    last = [s for s in page.steps if "a.grad" in s.caption][-1].caption
    # exp's derivative is its own result, written as the number: b.grad × c
    assert f"a.grad += c.grad × ∂c/∂a = 3 × {c} = " in last
    assert last.endswith(f"(a.grad: {number(2 * math.exp(a))} + {number(3 * math.exp(a))} = {number(5 * math.exp(a))})")
    assert page.steps[0].updates == () and "every gradient is 0" in page.steps[0].caption
    assert page.steps[1].caption.startswith("y.grad = 1")


@needs_dot
def test_captions_substitute_the_numbers_into_the_local_derivative():
    page = autograd.html(readme_neuron())
    # tanh's 1 − tanh(n)² with tanh(n) = o = 0.7071 written in, and the gradient's old → new.
    assert page.steps[2].caption == ("(x*w+b).grad += o.grad × ∂o/∂(x*w+b) = 1 × (1 − 0.7071²) = 0.5"
                                     "   ((x*w+b).grad: 0 → 0.5)")
    assert page.steps[-1].caption.splitlines()[0] == ("x.grad += (x*w).grad × ∂(x*w)/∂x = 0.5 × (-3) = -1.5"
                                                      "   (x.grad: 0 → -1.5)")
    x = Value(2.0, label="x")
    y = x / Value(-4.0, label="d")
    y.label = "y"
    captions = autograd.html(y).steps[-1].caption
    # Which operand is which: d(x/d)/dd = −x/d² with d negative in brackets.
    assert "∂y/∂d = 1 × (−2/(-4)²) = -0.125" in captions


@needs_dot
def test_constants_are_drawn_plain_without_a_gradient():
    x = Value(3.0, label="x")
    y = x ** 2 * 0.5
    pic = picture(y)
    assert len(pic.constants) == 2
    source = pic.graph.source
    for c in pic.constants:
        line = next(s for s in source.splitlines() if s.strip().startswith(pic.records[c] + " "))
        assert "grad" not in line and "record" not in line
    page = autograd.html(y)
    assert all(rid not in {pic.records[c] for c in pic.constants} for s in page.steps for rid, _, _ in s.updates)


def test_bad_options_and_too_large_graphs_are_refused_as_draw_refuses_them():
    y = Value(0.1, label="x")
    for _ in range(600):
        y = y.sin()
    with pytest.raises(autograd.GraphTooLargeError, match="max_nodes"):
        autograd.html(y)
    with pytest.raises(TypeError, match="unknown option 'colour'"):
        autograd.html(y, colour="red")
    with pytest.raises(TypeError, match="html: expected a Value"):
        autograd.html(2.0)


def test_page_shell_escapes_and_saves_atomically(tmp_path):
    assert "</script>" not in json_for_script({"label": "</script><b>"})
    player = "chainrule.player({count: 1, render: function () {}});"
    page = Page(shell("a <title>", "<p>body</p>", {"x": "</script>"}, player), "a <title>")
    text = str(page)
    assert text.count("</script>") == 3 and "<title>a &lt;title&gt;</title>" in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    frame = page._repr_html_()
    assert "<iframe srcdoc=" in frame and "resize: vertical" in frame
    assert "<p>" not in frame and "&lt;p&gt;body" in frame
    path = tmp_path / "p.html"
    path.write_text("old")
    os.chmod(path, 0o640)
    assert page.save(path) == path and path.read_text() == text
    assert oct(path.stat().st_mode & 0o777) == "0o640" and os.listdir(tmp_path) == ["p.html"]
    with pytest.raises(ValueError, match=r"\.html"):
        page.save(tmp_path / "p.svg")


@needs_dot
def test_chainrule_html_command_writes_the_page(tmp_path, capsys):
    from autograd.cli import main

    out = tmp_path / "neuron.html"
    assert main(["html", "tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = unpacked(out.read_text(encoding="utf-8"))
    assert text.startswith("<!doctype html>") and "<svg" in text and "x.grad +=" in text
    assert main(["html", "x*2", "x=1", "-o", str(tmp_path / "page.svg")]) == 2


# -- graphviz-pure: rendering with pip alone ------------------------------------------------


def _pure_available() -> bool:
    return (Path(sys.executable).parent / "graphviz-pure").is_file() or shutil.which("graphviz-pure") is not None


@pytest.mark.skipif(not _pure_available() and not os.environ.get("CI"), reason="graphviz-pure is not installed")
def test_without_dot_graphviz_pure_renders_pages_and_jupyter_pictures(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    script = textwrap.dedent("""
        import shutil, autograd
        from autograd import Value
        assert shutil.which("dot") is None
        x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
        o = (x * w + b).tanh(); o.label = "o"; o.backward()
        from autograd.views.draw import layout_program
        print(layout_program()[0])
        svg = autograd.render(o, "n.svg", edge_labels=True).read_text()
        assert "grad &#45;1.5" in svg and ">&#45;3<" in svg and 'class="edge"' in svg, svg[:300]
        assert autograd.render(o, "n.png").read_bytes()[:4] == b"\\x89PNG"
        bundle = autograd.draw(o)._repr_mimebundle_()
        assert "data 0.7071" in bundle["image/svg+xml"]
        page = autograd.html(o, edge_labels=True)
        from autograd.views.page import unpacked
        # The picture as step 0 shows it: the data drawn, every gradient 0.
        assert "<svg" in unpacked(str(page)) and "data 2<" in unpacked(str(page))
        assert "grad 0<" in unpacked(str(page)) and "grad &#45;1.5" not in unpacked(str(page))
        try:
            autograd.render(o, "n.pdf")
        except autograd.DotNotFoundError as error:
            print("pdf:", error)
        print("ok")
    """)
    env = dict(os.environ, PATH=str(empty))
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "graphviz-pure" and lines[-1] == "ok"
    assert any(line.startswith("pdf:") and "svg and png" in line for line in lines)


# -- in the browser -------------------------------------------------------------------------


SHOWN_GRADS = """() => {
    const out = {};
    for (const id of Object.keys(chainrule.data.views[0].start)) {
        const g = [...document.querySelectorAll('#graph g.node')]
            .find(n => n.querySelector('title').textContent === id);
        const t = [...g.querySelectorAll('text')].find(t => t.textContent.startsWith('grad '));
        if (t) out[id] = t.textContent.slice(5);
    }
    return out;
}"""


def _open(browser, tmp_path, name, fragment=""):
    build, options = GRAPHS[name]
    root = build()
    autograd.html(root, tmp_path / f"{name}.html", edge_labels=True, **options)
    expected = expected_grads(root, **options)
    return browser.open(tmp_path / f"{name}.html", fragment), root, expected


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_browser_steps_to_backwards_gradients_and_back(browser, tmp_path, name):
    tab, root, expected = _open(browser, tmp_path, name)
    page = tab.page
    count = tab.js("chainrule.steps")
    assert set(tab.js(SHOWN_GRADS).values()) == {"0"}
    # Step to the end with the "next" button, one click per step.
    for _ in range(count - 1):
        page.click("#next")
    assert tab.js(SHOWN_GRADS) == expected
    assert page.inner_text("#step-label").startswith(f"step {count - 1} of {count - 1}")
    assert page.url.endswith("#step=end")
    # Back to 0 with the keys, then to the end with End, then the first button.
    for _ in range(count - 1):
        page.keyboard.press("ArrowLeft")
    assert set(tab.js(SHOWN_GRADS).values()) == {"0"}
    page.keyboard.press("End")
    assert tab.js(SHOWN_GRADS) == expected
    page.click("#first")
    assert set(tab.js(SHOWN_GRADS).values()) == {"0"}
    # The slider and play: play runs to the end by itself.
    page.fill("#step-slider", str(count // 2))
    assert tab.js("window.chainruleBackprop.player.current()") == count // 2
    page.select_option("#speed", "16")
    page.click("#play")
    page.wait_for_function(f"() => window.chainruleBackprop.player.current() === {count - 1}", timeout=20_000)
    assert tab.js(SHOWN_GRADS) == expected
    tab.check()
    page.close()


@needs_dot
def test_browser_hash_opens_the_end_and_a_node_whose_panel_matches_explain(browser, tmp_path):
    tab, root, expected = _open(browser, tmp_path, "neuron", "step=end&node=x")
    assert tab.js(SHOWN_GRADS) == expected
    panel = tab.page.inner_text("#panel")
    x = next(n for n in autograd.topological_order(root) if n.label == "x")
    e = explain(root, x)
    assert "1 path from the output" in panel and f"sum = {number(e.gradient)}" in panel
    for line in e.text.splitlines():
        assert line.strip() in panel
    assert "∂(x*w)/∂x" not in panel or "= w = -3" in panel
    # A click on another node opens its panel and puts it in the address.
    tab.page.click("#graph g.node:has(title:text-is('n3'))")  # the tanh's input, by draw's id
    assert "#" in tab.page.url and "node=" in tab.page.url
    tab.page.goto(tab.page.url.split("#")[0] + "#step=2")
    tab.page.wait_for_function("() => window.chainruleBackprop.player.current() === 2")
    tab.check()
    tab.page.close()


@needs_dot
def test_browser_mlp_panel_and_box_steps(browser, tmp_path):
    tab, root, expected = _open(browser, tmp_path, "mlp", "step=end")
    assert tab.js(SHOWN_GRADS) == expected
    captions = tab.js("chainrule.data.views[0].steps.map(s => s.caption)")
    assert any(" (a collapsed scope" in c and ") passes the gradient back" in c for c in captions)
    before = tab.js("chainrule.names()")
    # A click on a box opens it in place (its layout was made with the page), at the same
    # point of the pass; the fold-back button closes it again.
    tab.page.click("#graph g.node:has(title:text-is('s0'))")
    tab.page.wait_for_selector("#fold-back:not([hidden])")
    opened = tab.js("chainrule.names()")
    shown = SHOWN_GRADS.replace("views[0]", "views[chainrule.data.views[0].nodes.s0.expand]")
    assert len(opened) > len(before) and tab.js(shown) != {}
    assert tab.js("window.chainruleBackprop.player.current()") == tab.js("chainrule.steps") - 1
    tab.page.click("#fold-back")
    tab.page.wait_for_selector("#fold-back[hidden]", state="attached")
    assert tab.js("chainrule.names()") == before and tab.js(SHOWN_GRADS) == expected
    tab.check()
    tab.page.close()


@needs_dot
def test_two_pages_in_one_notebook_output_keep_apart(browser, tmp_path):
    # What Jupyter shows for two cells ending in a page: each _repr_html_ in one document.
    first, second = autograd.html(readme_neuron()), autograd.html(square())
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!doctype html><meta charset='utf-8'><body>" + first._repr_html_()
                        + second._repr_html_() + "</body>", encoding="utf-8")
    tab = browser.open(notebook)
    frames = [f for f in tab.page.frames if f != tab.page.main_frame]
    assert len(frames) == 2
    for frame in frames:
        frame.wait_for_function("() => window.chainruleBackprop !== undefined")
    frames[0].click("#last")
    counts = [f.evaluate("chainrule.steps") for f in frames]
    assert frames[0].evaluate("window.chainruleBackprop.player.current()") == counts[0] - 1
    assert frames[1].evaluate("window.chainruleBackprop.player.current()") == 0  # the other did not move
    assert "x.grad +=" in frames[0].inner_text("#caption")
    tab.check()
    tab.page.close()


@needs_dot
def test_a_box_that_reads_back_what_it_hands_on_still_ends_at_backward():
    x = Value(0.5, label="x")
    with scope("blk"):
        a = x.tanh()
        c = a * a + a
    a.label = "a"
    y = c * a  # a is handed on by the box and read again inside it
    y.label = "y"
    with scope("blk"):
        z = y.sin()
    z.label = "z"
    page = autograd.html(z, collapse=1)
    state = {}
    for step in page.steps:
        for rid, new, _ in step.updates:
            state[rid] = new
    expected = expected_grads(z, collapse=1)
    assert {rid: state.get(rid, "0") for rid in expected} == expected
    # Two `with scope("blk")` blocks: two calls of the box, each stepped as its own.
    assert any(s.caption.startswith("blk[0] (a collapsed scope, call 1 of 2)") for s in page.steps)
    assert any(s.caption.startswith("blk[1] (a collapsed scope, call 2 of 2)") for s in page.steps)


SHOWN_DATA = SHOWN_GRADS.replace("'grad '", "'data '")


@needs_dot
def test_browser_forward_pass_first_makes_each_value_appear(browser, tmp_path):
    root = readme_neuron()
    page = autograd.html(root, tmp_path / "forward.html", forward=True)
    pic = picture(root)
    ops = [n for n in autograd.topological_order(root) if n.parents]
    data = {rid: number(n.data) for n, rid in pic.records.items()}
    tab = browser.open(tmp_path / "forward.html")
    shown = tab.js(SHOWN_DATA)
    assert {rid for rid, text in shown.items() if text == "·"} == {pic.records[n] for n in ops}
    for _ in ops:
        tab.page.keyboard.press("ArrowRight")
    assert tab.js(SHOWN_DATA) == data
    tab.page.keyboard.press("ArrowRight")
    assert "the forward pass is done" in tab.page.inner_text("#caption").lower()
    assert page.steps[1].caption == "x*w = 2 * (-3) = -6"
    tab.page.keyboard.press("End")
    assert tab.js(SHOWN_GRADS) == expected_grads(root)
    tab.page.keyboard.press("Home")
    assert set(tab.js(SHOWN_GRADS).values()) == {"0"} and tab.js(SHOWN_DATA) == shown
    tab.check()
    tab.page.close()


def test_without_dot_or_graphviz_pure_the_page_says_how_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))  # graphviz-pure is looked for beside it
    with pytest.raises(autograd.DotNotFoundError, match="apt-get install graphviz.*pip install graphviz-pure") as info:
        autograd.html(readme_neuron())
    assert "page" in str(info.value) and info.value.__cause__ is None


def _deflate(data: bytes, level: int = 9, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> str:
    packer = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return base64.b64encode(packer.compress(data) + packer.flush()).decode("ascii")


def test_the_pages_inflater_reads_every_kind_of_block_and_match(browser, tmp_path):
    """unpack.js's inflater against zlib: stored blocks (level 0), fixed and dynamic codes,
    runs (a match that overlaps itself: back = 1, 2, 3 ...), long matches, random bytes, with
    the size given and without it (the output grows), and damaged input refused by name."""
    rng = random.Random(7)
    texts = {
        "run": b"a" * 70_000,
        "periods": b"".join(bytes([(65 + k % p) % 256 for k in range(3_000)]) for p in (2, 3, 7, 31, 258, 300)),
        "random": bytes(rng.randrange(256) for _ in range(40_000)),
        "prose": " ".join(rng.choice(["grad", "data", "−0.4916", "é", "∂o/∂n", "tanh"])
                          for _ in range(20_000)).encode(),
    }
    streams = []
    for name, data in texts.items():
        plain = zlib.Z_DEFAULT_STRATEGY
        for level, strategy in ((0, plain), (1, plain), (9, plain), (9, zlib.Z_FIXED), (9, zlib.Z_RLE),
                                (9, zlib.Z_HUFFMAN_ONLY)):
            b64 = _deflate(data, level, strategy)
            streams.append([f"{name} {level}/{strategy}", f"{len(data)}:{b64}", hashlib.sha256(data).hexdigest()])
            streams.append([f"{name} {level}/{strategy} no size", b64, hashlib.sha256(data).hexdigest()])
    page = tmp_path / "t.html"
    page.write_text(shell("t", "<p>hi</p>", {"a": 1}, "var x = 1;", pack=True), encoding="utf-8")
    tab = browser.open(page)
    got = tab.js("""async (streams) => {
        const out = [];
        for (const [name, text] of streams) {
            const bytes = chainrule_inflate(Uint8Array.fromBase64(text.slice(text.indexOf(":") + 1)),
                                            text.indexOf(":") > 0 ? +text.slice(0, text.indexOf(":")) : 0);
            const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
            out.push([name, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")]);
        }
        return out;
    }""", [[name, text] for name, text, _ in streams])
    assert got == [[name, digest] for name, _, digest in streams]
    # Cut short, or a block type that does not exist: the loader's own error, not garbage.
    whole = _deflate(texts["prose"])
    errors = tab.js("""(texts) => texts.map((t) => { try { chainrule_unpack(t); return "no error"; }
                                                   catch (e) { return e.message; } })""",
                    [f"{len(texts['prose'])}:{whole[:40]}", "10:" + base64.b64encode(b"\x07\xff\xff").decode()])
    assert all(e.startswith("chainrule: the page's packed data is ") for e in errors), errors
    # A browser without Uint8Array.fromBase64 decodes the base64 through atob.
    packed = pack_json(["é", "x" * 5000])
    assert tab.js("""(text) => {
        const native = Uint8Array.fromBase64;
        Uint8Array.fromBase64 = undefined;
        try { return JSON.parse(chainrule_unpack(text)); } finally { Uint8Array.fromBase64 = native; }
    }""", packed) == ["é", "x" * 5000]
    tab.check()


@needs_dot
def test_the_page_is_whole_at_load_with_the_browsers_inflater_and_without_it(browser, tmp_path):
    """The loader inflates through DecompressionStream where there is one (its parts placed at
    the microtask checkpoint after the loader, before the parser goes on) and through its own
    inflater where there is none: either way the first frame (the picture) is in place when
    the load event comes, and the data and scripting contract as soon as a script asks."""
    page = autograd.html(readme_neuron())
    path = tmp_path / "neuron.html"
    page.save(path)
    seen, errors = [], []
    for missing in (False, True):
        tab = browser.context.new_page()
        if missing:
            tab.add_init_script("delete window.DecompressionStream;")
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        tab.goto(path.as_uri())
        tab.wait_for_load_state("load")
        seen.append(tab.evaluate("[typeof DecompressionStream, document.querySelectorAll('#graph svg g.node').length,"
                                 " chainrule.steps, chainrule.names().length,"
                                 " document.getElementById('chainrule-data').textContent.length > 0]"))
        tab.close()
    assert not errors, errors
    assert seen[0][0] == "function" and seen[1][0] == "undefined", seen
    assert seen[0][1:] == seen[1][1:] and seen[0][1] > 0 and seen[0][2] == len(page.steps) and seen[0][4], seen


@needs_dot
def test_the_first_frame_carries_only_the_style_it_needs_and_the_scripts_bring_the_rest():
    """Every rule of the page's style is in the first frame or comes with the scripts, once,
    in its order; what lays the frame out is in it, and what only a script, a hand or the
    picture's controls use waits."""
    from autograd.views.page import asset, compact, unpack_json

    page = str(autograd.html(readme_neuron()))
    frame = unpack_json(page.split('id="chainrule-first">')[1].split("<")[0])
    _, later, *_ = unpack_json(page.split('id="chainrule-packed">')[1].split("<")[0])
    first_css = frame.split("<style>\n")[1].split("\n</style>")[0]
    later_css = later.split("<style>\n")[1].split("\n</style>")[0]
    every = f"{compact(asset('page.css'))}\n{compact(asset('backprop.css'))}".splitlines()
    assert sorted(first_css.splitlines() + later_css.splitlines()) == sorted(every)
    for lines in (first_css.splitlines(), later_css.splitlines()):
        assert [every.index(line) for line in lines] == sorted(every.index(line) for line in lines)
    for needed in ("#graph.prefit > svg", "#caption.twins > .twin", "#layout {", "text-rendering"):
        assert needed in first_css and needed not in later_css, needed
    for waits in (":hover", "#panel", "#view-controls", "#key", "g.node.focus", "@keyframes"):
        assert waits in later_css and waits not in first_css, waits
    assert 'id="view-controls"' in later and 'id="view-controls"' not in frame
    assert 'id="view-controls"' in unpacked(page) and "#graph.prefit > svg" in unpacked(page)
