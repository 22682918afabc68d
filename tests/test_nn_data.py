"""Toy data generators, train_test_split and batches."""

import math
import statistics

import pytest

from nn.data import batches, make_circles, make_moons, make_spirals, make_xor, train_test_split


def test_moons_geometry_without_noise():
    X, y = make_moons(101, seed=0)
    assert len(X) == 101 and y.count(0) == 50 and y.count(1) == 51
    for (a, b), label in zip(X, y):
        if label == 0:  # upper moon: the unit circle, y >= 0
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: centred at (1, 0.5), y <= 0.5
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    upper = sorted(a for (a, b), label in zip(X, y) if label == 0)
    assert upper[0] == pytest.approx(-1.0) and upper[-1] == pytest.approx(1.0)  # t from 0 to pi


def test_moons_noise_has_the_given_standard_deviation():
    clean, y0 = make_moons(4000, seed=1, shuffle=False)
    noisy, y1 = make_moons(4000, noise=0.1, seed=1, shuffle=False)
    assert y0 == y1
    residuals = [n - c for p, q in zip(noisy, clean) for n, c in zip(p, q)]
    assert statistics.pstdev(residuals) == pytest.approx(0.1, rel=0.05)


def test_same_seed_same_data_other_seed_other_data():
    assert make_moons(50, noise=0.1, seed=3) == make_moons(50, noise=0.1, seed=3)
    assert make_moons(50, noise=0.1, seed=3) != make_moons(50, noise=0.1, seed=4)
    assert make_spirals(30, seed=3) == make_spirals(30, seed=3)


def test_shuffle_keeps_points_with_their_labels():
    ordered = sorted(zip(map(tuple, make_moons(20, seed=5, shuffle=False)[0]),
                         make_moons(20, seed=5, shuffle=False)[1]))
    X, y = make_moons(20, seed=5)
    assert sorted(zip(map(tuple, X), y)) == ordered
    assert y != sorted(y)  # really shuffled


def test_circles_radii():
    X, y = make_circles(60, factor=0.3, seed=0)
    for p, label in zip(X, y):
        assert math.hypot(*p) == pytest.approx(1.0 if label == 0 else 0.3)
    assert y.count(0) == 30
    assert len({tuple(round(c, 9) for c in p) for p in X}) == 60  # no point repeated


def test_spirals_classes_and_radius():
    X, y = make_spirals(100, classes=3, noise=0.2, seed=0)
    assert sorted(set(y)) == [0, 1, 2] and [y.count(k) for k in range(3)] == [34, 33, 33]
    assert all(math.hypot(*p) <= 1.0 + 1e-12 for p in X)  # the noise turns, never stretches
    clean, labels = make_spirals(9, classes=3, noise=0.0, shuffle=False)
    # Arm k ends (r = 1) at angle 4k + 4: (sin, cos) of it.
    for k in range(3):
        end = clean[3 * k + 2]
        assert end == pytest.approx([math.sin(4 * k + 4), math.cos(4 * k + 4)])
        assert labels[3 * k + 2] == k


def test_xor_truth_table_and_repeats():
    assert make_xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    X, y = make_xor(40, noise=0.05, seed=0)
    assert y == [0, 1, 1, 0] * 10
    assert all(abs(a - round(a)) < 0.3 and abs(b - round(b)) < 0.3 for a, b in X)
    assert X[0] != X[4]  # noise scatters repeated corners


def test_generators_refuse_bad_arguments():
    with pytest.raises(ValueError, match="make_moons: n_samples must be an int >= 2, got 1"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor .* must be in \[0, 1\), got 1.5"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="classes must be an int from 2 to n_samples"):
        make_spirals(10, classes=1)


def test_train_test_split_partitions_and_is_reproducible():
    X = [[float(i)] for i in range(20)]
    y = list(range(20))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 5 and len(X_tr) == 15
    assert sorted(y_tr + y_te) == y  # every sample exactly once
    assert all(x == [float(t)] for x, t in zip(X_tr + X_te, y_tr + y_te))  # pairs kept
    assert train_test_split(X, y, test_size=0.25, seed=0) == (X_tr, X_te, y_tr, y_te)
    assert train_test_split(X, y, test_size=3, shuffle=False)[3] == [17, 18, 19]
    with pytest.raises(ValueError, match="test_size must be a fraction in"):
        train_test_split(X, y, test_size=1.0)
    with pytest.raises(ValueError, match="same length, got 20 and 19"):
        train_test_split(X, y[:-1])


def test_batches_cover_everything_once():
    X = [[i] for i in range(10)]
    y = list(range(10))
    parts = list(batches(X, y, batch_size=4, seed=1))
    assert [len(yb) for _, yb in parts] == [4, 4, 2]
    assert sorted(t for _, yb in parts for t in yb) == y
    assert all(xb == [[t] for t in yb] for xb, yb in parts)
    assert [yb for _, yb in batches(X, y, 4, seed=1)] == [yb for _, yb in parts]
    assert [yb for _, yb in batches(X, y, 4, seed=2)] != [yb for _, yb in parts]
    assert list(batches(X, y, None, shuffle=False)) == [(X, y)]


def test_batches_check_arguments_at_the_call():
    with pytest.raises(ValueError, match="batch_size must be a positive int or None"):
        batches([[0]], [0], batch_size=0)  # raised before iteration starts
