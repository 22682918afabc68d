"""The step-through page as a learner meets it, in a real headless Chromium: the picture
fits the window and follows the focus, boxes open, paths light up, and the scripting
contract (``window.chainrule``: steps, step, focus, names, value, grad, set, expand,
collapse) that docs/seeing.md documents."""

from __future__ import annotations

import re
import shutil

import pytest

import autograd
from autograd import Value, scope
from autograd.views.page import asset, unpacked
from autograd.views.text import number
from examples import mlp_loss, neuron_graph as neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
SIZES = ((1024, 768), (1920, 1080))


# Every step, in turn: the focus element's box must lie inside #main (below the controls
# and caption) and inside the window.
FOCUS_OUTSIDE = """() => {
    const bad = [];
    const main = document.getElementById('main').getBoundingClientRect();
    for (let k = 0; k < chainrule.steps; k++) {
        chainrule.step(k);
        const id = chainrule.focus();
        if (k === 0) { if (id !== null) bad.push([k, 'focus at step 0']); continue; }
        const r = document.getElementById(id).getBoundingClientRect();
        const inside = r.left >= main.left && r.top >= main.top && r.right <= main.right && r.bottom <= main.bottom
            && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
        if (!inside) bad.push([k, id, [r.left, r.top, r.right, r.bottom].map(Math.round)]);
    }
    return bad;
}"""


def _page(browser, tmp_path, root, name, **options):
    autograd.html(root, tmp_path / f"{name}.html", edge_labels=True, **options)
    return browser.open(tmp_path / f"{name}.html")


@needs_dot
@pytest.mark.parametrize("name, build, options", [
    ("neuron", neuron, {}),
    ("mlp", mlp_loss, {}),
    ("mlp-collapse1", mlp_loss, {"collapse": 1}),
])
def test_every_steps_focus_is_in_view_at_both_window_sizes(browser, tmp_path, name, build, options):
    tab = _page(browser, tmp_path, build(), name, **options)
    for width, height in SIZES:
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.page.wait_for_timeout(50)  # the resize observer refits
        assert tab.js(FOCUS_OUTSIDE) == [], (width, height)
        # The controls and the caption stay in the window whatever the step.
        for selector in ("#controls", "#caption", "#view-controls"):
            box = tab.page.locator(selector).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, selector
    tab.check()
    tab.page.close()


# Every step, in turn: its caption needs no scrolling in the caption box, and the box lies
# wholly in the window.
CAPTION_CUT = """() => {
    const bad = [], c = document.getElementById('caption');
    for (let k = 0; k < chainrule.steps; k++) {
        chainrule.step(k);
        const r = c.getBoundingClientRect();
        if (c.scrollHeight > c.clientHeight || r.top < 0 || r.bottom > innerHeight) {
            bad.push([k, c.scrollHeight, c.clientHeight, Math.round(r.bottom)]);
        }
    }
    return bad;
}"""


@needs_dot
def test_every_steps_caption_is_wholly_visible_at_both_window_sizes(browser, tmp_path):
    tab = _page(browser, tmp_path, mlp_loss(), "mlp-captions", collapse=1)
    for width, height in SIZES:
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.page.wait_for_timeout(50)
        assert tab.js(CAPTION_CUT) == [], (width, height)
        tab.js("async () => await chainrule.expand('mlp')")  # an opened box's steps too
        assert tab.js(CAPTION_CUT) == [], (width, height, "mlp opened")
        tab.js("async () => await chainrule.collapse('mlp')")
    # The box step that hands its parameters their gradients has a fourth line, which wraps
    # at 1024 px: it is the one that was cut.
    assert any("to its 37 parameters" in s.caption for s in autograd.html(mlp_loss(), collapse=1).steps)
    tab.check()
    tab.page.close()


