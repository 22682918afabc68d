"""nn modules: Neuron, Layer, MLP, Module's parameters, names, repr, scopes and init."""

import math
import random
import statistics

import pytest
from hypothesis import given, strategies as st

import autograd
import nn
from autograd import Value
from nn import INITS, MLP, Layer, Module, Neuron


def numeric_grad(f, p, eps=1e-6):
    """Central difference of f() with respect to the parameter p (moved in place)."""
    x = p.data
    p.data = x + eps
    hi = f().data
    p.data = x - eps
    lo = f().data
    p.data = x
    return (hi - lo) / (2 * eps)


# -- micrograd compatibility --------------------------------------------------------------


def test_mlp_defaults_draw_micrograds_weights_from_the_global_random_module():
    # micrograd: each Neuron draws w = [random.uniform(-1, 1) for _ in range(nin)], b = 0,
    # neuron by neuron, layer by layer, from the global generator.
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    expected = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in model.parameters()] == expected
    assert len(model.parameters()) == 337


def test_hidden_layers_relu_output_linear_like_micrograd():
    model = MLP(2, [4, 4, 1], seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    out = model([0.3, -0.7])
    assert isinstance(out, Value) and out.op == "dot"  # linear: the dot node itself
    hidden = model.layers[0]([0.3, -0.7])
    assert all(v.op == "relu" for v in hidden)


def test_mlp_returns_a_list_for_several_outputs_and_a_value_for_one():
    x = [1.0, -2.0, 0.5]
    assert isinstance(MLP(3, [4, 1], seed=1)(x), Value)
    out = MLP(3, [4, 2], seed=1)(x)
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(v, Value) for v in out)


def test_hidden_layer_of_width_one_works():
    # micrograd's MLP(2, [16, 1, 1]) raises TypeError: its width-1 layer returns a bare Value.
    model = MLP(2, [16, 1, 1], seed=3)
    out = model([0.5, -1.5])
    assert isinstance(out, Value)
    out.backward()
    first = model.layers[0].neurons[0].w[0]
    assert len(model.parameters()) == 16 * 3 + 17 + 2
    # The output really passes through the width-1 layer: its gradient reaches layer 0.
    middle = model.layers[1].neurons[0]
    with autograd.no_grad():
        hidden = model.layers[1](model.layers[0]([0.5, -1.5]))[0].data
    expected_bias_grad = model.layers[2].neurons[0].w[0].data if hidden > 0 else 0.0
    assert middle.b.grad == expected_bias_grad
    assert first.grad == pytest.approx(numeric_grad(lambda: model([0.5, -1.5]), first), abs=1e-6)


def test_layer_always_returns_a_list():
    out = Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1


# -- the neuron's graph -------------------------------------------------------------------


def test_neuron_pre_activation_is_one_dot_node_with_the_bias_on_a_constant_one():
    n = Neuron(3, activation="tanh", seed=4)
    n.b.data = 0.25
    x = [1.0, -2.0, 0.5]
    y = n(x)
    assert y.op == "tanh"
    (z,) = y.parents
    assert z.op == "dot"
    ws, xs = z.parents[:4], z.parents[4:]
    assert list(ws) == n.w + [n.b]  # the very parameter objects
    assert [v.data for v in xs] == x + [1.0]
    expected = math.tanh(sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25)
    assert y.data == pytest.approx(expected, rel=1e-15)


def test_model_converts_float_inputs_once_per_call_and_one_constant_per_layer():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([0.5, 2.0])
    order = autograd.topological_order(out)
    constants = [v for v in order if not v.parents and v.role != "param"]
    # 2 inputs + one constant 1 per layer (shared by its neurons), not one per neuron.
    assert len(constants) == 2 + 3
    assert sorted(v.data for v in constants) == [0.5, 1.0, 1.0, 1.0, 2.0]
    assert sum(1 for v in order if v.op == "dot") == 3 + 3 + 1


def test_value_inputs_receive_gradients():
    model = MLP(2, [4, 1], activation="tanh", seed=2)
    x = [Value(0.3), Value(-0.8)]
    out = model(x)
    out.backward()
    for xi in x:
        assert xi.grad == pytest.approx(numeric_grad(lambda: model(x), xi), abs=1e-6)


