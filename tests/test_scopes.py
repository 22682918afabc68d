"""Scopes: ``scope`` as a context and a decorator, call numbers, and ``function_scopes``."""

from __future__ import annotations

import os
import sys
import threading

import pytest

import autograd
from autograd import Value, function_scopes, scope
from autograd.scopes import user_function_name

# -- the decorator --------------------------------------------------------------------


@scope
def double(x):
    return x * 2.0


@scope("attention")
def attend(x):
    return double(x) + double(x)


def test_bare_decorator_names_the_scope_after_the_function():
    y = double(Value(1.0))
    assert y.scope[-1].split("#")[0] == "double"
    assert double.__name__ == "double" and double.__wrapped__  # functools.wraps


def test_decorator_calls_nest_and_repeated_calls_are_numbered():
    with scope("step"):
        y = attend(Value(1.0))
        z = attend(Value(2.0))
    assert y.scope == ("step", "attention")
    assert [p.scope for p in y.parents] == [("step", "attention", "double"), ("step", "attention", "double#2")]
    # The second call of attention is told apart; numbering inside it starts from 1 again.
    assert z.scope == ("step", "attention#2")
    assert [p.scope for p in z.parents] == [("step", "attention#2", "double"), ("step", "attention#2", "double#2")]


def test_with_scope_blocks_number_their_calls_from_one():
    for _ in range(3):
        with scope("step"):
            a, b = double(Value(1.0)), double(Value(1.0))
        assert (a.scope, b.scope) == (("step", "double"), ("step", "double#2"))


def test_scope_accepts_parentheses_and_refuses_nonsense():
    @scope()
    def f(x):
        return x + 1.0

    with scope("s"):
        assert f(Value(0.0)).scope == ("s", "f")
    with pytest.raises(TypeError, match="scope: expected a name"):
        scope(3)
    with pytest.raises(TypeError, match="decorates a function"):
        scope()(5)


def test_a_raising_call_closes_its_scope():
    @scope
    def bad(x):
        _ = x * 2.0
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        bad(Value(1.0))
    assert autograd.current_scope() == ()
    assert (Value(1.0) * 2.0).scope == ()


def test_drawing_keeps_repeated_calls_apart():
    with scope("model"):
        ys = [double(Value(float(i), label=f"x{i}")) for i in range(3)]
    total = autograd.sum(ys)
    source = autograd.draw(total, collapse=2).source
    assert source.count("shape=box3d") == 3  # one box per call, not one for all three
    for name in ("double\\n", "double#2\\n", "double#3\\n"):
        assert name in source


def test_threads_number_and_scope_apart():
    results = {}

    def work(name):
        with scope(name):
            results[name] = [double(Value(1.0)).scope for _ in range(2)]

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, scopes in results.items():
        assert scopes == [(name, "double"), (name, "double#2")]


# -- function_scopes ------------------------------------------------------------------


def rmsnorm(xs):
    ms = sum(x * x for x in xs) / len(xs)
    return [x * (ms + 1e-5) ** -0.5 for x in xs]


def layer(xs):
    return [v.tanh() for v in rmsnorm(xs)]


def model(xs):
    return layer(layer(xs))


def test_function_scopes_scope_every_call_of_user_code():
    xs = [Value(1.0), Value(2.0)]
    with function_scopes():
        out = model(xs)
    assert sys.getprofile() is None
    assert out[0].scope == ("model", "layer#2")
    scopes = {n.scope for n in autograd.topological_order(out[0])}
    assert ("model", "layer", "rmsnorm") in scopes and ("model", "layer#2", "rmsnorm") in scopes
    # Comprehensions and generator expressions are not scopes; chainrule's functions are not.
    assert not any(part.startswith("<") for s in scopes for part in s)
    assert not any(part in ("__mul__", "tanh", "sum", "_binary_method") for s in scopes for part in s)
    # Outside the block nothing is scoped.
    assert model(xs)[0].scope == ()


def test_each_block_numbers_from_one_and_draws_a_box_per_call():
    xs = [Value(1.0, label="a"), Value(2.0, label="b")]
    for _ in range(2):
        with function_scopes():
            outs = [model(xs)[0] for _ in range(3)]
        assert [o.scope[0] for o in outs] == ["model", "model#2", "model#3"]
    loss = autograd.sum(outs)
    loss.backward()
    one = autograd.draw(loss, collapse=1).source
    assert one.count("shape=box3d") == 3
    two = autograd.draw(loss, collapse=2).source
    assert two.count("shape=box3d") == 6 and "label=model" in two  # layer, layer#2 per call


