"""Parameters held in arrays (``autograd.tracing.held``): a replay and an optimizer share
them, and whoever reads or writes a parameter sees the current numbers, never old ones.

Every test runs a model through the numpy replay with an optimizer (so the arrays are
held) beside the same model trained eagerly (the Values are the truth), and compares the
numbers the user can see.
"""

from __future__ import annotations

import copy
import gc
import pickle
import random
import weakref

import pytest
from hypothesis import given, settings, strategies as st

import autograd
import nn
from autograd import Value
from autograd.tracing import ParameterArrays

X = [[random.Random(i).uniform(-1, 1) for _ in range(3)] for i in range(6)]
Y = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0]


def make(seed: int = 1) -> nn.MLP:
    return nn.MLP(3, [16, 12, 1], seed=seed)  # 285 parameters: the optimizer makes arrays


def hinge(model, x, t):
    return (1 + -t * model(x)).relu()


def eager_batch(model, xs=X, ys=Y) -> float:
    """What ``Traced.batch`` does, eagerly: the mean loss, its gradients added to .grad."""
    loss = autograd.sum([hinge(model, x, t) for x, t in zip(xs, ys)]) * (1.0 / len(xs))
    loss.backward()
    return loss.data


def pair(optimizer=nn.Adam, **options):
    """A traced model and an eager twin, each with its optimizer."""
    traced_model, eager_model = make(), make()
    traced = autograd.trace(lambda x, t: hinge(traced_model, x, t), X[0], Y[0], backend="numpy")
    return (traced_model, traced, optimizer(traced_model.parameters(), lr=0.05, **options),
            eager_model, optimizer(eager_model.parameters(), lr=0.05, **options))


def is_held(params) -> bool:
    return all(type(p) is not Value for p in params)


def numbers(params):
    return [(p.data, p.grad) for p in params]


def assert_same(seen, expected):
    """Each parameter's (data, grad) as the eager twin's, to 1e-9 relative."""
    for (d, g), (d2, g2) in zip(seen, expected):
        assert d == pytest.approx(d2, rel=1e-9, abs=1e-12) and g == pytest.approx(g2, rel=1e-9, abs=1e-12)


def step_both(traced, opt, twin, twin_opt) -> float:
    """One training step, traced and eager: zero, the batch's gradients, the update."""
    opt.zero_grad()
    twin_opt.zero_grad()
    loss = traced.batch(X, Y)
    assert loss == pytest.approx(eager_batch(twin), rel=1e-12)
    opt.step()
    twin_opt.step()
    return loss


@pytest.mark.parametrize("optimizer, options", [(nn.Adam, {}), (nn.SGD, {}),
                                                (nn.SGD, {"momentum": 0.9, "weight_decay": 0.01})])
def test_training_on_held_arrays_gives_the_eager_numbers(optimizer, options):
    model, traced, opt, twin, twin_opt = pair(optimizer, **options)
    for _ in range(5):
        step_both(traced, opt, twin, twin_opt)
    params = model.parameters()
    assert opt.arrays is not None and opt.arrays.held and is_held(params)  # nothing moved through a Value
    seen = numbers(params)
    assert not opt.arrays.held and not is_held(params)  # the first read gave every Value its numbers
    assert all(type(p) is Value for p in params)
    assert_same(seen, numbers(twin.parameters()))


def test_a_user_reading_a_weight_after_a_traced_step_sees_the_new_number():
    model, traced, opt, *_ = pair()
    w = model.parameters()[7]
    before = w.data
    traced.batch(X, Y)
    opt.step()
    assert opt.arrays.held
    expected = float(opt.arrays.data[opt.arrays.index[id(w)]])
    assert expected != before
    assert w.data == expected  # printing p.data after the step shows the update
    traced.batch(X, Y)
    opt.step()
    assert opt.arrays.held
    expected = float(opt.arrays.data[opt.arrays.index[id(w)]])
    shown = repr(w)  # the first look at a held Value is its text
    assert w.data == expected and shown == repr(w) and type(w) is Value


def test_writes_to_a_held_parameter_reach_the_next_replay_and_the_optimizer():
    model, traced, opt, twin, twin_opt = pair()
    step_both(traced, opt, twin, twin_opt)
    for params in (model.parameters(), twin.parameters()):
        params[0].data = 0.75  # a user's edit between steps
        params[1].grad = 2.0
    traced.batch(X, Y)
    eager_batch(twin)
    assert opt.arrays.held
    opt.step()
    twin_opt.step()
    assert_same(numbers(model.parameters()), numbers(twin.parameters()))


