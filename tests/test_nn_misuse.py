"""nn under misuse: our own clear errors, and a model's weights never silently ruined
(issue #22, class 4).

Each misuse -- numpy arrays where lists were expected, NaN or inf in the data, a model's
output shape against a loss, 0/1 labels with hinge, numbers too large for a float, a
learning rate that makes training diverge -- is tried across the losses and the entry
points; the error must name our function (not numpy's or Python's operator) and the
parameters must be exactly what they were before the refused step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nn
from autograd import Value

LOSSES = ["hinge", "mse", "binary_cross_entropy", "cross_entropy"]


def _labels(loss: str, n: int, classes: int = 2) -> list:
    return {"hinge": [1, -1], "mse": [0.5, -0.25], "binary_cross_entropy": [1, 0],
            "cross_entropy": list(range(classes))}[loss] * (n // 2)


def _weights(model) -> list[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("as_array", ["X", "y", "both"])
def test_fit_and_accuracy_take_numpy_arrays(loss, as_array):
    X, _ = nn.make_moons(20, seed=1)
    y = _labels(loss, 20)
    outputs = 2 if loss == "cross_entropy" else 1
    model = nn.MLP(2, [4, outputs], seed=0)
    Xa = np.array(X) if as_array in ("X", "both") else X
    ya = np.array(y) if as_array in ("y", "both") else y
    history = nn.fit(model, Xa, ya, loss=loss, epochs=2, progress=False, seed=3)
    twin = nn.MLP(2, [4, outputs], seed=0)
    expected = nn.fit(twin, X, y, loss=loss, epochs=2, progress=False, seed=3)
    assert history["loss"] == expected["loss"] and _weights(model) == _weights(twin)
    assert nn.accuracy(model, Xa, ya) == nn.accuracy(twin, X, y)


@pytest.mark.parametrize("loss", LOSSES)
@given(where=st.sampled_from(["X", "y"]), bad=st.sampled_from([math.nan, math.inf, -math.inf]),
       index=st.integers(0, 19), as_array=st.booleans())
def test_nan_or_inf_in_the_data_is_refused_before_any_step(loss, where, bad, index, as_array):
    X, _ = nn.make_moons(20, seed=1)
    y = [float(t) for t in _labels(loss, 20)] if loss != "cross_entropy" else _labels(loss, 20)
    if where == "X":
        X[index] = [X[index][0], bad]
    elif loss == "cross_entropy":
        y = [float(t) for t in y]
        y[index] = bad
    else:
        y[index] = bad
    model = nn.MLP(2, [4, 2 if loss == "cross_entropy" else 1], seed=0)
    before = _weights(model)
    with pytest.raises(ValueError, match=rf"fit: {where}\[{index}\] holds {bad}.*NaN"):
        nn.fit(model, np.array(X) if as_array else X, y, loss=loss, epochs=1, progress=False)
    assert _weights(model) == before


@pytest.mark.parametrize("loss", ["mse", "hinge", "binary_cross_entropy"])
@given(bad=st.sampled_from([math.nan, math.inf]), index=st.integers(0, 3))
def test_the_losses_themselves_refuse_nan_targets(loss, bad, index):
    targets = [1.0, -1.0, 1.0, -1.0] if loss == "hinge" else [0.0, 1.0, 1.0, 0.0]
    targets[index] = bad
    with pytest.raises(ValueError, match=rf"{loss}: "):
        getattr(nn.losses, loss)([Value(0.5)] * 4, targets)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("outputs", [1, 2, 3])
def test_a_model_shaped_unlike_its_loss_is_named_with_the_shapes(loss, outputs):
    X, _ = nn.make_moons(10, seed=2)
    y = _labels(loss, 10, classes=outputs if outputs > 1 else 2)[:10]
    model = nn.MLP(2, [3, outputs], seed=0)
    fits = (outputs > 1) == (loss == "cross_entropy")
    if fits:
        labels = [t % outputs for t in y] if loss == "cross_entropy" else y
        nn.fit(model, X, labels, loss=loss, epochs=1, progress=False)
        return
    before = _weights(model)
    shape = "one number per sample" if outputs == 1 else f"{outputs} per sample"
    with pytest.raises(ValueError, match=rf"fit: loss='{loss}'.*{shape}"):
        nn.fit(model, X, y, loss=loss, epochs=1, progress=False)
    assert _weights(model) == before


@pytest.mark.parametrize("loss", ["mse", "hinge", "binary_cross_entropy"])
def test_a_loss_called_with_a_list_per_sample_names_itself(loss):
    with pytest.raises(TypeError, match=rf"{loss}: prediction 0 is a list of 2, but {loss} takes one number"):
        getattr(nn.losses, loss)([[Value(0.1), Value(0.2)]], [1])


def test_moons_with_the_default_hinge_says_how_to_make_labels_and_that_advice_works():
    X, y = nn.make_moons(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"\[2 \* t - 1 for t in y\]") as caught:
        nn.fit(model, X, y, epochs=1, progress=False)
    advice = str(caught.value).split("pass y=")[1].split(", or")[0]
    fixed = eval(advice, {"y": y})  # the advice is code the user can paste: it must run
    nn.fit(model, X, fixed, epochs=1, progress=False)


@given(power=st.integers(309, 5000))
def test_numbers_too_large_for_a_float_get_our_error(power):
    big = 10 ** power
    with pytest.raises(ValueError, match=r"MLP\(2 -> \[1\]\): input 0 is an int too large for a float"):
        nn.MLP(2, [1], seed=0)([big, 0])
    params = nn.MLP(2, [1], seed=0).parameters()
    for make, what in ((lambda: nn.SGD(params, lr=big), "lr"),
                       (lambda: nn.SGD(params, weight_decay=big), "weight_decay"),
                       (lambda: nn.SGD(params, momentum=big), "momentum"), (lambda: nn.Adam(params, eps=big), "eps"),
                       (lambda: nn.Adam(params, lr=big), "lr")):
        with pytest.raises(ValueError, match=rf"{what} must be .*too large for a float"):
            make()


def test_a_diverging_fit_stops_before_ruining_the_weights():
    X, y = nn.make_moons(20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(FloatingPointError, match=r"fit: the loss became (inf|nan) at step \d+.*learning rate"):
        nn.fit(model, X, [2 * t - 1 for t in y], loss="mse", epochs=50, progress=False,
               optimizer=nn.SGD(model.parameters(), lr=1e6))
    assert all(math.isfinite(w) for w in _weights(model))
