"""Losses: values against hand computation, gradients against finite differences."""

import math

import pytest

import autograd
from autograd import Value, gradcheck
from nn import binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse


def grads(loss_fn, xs):
    """The loss value and d loss / d x for each x, from backward."""
    leaves = [Value(x) for x in xs]
    out = loss_fn(leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


# -- mse ------------------------------------------------------------------------------------


def test_mse_by_hand():
    value, g = grads(lambda p: mse(p, [1.0, -2.0, 0.5]), [2.0, 0.0, 0.5])
    assert value == pytest.approx((1 + 4 + 0) / 3)
    assert g == pytest.approx([2 * 1 / 3, 2 * 2 / 3, 0.0])
    assert mse([Value(3.0)], [1.0], reduction="sum").data == 4.0
    assert mse(Value(3.0), 1.0).data == 4.0  # one prediction, one target


def test_mse_gradcheck():
    assert gradcheck(lambda a, b, c: mse([a, b, c], [0.3, -1.0, 2.0]), 0.1, 0.7, -2.2)


# -- hinge ----------------------------------------------------------------------------------


def test_hinge_by_hand_and_as_micrograd_writes_it():
    scores = [2.0, 0.25, -0.5, 3.0]
    labels = [1, 1, 1, -1]
    value, g = grads(lambda s: hinge(s, labels), scores)
    assert value == pytest.approx((0 + 0.75 + 1.5 + 4.0) / 4)
    assert g == pytest.approx([0.0, -0.25, -0.25, 0.25])  # -y/n where the margin is violated
    # micrograd's demo: sum((1 + -yi*scorei).relu()) * (1.0 / len)
    vs = [Value(s) for s in scores]
    micrograd = sum((1 + -yi * si).relu() for yi, si in zip(labels, vs)) * (1.0 / len(vs))
    assert hinge(vs, labels).data == pytest.approx(micrograd.data, rel=1e-15)


def test_hinge_gradcheck_away_from_the_kink():
    assert gradcheck(lambda a, b: hinge([a, b], [1, -1], margin=2.0), 0.3, 0.9)


def test_hinge_refuses_zero_one_labels_and_says_what_to_do():
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1, got 0 at position 1; "
                       r"for 0/1 labels pass \[2 \* t - 1 for t in y\]"):
        hinge([Value(1.0), Value(2.0)], [1, 0])


# -- binary cross-entropy on logits ----------------------------------------------------------


def test_bce_by_hand():
    z, t = [0.5, -1.5, 2.0], [1, 0, 0.25]
    value, g = grads(lambda zs: binary_cross_entropy(zs, t), z)
    sig = [1 / (1 + math.exp(-x)) for x in z]
    expected = -sum(ti * math.log(s) + (1 - ti) * math.log(1 - s) for ti, s in zip(t, sig)) / 3
    assert value == pytest.approx(expected, rel=1e-12)
    assert g == pytest.approx([(s - ti) / 3 for s, ti in zip(sig, t)], rel=1e-12)


@pytest.mark.parametrize("z", [-3.0, -0.2, 0.0, 0.4, 5.0])
def test_bce_gradcheck_on_both_sides_of_the_branch(z):
    assert gradcheck(lambda a: binary_cross_entropy([a], [0.3]), z)


def test_bce_gradient_at_zero_is_exact():
    _, (g,) = grads(lambda zs: binary_cross_entropy(zs, [1]), [0.0])
    assert g == pytest.approx(-0.5, abs=1e-15)


def test_bce_is_stable_for_huge_logits():
    value, g = grads(lambda zs: binary_cross_entropy(zs, [1, 0, 1, 0], reduction="sum"),
                     [-1000.0, 1000.0, 1000.0, -1000.0])
    assert value == pytest.approx(2000.0)
    assert g == pytest.approx([-1.0, 1.0, 0.0, 0.0])
    assert all(math.isfinite(x) for x in g)


def test_bce_refuses_targets_outside_zero_one():
    with pytest.raises(ValueError, match=r"targets must be numbers in \[0, 1\], got -1 at position 0"):
        binary_cross_entropy([Value(0.0)], [-1])


# -- softmax cross-entropy --------------------------------------------------------------------


def softmax(zs):
    m = max(zs)
    e = [math.exp(z - m) for z in zs]
    return [x / sum(e) for x in e]


def test_cross_entropy_by_hand_one_sample():
    z = [1.0, 2.0, -0.5]
    value, g = grads(lambda zs: cross_entropy(zs, 1), z)
    p = softmax(z)
    assert value == pytest.approx(-math.log(p[1]), rel=1e-12)
    assert g == pytest.approx([p[0], p[1] - 1, p[2]], rel=1e-12)


def test_cross_entropy_batch_is_the_mean():
    rows = [[Value(0.2), Value(-1.0)], [Value(3.0), Value(1.0)]]
    batch = cross_entropy(rows, [0, 1]).data
    each = [cross_entropy(r, k).data for r, k in zip(rows, [0, 1])]
    assert batch == pytest.approx(sum(each) / 2, rel=1e-15)
    assert cross_entropy(rows, [0, 1], reduction="sum").data == pytest.approx(sum(each), rel=1e-15)


def test_cross_entropy_gradcheck():
    assert gradcheck(lambda a, b, c, d: cross_entropy([[a, b], [c, d]], [1, 0]), 0.5, -1.2, 2.0, 0.1)


def test_cross_entropy_is_stable_for_huge_logits():
    value, g = grads(lambda zs: cross_entropy(zs, 2), [1000.0, 999.0, 0.0])
    p = softmax([1000.0, 999.0, 0.0])
    assert value == pytest.approx(1000.0 + math.log(1 + math.exp(-1)), rel=1e-12)
    assert g == pytest.approx([p[0], p[1], -1.0])
    assert cross_entropy([Value(-1e4), Value(1e4)], 1).data == 0.0


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="target 3 of row 0 must be a class index from 0 to 1"):
        cross_entropy([Value(0.0), Value(1.0)], 3)
    with pytest.raises(ValueError, match="2 rows of logits but 1 targets"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], [0])
    with pytest.raises(TypeError, match="row 0 must be a list of logits"):
        cross_entropy([Value(0.0), Value(1.0)], [0, 1])


# -- L2 penalty -------------------------------------------------------------------------------


def test_l2_penalty_by_hand_and_one_node():
    ps = [Value(1.0), Value(-2.0), Value(0.5)]
    reg = l2_penalty(ps, alpha=1e-4)
    assert reg.data == pytest.approx(1e-4 * (1 + 4 + 0.25))
    reg.backward()
    assert [p.grad for p in ps] == pytest.approx([2e-4 * p.data for p in ps])
    assert sum(1 for v in autograd.topological_order(reg) if v.op == "dot") == 1


def test_l2_penalty_gradcheck():
    assert gradcheck(lambda a, b: l2_penalty([a, b], alpha=0.3), 1.5, -0.7)


# -- shared argument checks --------------------------------------------------------------------


def test_losses_refuse_mismatched_or_empty_batches_and_bad_reduction():
    with pytest.raises(ValueError, match="mse: 2 predictions but 3 targets"):
        mse([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="hinge: the batch is empty"):
        hinge([], [])
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'max'"):
        mse([Value(1.0)], [0.0], reduction="max")
    with pytest.raises(ValueError, match="l2_penalty: no parameters"):
        l2_penalty([])