@needs_dot
def test_the_picture_fits_zooms_pans_and_fits_again(browser, tmp_path):
    tab = _page(browser, tmp_path, neuron(), "neuron")
    tab.page.set_viewport_size({"width": 1024, "height": 768})
    tab.page.wait_for_timeout(50)
    picture = """() => {
        const r = document.querySelector('#graph g.graph').getBoundingClientRect();
        const m = document.getElementById('main').getBoundingClientRect();
        return {w: r.width, l: r.left - m.left, r: m.right - r.right, t: r.top - m.top, b: m.bottom - r.bottom};
    }"""
    fitted = tab.js(picture)
    assert min(fitted["l"], fitted["r"], fitted["t"], fitted["b"]) >= 0, fitted  # all of it in the window
    tab.page.click("#zoom-in")
    assert tab.js(picture)["w"] == pytest.approx(fitted["w"] * 1.25, rel=0.02)
    main = tab.page.locator("#main").bounding_box()
    cx, cy = main["x"] + main["width"] / 2, main["y"] + main["height"] / 2
    tab.page.mouse.move(cx, cy)
    tab.page.mouse.wheel(0, -300)  # wheel up zooms in about the pointer
    zoomed = tab.js(picture)
    assert zoomed["w"] > fitted["w"] * 1.4
    before = zoomed["l"]
    tab.page.mouse.move(cx, cy)
    tab.page.mouse.down()
    tab.page.mouse.move(cx + 120, cy + 10, steps=4)
    tab.page.mouse.up()
    assert tab.js(picture)["l"] == pytest.approx(before + 120, abs=2)  # a drag pans
    assert tab.page.locator("#panel").is_hidden()  # and is not a click on a node
    tab.page.keyboard.press("f")
    assert tab.js(picture)["w"] == pytest.approx(fitted["w"], rel=0.01)
    tab.check()
    tab.page.close()


@needs_dot
def test_value_and_grad_are_the_numbers_backward_gives(browser, tmp_path):
    root = neuron()
    order = autograd.topological_order(root)
    autograd.zero_grad(root)
    root.backward()
    tab = _page(browser, tmp_path, root, "neuron")
    names = tab.js("chainrule.names()")
    assert {"x1", "x2", "w1", "w2", "b", "n", "o"} <= set(names)
    for node in order:
        if node.label:
            assert tab.js("n => chainrule.value(n)", node.label) == node.data
            assert tab.js("n => chainrule.grad(n)", node.label) == node.grad
    assert tab.js("chainrule.step('end')") == tab.js("chainrule.steps") - 1
    with pytest.raises(Exception, match="no node is named"):
        tab.js("chainrule.value('nothing')")
    tab.page.close()


def _machine_names(names: list[str]) -> list[str]:
    """The names with a row suffix (``sub#61``, ``x0#6``) that need none: on the MLP pages
    every node but a constant (named by its number) is told apart by the call it was made
    in (``mlp[1].layer2.neuron0.dot``, ``sample1.x0``), so only constants keep a row."""
    return [n for n in names if re.search(r"#\d+$", n) and not _is_number(re.sub(r"#\d+$", "", n))]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@needs_dot
def test_an_mlp_on_two_samples_names_each_samples_nodes_by_its_index():
    loss = mlp_loss()
    names = autograd.table.table(loss).names()
    assert not _machine_names(list(names)), names
    assert {"sample0.x0", "sample1.x0", "sample1.x1", "mlp[0].layer2.neuron0.dot", "mlp[1].layer0.neuron3.tanh",
            "sample0.sub", "sample1.pow"} <= set(names)
    page = autograd.html(loss, collapse=1)
    for step in page.steps:
        assert not re.search(r"[A-Za-z_\]]#\d", step.caption), step.caption
    box = next(s.caption for s in page.steps if s.name == "scope mlp")
    # Backward meets sample 0's call first (the program's first call, the graph's last).
    assert "in: mlp[0].layer2.neuron0.dot.grad = " in box and "out: sample0.x0.grad 0 → " in box
    # Each call of the box (each sample) says what it handed the parameters: that sample's
    # loss term's gradients, as backward gives them on that term alone.
    from nn import MLP

    for k, (x, y) in enumerate((([2.0, 3.0], 1.0), ([3.0, -1.0], -1.0))):
        model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
        ((model(x) - y) ** 2).backward()
        norm = sum(p.grad ** 2 for p in model.parameters()) ** 0.5
        start = f"mlp[{k}] (a collapsed scope, call {k + 1} of 2)"
        text = next(s.caption for s in page.steps if s.caption.startswith(start))
        assert f"to its 37 parameters: gradient norm {number(norm)};" in text, text


