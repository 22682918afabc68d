"""To PyTorch and back: same architecture, float64 weights, outputs and gradients equal to 1e-12.

Skipped where torch is not installed, except on CI, which installs the CPU build
(``.ci/run``) and must run these.
"""

from __future__ import annotations

import os
import random

import pytest

import nn


@pytest.fixture(scope="module")
def torch():
    """torch, imported when these tests run (not when the suite is collected, so the other
    tests never have it loaded). On CI, which installs it, a missing torch fails."""
    if os.environ.get("CI"):
        import torch
        return torch
    return pytest.importorskip("torch")


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


@pytest.mark.parametrize("activation, output", [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh")])
def test_to_torch_computes_the_same_outputs_and_gradients(torch, activation, output):
    model = nn.MLP(3, [5, 4, 2], activation=activation, output_activation=output, seed=1)
    for p in model.parameters():  # nonzero biases too
        p.data = random.Random(id(p) % 1000).uniform(-1.0, 1.0)
    module = model.to_torch()
    assert isinstance(module, torch.nn.Module)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 5), (5, 4), (4, 2)]
    assert all(m.weight.dtype == torch.float64 for m in linears)
    rng = random.Random(0)
    for _ in range(5):
        x = [rng.uniform(-2.0, 2.0) for _ in range(3)]
        ours = model(x)
        theirs = module(torch.tensor([x], dtype=torch.float64))[0]
        assert all(close(a.data, b) for a, b in zip(ours, theirs.tolist()))
        # The gradients of the same loss agree too, parameter by parameter.
        model.zero_grad()
        module.zero_grad()
        (ours[0] * 2.0 + ours[1]).backward()
        (theirs[0] * 2.0 + theirs[1]).backward()
        for layer, linear in zip(model.layers, linears):
            for j, neuron in enumerate(layer.neurons):
                assert all(close(w.grad, g) for w, g in zip(neuron.w, linear.weight.grad[j].tolist()))
                assert close(neuron.b.grad, linear.bias.grad[j].item())


def test_from_torch_reads_back_the_same_model_exactly(torch):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=4)
    back = nn.MLP.from_torch(model.to_torch())
    assert isinstance(back, nn.MLP) and back.config() == model.config()
    assert back.state_dict() == model.state_dict()


def test_from_torch_reads_a_model_made_in_torch(torch):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    model = nn.MLP.from_torch(module)  # float32 weights, read as the float64 numbers they are
    assert model.config()["nouts"] == [6, 3] and model.config()["activation"] == "relu"
    x = [0.5, -1.0, 2.0, 0.25]
    expected = module.double()(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert all(close(a.data, b) for a, b in zip(model(x), expected))


def test_what_has_no_counterpart_is_refused_by_name(torch):
    custom = nn.MLP(2, [2, 1], activation=lambda v: v.sin(), seed=0)
    with pytest.raises(ValueError, match="to_torch: layer 0 has the custom activation"):
        custom.to_torch()
    with pytest.raises(ValueError, match=r"cannot read module 1 \(Conv1d\)"):
        nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(ValueError, match="different activations"):
        nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2),
                                              torch.nn.Tanh(), torch.nn.Linear(2, 1)))
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential"):
        nn.MLP.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="has no bias"):
        nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False)))


# -- trace(..., backend="torch"): the replay as torch tensor ops, equal to eager to 1e-9 ------


@pytest.mark.parametrize("name", sorted(__import__("test_trace").OP_CASES))
def test_every_op_replays_on_torch_as_the_engine_computes_it(torch, name):
    from test_trace import OP_CASES

    import autograd
    from autograd import Value, trace

    expr = OP_CASES[name]
    w = Value(0.8, label="w")
    traced = trace(lambda x: expr(x, w), 0.5, backend="torch", device="cpu")
    assert traced.backend == "torch"
    xs = [-1.7, -0.4, 0.0, 0.3, 1.2, 2.5]
    w.grad = 0.0
    got, traced_grad = traced.batch(xs, reduce="sum"), w.grad
    w.grad = 0.0
    expected = autograd.sum([expr(Value(x), w) for x in xs])
    expected.backward()
    assert abs(got - expected.data) <= 1e-9 * max(1.0, abs(expected.data))
    assert abs(traced_grad - w.grad) <= 1e-9 * max(1.0, abs(w.grad))
    values = traced.values(xs)
    assert all(abs(v - expr(Value(x), w).data) <= 1e-9 * max(1.0, abs(v)) for v, x in zip(values, xs))


def test_a_gpt_batch_replays_on_torch_with_the_eager_gradients(torch):
    from test_transformer import assert_close, documents, eager_sum, replay_by_length, replay_padded

    from autograd import trace_cache
    from nn.transformer import GPT

    rng = random.Random(5)
    model = GPT(vocab_size=6, block_size=6, n_embd=8, n_head=2, std=0.4, rng=rng)
    docs = documents(rng, 6, 6, 8)
    want, want_grads = eager_sum(model, docs)
    for replay in (replay_by_length, replay_padded):
        model.zero_grad()
        got = replay(trace_cache(model.loss, backend="torch", device="cpu"), docs)
        assert_close([got], [want], rel=1e-9)
        assert_close([p.grad for p in model.parameters()], want_grads, rel=1e-9)


def test_torch_replay_refuses_what_the_engine_refuses(torch):
    from autograd import Value, log, pick, trace

    table = [Value(1.0), Value(2.0)]
    traced = trace(lambda i, x: pick(i, table) * log(x), 0.0, 1.0, backend="torch")
    with pytest.raises(ValueError, match=r"pick: the index \(first input\) must be a whole number from 0 to 1"):
        traced.batch([0.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="log: input must be > 0"):
        traced.batch([0.0, 1.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="device= is for backend='torch'"):
        trace(lambda x: x * table[0], 1.0, backend="numpy", device="cpu")
