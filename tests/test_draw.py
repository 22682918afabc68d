"""Drawings: rendered with the real `dot`, read back from the SVG, and golden DOT source."""

from __future__ import annotations

import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest

import autograd
from autograd import DotNotFoundError, GraphTooLargeError, Value, draw, render, scope
from autograd.views.draw import COLOURS, DEFAULT_MAX_NODES
from examples import g4, neuron

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")


def read_svg(path):
    """{node id: (texts, fills, points)}, {edge title: texts}, {cluster label: points}."""
    root = ET.parse(path).getroot()
    nodes, edges, clusters = {}, {}, {}
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        title = g.findtext(f"{SVG}title")
        texts = [t.text for t in g.iter(f"{SVG}text")]
        if kind == "node":
            fills = [p.get("fill") for p in g.iter() if p.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path")]
            nodes[title] = (texts, fills, _points(g))
        elif kind == "edge":
            edges.setdefault(title, []).append(texts)
        elif kind == "cluster":
            clusters[texts[0]] = _points(g)
    return nodes, edges, clusters


def _points(g) -> list[tuple[float, float]]:
    pts = []
    for shape in g.iter():  # polygons, and paths (rounded clusters are drawn as paths)
        if shape.tag in (f"{SVG}polygon", f"{SVG}path"):
            text = shape.get("points") or shape.get("d")
            pts += [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", text)]
    return pts


def node_id(nodes, label: str) -> str:
    (found,) = [k for k, (texts, _, _) in nodes.items() if label in texts]
    return found




@needs_dot
def test_neuron_svg_shows_labels_values_gradients_colours_and_the_chain_rule(tmp_path):
    o, v = neuron()
    path = render(o, tmp_path / "neuron.svg", edge_labels=True)
    nodes, edges, _ = read_svg(path)
    for name, node in v.items():
        texts, fills, _ = nodes[node_id(nodes, name)]
        assert f"data {g4(node.data)}" in texts and f"grad {g4(node.grad)}" in texts
        role = "output" if node is o else "input" if not node.parents else "other"
        assert COLOURS[role] in fills, (name, fills)
    # The op nodes are separate small nodes with the op's symbol.
    assert any(texts == ["tanh"] for texts, _, _ in nodes.values())
    # Edge labels are the local derivatives, derived by hand: d(a*b)/da = b, tanh' = 1 - tanh².
    x1, w1 = node_id(nodes, "x1"), node_id(nodes, "w1")
    mul = [t for t in edges if t.startswith(f"{x1}->")][0].split("->")[1]
    assert edges[f"{x1}->{mul}"] == [[g4(v["w1"].data)]]
    assert edges[f"{w1}->{mul}"] == [[g4(v["x1"].data)]]
    n_to_tanh = [t for t in edges if t.startswith(node_id(nodes, "n") + "->")]
    assert edges[n_to_tanh[0]] == [[g4(1 - o.data ** 2)]]
    # The picture shows the chain rule: multiplying the numbers on the path from x1 up
    # to o gives x1.grad (op -> result edges carry an implicit 1).
    product, here = 1.0, x1
    while here != node_id(nodes, "o"):
        (title,) = [t for t in edges if t.startswith(f"{here}->")]
        labels = edges[title][0]
        product *= float(labels[0]) if labels else 1.0
        here = title.split("->")[1]
    assert math.isclose(product, v["x1"].grad, rel_tol=1e-3)
    # A legend names the roles drawn.
    legend = nodes["legend"][0]
    assert "input (leaf)" in legend and "output" in legend


def test_golden_dot_source_for_a_small_graph():
    # d = a*b + c with a=2, b=-3, c=10: by hand, a*b = -6, d = 4, dd/dc = dd/d(ab) = 1,
    # dd/da = b = -3, dd/db = a = 2; the edges into * carry b and a, those into + carry 1.
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = a * b + c
    d.label = "d"
    d.backward()
    ops = 'fontsize=10 height=0.3 margin="0.04,0.02" shape=ellipse'
    leaf = f'fillcolor="{COLOURS["input"]}" shape=record style=filled'
    assert draw(d, edge_labels=True).source == "\n".join([
        "digraph chainrule {",
        "\tgraph [rankdir=LR]",
        "\tnode [fontname=Helvetica fontsize=11]",
        "\tedge [fontname=Helvetica fontsize=9]",
        f'\tn0 [label="{{ c | data 10 | grad 1 }}" {leaf}]',
        f'\tn1 [label="{{ b | data -3 | grad 2 }}" {leaf}]',
        f'\tn2 [label="{{ a | data 2 | grad -3 }}" {leaf}]',
        f'\tn3 [label="{{ data -6 | grad 1 }}" fillcolor="{COLOURS["other"]}" shape=record style=filled]',
        f'\tn3_op [label="*" {ops}]',
        f'\tn4 [label="{{ d | data 4 | grad 1 }}" fillcolor="{COLOURS["output"]}" shape=record style=filled]',
        f'\tn4_op [label="+" {ops}]',
        "\tn2 -> n3_op [label=-3]",
        "\tn1 -> n3_op [label=2]",
        "\tn3_op -> n3",
        "\tn3 -> n4_op [label=1]",
        "\tn0 -> n4_op [label=1]",
        "\tn4_op -> n4",
        '\tlegend [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        f'<tr><td bgcolor="{COLOURS["input"]}">input (leaf)</td></tr>'
        f'<tr><td bgcolor="{COLOURS["output"]}">output</td></tr></table>> fontsize=9 shape=plaintext]',
        "}", ""])


def test_the_same_expression_drawn_twice_gives_identical_source():
    def build():
        x = Value(0.5, label="x")
        with scope("block"):
            h = (x * x + x).sigmoid()
        y = h * h - x
        y.backward()
        return y

    first, second = build(), build()
    assert first is not second
    options = dict(edge_labels=True)
    assert draw(first, **options).source == draw(second, **options).source
    assert draw(first, collapse=1).source == draw(second, collapse=1).source
    assert "0x" not in draw(first).source  # no id()/repr addresses anywhere


@needs_dot
def test_record_special_characters_are_escaped(tmp_path):
    weird = 'we{i}rd|<x> "q" \\N back\\slash'
    a = Value(1.0, label=weird)
    y = a * 2
    y.label = "}{"
    nodes, _, _ = read_svg(render(y, tmp_path / "weird.svg"))
    texts = [t for texts, _, _ in nodes.values() for t in texts]
    assert weird in texts and "}{" in texts


@needs_dot
def test_nan_and_inf_are_red_and_in_the_legend(tmp_path):
    x = Value(math.inf, label="x")
    y = x * 0.0  # inf * 0 = nan
    y.label = "y"
    y.backward()
    nodes, _, _ = read_svg(render(y, tmp_path / "nan.svg"))
    for name in ("x", "y"):
        assert COLOURS["nonfinite"] in nodes[node_id(nodes, name)][1]
    assert "NaN / inf" in nodes["legend"][0]


@needs_dot
def test_parameters_have_their_colour(tmp_path):
    w = Value(0.3, label="w")
    w.role = "param"
    x = Value(2.0, label="x")
    y = (w * x).relu()
    nodes, _, _ = read_svg(render(y, tmp_path / "p.svg"))
    assert COLOURS["param"] in nodes[node_id(nodes, "w")][1]
    assert COLOURS["input"] in nodes[node_id(nodes, "x")][1]
    assert "parameter" in nodes["legend"][0]


@needs_dot
def test_scopes_are_clusters_that_contain_their_nodes(tmp_path):
    x = Value(1.5, label="x")
    with scope("layer1"):
        h = x * 2
        h.label = "h"
        with scope("inner"):
            k = h.tanh()
            k.label = "k"
    y = k + x
    y.label = "y"
    nodes, _, clusters = read_svg(render(y, tmp_path / "s.svg"))
    assert set(clusters) == {"layer1", "inner"}

    def inside(label, cluster):
        xs, ys = zip(*clusters[cluster])
        return all(min(xs) <= px <= max(xs) and min(ys) <= py <= max(ys)
                   for px, py in nodes[node_id(nodes, label)][2])

    assert inside("h", "layer1") and inside("k", "layer1") and inside("k", "inner")
    assert not inside("h", "inner") and not inside("x", "layer1") and not inside("y", "layer1")


def mlp(samples, sizes, seed=0):
    """A small MLP made of Values, scoped like nn does: ("layer{i}", "neuron{j}")."""
    import random

    rng = random.Random(seed)
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        neurons = []
        for j in range(nout):
            with scope(f"layer{i}"), scope(f"neuron{j}"):  # parameters live in their scope
                ws = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
                b = Value(0.0)
            for p in ws + [b]:
                p.role = "param"
            neurons.append((ws, b))
        layers.append(neurons)
    losses = []
    for xs in samples:
        h = [Value(x, label=f"x{k}") for k, x in enumerate(xs)]
        for i, neurons in enumerate(layers):
            with scope(f"layer{i}"):
                out = []
                for j, (ws, b) in enumerate(neurons):
                    with scope(f"neuron{j}"):
                        out.append((autograd.dot(ws, h) + b).tanh())
                h = out
        losses.append((h[0] - 1.0) ** 2)
    loss = autograd.sum(losses)
    loss.label = "loss"
    loss.backward()
    return loss, layers


@needs_dot
def test_collapse_folds_an_mlp_into_boxes(tmp_path):
    samples = [[1.0, -2.0, 0.5], [0.3, 0.1, -1.0], [0.0, 2.0, 1.0], [-1.5, 0.2, 0.7]]
    loss, layers = mlp(samples, [3, 16, 16, 1])
    order = autograd.topological_order(loss)
    assert len(order) > DEFAULT_MAX_NODES
    with pytest.raises(GraphTooLargeError, match=r"collapse=1.*'layer0'"):
        draw(loss)

    nodes, edges, _ = read_svg(render(loss, tmp_path / "mlp1.svg", collapse=1))
    boxes = {texts[0]: texts for texts, _, _ in nodes.values() if texts and texts[0].startswith("layer")}
    assert set(boxes) == {"layer0", "layer1", "layer2"}
    for i, layer in enumerate(layers):
        folded = [n for n in order if n.scope[:1] == (f"layer{i}",)]
        params = sum(len(ws) + 1 for ws, _ in layer)
        assert boxes[f"layer{i}"][1] == f"{len(folded)} Values, {params} params"
    # Parameters are inside the boxes, not drawn; the inputs feed layer0's box.
    assert not any(COLOURS["param"] in fills for _, fills, _ in nodes.values())
    (layer0,) = [k for k, (texts, _, _) in nodes.items() if texts[:1] == ["layer0"]]
    x0 = [k for k, (texts, _, _) in nodes.items() if "x0" in texts]
    assert len(x0) == len(samples) and all(f"{x}->{layer0}" in edges for x in x0)
    # Each sample hands 16 activations from layer0 to layer1: drawn as records after the box.
    assert sum(1 for t in edges if t.startswith(f"{layer0}->")) == len(samples) * 16

    source = draw(loss, collapse=2).source  # one box per neuron, clusters per layer
    assert source.count("shape=box3d") == 16 + 16 + 1
    assert source.count("subgraph cluster_") == 3


def test_too_large_without_scopes_says_how_to_fix_it():
    x = Value(0.1, label="x")
    y = x
    for _ in range(100_000):  # deep: drawing code must not recurse
        y = y.sin()
    with pytest.raises(GraphTooLargeError) as info:
        draw(y)
    message = str(info.value)
    assert "100,001 Values" in message and f"max_nodes={DEFAULT_MAX_NODES}" in message
    assert "autograd.scope" in message and "collapse=1" in message


@needs_dot
def test_render_formats_from_the_extension(tmp_path):
    o, _ = neuron()
    assert render(o, tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert render(o, tmp_path / "g.pdf").read_bytes()[:4] == b"%PDF"
    assert render(o, tmp_path / "g.dot").read_text() == draw(o).source
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        render(o, tmp_path / "g.jpeg")


def test_missing_dot_writes_the_dot_file_and_says_how_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # graphviz looks dot up on PATH: now it is missing
    # ...and graphviz-pure, which is also looked for beside this Python.
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    o, _ = neuron()
    with pytest.raises(DotNotFoundError) as info:
        render(o, tmp_path / "neuron.svg", edge_labels=True)
    message = str(info.value)
    for advice in ("apt-get install graphviz", "brew install graphviz", "conda install", "pip install graphviz-pure"):
        assert advice in message
    assert not (tmp_path / "neuron.svg").exists()
    assert (tmp_path / "neuron.dot").read_text() == draw(o, edge_labels=True).source
    assert info.value.__cause__ is None and info.value.__suppress_context__
    # Again: the user's neuron.dot (here, the first fallback) is never replaced.
    (tmp_path / "neuron.dot").write_text("mine")
    with pytest.raises(DotNotFoundError, match=r"saved as .*neuron-1\.dot"):
        render(o, tmp_path / "neuron.svg", edge_labels=True)
    assert (tmp_path / "neuron.dot").read_text() == "mine"
    assert (tmp_path / "neuron-1.dot").read_text() == draw(o, edge_labels=True).source


def test_render_writes_through_a_symlink_and_keeps_the_files_mode(tmp_path):
    o, _ = neuron()
    target = tmp_path / "real.dot"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.dot"
    link.symlink_to(target.name)
    render(o, link)
    assert link.is_symlink() and target.read_text() == draw(o).source
    assert target.stat().st_mode & 0o777 == 0o640


@needs_dot
def test_the_digraph_displays_itself_inline_in_jupyter():
    o, _ = neuron()
    bundle = draw(o)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "data 0.7071" in bundle["image/svg+xml"]


def test_show_digits_rankdir_options():
    o, v = neuron()
    source = draw(o, show=("data",), digits=2).source
    assert "grad" not in source and "x1" not in source
    assert f"data {format(o.data, '.2g')}" in source
    tb = draw(o, rankdir="TB").source
    assert 'label="x1 | data 2 | grad' in tb  # fields side by side without braces
    assert "legend" not in draw(o, legend=False).source
    for bad in (dict(show=("value",)), dict(rankdir="up"), dict(collapse=0), dict(max_nodes=0), dict(digits=0)):
        with pytest.raises(ValueError):
            draw(o, **bad)
    with pytest.raises(TypeError, match="expected a Value"):
        draw(3.0)


def test_edge_labels_for_a_repeated_input():
    a = Value(3.0, label="a")
    y = a * a  # two edges from a, each with local derivative a
    lines = [line.strip() for line in draw(y, edge_labels=True).source.splitlines() if "->" in line]
    assert lines.count(f"n0 -> n1_op [label={g4(a.data)}]") == 2


def test_constants_are_drawn_as_plain_numbers_and_named_in_the_legend():
    x = Value(3.0, label="x")
    y = (x ** 2) * 0.5  # the 2 and the 0.5 entered as numbers: constants
    y.backward()
    source = draw(y).source
    assert ('n1 [label=2 color="#8a8a8a" fontcolor="#333333" height=0.3 margin="0.06,0.02" shape=box style=rounded]'
            in source)
    assert ">constant</td>" in source
    assert not any("grad" in line for line in source.splitlines() if line.strip().startswith(("n0 ", "n1 ")))
    # A labelled leaf is an input, whatever its value; nn's inputs are labelled x0, x1...
    assert f'{{ x | data 3 | grad 3 }}" fillcolor="{COLOURS["input"]}"' in source


def test_one_glyph_symbols_are_drawn_as_the_op_name():
    ws = [Value(1.0, label="w0"), Value(2.0, label="w1")]
    xs = [Value(3.0, label="x0"), Value(4.0, label="x1")]
    y = autograd.dot(ws, xs)
    source = draw(y).source
    assert '_op [label=dot ' in source and '[label="·"' not in source


@needs_dot
def test_picture_gives_the_svg_title_of_every_value(tmp_path):
    from autograd.views.draw import layout, picture

    o, v = neuron()
    pic = picture(o)
    svg = layout(pic.graph.source, "svg").decode()
    titles = set(re.findall(r"<title>([^<]*)</title>", svg))
    assert {pic.records[n] for n in v.values()} <= titles
    assert {pic.ops[n] for n in v.values() if n.parents} <= titles
    assert pic.records[v["x1"]] == "n" + str(autograd.topological_order(o).index(v["x1"]))


def test_a_drawing_at_a_plain_repl_says_how_to_see_it(tmp_path):
    y = Value(2.0, label="x").tanh()
    y.backward()
    g = draw(y)
    shown = repr(g)
    assert "object at 0x" not in shown
    assert 'autograd.render(y, "y.svg")' in shown and '.save("y.dot")' in shown and "Jupyter" in shown
    assert g.save(tmp_path / "y.dot") and (tmp_path / "y.dot").read_text() == g.source  # .save does what it says
    assert "image/svg+xml" in g._repr_mimebundle_()  # Jupyter still gets the picture, not the text

def test_draw_in_a_notebook_without_dot_or_graphviz_pure_shows_our_advice(tmp_path, monkeypatch):
    # Neither program: the notebook's display shows our message (naming graphviz-pure), not
    # graphviz's ExecutableNotFound traceback; pipe and the Digraph's render raise ours.
    from IPython.core.formatters import DisplayFormatter

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))  # graphviz-pure is looked for beside it
    g = draw(Value(2.0, label="x") * 3)
    data, _ = DisplayFormatter().format(g)
    assert list(data) == ["text/plain"]
    assert "pip install graphviz-pure" in data["text/plain"] and "apt-get install graphviz" in data["text/plain"]
    with pytest.raises(DotNotFoundError, match="draw: .*graphviz-pure"):
        g.pipe(format="svg")
    with pytest.raises(DotNotFoundError, match="Digraph.render: .*autograd.render"):
        g.render(str(tmp_path / "g"), format="svg")