@needs_dot
def test_a_collapsed_mlp_opens_to_its_parameters_and_folds_back(browser, tmp_path):
    tab = _page(browser, tmp_path, mlp_loss(), "mlp1", collapse=1)
    base = tab.js("chainrule.names()")
    assert "mlp" in base and not _machine_names(base), base
    assert {"sample0.x0", "sample1.x0"} <= set(base), base
    tab.js("chainrule.step('end')")
    opened = tab.js("async () => await chainrule.expand('mlp')")
    layers = [n for n in opened if n.startswith("mlp/layer")]
    assert len(layers) == 3, opened
    inner = tab.js("async () => await chainrule.expand('mlp/layer1')")
    params = [n for n in inner if n not in opened]
    # Opening a layer shows its neurons' parameters by name, beside their boxes.
    assert sum(1 for n in inner if n.split(".")[-1].startswith(("w", "b"))) >= 4 * 5 - 0, inner
    assert params
    # The page stays at the same point of the pass (the end), with backward's gradients.
    assert tab.js("window.chainruleBackprop.player.current()") == tab.js("chainrule.steps") - 1
    assert not _machine_names(inner), inner
    assert any(n.startswith("mlp.layer1.neuron") and n.endswith(".w0") for n in inner), inner
    assert tab.js("async () => await chainrule.collapse('mlp/layer1')") == opened
    assert tab.js("async () => await chainrule.collapse('mlp')") == base
    tab.check()
    tab.page.close()


@needs_dot
def test_two_sibling_boxes_open_at_once_and_each_folds_back(browser, tmp_path):
    tab = _page(browser, tmp_path, mlp_loss(), "mlp2", collapse=2)
    base = tab.js("chainrule.names()")
    assert {"mlp/layer0", "mlp/layer1", "mlp/layer2"} <= set(base), base
    tab.js("chainrule.step('end')")
    layer2 = tab.js("async () => await chainrule.expand('mlp/layer2')")
    both = tab.js("async () => await chainrule.expand('mlp/layer1')")
    # Both layers open, each down to its neurons' boxes; layer0 is still one box.
    neurons1 = {f"mlp/layer1/neuron{i}" for i in range(4)}
    assert "mlp/layer2/neuron0" in both and neurons1 <= set(both) and "mlp/layer0" in both, both
    assert "mlp/layer1" not in both and "mlp/layer2" not in both
    assert tab.js("window.chainruleBackprop.player.current()") == tab.js("chainrule.steps") - 1
    # A button for each open box folds that one back, whichever was opened first.
    buttons = tab.js("[...document.querySelectorAll('#view-controls button')].filter(b => !b.hidden)"
                     ".map(b => b.textContent)")
    assert "fold mlp/layer1 back" in buttons and "fold mlp/layer2" in buttons, buttons
    tab.page.click("#folds button:text-is('fold mlp/layer2')")
    tab.page.wait_for_function("!chainrule.names().includes('mlp/layer2/neuron0')")
    only1 = tab.js("chainrule.names()")
    assert "mlp/layer2" in only1 and neurons1 <= set(only1), only1
    # The same again by the scripting contract, folding the first one opened.
    assert tab.js("async () => await chainrule.expand('mlp/layer2')") == both
    assert tab.js("async () => await chainrule.collapse('mlp/layer2')") == only1
    assert tab.js("async () => await chainrule.collapse('mlp/layer1')") == base
    assert tab.js("async () => await chainrule.expand('mlp/layer2')") == layer2
    tab.check()
    tab.page.close()


@needs_dot
def test_a_box_step_says_what_flowed_and_what_its_parameters_got():
    x = Value(0.5, label="x")
    with scope("block"):
        w = [Value(0.1 * (i + 1), label=f"w{i}") for i in range(5)]
        for p in w:
            p.role = "param"
        h = autograd.sum([p * x * float(i + 1) for i, p in enumerate(w)]).tanh()
    y = h * 2.0
    y.label = "y"
    page = autograd.html(y, collapse=1)
    text = next(s.caption for s in page.steps if s.name == "scope block" and s.back)
    assert "in: " in text and "out: x.grad 0 → " in text
    autograd.zero_grad(y)
    y.backward()
    norm = sum(p.grad ** 2 for p in w) ** 0.5
    assert f"to its 5 parameters: gradient norm {autograd.views.text.number(norm)}" in text
    assert text.split("largest ")[1].startswith("block.w4.grad += ")  # the largest first, by its place