def test_gradients_match_finite_differences_for_every_parameter():
    model = MLP(3, [4, 3, 1], activation="tanh", output_activation="sigmoid", seed=7)
    x = [0.2, -0.4, 0.9]
    out = model(x)
    model.zero_grad()
    out.backward()
    for name, p in model.named_parameters():
        assert p.grad == pytest.approx(numeric_grad(lambda: model(x), p), abs=1e-6), name


def test_single_number_input_when_nin_is_one():
    model = MLP(1, [3, 1], seed=0)
    assert model(0.5).data == model([0.5]).data


# -- activations ----------------------------------------------------------------------------


@pytest.mark.parametrize("name, op, f", [
    ("relu", "relu", lambda z: max(z, 0.0)),
    ("tanh", "tanh", math.tanh),
    ("sigmoid", "sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ("linear", "dot", lambda z: z),
])
def test_named_activations(name, op, f):
    n = Neuron(2, activation=name, seed=5)
    x = [0.7, -0.3]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data
    y = n(x)
    assert y.op == op
    assert y.data == pytest.approx(f(z), rel=1e-14)


def test_callable_activation_and_known_functions_map_to_names():
    n = Neuron(2, activation=lambda v: v * v, seed=1)
    y = n([1.0, 2.0])
    z = y.parents[0]
    assert y.op == "mul" and y.data == pytest.approx(z.data ** 2)
    assert Neuron(2, activation=autograd.tanh).activation == "tanh"
    assert Neuron(2, activation=Value.sigmoid).activation == "sigmoid"
    assert Neuron(2, activation=None).activation == "linear"


def test_bad_activation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown name 'gelu'.*relu, tanh, sigmoid, linear"):
        MLP(2, [3, 1], activation="gelu")
    with pytest.raises(TypeError, match="activation: expected a name"):
        Neuron(2, activation=3)


# -- init and seeds -------------------------------------------------------------------------


def test_seed_reproduces_and_different_seeds_differ():
    a = MLP(2, [8, 1], seed=11).state_dict()
    b = MLP(2, [8, 1], seed=11).state_dict()
    c = MLP(2, [8, 1], seed=12).state_dict()
    assert a == b and a != c


def test_rng_argument_is_used_and_seed_with_rng_is_refused():
    assert MLP(2, [8, 1], rng=random.Random(5)).state_dict() == MLP(2, [8, 1], seed=5).state_dict()
    with pytest.raises(ValueError, match="seed or rng, not both"):
        MLP(2, [3], seed=1, rng=random.Random(1))
    with pytest.raises(TypeError, match="rng must be like random.Random"):
        MLP(2, [3], rng=42)


def test_seeded_model_leaves_the_global_random_state_alone():
    random.seed(3)
    expected = random.random()
    random.seed(3)
    MLP(2, [16, 1], seed=0)
    assert random.random() == expected


def test_biases_start_at_zero_and_uniform_weights_in_minus_one_one():
    model = MLP(4, [32, 32, 1], seed=0)
    weights = [p.data for name, p in model.named_parameters() if ".w." in name]
    biases = [p.data for name, p in model.named_parameters() if name.endswith(".b")]
    assert biases == [0.0] * 65
    assert all(-1.0 <= w <= 1.0 for w in weights)
    assert min(weights) < -0.9 and max(weights) > 0.9


def test_xavier_bound_and_he_spread():
    layer = Layer(20, 30, init="xavier", seed=0)
    bound = math.sqrt(6 / (20 + 30))
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(abs(w) <= bound for w in ws) and max(map(abs, ws)) > 0.9 * bound
    he = Layer(200, 50, init="he", seed=0)
    ws = [w.data for n in he.neurons for w in n.w]  # 10,000 draws of N(0, 2/200)
    assert statistics.pstdev(ws) == pytest.approx(math.sqrt(2 / 200), rel=0.05)
    assert abs(statistics.fmean(ws)) < 0.005


def test_unknown_init_and_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="unknown init 'glorot'.*uniform, xavier, he"):
        MLP(2, [3], init="glorot")
    with pytest.raises(ValueError, match="nin must be a positive int, got 0"):
        Neuron(0)
    with pytest.raises(ValueError, match="each layer size in nouts must be a positive int, got 2.5"):
        MLP(2, [2.5])
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(2, [])
    with pytest.raises(TypeError, match="nouts must be a list"):
        MLP(2, 16)
    assert set(INITS) == {"uniform", "xavier", "he"}


# -- bad inputs -----------------------------------------------------------------------------


