"""The replay page of a recorded training run: ``Recorder.html`` builds it here.

One ``autograd.views.Page`` on the shared step player: the slider, play/pause and ``#step=N``
(the N-th snapshot; ``#step=end`` the last) move through the snapshots, and the panels of
``nn.watching.panels`` show each one. The page holds, per snapshot, only what changes (a letter of
colour and a width per parameter, the bars, the curves' marker, short texts of the
numbers), so a 337-parameter model over 100 snapshots stays well under a megabyte.

>>> from nn import MLP, Recorder
>>> model = MLP(2, [2, 1], seed=0); rec = Recorder(model, X=[[0.0, 0.0], [1.0, 1.0]], y=[-1, 1])
>>> model([1.0, 1.0]).backward(); _ = rec.record(0.25)
>>> page = replay_page(rec)
>>> '"caption": "step 0 · loss 0.25"' in str(page), page.title
(True, 'Training replay')
"""

from __future__ import annotations

import math
from importlib import resources
from typing import TYPE_CHECKING

from autograd.views.page import Page, shell

from .panels import CODES, PALETTE, STYLE, View, panel_boxes

if TYPE_CHECKING:  # the recorder imports its views when asked for them: no cycle
    from .record import Recorder

EXTRA_STYLE = """
#caption b { font-weight: 600; }
"""


def boundary_picks(count: int, frames: int) -> list[int]:
    """Which of ``count`` snapshots get a decision boundary: ``frames`` spread evenly,
    always the first and the last.

    >>> boundary_picks(100, 4), boundary_picks(3, 12)
    ([0, 33, 66, 99], [0, 1, 2])
    """
    if count <= frames:
        return list(range(count))
    if frames <= 1:
        return [count - 1]
    return sorted({math.floor(k * (count - 1) / (frames - 1)) for k in range(frames)})


def replay_page(recorder: Recorder, *, title: str = "Training replay", boundary_frames: int = 12) -> Page:
    """The page for ``recorder``'s snapshots (see the module docstring)."""
    snaps = recorder.snapshots
    if not snaps:
        raise ValueError("Recorder.html: nothing recorded yet; call recorder.record(loss) after "
                         "backward (or train with fit(..., recorder=recorder)) first")
    if isinstance(boundary_frames, bool) or not isinstance(boundary_frames, int) or boundary_frames < 0:
        raise ValueError(f"Recorder.html: boundary_frames must be an int >= 0, got {boundary_frames!r}")
    view = View(recorder, snaps)
    fields: list[dict] = []
    of_snapshot = [-1] * len(snaps)
    if recorder.extent() is not None and boundary_frames:
        for k in boundary_picks(len(snaps), boundary_frames):
            url, path = view.field(recorder.boundary(snaps[k]))
            fields.append({"step": snaps[k].step, "url": url, "path": path})
            of_snapshot[k] = len(fields) - 1
    latest = -1
    frames = []
    for k, snap in enumerate(snaps):
        latest = of_snapshot[k] if of_snapshot[k] >= 0 else latest
        frame = view.frame(snap, boundary=latest)
        frame["accuracy"] = None if snap.accuracy is None else f"{snap.accuracy:.1%}"
        frames.append(frame)
    field = None
    if fields:
        field = view.boundary(fields[0]["url"], fields[0]["path"], fields[0]["step"])
    body = panel_boxes(view, frames[0], clip_id="cr-clip", field=field, tooltips=False)
    data = {"frames": frames, "palette": PALETTE, "codes": CODES, "fields": fields, "names": recorder.names}
    script = resources.files(__package__).joinpath("replay.js").read_text(encoding="utf-8")
    subtitle = (f"{recorder.model.short_repr()}, {len(recorder.names)} parameters; "
                f"{len(snaps)} snapshots of steps {snaps[0].step} to {snaps[-1].step}")
    html = shell(title, body, data, script, style=STYLE + EXTRA_STYLE, subtitle=subtitle)
    return Page(html, title, height=900)


__all__ = ["replay_page", "boundary_picks"]