@needs_dot
def test_box_steps_are_the_same_played_in_python_or_with_numpy(monkeypatch):
    # The page plays the boxes' runs with numpy arrays on big graphs and in Python on
    # small ones (autograd.views.flow): every caption, update and edge the same, to the
    # last digit. A GPT step (a weight reached several times in one run), with one weight
    # labelled, so drawn outside its box (a parameter the captions name, played in Python
    # on both paths), and a labelled weight used twice in one op (a*a).
    from autograd.views import flow
    from nn.transformer import GPT

    model = GPT(vocab_size=5, block_size=4, n_embd=8, n_head=2, seed=0)
    w = model.layers[0].attn.wq.w[0][0]
    w.label = "wq00"
    with scope("extra"):
        extra = w * w
    loss = model.loss([0, 3, 1, 0]) + extra
    loss.label = "loss"
    played = {}
    for name, edges in (("python", 10 ** 12), ("numpy", 0)):
        monkeypatch.setattr(flow, "ARRAY_EDGES", edges)
        t = autograd.table.table(loss)
        chosen = flow.flow(t, autograd.table.row_gradients(t), bytearray(len(t)))
        assert isinstance(chosen, flow.ArrayFlow) == (name == "numpy")
        page = autograd.html(loss, collapse=1)
        played[name] = [(s.caption, s.updates, s.edges, s.rows) for s in page.steps]
    assert played["python"] == played["numpy"]
    handed = [c for c, *_ in played["numpy"] if "parameters: gradient norm" in c]
    assert handed and any("wq00" in c for c, *_ in played["numpy"])


@needs_dot
def test_a_gpt_step_page_names_by_path_what_each_call_handed_its_parameters():
    from nn.transformer import GPT

    model = GPT(vocab_size=5, block_size=4, n_embd=8, n_head=2, seed=0)
    loss = model.loss([0, 3, 1, 0])
    loss.label = "loss"
    page = autograd.html(loss, collapse=1)  # the model's 880 parameters are bundled into one node
    assert not any("param#" in s.caption for s in page.steps)
    handed = [s.caption.split("largest ")[1] for s in page.steps if "parameters: gradient norm" in s.caption]
    assert handed
    autograd.zero_grad(loss)
    loss.backward()
    by_label = {p.label: p for p in model.parameters()}
    for text in handed:
        named = re.findall(r"(\S+)\.grad \+= (\S+?)(?:,|$)", text)
        assert len(named) == 3, text
        for name, plus in named:
            assert re.fullmatch(r"(wte|wpe|lm_head|layers\.\d+\.(attn\.w[qkvo]|fc[12]))\.w\[\d+\]\[\d+\]", name), name
            assert plus == number(by_label[name].grad)  # one call of gpt: all it was handed


@needs_dot
def test_clicking_a_node_lights_its_paths_as_the_panel_lists_them(browser, tmp_path):
    a = Value(1.5, label="a")
    b = a * 2.0
    b.label = "b"
    c = a.exp()
    c.label = "c"
    y = b * c
    y.label = "y"
    tab = _page(browser, tmp_path, y, "diamond")
    tab.page.click("#graph g.node:has(title:text-is('n0'))")  # a
    assert "2 paths from the output" in tab.page.inner_text("#panel")
    lit = tab.js("[...document.querySelectorAll('#graph g.edge.path0, #graph g.edge.path1')]"
                 ".map(g => g.querySelector('title').textContent)")
    assert len(lit) >= 4 and any(t.startswith("n0->") for t in lit)
    tab.page.keyboard.press("Escape")
    assert tab.js("document.querySelectorAll('#graph g.edge.path0').length") == 0
    tab.check()
    tab.page.close()


@needs_dot
def test_forward_mode_hides_an_edge_number_until_its_op_has_run(browser, tmp_path):
    autograd.html(neuron(), tmp_path / "f.html", edge_labels=True, forward=True)
    tab = browser.open(tmp_path / "f.html")
    hidden = "[...document.querySelectorAll('#graph g.edge text')].filter(t => t.style.visibility === 'hidden').length"
    total = tab.js("document.querySelectorAll('#graph g.edge text').length")
    assert tab.js(hidden) == total  # nothing has run yet
    tab.js("chainrule.step(1)")  # x1*w1 ran: its two edges show their numbers
    assert tab.js(hidden) == total - 2
    tab.js("chainrule.step('end')")
    assert tab.js(hidden) == 0
    # Backward steps point their lit edges back: a reversed head on each.
    assert tab.js("document.querySelectorAll('#graph g.edge.back polygon.back-head').length") >= 2
    tab.check()
    tab.page.close()


def test_page_scripts_use_no_eval_and_no_inline_handlers():
    for name in ("page.js", "backprop.js", "unpack.js"):
        text = asset(name)
        assert "eval(" not in text and "new Function" not in text and "innerHTML" not in text
    html = unpacked(str(autograd.html(neuron()))) if shutil.which("dot") else ""
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)
    frame = autograd.html(neuron())._repr_html_() if html else ""
    assert "resize: vertical" in frame


# -- edit and recompute -----------------------------------------------------------------------