def test_bad_inputs_name_the_model_and_the_problem():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"MLP\(2 -> \[3, 1\]\): expected 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"input 1 must be a number or a Value, got str 'x'"):
        model([1.0, "x"])
    with pytest.raises(TypeError, match="expected a list of 2 numbers"):
        model(1.0)
    with pytest.raises(ValueError, match=r"Layer\(2 -> 3, relu\): expected 2 inputs, got 1"):
        model.layers[0]([1.0])


# -- Module: parameters, names, zero_grad, repr ---------------------------------------------


def test_named_parameters_are_dotted_paths_in_order():
    model = MLP(2, [2, 1], seed=0)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_named_parameters_are_stable_across_builds_and_training():
    a, b = MLP(2, [16, 16, 1], seed=0), MLP(2, [16, 16, 1], seed=1)
    names = [n for n, _ in a.named_parameters()]
    assert names == [n for n, _ in b.named_parameters()]
    params = dict(a.named_parameters())
    assert params["layers.0.neurons.3.w.1"] is a.layers[0].neurons[3].w[1]
    assert params["layers.2.neurons.0.b"] is a.layers[2].neurons[0].b
    a([1.0, 1.0]).backward()
    for p in a.parameters():
        p.data -= 0.1 * p.grad
    assert [n for n, _ in a.named_parameters()] == names
    assert len(set(names)) == 337


def test_parameters_are_marked_labelled_and_scoped():
    model = MLP(2, [4, 1], seed=0)
    neuron = model.layers[0].neurons[3]
    assert all(p.role == "param" for p in model.parameters())
    assert [p.label for p in neuron.parameters()] == ["w0", "w1", "b"]
    assert neuron.w[1].scope == ("mlp", "layer0", "neuron3")


