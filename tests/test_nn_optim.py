"""Optimizers and schedules against hand computation."""

import importlib.util
import math
import random

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, linear_decay


def test_plain_sgd_is_micrograds_update():
    ps = [Value(1.0), Value(-2.0)]
    ps[0].grad, ps[1].grad = 0.5, -4.0
    SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -4.0]


def test_sgd_momentum_two_steps_by_hand():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = 1.0
    opt.step()          # v = 1,              w = 2 - 0.1
    w.grad = 3.0
    opt.step()          # v = 0.9·1 + 3 = 3.9, w = 1.9 - 0.39
    assert w.data == pytest.approx(2.0 - 0.1 - 0.39, rel=1e-15)
    assert opt.velocity == pytest.approx([3.9])


def test_sgd_weight_decay_adds_decay_times_weight_to_the_gradient():
    w = Value(2.0)
    w.grad = 0.5
    SGD([w], lr=0.1, weight_decay=0.01).step()
    assert w.data == pytest.approx(2.0 - 0.1 * (0.5 + 0.01 * 2.0), rel=1e-15)


def test_adam_first_two_steps_by_hand():
    w = Value(1.0)
    opt = Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    w.grad = 2.0
    opt.step()
    # m = 0.2, v = 0.004; m̂ = 2, v̂ = 4: step = 0.01 · 2 / (2 + 1e-8)
    first = 1.0 - 0.01 * 2.0 / (2.0 + 1e-8)
    assert w.data == pytest.approx(first, rel=1e-14)
    w.grad = -1.0
    opt.step()
    m = 0.9 * 0.2 + 0.1 * -1.0
    v = 0.999 * 0.004 + 0.001 * 1.0
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    assert w.data == pytest.approx(first - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-14)
    assert opt.steps == 2


def test_adam_minimises_a_quadratic():
    x, y = Value(3.0), Value(-2.0)
    opt = Adam([x, y], lr=0.1)
    for _ in range(300):
        loss = (x - 1) ** 2 + 10 * (y + 0.5) ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert x.data == pytest.approx(1.0, abs=1e-3) and y.data == pytest.approx(-0.5, abs=1e-3)


def test_zero_grad_clears_the_optimizers_parameters():
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    model([1.0, 2.0]).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_linear_decay_is_micrograds_schedule_bit_for_bit():
    lr = linear_decay(1.0, 0.1, 100)
    assert [lr(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert lr(100) == 0.1 and lr(1000) == 0.1


def test_a_schedule_is_called_with_the_step_index():
    seen = []

    def schedule(k):
        seen.append(k)
        return 0.5 ** k

    w = Value(0.0)
    opt = SGD([w], lr=schedule)
    for _ in range(3):
        w.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert w.data == -(1.0 + 0.5 + 0.25)


def test_bad_arguments_are_refused_with_the_reason():
    w = Value(1.0)
    with pytest.raises(ValueError, match="SGD: no parameters given"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="parameter 1 is the same Value as parameter 0"):
        SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="parameter 0 must be a Value, got float"):
        Adam([1.0])
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -0.1"):
        SGD([w], lr=-0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.5"):
        SGD([w], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam([w], betas=(0.9,))
    opt = SGD([w], lr=lambda k: -1.0)
    with pytest.raises(ValueError, match="the learning rate at step 0 must be a finite number >= 0, got -1.0"):
        opt.step()
    assert w.data == 1.0


@pytest.mark.skipif(importlib.util.find_spec("numpy") is None, reason="numpy is not installed")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adam_over_arrays_gives_the_loops_numbers_to_the_last_bit(seed, monkeypatch):
    from nn import optim

    def run(arrays_from: int) -> list[float]:
        monkeypatch.setattr(optim, "_ARRAYS_FROM", arrays_from)
        rng = random.Random(seed)
        params = [Value(rng.gauss(0.0, 1.0)) for _ in range(300)]
        params[0].data = 2  # an int: users may assign one
        opt = optim.Adam(params, lr=lambda step: 0.01 * (1 - step / 50), betas=(0.85, 0.99))
        for _ in range(20):
            for p in params:
                p.grad = rng.choice([0, rng.gauss(0.0, 1.0), rng.gauss(0.0, 1e-9)])
            opt.step()
        return [p.data for p in params]

    assert run(1) == run(10**9)
