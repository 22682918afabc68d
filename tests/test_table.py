"""The graph table against the object graph, the one namer, and pickling through the table."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

from hypothesis import given, settings

import autograd
from autograd import Value, scope
from autograd.table import depths, path_counts, row_gradients, table
from examples import RECIPES, random_graph

DATA = Path(__file__).resolve().parent / "data"


@settings(max_examples=60, deadline=None)
@given(RECIPES)
def test_the_table_is_the_object_graph(recipe):
    root, _ = random_graph(recipe)
    root.backward()
    t = table(root)
    order = autograd.topological_order(root)
    assert list(t.nodes) == order and t.root is root and t.roots == (len(order) - 1,)
    assert all(t.row[node] == k for k, node in enumerate(order))
    for k, node in enumerate(order):
        row = t[k]
        assert row.node is node and row.k == k
        assert [t.nodes[p] for p in row.parents] == list(node.parents)  # a*a keeps both
        assert all(p < k for p in row.parents)  # inputs first
        assert row.locals == node.local_grads and row.rule is node.rule and row.op == node.op
        assert (row.data, row.grad, row.label, row.scope, row.role) == (node.data, node.grad, node.label,
                                                                          node.scope, node.role)
    names = t.names()
    assert len(set(names)) == len(names) == len(order)
    assert [r.name for r in t] == list(names)
    # What the views compute from the table agrees with the engine.
    assert row_gradients(t) == [n.grad for n in order]
    counts = path_counts(t)
    assert counts[-1] == 1 and all(c >= 1 for c in counts)
    assert depths(t)[-1] == max((depths(t)[p] + 1 for p in t.parents[-1]), default=0)


@settings(max_examples=40, deadline=None)
@given(RECIPES)
def test_the_rows_above_many_nodes_at_once_are_each_ones_rows_above(recipe):
    # One pass for the page's explained nodes, the walk up the consumers for one node:
    # the same rows, in row order, for every node and any choice of them.
    root, _ = random_graph(recipe)
    t = table(root)
    every = list(range(len(t)))
    assert t.above_each(every) == [t.above(k) for k in every]
    some = every[len(every) // 2::3] + every[:2]
    assert t.above_each(some) == [t.above(k) for k in some]
    assert t.above_each([]) == []
    assert all(above[-1] == t.roots[0] for above in t.above_each(every))  # the root is above all


def test_pickles_name_what_every_version_reads():
    # The rows moved to autograd.pickling; a pickle still names the functions in
    # autograd.graph that every pickle ever written names, so older versions read it too.
    w = Value(0.5, label="w")
    y = (w * w).tanh()
    data = pickle.dumps((y, w))
    assert b"_rebuild_graph" in data and b"_rebuild_node" in data and b"autograd.graph" in data
    assert b"autograd.pickling" not in data
    twin, w2 = pickle.loads(data)
    assert twin.parents[0].parents == (w2, w2) and twin.data == y.data


@settings(max_examples=30, deadline=None)
@given(RECIPES)
def test_names_are_stable(recipe):
    root, _ = random_graph(recipe)
    first = table(root).names()
    root.backward()  # gradients change, names do not
    assert table(root).names() == first
    assert table(root).names(digits=4) == first


def test_names_follow_the_rules():
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    with scope("mlp"), scope("layer1"), scope("neuron2"):
        p = Value(0.5, label="w0")
        p.role = "param"
    n = x * w
    o = (n + 1.0).tanh()
    t = table(o * p + (x - (w - x)) / 2.0)
    name = dict(zip(t.nodes, t.names()))
    assert name[x] == "x" and name[n] == "x*w" and name[o] == "tanh(x*w+1)"
    assert name[p] == "mlp.layer1.neuron2.w0"  # a parameter's place
    assert "(x-(w-x))/2" in t.names()  # brackets only where the order needs them
    assert "1" in t.names() and "2" in t.names()  # constants by their number
    # A long expression gives way to the op within its scope. Shared names: the two
    # independent pieces made in the scope are told apart by their place ([0], [1]);
    # nodes of one piece by their row.
    with scope("block"):
        a = Value(1.0, label="a_rather_long_label")
        b = (a * a * a * a).exp()
        c = (a + a + a + a).exp()
    t = table(b + c)
    names = t.names()
    assert len(set(names)) == len(names)
    assert {names[t.row[b]], names[t.row[c]]} == {"block[0].exp", "block[1].exp"}  # in graph order
    assert {n.split("#")[0] for n in names if "#" in n} == {"block.mul", "block.add"}
    # The sum outside: 'block.exp+block.exp' would say nothing, so it is its op.
    assert "a_rather_long_label" in names and names[-1] == "add"
    assert names[-1] == "add"  # outside the block, one add: no suffix


def test_a_deep_chain_tables_without_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + x
    t = table(y)
    assert len(t) == 1 + 3 * 100_000 and t.nodes[-1] is y  # x, then a constant, mul, add a step
    assert depths(t)[-1] == 200_000
    assert len(set(t.names())) == len(t)


def test_pickling_a_deep_graph_round_trips():
    w = Value(0.5, label="w")
    w.role = "param"
    with scope("layer"):
        y = w.tanh()
    for _ in range(50_000):
        y = y * 0.5 + w
    y.backward()
    twin, w2 = pickle.loads(pickle.dumps((y, w)))
    t, t2 = table(y), table(twin)
    assert t2.data == t.data and t2.grad == t.grad and t2.parents == t.parents
    assert t2.locals == t.locals and t2.names() == t.names() and t2.scopes == t.scopes
    assert w2 in t2.row and w2.role == "param"  # the shared leaf stays shared
    assert copy.deepcopy(y).data == y.data


def test_a_pickle_written_by_chainrule_0_1_0_loads():
    # Written by the code before the graph table (Node.__reduce__'s own rows): nothing a
    # user saved is lost. The numbers are what that code printed when it wrote the file.
    saved = pickle.loads((DATA / "graph_pickled_by_0.1.0.pickle").read_bytes())
    y, w, x, h = saved["y"], saved["w"], saved["x"], saved["h"]
    assert (y.data, y.grad, w.grad, x.grad) == (-563.7086514452415, 1.0, -0.15492758485402233, 451.4150635484443)
    assert (h.data, h.grad, h.label, h.scope) == (0.8798266996519848, 0.5486469074854965, "h", ("layer",))
    assert w.role == "param" and w.label == "w" and y.label == "y"
    t = table(y)
    assert w in t.row and x in t.row and len(t) == 6 + 600 * 3
    grads = row_gradients(t)
    y.zero_grad()
    y.backward()
    assert grads[t.row[w]] == w.grad == -0.15492758485402233 and x.grad == 451.4150635484443


def test_the_tape_is_built_from_the_table():
    from autograd.tracing.tape import KIND_NAMES, Tape

    w = Value(2.0, label="w")
    x = Value(3.0, label="x")
    unused = Value(4.0, label="u")
    tape = Tape.record([w * x + 1, (w * x).tanh()], [x, unused])
    assert [KIND_NAMES[k] for k in tape.kind] == ["captured", "input", "sample", "captured", "sample", "sample",
                                                  "sample", "input"]
    t = table(w * x + 1, inputs_in_order=True)  # the first input first, as the tape reads it
    assert t.names() == ("w", "x", "w*x", "1", "w*x+1")


def _page_data(page) -> dict:
    import json

    from autograd.views.page import unpacked

    text = unpacked(page.html)
    start = text.index('<script type="application/json" id="chainrule-data">')
    start = text.index(">", start) + 1
    return json.loads(text[start:text.index("</script>", start)])


def test_one_name_for_a_node_in_every_view():
    # The unlabelled x*w and the parameter are named once, by the one namer; the caption,
    # the click panel, the tree, explain and summary all call them that.
    x = Value(2.0, label="x")
    with scope("neuron"):
        w = Value(-3.0, label="w0")
        w.role = "param"
        n = x * w
        o = (n + 1.0).tanh()
    t = table(o)
    name = dict(zip(t.nodes, t.names()))
    assert (name[n], name[w], name[o]) == ("x*neuron.w0", "neuron.w0", "tanh(x*neuron.w0+1)")
    page = autograd.html(o)
    captions = "\n".join(s.caption for s in page.steps)
    assert f"({name[n]}).grad" in captions and f"{name[w]}.grad +=" in captions
    panels = {entry["name"] for entry in _page_data(page)["views"][0]["nodes"].values() if "name" in entry}
    assert {name[n], name[w], name[o], "x"} <= panels
    text = autograd.tree(o)
    assert f"{name[o]}: tanh" in text and f"{name[n]}: *" in text and f"── {name[w]}  data" in text
    why = str(autograd.explain(o, w))
    assert f"∂{name[o]}/∂{name[w]}" in why and f"({name[n]})" in why
    assert f"graph below {name[o]}:" in str(autograd.summary(o))

