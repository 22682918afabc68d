"""A real notebook in a real Jupyter kernel: fit(watch=True) keeps one output updated in place.

nbclient runs the cells in an ipykernel started from this interpreter (the kernel named
"python3" runs ``sys.executable``), with the project folder as its working directory, and
every message the kernel sends is logged: the live view must create ONE display
(display_data with a display_id) and then update it (update_display_data, same id), with
nothing on stderr and no warning in any output.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


class LoggingClient(nbclient.NotebookClient):
    """Runs a notebook and keeps in ``messages`` (cell index, message type, content) of every output message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[tuple[int, str, dict]] = []

    def process_message(self, msg, cell, cell_index):
        kind = msg["header"]["msg_type"]
        if kind in ("display_data", "update_display_data", "stream", "execute_result", "error"):
            self.messages.append((cell_index, kind, msg["content"]))
        return super().process_message(msg, cell, cell_index)


def run(cells: list[str]) -> LoggingClient:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + env_path if env_path else "")
    try:
        client = LoggingClient(nb, timeout=180, kernel_name="python3",
                               resources={"metadata": {"path": str(ROOT)}})
        client.execute()
    finally:
        if env_path:
            os.environ["PYTHONPATH"] = env_path
        else:
            os.environ.pop("PYTHONPATH", None)
    return client


def display_id(content: dict) -> str | None:
    return (content.get("transient") or {}).get("display_id")


def text_of(content: dict) -> str:
    data = content.get("data") or {}
    return " ".join(str(v) for v in data.values()) + str(content.get("text", ""))


@pytest.fixture(scope="module")
def executed() -> LoggingClient:
    return run([
        # 0: the kernel is this interpreter, and the project is the one under test.
        "import sys, nn; print(sys.executable); print(nn.__file__)",
        # 1: watching fit
        "from nn import MLP, fit, make_moons, Recorder\n"
        "X, y = make_moons(60, noise=0.1, seed=0); y = [2 * t - 1 for t in y]\n"
        "model = MLP(2, [8, 8, 1], seed=0)\n"
        "rec = Recorder(model, watch_seconds=0.05)\n"
        "history = fit(model, X, y, epochs=40, recorder=rec, watch=True)\n"
        "last = rec.snapshots[-1]",
        # 2: fit without watch: a progress line
        "history2 = fit(MLP(2, [4, 1], seed=0), X, y, epochs=30)",
        # 3: the numbers the live view must have shown last
        "print(f'LAST {last.step} {last.loss:.6g}')",
        # 4: a hand-written loop, watched with the default time limit (0.5 s between
        # redraws), never closed: it must still end showing its last step
        "from nn import SGD, hinge\n"
        "model2 = MLP(2, [4, 1], seed=1)\n"
        "rec2 = Recorder(model2, watch=True)\n"
        "opt = SGD(model2.parameters(), lr=0.1)\n"
        "for _ in range(12):\n"
        "    loss = hinge([model2(x) for x in X[:20]], y[:20])\n"
        "    opt.zero_grad(); loss.backward(); rec2.record(loss); opt.step()\n"
        "last2 = rec2.snapshots[-1]",
        # 5: its numbers
        "print(f'LAST2 {last2.step} {last2.loss:.6g}')",
    ])


def test_the_kernel_runs_this_python_and_this_project(executed):
    out = "".join(c.get("text", "") for i, kind, c in executed.messages if i == 0 and kind == "stream")
    lines = out.split()
    assert Path(lines[0]).resolve() == Path(sys.executable).resolve()
    assert Path(lines[1]).resolve() == (ROOT / "nn" / "__init__.py").resolve()


def test_watch_creates_one_display_and_updates_it_in_place(executed):
    messages = [(kind, c) for i, kind, c in executed.messages if i == 1]
    created = [c for kind, c in messages if kind == "display_data"]
    updated = [c for kind, c in messages if kind == "update_display_data"]
    assert len(created) == 1, [kind for kind, _ in messages]
    ident = display_id(created[0])
    assert ident
    assert len(updated) >= 2, "the panels were not updated as training went on"
    assert all(display_id(c) == ident for c in updated)
    assert [kind for kind, _ in messages][0] == "display_data"  # created before any update
    # The panels: curves, the network, the gradient norms and the boundary.
    final = updated[-1]["data"]["text/html"]
    for part in ("cr-curves", "cr-net", "cr-norms", "cr-field", "data:image/png;base64,"):
        assert part in final
    step, loss = next(c["text"] for i, kind, c in executed.messages if i == 3 and kind == "stream").split()[1:3]
    assert f"training step <b>{step}</b> · loss <b>{loss}</b>" in final
    # Nothing else: no stream output (stderr warnings, a tqdm bar), no error.
    assert not [kind for kind, _ in messages if kind in ("stream", "error")], messages


def test_a_hand_written_loop_ends_showing_its_last_step_without_close(executed):
    messages = [(kind, c) for i, kind, c in executed.messages if i == 4]
    shown = [c for kind, c in messages if kind in ("display_data", "update_display_data")]
    assert shown and len({display_id(c) for c in shown}) == 1
    step, loss = next(c["text"] for i, kind, c in executed.messages if i == 5 and kind == "stream").split()[1:3]
    assert step == "11"
    final = shown[-1]["data"]["text/html"]
    assert f"training step <b>{step}</b> · loss <b>{loss}</b>" in final
    # No redraw in later cells: the hook draws only what is new.
    assert not [c for i, kind, c in executed.messages if i == 5 and kind == "update_display_data"]


def test_fit_in_a_notebook_shows_one_progress_line_updated_in_place(executed):
    messages = [(kind, c) for i, kind, c in executed.messages if i == 2]
    created = [c for kind, c in messages if kind == "display_data"]
    updated = [c for kind, c in messages if kind == "update_display_data"]
    assert len(created) == 1 and updated
    assert all(display_id(c) == display_id(created[0]) for c in updated)
    final = updated[-1]["data"]["text/plain"]
    assert final.startswith("fit: epoch 30/30 · loss ") and "accuracy" in final
    assert not [kind for kind, _ in messages if kind in ("stream", "error")], messages


def test_no_warning_anywhere(executed):
    for i, kind, content in executed.messages:
        text = text_of(content)
        assert "Warning" not in text and "IProgress" not in text, (i, kind, text[:300])
        if kind == "stream":
            assert content["name"] == "stdout", (i, content)
