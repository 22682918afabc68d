"""The training replay page in a real headless Chromium: it steps, shows the recorder's numbers,
and asks nothing of the network.

Uses the shared ``browser`` fixture (tests/browser.py): console errors, uncaught
exceptions and any request other than the page's own file fail ``tab.check()``.
"""

from __future__ import annotations

import pytest

import autograd
from nn import MLP, SGD, Recorder, hinge, make_moons
from nn.watching.panels import PALETTE, colour_index

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    X, y = make_moons(60, noise=0.1, seed=1)
    y = [2 * t - 1 for t in y]
    model = MLP(2, [8, 8, 1], seed=1)
    opt = SGD(model.parameters(), lr=0.5)
    rec = Recorder(model, X=X, y=y, max_snapshots=20, grid=12)
    with autograd.fast_training():
        for _ in range(50):
            scores = [model(x) for x in X]
            loss = hinge(scores, y)
            opt.zero_grad()
            loss.backward()
            acc = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
            rec.record(loss, accuracy=acc, force=_ == 49)
            opt.step()
    path = tmp_path_factory.mktemp("replay") / "replay.html"
    rec.html(path, boundary_frames=5)
    return rec, path


def shown(tab) -> dict:
    return tab.js("""() => ({
        step: document.getElementById('cr-step').textContent,
        loss: document.getElementById('cr-loss').textContent,
        accuracy: document.getElementById('cr-accuracy').textContent,
        slider: document.getElementById('step-slider').value,
        label: document.getElementById('step-label').textContent,
        field: document.querySelector('.cr-field-step').textContent,
    })""")


def test_slider_to_the_last_step_shows_the_recorders_last_numbers(browser, recorded):
    rec, path = recorded
    tab = browser.open(path)
    first = rec.snapshots[0]
    assert shown(tab)["loss"] == f"{first.loss:.6g}" and shown(tab)["step"] == "0"
    # Move the slider as a user does: focus it and press End (the browser's own range keys).
    slider = tab.page.locator("#step-slider")
    slider.focus()
    slider.press("End")
    last = rec.snapshots[-1]
    now = shown(tab)
    assert now["slider"] == str(len(rec) - 1)
    assert now["step"] == str(last.step) == "49"
    assert now["loss"] == f"{last.loss:.6g}"
    assert now["accuracy"] == f"{last.accuracy:.1%}"
    assert now["field"].startswith(f"boundary at step {last.step}")
    # Every weight's line has the last snapshot's colour.
    colours = tab.js("""() => Array.from(document.querySelectorAll('.cr-net line.cr-p'))
        .map(el => [+el.getAttribute('data-i'), el.getAttribute('stroke')])""")
    assert len(colours) == len(rec.names) - sum(n.endswith(".b") for n in rec.names)
    for i, colour in colours:
        assert colour == PALETTE[colour_index(last.values[i])], rec.names[i]
    tab.check()


def test_hash_opens_a_step_and_hover_names_a_weight(browser, recorded):
    rec, path = recorded
    tab = browser.open(path, "#step=3")
    snap = rec.snapshots[3]
    assert shown(tab)["step"] == str(snap.step) and shown(tab)["loss"] == f"{snap.loss:.6g}"
    line = tab.page.locator(".cr-net line.cr-p").first
    i = int(line.get_attribute("data-i"))
    line.hover(force=True)
    text = tab.page.locator(".cr-hover").text_content()
    assert text == f"{rec.names[i]}: value {snap.values[i]:.4g}, grad {snap.grads[i]:.4g}"
    tab.page.keyboard.press("ArrowRight")
    assert shown(tab)["step"] == str(rec.snapshots[4].step)
    tab.check()
    end = browser.open(path, "#step=end")
    assert shown(end)["step"] == str(rec.snapshots[-1].step)
    end.check()


def test_play_moves_through_the_steps_and_pauses(browser, recorded):
    rec, path = recorded
    tab = browser.open(path)
    tab.page.select_option("#speed", "16")
    tab.page.click("#play")
    tab.page.wait_for_function("() => +document.getElementById('step-slider').value >= 3", timeout=5000)
    tab.page.click("#play")  # pause
    stopped = shown(tab)["slider"]
    tab.page.wait_for_timeout(300)
    assert shown(tab)["slider"] == stopped
    tab.check()