def _same(tab, root):
    """The page's value() and grad() of every labelled node against ``root`` after backward."""
    autograd.zero_grad(root)
    root.backward()
    for node in autograd.topological_order(root):
        if node.label:
            assert tab.js("n => chainrule.value(n)", node.label) == pytest.approx(node.data, rel=1e-12, abs=1e-12)
            assert tab.js("n => chainrule.grad(n)", node.label) == pytest.approx(node.grad, rel=1e-12, abs=1e-12)


@needs_dot
def test_setting_a_leaf_recomputes_every_value_and_gradient_as_python_does(browser, tmp_path):
    tab = _page(browser, tmp_path, neuron(), "neuron")
    tab.js("chainrule.step(2)")
    assert tab.js("chainrule.set('x1', 3.0)") == 3.0
    ref = neuron(3.0)
    _same(tab, ref)
    # The caption of the step shown, the records and the edge numbers show the new numbers.
    o = number(ref.data)
    assert f"= 1 × (1 − ({o})²) = {number(1 - ref.data ** 2)}" in tab.page.inner_text("#caption")
    tab.js("chainrule.step('end')")
    texts = tab.js("[...document.querySelectorAll('#graph g.node text')].map(t => t.textContent)")
    x1 = next(n for n in autograd.topological_order(ref) if n.label == "x1")
    assert "data 3" in texts and f"grad {number(x1.grad)}" in texts and f"data {o}" in texts
    edge_numbers = tab.js("[...document.querySelectorAll('#graph g.edge text')].map(t => t.textContent)")
    assert number(1 - ref.data ** 2) in edge_numbers and "3" in edge_numbers  # d(x1*w1)/dw1 = x1 = 3 now
    # Stepping back and forth replays the new gradients.
    tab.js("chainrule.step(0)")
    assert all(t == "grad 0" for t in tab.js("[...document.querySelectorAll('#graph g.node text')]"
                                            ".map(t => t.textContent).filter(t => t.startsWith('grad '))"))
    with pytest.raises(Exception, match="only a leaf"):
        tab.js("chainrule.set('n', 1.0)")
    tab.check()
    tab.page.close()


def _tree_graph(tree, values: list[float]):
    """The engine tests' random expression tree on leaves x0, x1, ... (None where the
    point is one the tests reject: near a kink, or huge)."""
    from test_engine_rules import Reject, build

    xs = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    try:
        root = build(tree, xs)
    except (Reject, ValueError, OverflowError, ZeroDivisionError):
        return None
    if not isinstance(root, Value) or not root.parents:
        return None
    root.label = "out"
    return root


@needs_dot
def test_random_expressions_recompute_in_the_page_as_in_python(browser, tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    from test_engine_rules import reals, trees

    st = hypothesis.strategies

    @hypothesis.settings(max_examples=15, deadline=None, database=None,
                         suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture,
                                                hypothesis.HealthCheck.filter_too_much])
    @hypothesis.given(st.integers(1, 3).flatmap(
        lambda n: st.tuples(trees(n), st.lists(reals(-2, 2), min_size=n, max_size=n))),
        st.integers(0, 2), reals(-2, 2))
    def check(case, which, new):
        tree, values = case
        root = _tree_graph(tree, values)
        hypothesis.assume(root is not None)
        present = sorted(int(n.label[1:]) for n in autograd.topological_order(root) if n.label.startswith("x"))
        hypothesis.assume(present)
        which = present[which % len(present)]  # a leaf the expression reads
        changed = list(values)
        changed[which] = new
        ref = _tree_graph(tree, changed)
        hypothesis.assume(ref is not None)
        autograd.html(root, tmp_path / "e.html", edge_labels=True)
        tab = browser.open(tmp_path / "e.html")
        try:
            tab.js("([n, x]) => chainrule.set(n, x)", [f"x{which}", new])
            _same(tab, ref)
            tab.check()
        finally:
            tab.page.close()

    check()


def test_the_inputs_of_an_op_that_is_not_commutative_are_named_a_and_b():
    from autograd.views.draw import picture

    x, y = Value(5.0, label="x"), Value(2.0, label="y")
    d = (x - y) / y
    d.label = "d"
    source = picture(d, edge_labels=True).graph.source
    assert '[label="a - b"' in source and '[label="a / b"' in source
    lines = [line.strip() for line in source.splitlines() if "->" in line and "_op" in line]
    # x - y: x is a (∂/∂a = 1), y is b (∂/∂b = -1); then (x-y) / y.
    assert any(line.startswith("n1 -> ") and 'label="a: 1"' in line for line in lines), lines
    assert any(line.startswith("n0 -> ") and 'label="b: -1"' in line for line in lines), lines
    s = Value(1.0, label="s") * Value(2.0, label="t")
    assert "a: " not in picture(s, edge_labels=True).graph.source  # x*y reads the same either way


