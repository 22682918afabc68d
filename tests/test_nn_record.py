"""nn.Recorder: its numbers are the model's, its memory is bounded, fit feeds it, its views render.

The replay page in a real browser is tested in tests/test_replay_browser.py, the live view in
a real Jupyter kernel in tests/test_notebook.py.
"""

from __future__ import annotations

import math
import re

import pytest

import autograd
from nn import MLP, SGD, Neuron, Recorder, fit, hinge, make_moons, make_spirals
from nn.watching.panels import View, colour_index, png_data_url
from nn.watching.record import layer_groups
from nn.watching.replay import boundary_picks


def moons(n=40, seed=0):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in y]


def test_snapshots_hold_the_parameters_read_directly_at_those_steps():
    X, y = moons()
    model = MLP(2, [6, 4, 1], seed=1)
    opt = SGD(model.parameters(), lr=0.3, momentum=0.5)
    rec = Recorder(model, X=X, y=y, every=3)
    direct = {}
    for k in range(20):
        loss = hinge([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        taken = rec.record(loss, accuracy=0.5)
        assert taken == (k % 3 == 0)
        direct[k] = ([p.data for p in model.parameters()], [p.grad for p in model.parameters()], loss.data)
        opt.step()
    assert [s.step for s in rec.snapshots] == [0, 3, 6, 9, 12, 15, 18]
    names = [n for n, _ in model.named_parameters()]
    assert rec.names == names
    for snap in rec.snapshots:
        values, grads, loss = direct[snap.step]
        assert snap.values == values and snap.grads == grads and snap.loss == loss
        assert snap.accuracy == 0.5
        # Per-layer gradient norms: the L2 norm of each layer's parameters' gradients.
        for j, layer in enumerate(("layers.0.", "layers.1.", "layers.2.")):
            expected = math.sqrt(sum(g * g for n, g in zip(names, grads) if n.startswith(layer)))
            assert snap.norms[j] == pytest.approx(expected, rel=1e-12)
    # Training moved the weights: the snapshots are not all the same numbers.
    assert rec.snapshots[0].values != rec.snapshots[-1].values


def test_snapshot_count_stays_bounded_over_10000_steps_and_evenly_spread():
    model = Neuron(1, seed=0)
    rec = Recorder(model)  # default: at most 100
    for k in range(10_000):
        rec.record(1.0 / (k + 1))
    steps = [s.step for s in rec.snapshots]
    assert 50 <= len(steps) <= 100
    assert steps[0] == 0 and rec.every == 128
    assert {b - a for a, b in zip(steps, steps[1:])} == {rec.every}
    assert steps[-1] > 10_000 - 2 * rec.every  # reaches the end of the run
    assert rec.snapshots[-1].loss == 1.0 / (steps[-1] + 1)


def test_thinning_with_a_small_limit_and_forced_last_step():
    rec = Recorder(Neuron(1, seed=0), max_snapshots=8)
    for k in range(20):
        rec.record(float(k))
    assert [s.step for s in rec.snapshots] == [0, 4, 8, 12, 16] and rec.every == 4
    assert rec.record(20.0, step=21, force=True)
    assert rec.snapshots[-1].step == 21
    assert len(rec) <= 8


def test_recorder_refuses_bad_input():
    model = Neuron(1, seed=0)
    with pytest.raises(TypeError, match="Recorder: model must be an nn.Module, got int"):
        Recorder(3)
    with pytest.raises(ValueError, match="every must be an int >= 1, got 0"):
        Recorder(model, every=0)
    with pytest.raises(ValueError, match="max_snapshots must be an int >= 2"):
        Recorder(model, max_snapshots=1)
    with pytest.raises(ValueError, match="X and y must be of equal length, got 2 and 1"):
        Recorder(model, X=[[0.0], [1.0]], y=[1])
    rec = Recorder(model)
    with pytest.raises(TypeError, match="loss must be a number or a Value, got str 'x'"):
        rec.record("x")
    rec.record(1.0, step=5)
    with pytest.raises(ValueError, match="step 5 is not after the last recorded step 5"):
        rec.record(1.0, step=5)
    with pytest.raises(ValueError, match="step must be an int >= 0, got -1"):
        rec.record(1.0, step=-1)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        Recorder(model).html()
    with pytest.raises(ValueError, match="needs 2-D inputs"):
        rec.grid_points()


def test_fit_feeds_the_recorder_every_mini_batch_step_and_the_last():
    X, y = moons(48)
    model = MLP(2, [5, 1], seed=2)
    opt = SGD(model.parameters(), lr=0.1)
    rec = Recorder(model, every=5)
    history = fit(model, X, y, epochs=7, batch_size=16, optimizer=opt, recorder=rec, progress=False, seed=0)
    assert history["recorder"] is rec
    assert rec.X == [list(map(float, x)) for x in X] and rec.y == y  # filled in by fit
    steps = [s.step for s in rec.snapshots]
    assert steps == [0, 5, 10, 15, 20]  # 7 epochs of 3 batches: steps 0 to 20
    # The last snapshot is the state before the last update: plain SGD's update gives now.
    last = rec.snapshots[-1]
    assert last.step == 20
    for p, v, g in zip(model.parameters(), last.values, last.grads):
        assert p.data == pytest.approx(v - 0.1 * g, abs=1e-12)
    assert all(s.accuracy is not None and 0.0 <= s.accuracy <= 1.0 for s in rec.snapshots)


def test_fit_forces_the_last_step_when_it_is_not_due():
    X, y = moons(30)
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, every=4)
    fit(model, X, y, epochs=6, recorder=rec, progress=False)
    assert [s.step for s in rec.snapshots] == [0, 4, 5]


def test_fit_refuses_a_recorder_of_another_model():
    X, y = moons(10)
    with pytest.raises(ValueError, match="the recorder records another model"):
        fit(MLP(2, [2, 1], seed=0), X, y, epochs=1, recorder=Recorder(MLP(2, [2, 1], seed=0)), progress=False)


def test_watch_outside_a_notebook_records_and_shows_nothing(capsys):
    X, y = moons(20)
    history = fit(MLP(2, [3, 1], seed=0), X, y, epochs=4, watch=True)
    assert len(history["recorder"]) == 4
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_boundary_is_the_models_output_with_the_snapshots_parameters():
    X, y = moons(30)
    model = MLP(2, [4, 1], seed=3)
    opt = SGD(model.parameters(), lr=0.5)
    rec = Recorder(model, X=X, y=y, grid=6)
    for _ in range(5):
        loss = hinge([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        rec.record(loss)
        opt.step()
    now = [p.data for p in model.parameters()]
    first = rec.boundary(rec.snapshots[0])
    assert [p.data for p in model.parameters()] == now  # put back
    assert len(first) == 36
    # Rebuild the model at step 0 by hand and compare.
    check = MLP(2, [4, 1], seed=3)
    for p, v in zip(check.parameters(), rec.snapshots[0].values):
        p.data = v
    with autograd.no_grad():
        assert first == [check(pt).data for pt in rec.grid_points()]
    assert rec.multiclass is False
    assert rec.boundary(rec.snapshots[0]) is first  # cached


def test_multiclass_boundary_holds_the_predicted_class():
    X, y = make_spirals(n_samples=30, classes=3, noise=0.2, seed=0)
    model = MLP(2, [4, 3], seed=0)
    rec = Recorder(model, X=X, y=y, grid=5)
    model(X[0])[0].backward()
    rec.record(1.0)
    values = rec.boundary(rec.snapshots[0])
    assert rec.multiclass is True and set(values) <= {0.0, 1.0, 2.0}


def test_layer_groups_of_a_model_without_children():
    names, of = layer_groups(Neuron(2, seed=0))
    assert names == ["Neuron"] and of == [0, 0, 0]


def test_replay_page_of_micrograds_moons_model_is_small_and_self_contained():
    X, y = moons(100)
    model = MLP(2, [16, 16, 1], seed=1337)  # 337 parameters
    opt = SGD(model.parameters(), lr=0.5)
    rec = Recorder(model, X=X, y=y)
    with autograd.fast_training():
        for _ in range(100):
            scores = [model(x) for x in X]
            loss = hinge(scores, y)
            opt.zero_grad()
            loss.backward()
            rec.record(loss)
            opt.step()
    assert len(rec) == 100 and len(rec.names) == 337
    page = rec.html()
    text = str(page)
    size = len(text.encode("utf-8"))
    assert size < 2_000_000, size
    assert isinstance(page, autograd.views.Page)
    # Self-contained: no URL to fetch anything from; images are inline data.
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text), "a reference outside the page"
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert text.count('class="cr-p"') + text.count('class="cr-p cr-b"') == 337  # one mark per parameter


def test_replay_page_saves_and_keeps_the_model(tmp_path):
    X, y = moons(20)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, epochs=5, watch=False, recorder=Recorder(model), progress=False)
    before = [p.data for p in model.parameters()]
    path = tmp_path / "run.html"
    page = history["recorder"].html(path)
    assert path.read_text(encoding="utf-8") == str(page)
    assert [p.data for p in model.parameters()] == before


def test_boundary_picks_spread_over_the_run():
    assert boundary_picks(100, 12)[0] == 0 and boundary_picks(100, 12)[-1] == 99
    assert len(boundary_picks(100, 12)) == 12
    assert boundary_picks(5, 1) == [4] and boundary_picks(0, 3) == []


def test_panel_encodings():
    assert colour_index(0.0) == 8 and colour_index(1e9) == 16 and colour_index(-1e9) == 0
    assert colour_index(float("nan")) == 0
    assert colour_index(0.3) > 8 > colour_index(-0.3)
    url = png_data_url(2, 1, [bytes([255, 0, 0, 0, 0, 255])])
    import base64
    data = base64.b64decode(url.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"


def test_live_panels_show_the_latest_numbers():
    from nn.watching.watch import panels_html

    X, y = moons(20)
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X=X, y=y, grid=8)
    loss = hinge([model(x) for x in X], y)
    loss.backward()
    rec.record(loss, accuracy=0.75)
    html = panels_html(rec, None)
    assert f"loss <b>{loss.data:.6g}</b>" in html and "accuracy <b>75.0%</b>" in html
    # Each weight's tooltip names it with its value and gradient.
    w = model.layers[0].neurons[1].w[0]
    assert f"layers.0.neurons.1.w.0: value {w.data:.4g}, grad {w.grad:.4g}" in html
    view = View(rec, rec.snapshots)
    with_boundary = panels_html(rec, (*view.field(rec.boundary(rec.snapshots[0])), 0))
    assert "data:image/png;base64," in with_boundary and "boundary at step 0" in with_boundary


def test_a_run_that_diverges_still_makes_a_page():
    model = Neuron(2, seed=0)
    rec = Recorder(model, X=[[0.0, 1.0], [1.0, 0.0]], y=[-1, 1], grid=4)
    model([1.0, 1.0]).backward()
    rec.record(0.5)
    for p in model.parameters():
        p.grad = float("nan")
    rec.record(float("inf"))
    rec.record(float("nan"))
    text = str(rec.html())
    assert '"loss": "nan"' in text and '"loss": "inf"' in text


OLD_PATHS_SCRIPT = r"""
import importlib, pickle, sys, warnings
warnings.simplefilter("error")          # nothing warns on the way in
import nn
from nn import Recorder, MLP
import nn.watching.record
warnings.simplefilter("always")
for old in ("record", "panels", "replay", "watch", "progress"):
    with warnings.catch_warnings(record=True) as caught:
        __import__("nn." + old)
    module = sys.modules["nn." + old]
    assert module is sys.modules["nn.watching." + old], old
    assert module.__spec__.name == "nn.watching." + old, module.__spec__.name
    assert [w.category for w in caught] == [DeprecationWarning], (old, caught)
    assert f"nn.{old} moved to nn.watching.{old}" in str(caught[0].message)
    assert caught[0].filename == __file__, caught[0].filename   # points at the importing line
del sys.modules["nn.record"]
with warnings.catch_warnings(record=True) as caught:
    from nn.record import Recorder as Old
assert Old is Recorder and caught[0].category is DeprecationWarning
del nn.record
with warnings.catch_warnings(record=True) as caught:
    assert nn.record is nn.watching.record
assert caught and caught[0].category is DeprecationWarning
# a recorder pickled when its class lived at nn.record loads again (protocol 2 names
# classes as text lines, so the old path can be written in)
rec = Recorder(MLP(2, [1], seed=0))
blob = pickle.dumps(rec, protocol=2).replace(b"nn.watching.record", b"nn.record")
assert b"nn.record" in blob
with warnings.catch_warnings(record=True):
    assert type(pickle.loads(blob)) is Recorder
importlib.reload(nn.watching.record)
print("ok")
"""


def test_old_module_paths_of_the_watching_half_work_with_a_deprecation_warning(tmp_path):
    # In a fresh interpreter: an import already done in this process would not warn again.
    import subprocess
    import sys

    script = tmp_path / "old_paths.py"
    script.write_text(OLD_PATHS_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
