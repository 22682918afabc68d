"""Sequence models traced: ``pick``, ``logsumexp``, ``trace_cache`` and ``nn.transformer``.

Every replay (numpy, generated Python) of a GPT's loss must give the eager engine's loss
and gradients, to 1e-10 relative, for one document, for a batch of documents grouped by
length, and for documents padded to one length with a weight mask. Gradients are compared
with the sum of the eager per-document ones.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

import autograd
from autograd import TraceError, Value, logsumexp, pick, trace, trace_cache
from nn.transformer import GPT, Embedding, Linear, RMSNorm, pad, sequence_loss

try:
    import numpy  # noqa: F401

    BACKENDS = ["numpy", "python"]
except ImportError:
    BACKENDS = [pytest.param("numpy", marks=pytest.mark.skip(reason="numpy is not installed")), "python"]


def assert_close(got: list[float], want: list[float], rel: float = 1e-10) -> None:
    scale = max((abs(x) for x in want), default=0.0)
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if abs(g - w) > rel * max(abs(w), scale)]
    assert len(got) == len(want) and not bad, f"(index, got, want): {bad[:5]}"


def eager_sum(model: GPT, docs: list[list[int]]) -> tuple[float, list[float]]:
    """The eager losses of ``docs`` summed, and the summed gradients (doc by doc)."""
    model.zero_grad()
    total = 0.0
    for doc in docs:
        loss = model.loss(doc)
        loss.backward()
        total += loss.data
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    return total, grads


def documents(rng: random.Random, vocab: int, block: int, count: int) -> list[list[int]]:
    return [[0] + [rng.randrange(1, vocab) for _ in range(rng.randint(0, block - 1))] + [0] for _ in range(count)]


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), n_head=st.sampled_from([1, 2]), n_layer=st.integers(1, 2))
def test_one_document_replays_as_the_engine_computes_it(backend, seed, n_head, n_layer):
    rng = random.Random(seed)
    model = GPT(vocab_size=6, block_size=5, n_embd=4, n_head=n_head, n_layer=n_layer, std=0.5, rng=rng)
    doc = documents(rng, 6, 5, 1)[0]
    want, want_grads = eager_sum(model, [doc])
    traced = trace(model.loss, [float(t) for t in doc], backend=backend)
    got = traced.batch([doc], reduce="sum")
    assert_close([got], [want])
    assert_close([p.grad for p in model.parameters()], want_grads)
    model.zero_grad()
    # The trace reads the current parameters: change them and replay again.
    for p in model.parameters():
        p.data += 0.01
    want, want_grads = eager_sum(model, [doc])
    assert_close([traced.batch([doc], reduce="sum")], [want])
    assert_close([p.grad for p in model.parameters()], want_grads)


def replay_by_length(loss_of, docs: list[list[int]]) -> float:
    """The documents grouped by length, one replay a group: the sum of their losses."""
    by_length: dict[int, list[list[int]]] = {}
    for doc in docs:
        by_length.setdefault(len(doc), []).append(doc)
    return sum(loss_of.batch(group, reduce="sum") for group in by_length.values())


def replay_padded(loss_of, docs: list[list[int]]) -> float:
    """The documents padded to the block with a weight mask, one replay."""
    padded = [pad(doc, 6) for doc in docs]
    return loss_of.batch([p for p, _ in padded], [w for _, w in padded], reduce="sum")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("replay", [replay_by_length, replay_padded])
def test_a_batch_of_documents_adds_the_per_document_gradients(backend, replay):
    rng = random.Random(7)
    model = GPT(vocab_size=7, block_size=6, n_embd=8, n_head=2, std=0.4, rng=rng)
    docs = documents(rng, 7, 6, 12)
    want, want_grads = eager_sum(model, docs)
    loss_of = trace_cache(model.loss, backend=backend)
    got = replay(loss_of, docs)
    # one trace per length met, or one for all when padded
    assert len(loss_of.traces) == (1 if replay is replay_padded else len({len(d) for d in docs}))
    assert_close([got], [want])
    assert_close([p.grad for p in model.parameters()], want_grads)


@pytest.mark.parametrize("backend", BACKENDS)
def test_pick_chooses_per_sample_from_fixed_per_sample_and_mixed_choices(backend):
    table = [Value(0.5 * k - 1.0) for k in range(5)]

    def f(i, x):
        per_sample = [x * t for t in table]
        mixed = [table[0], x, table[2] * x]
        return pick(i, table) * pick(4 - i, per_sample) + pick(1, mixed) + pick(i, per_sample)

    traced = trace(f, 2.0, 1.5, backend=backend)
    xs, idx = [0.3, -1.2, 2.0, 0.0, 1.1], [0.0, 4.0, 2.0, 1.0, 3.0]
    got = traced.batch(idx, xs, reduce="sum")
    grads = [t.grad for t in table]
    for t in table:
        t.grad = 0.0
    want = autograd.sum([f(int(i), Value(x)) for i, x in zip(idx, xs)])
    want.backward()
    assert_close([got], [want.data])
    assert_close(grads, [t.grad for t in table])


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_index_outside_its_choices_gets_the_engines_error(backend):
    table = [Value(1.0), Value(2.0)]
    traced = trace(lambda i: pick(i, table) * 2.0, 0.0, backend=backend)
    with pytest.raises(ValueError, match=r"pick: the index \(first input\) must be a whole number from 0 to 1"):
        traced.batch([1.0, 2.0])
    with pytest.raises(ValueError, match="pick: the index"):
        traced.values([0.5])


@pytest.mark.parametrize("backend", BACKENDS)
def test_logsumexp_replays_huge_and_minus_infinite_inputs(backend):
    w = Value(1.0)
    traced = trace(lambda a, b: logsumexp([a * w, b * w, w]), 0.0, 0.0, backend=backend)
    rows = [(1000.0, 999.0), (-math.inf, 3.0), (-745.0, -746.0)]
    got = traced.values([a for a, _ in rows], [b for _, b in rows])
    want = [logsumexp([Value(a) * w, Value(b) * w, w]).data for a, b in rows]
    assert_close(got, want, rel=1e-14)


def test_list_indexing_with_a_traced_value_is_refused_naming_the_line():
    table = [Value(1.0), Value(2.0)]
    with pytest.raises(TraceError, match=r"list index; at .*test_transformer.py:\d+.*autograd.pick"):
        trace(lambda i: table[i] * 2.0, 1.0)


def test_the_modules_draw_with_their_scopes_and_take_ints_or_values():
    model = GPT(vocab_size=4, block_size=3, n_embd=4, n_head=2, seed=1)
    loss = model.loss([0, 2, 0])
    scopes = {node.scope[:2] for node in autograd.topological_order(loss)}
    assert {("gpt", "embed"), ("gpt", "layer0"), ("gpt", "lm_head"), ("loss",)} <= scopes
    assert Embedding(3, 2, seed=0)(2) is not None and len(Linear(2, 3, seed=0)([1.0, 2.0])) == 3
    assert [round(v.data, 6) for v in RMSNorm(2)([Value(1.0), Value(1.0)])] == [0.999995, 0.999995]
    with pytest.raises(ValueError, match="token must be an int from 0 to 2"):
        Embedding(3, 2, seed=0)(3)
    with pytest.raises(ValueError, match="one target per position"):
        sequence_loss([[Value(0.0)]], [0, 1])


def test_a_gpt_saves_and_loads_with_its_architecture(tmp_path):
    import nn

    model = GPT(vocab_size=5, block_size=4, n_embd=8, n_head=2, n_layer=2, seed=0)
    model.save(tmp_path / "gpt.json")
    loaded = nn.load(tmp_path / "gpt.json")
    assert isinstance(loaded, GPT) and loaded.state_dict() == model.state_dict()
    assert GPT.count_parameters(model.config()) == model.num_parameters()
    assert loaded.loss([0, 1, 2, 0]).data == model.loss([0, 1, 2, 0]).data