def test_the_previous_profiler_is_put_back():
    seen = []

    def mine(frame, event, arg):
        seen.append(event)

    sys.setprofile(mine)
    try:
        with function_scopes():
            assert sys.getprofile() is not mine
            y = layer([Value(1.0)])
        assert sys.getprofile() is mine
    finally:
        sys.setprofile(None)
    assert y[0].scope == ("layer",) and seen


def test_blocks_nest_and_exceptions_leave_nothing_behind():
    def boom(x):
        _ = x * 2.0
        raise ValueError("inside")

    with pytest.raises(ValueError):
        with function_scopes():
            with function_scopes():
                boom(Value(1.0))
    assert sys.getprofile() is None and autograd.current_scope() == ()
    with function_scopes():
        try:
            boom(Value(1.0))
        except ValueError:
            pass
        y = layer([Value(1.0)])
    assert y[0].scope == ("layer",)  # boom's scope was closed when it raised


def test_decorated_functions_are_one_scope_not_two():
    with function_scopes():
        y = attend(Value(1.0))
    assert y.scope == ("attention",)
    assert {p.scope for p in y.parents} == {("attention", "double"), ("attention", "double#2")}


def test_generators_get_a_scope_per_resumption_and_close_it():
    def gen(xs):
        for x in xs:
            yield x * 2.0

    with function_scopes():
        ys = list(gen([Value(1.0), Value(2.0)]))
    assert [y.scope for y in ys] == [("gen",), ("gen#2",)]
    assert autograd.current_scope() == ()


def test_what_counts_as_user_code():
    def mine():
        pass

    assert user_function_name(mine.__code__) == "mine"
    assert user_function_name(Value.backward.__code__) is None  # chainrule
    assert user_function_name(os.path.join.__code__) is None  # the standard library
    assert user_function_name(pytest.raises.__code__) is None  # installed packages
    import nn

    assert user_function_name(nn.MLP.__call__.__code__) is None  # chainrule's nn
    assert user_function_name((lambda: 0).__code__) is None


def test_nn_scopes_nest_inside_user_functions():
    import nn

    net = nn.MLP(2, [2, 1], seed=0)

    def predict(x):
        return net(x)

    with function_scopes():
        out = predict([1.0, 2.0])
    assert out.scope[0] == "predict" and len(out.scope) > 1


def test_a_big_collapsed_step_is_thinned_into_counted_edges():
    # 600 unscoped parameters read by boxes: too many to draw one by one.
    ws = [Value(0.01 * i) for i in range(600)]
    for w in ws:
        w.role = "param"
    named = ws[0]
    named.label = "w0"

    def dense(xs):
        return [sum(w * x for w, x in zip(ws[i * 20:(i + 1) * 20], xs)) for i in range(30)]

    def head(hs):
        return sum(h * h for h in hs)

    xs = [Value(1.0) for _ in range(20)]
    with function_scopes():
        outs = [head(dense(xs)) for _ in range(2)]
    loss = outs[0] + outs[1]
    loss.label = "loss"
    loss.backward()
    source = autograd.draw(loss, collapse=1).source
    assert source.count("shape=box3d") == 4  # dense, dense#2, head, head#2
    assert "599 parameters" in source and "20 inputs and constants" in source  # w0 has a label
    assert 'label="30 Values"' in source  # dense hands its 30 outputs to head as one edge
    assert "w0 |" in source and "loss |" in source  # labelled Values stay drawn
    assert source.count("shape=record") < 10
    # Small drawings are not thinned: every Value a box hands on is drawn.
    big = autograd.draw(loss, collapse=1, max_nodes=5000).source
    assert "parameters" not in big and big.count("shape=record") > 600


def test_cprofile_is_paused_for_the_block_and_resumed():
    import cProfile
    import pstats

    def after():
        return 1

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        with function_scopes():
            y = layer([Value(1.0)])
        after()
    finally:
        profiler.disable()
    assert y[0].scope == ("layer",) and sys.getprofile() is None
    seen = {func[2] for func in pstats.Stats(profiler).stats}
    assert "after" in seen  # profiled again once the block ended
