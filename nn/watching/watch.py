"""Watching a model learn in Jupyter: one output area, updated in place as snapshots come.

``Recorder(model, watch=True)`` (or ``fit(..., watch=True)``) shows ``Live``'s panels: the
loss and accuracy so far, the network's weights and gradients, each layer's gradient
norm and, for 2-D inputs, the decision boundary. It uses IPython display handles
(``display(..., display_id=True)`` then ``handle.update(...)``), so it needs no
ipywidgets and works in Jupyter, JupyterLab and VS Code alike.

Its cost is bounded by wall time, not steps: the panels are redrawn at most every
``recorder.watch_seconds``, and the decision boundary (hundreds of forward passes) is
recomputed only while that work stays under a quarter of the time since watching began;
otherwise the last one is shown, with its step. Outside a kernel nothing is displayed.

The last step is always shown: a snapshot held back by that limit is drawn when the cell
ends (an IPython ``post_run_cell`` hook), so a hand-written loop ends on its last step
without calling ``recorder.close()``.

>>> from nn import MLP, Recorder
>>> live = Live(Recorder(MLP(2, [2, 1], seed=0)))   # in a plain Python session: no display
>>> live.enabled, live.handle
(False, None)
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from .panels import STYLE, View, loss_text, panel_boxes
from .progress import in_notebook

if TYPE_CHECKING:  # the recorder imports its views when asked for them: no cycle
    from .record import Recorder

BOUNDARY_SHARE = 0.25  # of the wall time since watching began, at most, spent on boundaries


def panels_html(recorder: Recorder, boundary: tuple[str, str, int] | None) -> str:
    """The live panels at the latest snapshot, as one HTML fragment (no script, no ids)."""
    snaps = recorder.snapshots
    view = View(recorder, snaps)
    last = snaps[-1]
    frame = view.frame(last)
    field = None
    if recorder.extent() is not None:
        if boundary is None:
            field = "<p class='cr-note'>the boundary is drawn as training goes on</p>"
        else:
            field = view.boundary(*boundary)
    caption = f"training step <b>{last.step}</b> · loss <b>{loss_text(last.loss)}</b>"
    if last.accuracy is not None:
        caption += f" · accuracy <b>{last.accuracy:.1%}</b>"
    every = "every step" if recorder.every == 1 else f"one every {recorder.every} steps"
    caption += f" · {len(snaps)} snapshots, {every}"
    return (f"<div class='cr-live'><style>{STYLE}</style><p class='cr-caption'>{caption}</p>"
            + panel_boxes(view, frame, clip_id=None, field=field, tooltips=True) + "</div>")


class Live:
    """The display handle and its timing for one watching recorder."""

    def __init__(self, recorder: Recorder) -> None:
        self.handle = None
        self.enabled = in_notebook()
        self.started = time.perf_counter()
        self.shown = float("-inf")
        self.boundary_seconds = 0.0
        self.boundary: tuple[str, str, int] | None = None  # (image, line, step) last computed
        self.shown_step: int | None = None  # the step of the snapshot on screen
        self.finished = False  # the recorder stopped watching (close)
        if self.enabled:
            self._show_last_when_cells_end(recorder)
            if recorder.snapshots:
                self.update(recorder, force=True)

    def _show_last_when_cells_end(self, recorder: Recorder) -> None:
        """After each cell, draw the latest snapshot if the time limit held it back, until
        the recorder stops watching (``close``) or is gone."""
        from IPython import get_ipython

        events = get_ipython().events
        ref = weakref.ref(recorder)  # the hook must not keep a finished recorder alive

        def flush(*_) -> None:
            rec = ref()
            if rec is None or self.finished:
                events.unregister("post_run_cell", flush)
                return
            if rec.snapshots and rec.snapshots[-1].step != self.shown_step:
                self.update(rec, force=True)

        events.register("post_run_cell", flush)

    def _boundary(self, recorder: Recorder, force: bool) -> None:
        if recorder.extent() is None:
            return
        snap = recorder.snapshots[-1]
        if self.boundary is not None and self.boundary[2] == snap.step:
            return
        elapsed = time.perf_counter() - self.started
        if not force and self.boundary is not None and self.boundary_seconds > BOUNDARY_SHARE * elapsed:
            return
        began = time.perf_counter()
        view = View(recorder, recorder.snapshots)
        url, path = view.field(recorder.boundary(snap))
        self.boundary = (url, path, snap.step)
        self.boundary_seconds += time.perf_counter() - began

    def update(self, recorder: Recorder, force: bool = False) -> None:
        """Redraw with the latest snapshot, unless the last redraw is too recent."""
        if not self.enabled or not recorder.snapshots:
            return
        now = time.perf_counter()
        if not force and now - self.shown < recorder.watch_seconds:
            return
        self._boundary(recorder, force)
        from IPython.display import HTML, display

        content = HTML(panels_html(recorder, self.boundary))
        if self.handle is None:
            self.handle = display(content, display_id=True)
        else:
            self.handle.update(content)
        self.shown = time.perf_counter()
        self.shown_step = recorder.snapshots[-1].step

    def finish(self, recorder: Recorder) -> None:
        """The last redraw: the latest snapshot and its boundary, whatever the timing."""
        self.update(recorder, force=True)
        self.finished = True


__all__ = ["Live", "panels_html"]