def test_calls_run_inside_readable_scopes():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    out = model([0.1, 0.2])
    order = autograd.topological_order(out)
    dots = [v for v in order if v.op == "dot"]
    assert {v.scope for v in dots} == {("mlp", "layer0", f"neuron{j}") for j in range(4)} | {
        ("mlp", "layer1", "neuron0")}
    assert all(v.scope[-1].startswith("neuron") for v in order if v.op == "tanh")
    inputs = [v for v in order if not v.parents and v.data in (0.1, 0.2)]
    assert [v.scope for v in inputs] == [(), ()]  # data, not part of the model
    with autograd.scope("step"):
        inner = model([0.1, 0.2])
    assert inner.scope == ("step", "mlp", "layer1", "neuron0")


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_shows_architecture_and_parameter_count():
    assert repr(MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(\n"
        "  (layers.0): Layer(2 -> 16, relu)\n"
        "  (layers.1): Layer(16 -> 16, relu)\n"
        "  (layers.2): Layer(16 -> 1, linear)\n"
        ")  337 parameters")
    assert repr(Layer(3, 2, activation="tanh", seed=0)) == "Layer(3 -> 2, tanh)  8 parameters"
    assert repr(Neuron(1, activation=lambda v: v, seed=0)) == "Neuron(1, <lambda>)  2 parameters"


class TwoHeads(Module):
    """A user module: parameters found in attributes, lists and sub-modules."""

    def __init__(self):
        self.body = Layer(2, 3, seed=0)
        self.heads = [Neuron(3, "linear", seed=1), Neuron(3, "linear", seed=2)]
        self.scale = Value(2.0)
        self.tied = self.scale  # the same Value twice: listed once
        self._cache = Value(9.0)  # private: not a parameter
        self.note = "text"

    def __call__(self, x):
        h = self.body(x)
        return [self.scale * head(h) for head in self.heads]


def test_custom_module_finds_parameters_and_prints_children():
    m = TwoHeads()
    names = [n for n, _ in m.named_parameters()]
    assert names[:3] == ["body.neurons.0.w.0", "body.neurons.0.w.1", "body.neurons.0.b"]
    assert names[-5:] == ["heads.1.w.0", "heads.1.w.1", "heads.1.w.2", "heads.1.b", "scale"]
    assert len(names) == 9 + 4 + 4 + 1
    assert m.num_parameters() == 18
    assert repr(m) == (
        "TwoHeads(\n"
        "  (body): Layer(2 -> 3, relu)\n"
        "  (heads.0): Neuron(3, linear)\n"
        "  (heads.1): Neuron(3, linear)\n"
        ")  18 parameters")
    out = m([1.0, 2.0])
    out[0].backward()
    assert m.scale.grad == pytest.approx(out[0].data / 2.0)


def test_state_dict_and_load_state_dict_are_all_or_nothing():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    other = MLP(2, [3, 1], seed=1)
    other.load_state_dict(state)
    assert other.state_dict() == state
    before = other.state_dict()
    bad = dict(state, **{"layers.1.neurons.0.b": float("nan")})
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' is nan, not a finite number"):
        other.load_state_dict(bad)
    partial = {k: 0.0 for k in list(state)[:-1]}
    with pytest.raises(ValueError, match="missing 'layers.1.neurons.0.b'"):
        other.load_state_dict(partial)
    assert other.state_dict() == before


def test_drawings_fold_the_model_by_scope_depth():
    from autograd.views.draw import draw  # the real graphviz drawing, rendered by the real dot

    model = MLP(2, [3, 2, 1], seed=0)
    out = model([1.0, -0.5])
    out.backward()
    by_layer = draw(out, collapse=2).source
    # Each layer is one box inside the model's cluster, labelled with its parameter count.
    assert "label=mlp" in by_layer
    for i, n_params in enumerate([9, 8, 3]):
        assert f"layer{i}\\n" in by_layer and f"{n_params} params" in by_layer
    by_neuron = draw(out, collapse=3).source
    assert "label=layer0" in by_neuron and "label=layer1" in by_neuron
    assert "neuron2\\n" in by_neuron and "neuron1\\n" in by_neuron
    assert draw(out, collapse=2).pipe(format="svg").startswith(b"<?xml")


def test_shared_and_cyclic_references_are_walked_once():
    class Tied(Module):
        def __init__(self):
            self.a = Neuron(2, seed=0)
            self.b = self.a  # the same neuron twice
            self.a.owner = self  # a child pointing back at its parent

    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["a.w.0", "a.w.1", "a.b"]
    assert [n for n, _ in m.named_children()] == ["a"]
    assert "(owner): <Tied, shown above>" in repr(m)  # printed without endless recursion


# ---------------------------------------------------------------------------------------
# parameters() answers from its last walk while the model is unchanged, and walks again
# after any change a walk would see.


def _fresh_walk(model):
    from nn.module import _Listing

    return _Listing(model).named


@given(st.lists(st.integers(0, 7), max_size=25), st.integers(0, 10_000))
def test_parameters_after_any_change_are_a_fresh_walks(changes, seed):
    rng = random.Random(seed)
    model = nn.MLP(2, [3, 2], seed=seed % 7)
    for change in changes:
        layer = rng.choice(model.layers)
        neuron = rng.choice(layer.neurons)
        if change == 0:
            neuron.w.append(Value(rng.random()))
        elif change == 1 and neuron.w:
            neuron.w[rng.randrange(len(neuron.w))] = Value(rng.random())
        elif change == 2:
            neuron.b = Value(rng.random())
        elif change == 3:
            model.layers.append(nn.Layer(2, 1, seed=0))
        elif change == 4:
            setattr(model, f"extra{rng.randrange(3)}", Value(1.0))
        elif change == 5 and hasattr(model, "extra0"):
            del model.extra0
        elif change == 6 and neuron.w:
            neuron.w.pop()
        else:
            layer.neurons.reverse()
        assert model.named_parameters() == _fresh_walk(model)
        assert model.parameters() == [p for _, p in _fresh_walk(model)]


def test_parameters_returns_a_new_list_each_call():
    model = nn.MLP(2, [2], seed=0)
    first = model.parameters()
    first.clear()
    assert len(model.parameters()) == 6


def test_a_numpy_attribute_does_not_break_parameters():
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [2], seed=0)
    model.scale = np.zeros(3)
    before = model.parameters()
    model.scale = np.ones(3)  # a new array: == is elementwise, so the listing is walked again
    assert model.parameters() == before


def test_the_parameter_listing_makes_no_reference_cycle():
    # Kept on the module, it holds only what is below it: a dropped model is freed at
    # once by reference counting, the collector off (as fast_training runs).
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(20):
            model = nn.MLP(2, [4, 1], seed=0)
            model.parameters()
            model.zero_grad()
            del model
        assert len(gc.get_objects()) - before <= 2
    finally:
        if was:
            gc.enable()