def test_an_n_ary_ops_formula_gets_its_inputs_number_and_its_own_result():
    from autograd.views.backprop import _Numbers, substituted

    a, b = Value(0.5, label="a"), Value(-1.0, label="b")
    y = autograd.logsumexp([a, b])
    nums = _Numbers(4)
    # d logsumexp / d b = exp(b − logsumexp), with b and the result written in.
    assert nums.fill(substituted(y, 1, nums, {a: 0, b: 1, y: 2})) == f"exp(-1 − {number(y.data)})"
    d = autograd.dot([a, b], [b, a])
    assert substituted(d, 0, _Numbers(4), {a: 0, b: 1, d: 2}) == ""  # just the paired input: its number says it
    s = autograd.sum([a, b])
    assert substituted(s, 0, _Numbers(4), {a: 0, b: 1, s: 2}) == ""


@needs_dot
def test_a_page_of_a_softmax_names_logsumexps_derivative():
    a, b = Value(0.5, label="a"), Value(-1.0, label="b")
    y = autograd.logsumexp([a, b]) * 2.0
    y.label = "y"
    page = autograd.html(y)  # its panels write d logsumexp / d a with a's name in it
    assert any("exp(" in s.caption for s in page.steps)


# The page's scripts held back: no paint entry is reported, no frame callback runs and the
# half-second fallback never fires, so what shows is the first frame written in the page.
HOLD_SCRIPTS = """
window.PerformanceObserver = undefined;
window.requestAnimationFrame = () => 0;
const later = window.setTimeout;
window.setTimeout = (f, ms, ...args) => ms === 500 ? 0 : later(f, ms, ...args);
"""

FRAME = """() => {
    const rect = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const nodes = [...document.querySelectorAll('#graph g.node')];
    return {caption: document.getElementById('caption').getBoundingClientRect().height,
            label: document.getElementById('step-label').textContent,
            nodes: nodes.map(rect), grads: nodes.flatMap((g) => [...g.querySelectorAll('text')])
                .map((t) => t.textContent).filter((t) => t.startsWith('grad ')),
            inside: nodes.every((g) => { const [l, t, r, b] = rect(g);
                return l >= 0 && t >= 0 && r <= innerWidth && b <= innerHeight; })};
}"""


@needs_dot
@pytest.mark.parametrize("name, build, options", [("neuron", neuron, {}), ("mlp-collapse1", mlp_loss, {"collapse": 1})])
def test_the_first_frame_is_step_0_painted_before_the_scripts_and_they_keep_it(browser, tmp_path, name, build,
                                                                                 options):
    """A backward page's first frame is written in it (picture at step 0, fitted by the style;
    caption, as tall as its tallest; step label): the scripts run once it is painted, and
    leave it where it was."""
    page = autograd.html(build(), tmp_path / f"{name}.html", **options)
    for width, height in SIZES:
        tab = browser.context.new_page()
        tab.set_viewport_size({"width": width, "height": height})
        tab.add_init_script(HOLD_SCRIPTS)
        tab.goto((tmp_path / f"{name}.html").as_uri())
        tab.wait_for_load_state("load")
        assert tab.evaluate("typeof window.chainruleBackprop") == "undefined"  # nothing ran yet
        first = tab.evaluate(FRAME)
        assert first["inside"] and first["grads"] and set(first["grads"]) == {"grad 0"}, first
        assert first["label"] == f"step 0 of {len(page.steps) - 1} · {page.steps[0].name}"
        assert tab.evaluate("document.querySelector('#caption > div').textContent") == page.steps[0].caption
        assert tab.evaluate("chainrule.steps") == len(page.steps)  # asking for the page runs its scripts
        after = tab.evaluate(FRAME)
        assert after["label"] == first["label"] and after["grads"] == first["grads"]
        assert abs(after["caption"] - first["caption"]) < 1.01, (first["caption"], after["caption"])
        moved = max(abs(a - b) for r, s in zip(first["nodes"], after["nodes"]) for a, b in zip(r, s))
        assert moved < 1.01, moved  # at most a pixel's rounding
        assert tab.evaluate("document.getElementById('caption').textContent") == page.steps[0].caption
        tab.close()