def test_zero_grad_on_held_arrays_zeroes_what_the_values_show():
    model, traced, opt, *_ = pair()
    traced.batch(X, Y)
    assert opt.arrays.held and opt.arrays.grad.any()
    opt.zero_grad()
    assert opt.arrays.held
    assert all(p.grad == 0.0 for p in model.parameters())


def test_copies_pickles_views_and_eager_use_see_the_current_numbers():
    model, traced, opt, *_ = pair()
    traced.batch(X, Y)
    opt.step()
    params = model.parameters()
    current = opt.arrays.data.copy()
    w = params[3]
    for clone in (copy.copy(w), copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert type(clone) is Value and clone.data == current[3]
    traced.batch(X, Y)  # held again
    assert is_held(params)
    out = model(X[0])  # eager code on held parameters: a graph of plain Values
    assert type(out) is Value and not is_held(params)
    traced.batch(X, Y)
    opt.step()
    assert is_held(params)
    w.label = "w3"
    shown = autograd.tree(out)  # a view of a graph whose leaves are held: their current numbers
    assert f"w3  data={opt.arrays.data[3]:.4g}" in shown, shown
    whole = pickle.loads(pickle.dumps(model))
    assert [p.data for p in whole.parameters()] == [p.data for p in params]


def test_an_optimizer_copied_or_pickled_while_held_carries_the_current_numbers():
    model, traced, opt, *_ = pair()
    traced.batch(X, Y)
    opt.step()
    assert opt.arrays.held
    current = opt.arrays.data.copy()
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert [p.data for p in clone.params] == current.tolist()
        assert clone.arrays.values == clone.params
        assert clone.arrays.index == {id(p): i for i, p in enumerate(clone.params)}
        clone.step()  # its own parameters, not the original's
    assert [p.data for p in model.parameters()] == current.tolist()


def test_tracing_again_reads_held_parameters_and_the_replays_agree():
    model, traced, opt, twin, twin_opt = pair()
    traced.batch(X, Y)
    opt.step()
    assert opt.arrays.held
    again = autograd.trace(lambda x, t: hinge(model, x, t), X[0], Y[0], backend="numpy")  # reads .data
    opt.zero_grad()
    assert again.batch(X, Y) == traced.batch(X, Y)


def test_a_new_optimizer_takes_the_arrays_over_and_the_old_one_still_steps_correctly():
    model, traced, old, twin, twin_old = pair()
    step_both(traced, old, twin, twin_old)
    new, twin_new = nn.SGD(model.parameters(), lr=0.1), nn.SGD(twin.parameters(), lr=0.1)
    for opt, twin_opt in ((new, twin_new), (old, twin_old), (new, twin_new)):
        step_both(traced, opt, twin, twin_opt)
    assert new.arrays.held and not old.arrays.held  # the replay holds the newest arrays
    assert_same(numbers(model.parameters()), numbers(twin.parameters()))


def test_captured_leaves_the_optimizer_does_not_list_are_read_and_written_as_values():
    model = make()
    scale = Value(2.0, label="scale")  # captured by the trace, not given to the optimizer
    traced = autograd.trace(lambda x, t: hinge(model, x, t) * scale, X[0], Y[0], backend="numpy")
    opt = nn.Adam(model.parameters(), lr=0.05)
    traced.batch(X, Y)
    assert opt.arrays.held and type(scale) is Value
    assert scale.grad == pytest.approx(sum(hinge(model, x, t).data for x, t in zip(X, Y)) / len(X), rel=1e-12)
    traced.batch(X, Y)  # held again (the check above read the parameters)
    scale.data = 3.0
    loss = traced.batch(X, Y)
    assert opt.arrays.held
    assert loss == pytest.approx(3.0 * sum(hinge(model, x, t).data for x, t in zip(X, Y)) / len(X), rel=1e-12)


def test_a_gpt_replay_holds_its_optimizers_arrays_whatever_leaf_it_captures_first():
    from nn.transformer import GPT

    model = GPT(vocab_size=5, block_size=6, n_embd=8, n_head=2, seed=0)
    opt = nn.Adam(model.parameters(), lr=0.01)
    loss_of = autograd.trace_cache(model.loss)
    loss_of.batch([[0, 2, 4, 4, 1, 0]])
    (traced,) = loss_of.traces.values()
    assert traced.captured[0] not in model.parameters()  # a constant of the model comes first
    assert opt.arrays.held


def test_values_of_a_subclass_are_not_held_and_still_train():
    class Weight(Value):
        __slots__ = ()

    ws = [Weight(0.01 * i) for i in range(300)]
    traced = autograd.trace(lambda x: autograd.dot(ws, [x] * 300), 1.0, backend="numpy")
    opt = nn.Adam(ws, lr=0.1)
    traced.batch([1.0, 2.0])
    opt.step()
    assert not opt.arrays.holdable and all(type(w) is Weight for w in ws)
    assert ws[0].grad == 1.5 and ws[0].data == pytest.approx(-0.1)


def test_dropped_model_and_optimizer_free_their_held_arrays():
    model, traced, opt, *_ = pair()
    traced.batch(X, Y)
    opt.step()
    assert opt.arrays.held
    ref = weakref.ref(opt.arrays)
    del model, traced, opt
    gc.collect()  # the held Values, their class and the arrays refer to each other
    assert ref() is None


def test_the_torch_replay_reads_and_writes_the_held_arrays():
    pytest.importorskip("torch")
    model, twin = make(), make()
    traced = autograd.trace(lambda x, t: hinge(model, x, t), X[0], Y[0], backend="torch")
    opt, twin_opt = nn.Adam(model.parameters(), lr=0.05), nn.Adam(twin.parameters(), lr=0.05)
    for _ in range(3):
        step_both(traced, opt, twin, twin_opt)
    assert opt.arrays.held
    assert_same(numbers(model.parameters()), numbers(twin.parameters()))


def test_a_replay_that_finds_its_arrays_released_every_step_reads_the_values_instead():
    model, traced, opt, *_ = pair()
    held_after_batch = []
    for _ in range(8):
        opt.zero_grad()
        traced.batch(X, Y)
        held_after_batch.append(opt.arrays.held)
        opt.step()
        model.parameters()[0].data  # noqa: B018 - a user logging a weight each step
    # Held, then released by the user's read three times in a row: the Values are read.
    assert held_after_batch == [True] * 4 + [False] * 4
    for _ in range(64):  # the user stops reading: holding is tried again, and kept
        opt.zero_grad()
        traced.batch(X, Y)
        opt.step()
    assert opt.arrays.held


def test_parameter_arrays_refuse_a_value_listed_twice_and_hold_only_leaves():
    w = Value(1.0)
    with pytest.raises(ValueError, match="listed twice"):
        ParameterArrays([w, w])
    assert not ParameterArrays([w * 2.0]).hold()
    assert type(w) is Value


# Any interleaving of what a user does between and around traced steps leaves the Values
# with exactly the numbers of the same actions done eagerly.
ACTIONS = st.lists(st.sampled_from(["batch", "step", "zero", "read", "write", "write_grad", "eager"]),
                   min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(ACTIONS, st.integers(0, 284))
def test_any_interleaving_of_steps_reads_and_writes_matches_the_eager_twin(actions, k):
    model, traced, opt, twin, twin_opt = pair()
    for action in actions:
        params, twin_params = model.parameters(), twin.parameters()
        if action == "batch":
            traced.batch(X, Y)
            eager_batch(twin)
        elif action == "step":
            opt.step()
            twin_opt.step()
        elif action == "zero":
            opt.zero_grad()
            twin_opt.zero_grad()
        elif action == "read":
            assert params[k].data == pytest.approx(twin_params[k].data, rel=1e-9, abs=1e-12)
            assert params[k].grad == pytest.approx(twin_params[k].grad, rel=1e-9, abs=1e-12)
        elif action == "write":
            params[k].data = twin_params[k].data = 0.5
        elif action == "write_grad":
            params[k].grad += 1.0
            twin_params[k].grad += 1.0
        else:  # eager use of the traced model: a backward adds to the held parameters' grads
            eager_batch(model, X[:2], Y[:2])
            eager_batch(twin, X[:2], Y[:2])
    assert_same(numbers(model.parameters()), numbers(twin.parameters()))
