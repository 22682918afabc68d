"""The training panels as SVG: curves, the network's weights and gradients, gradient norms, boundary.

One ``View`` over a recorder's snapshots lays the panels out once (axes, the network's
neurons and weights, the data points) and gives, for each snapshot, a *frame*: the few
numbers that change from step to step (each weight's colour and width, the bar heights,
where the step marker is). The live view in Jupyter draws the latest frame straight into
the SVG; the replay page draws the first and its script sets the others' numbers into the
same elements, so both show the same picture from the same code.

>>> from nn import MLP, Recorder
>>> model = MLP(2, [3, 1], seed=0)
>>> rec = Recorder(model)
>>> model([1.0, 2.0]).backward(); _ = rec.record(0.5)
>>> view = View(rec, rec.snapshots)
>>> frame = view.frame(rec.snapshots[0])
>>> len(frame["colour"]) == model.num_parameters(), frame["caption"]
(True, 'step 0 · loss 0.5')

Encodings, chosen so that neither needs a legend to be read roughly:

- A weight's colour is its value: blue positive, red negative, grey near 0, deeper as
  ``|w|`` grows (``|w| / (|w| + 0.5)``, so it never saturates abruptly).
- A weight's line width is its gradient's size relative to the largest in the model at
  that step (square root, so small ones stay visible): thick lines are what this step
  changes most; a layer of hairlines is a layer whose gradients have vanished.
- A neuron's fill is its bias (same colours) and its outline the bias's gradient.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..layers import MLP, Layer, Neuron

if TYPE_CHECKING:  # the recorder imports its views when asked for them: no cycle
    from .record import Recorder, Snapshot

# Diverging palette: index 0 strongest negative (red), 8 zero (grey), 16 strongest positive.
LEVELS = 8
_NEG, _MID, _POS = (192, 57, 43), (214, 214, 214), (33, 102, 172)
CLASS_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"]


def _mix(a: tuple, b: tuple, t: float) -> tuple[int, int, int]:
    red, green, blue = (round(x + (y - x) * t) for x, y in zip(a, b))
    return red, green, blue


def _hex(rgb: tuple) -> str:
    r, g, b = rgb
    return f"#{r:02x}{g:02x}{b:02x}"


PALETTE = [_hex(_mix(_MID, _NEG, (LEVELS - k) / LEVELS)) for k in range(LEVELS)] + [_hex(_MID)] + \
          [_hex(_mix(_MID, _POS, k / LEVELS)) for k in range(1, LEVELS + 1)]
CODES = "ABCDEFGHIJKLMNOPQ"  # one letter per palette entry, for compact frames


def colour_index(value: float) -> int:
    """The palette entry for a weight: sign and size, never saturating abruptly.

    >>> colour_index(0.0), colour_index(-100.0), colour_index(0.5)
    (8, 0, 12)
    """
    if not math.isfinite(value):
        return 0 if value != value or value < 0 else 2 * LEVELS
    t = abs(value) / (abs(value) + 0.5)
    k = round(LEVELS * t)
    return LEVELS + (k if value > 0 else -k)


def number(x: float | None, digits: int = 4) -> str:
    """A short, exact-enough text for a number (``digits`` significant digits).

    >>> number(0.000123456), number(None), number(float("nan"))
    ('0.0001235', '–', 'nan')
    """
    if x is None:
        return "–"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def loss_text(loss: float) -> str:
    """The loss as every view prints it (6 significant digits)."""
    return number(loss, 6)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# -- the network's shape ------------------------------------------------------------------


def network_layout(model, index: dict[int, int]) -> list[list[tuple[list[int], int]]] | None:
    """For nn's own MLP, Layer and Neuron: per layer, per neuron, (weight indices, bias index).

    ``index`` maps ``id(parameter)`` to its position. None for any other model (the view
    then draws one cell per parameter).
    """
    if isinstance(model, MLP):
        layers = model.layers
    elif isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, Neuron):
        return [[([index[id(w)] for w in model.w], index[id(model.b)])]]
    else:
        return None
    return [[([index[id(w)] for w in n.w], index[id(n.b)]) for n in layer.neurons] for layer in layers]


# -- PNG for the boundary's colour field (no dependency: zlib and struct) -------------------


def png_data_url(width: int, height: int, rgb_rows: Sequence[bytes]) -> str:
    """A data: URL of an RGB PNG whose rows are ``rgb_rows`` (3·width bytes each)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rgb_rows)
    body = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(body).decode("ascii")


def _contour(values: list[float], n: int, size: float) -> str:
    """SVG path of the level 0 of a ``n × n`` grid (row 0 at the top) by marching squares."""
    step = size / n
    parts = []
    for r in range(n - 1):
        for c in range(n - 1):
            corners = [values[r * n + c], values[r * n + c + 1], values[(r + 1) * n + c + 1], values[(r + 1) * n + c]]
            points = [((c + 0.5), (r + 0.5)), ((c + 1.5), (r + 0.5)), ((c + 1.5), (r + 1.5)), ((c + 0.5), (r + 1.5))]
            crossings = []
            for k in range(4):
                a, b = corners[k], corners[(k + 1) % 4]
                if (a > 0) != (b > 0):
                    t = a / (a - b) if a != b else 0.5
                    (x0, y0), (x1, y1) = points[k], points[(k + 1) % 4]
                    crossings.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
            for k in range(0, len(crossings) - 1, 2):
                (xa, ya), (xb, yb) = crossings[k], crossings[k + 1]
                parts.append(f"M{xa * step:.1f} {ya * step:.1f}L{xb * step:.1f} {yb * step:.1f}")
    return "".join(parts)


class View:
    """The panels' layout over ``snapshots`` (all of a run for a replay, those so far live)."""

    CURVES = (380, 200)
    NET = (430, 250)
    NORMS = (300, 200)
    FIELD = 230  # the boundary's square, in px

    def __init__(self, recorder: Recorder, snapshots: Sequence[Snapshot]) -> None:
        if not snapshots:
            raise ValueError("View: nothing recorded yet; call recorder.record(loss) after backward")
        self.recorder = recorder
        self.snapshots = list(snapshots)
        index = {id(p): k for k, p in enumerate(recorder.params)}
        self.layout = network_layout(recorder.model, index)
        self._scales()

    # -- scales --------------------------------------------------------------------------

    def _scales(self) -> None:
        snaps = self.snapshots
        self.last_step = max(1, snaps[-1].step)
        losses = [s.loss for s in snaps if math.isfinite(s.loss)]
        positive = [x for x in losses if x > 0]
        self.log_loss = bool(positive) and len(positive) == len(losses) and max(positive) / min(positive) > 20
        if self.log_loss:
            self.loss_lo, self.loss_hi = math.log10(min(positive)), math.log10(max(positive))
        else:
            self.loss_lo, self.loss_hi = min(0.0, min(losses, default=0.0)), max(losses, default=1.0)
        if self.loss_hi - self.loss_lo < 1e-12:
            self.loss_hi = self.loss_lo + 1.0
        norms = [g for s in snaps for g in s.norms if g > 0 and math.isfinite(g)]
        top = max(norms, default=1.0)
        bottom = min(norms, default=top / 10)
        self.norm_hi = math.ceil(math.log10(top) + 1e-9)
        self.norm_lo = min(math.floor(math.log10(bottom)), self.norm_hi - 1)

    def _x(self, step: int) -> float:
        left, width = 46, self.CURVES[0] - 46 - 44
        return left + width * step / self.last_step

    def _loss_y(self, loss: float) -> float:
        top, height = 24, self.CURVES[1] - 24 - 30
        if not math.isfinite(loss):
            return top
        v = math.log10(loss) if self.log_loss else loss
        t = (v - self.loss_lo) / (self.loss_hi - self.loss_lo)
        return top + height * (1 - min(1.0, max(0.0, t)))

    def _acc_y(self, acc: float) -> float:
        top, height = 24, self.CURVES[1] - 24 - 30
        return top + height * (1 - acc)

    # -- a frame: what changes from step to step -----------------------------------------

    def frame(self, snap: Snapshot, boundary: int = -1) -> dict:
        """The numbers that change at ``snap``: colours, widths, bars, marker, caption."""
        gmax = max((abs(g) for g in snap.grads if math.isfinite(g)), default=0.0) or 1.0
        widths = [round(0.4 + 3.6 * math.sqrt(min(1.0, abs(g) / gmax)), 2) if math.isfinite(g) else 4.0
                  for g in snap.grads]
        bars = []
        w, h = self.NORMS
        top, height = 22, h - 22 - 40
        for g in snap.norms:
            if g > 0 and math.isfinite(g):
                t = (math.log10(g) - self.norm_lo) / (self.norm_hi - self.norm_lo)
            else:
                t = 1.0 if g != 0 else 0.0
            bh = round(height * min(1.0, max(0.0, t)), 1)
            bars.append([round(top + height - bh, 1), bh])
        caption = f"step {snap.step} · loss {loss_text(snap.loss)}"
        if snap.accuracy is not None:
            caption += f" · accuracy {snap.accuracy:.1%}"
        return {
            "step": snap.step,
            "loss": loss_text(snap.loss),
            "caption": caption,
            "colour": "".join(CODES[colour_index(v)] for v in snap.values),
            "width": widths,
            "x": round(self._x(snap.step), 1),
            "y": round(self._loss_y(snap.loss), 1),
            "bars": bars,
            "norms": [number(g, 2) for g in snap.norms],
            "gmax": number(gmax, 3),
            "boundary": boundary,
            "v": [number(v) for v in snap.values],
            "g": [number(g) for g in snap.grads],
        }

    # -- the panels ------------------------------------------------------------------------

    def curves(self, frame: dict, *, clip_id: str | None = None) -> str:
        """Loss (blue, left axis) and accuracy (orange, right) against the step.

        With ``clip_id`` (the replay), the whole run is drawn faintly and the part up to
        the frame's step in full colour; without, only the snapshots given are drawn.
        """
        w, h = self.CURVES
        snaps = self.snapshots
        loss_pts = " ".join(f"{self._x(s.step):.1f},{self._loss_y(s.loss):.1f}" for s in snaps)
        accs = [(s.step, s.accuracy) for s in snaps if s.accuracy is not None]
        acc_pts = " ".join(f"{self._x(step):.1f},{self._acc_y(acc):.1f}" for step, acc in accs)
        out = [f'<svg class="cr-curves" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
               f'aria-label="loss and accuracy against the step">']
        bottom = h - 30
        out.append(f'<line x1="46" y1="{bottom}" x2="{w - 44}" y2="{bottom}" stroke="#999"/>')
        out.append(f'<text x="{w / 2:.0f}" y="{h - 4}" text-anchor="middle" class="cr-axis">'
                   f'step (0 – {self.last_step})</text>')
        lo, hi = self.loss_lo, self.loss_hi
        for value in (lo, hi):
            label = number(10 ** value if self.log_loss else value, 3)
            y = self._loss_y(10 ** value if self.log_loss else value)
            out.append(f'<text x="42" y="{y + 4:.1f}" text-anchor="end" class="cr-axis" fill="#2166ac">{label}</text>')
        out.append(f'<text x="4" y="12" class="cr-axis" fill="#2166ac">loss{" (log)" if self.log_loss else ""}</text>')
        if accs:
            for acc in (0.0, 0.5, 1.0):
                y = self._acc_y(acc)
                out.append(f'<text x="{w - 40}" y="{y + 4:.1f}" class="cr-axis" fill="#d66a00">{acc:.0%}</text>')
            out.append(f'<text x="{w - 4}" y="12" text-anchor="end" class="cr-axis" fill="#d66a00">accuracy</text>')
        lines = f'<polyline points="{loss_pts}" fill="none" stroke="#2166ac" stroke-width="1.8"/>'
        if accs:
            lines += f'<polyline points="{acc_pts}" fill="none" stroke="#e07a1f" stroke-width="1.5"/>'
        if clip_id:
            faint = (lines.replace('stroke="#2166ac"', 'stroke="#c9d6ea"')
                     .replace('stroke="#e07a1f"', 'stroke="#f3d2b3"'))
            out.append(faint)
            out.append(f'<clipPath id="{clip_id}"><rect id="{clip_id}-rect" x="0" y="0" '
                       f'width="{frame["x"]}" height="{h}"/></clipPath>')
            out.append(f'<g clip-path="url(#{clip_id})">{lines}</g>')
        else:
            out.append(lines)
        out.append(f'<line class="cr-marker" x1="{frame["x"]}" y1="24" x2="{frame["x"]}" y2="{bottom}" '
                   'stroke="#555" stroke-dasharray="3 2"/>')
        out.append(f'<circle class="cr-dot" cx="{frame["x"]}" cy="{frame["y"]}" r="3.5" fill="#2166ac"/>')
        out.append("</svg>")
        return "".join(out)

    def network(self, frame: dict, *, tooltips: bool = True) -> str:
        """The model folded per neuron: weights as lines, neurons as circles (see the module doc)."""
        w, h = self.NET
        names = self.recorder.names
        colour, width = frame["colour"], frame["width"]

        def title(i: int) -> str:
            if not tooltips:
                return ""
            return f'<title>{_e(names[i])}: value {frame["v"][i]}, grad {frame["g"][i]}</title>'

        out = [f'<svg class="cr-net" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
               'aria-label="the network: weights coloured by value, line width by gradient">']
        if self.layout is None:
            n = len(names)
            cols = max(1, math.ceil(math.sqrt(n * w / h)))
            size = min((w - 20) / cols, (h - 20) / math.ceil(n / cols))
            for i in range(n):
                x, y = 10 + (i % cols) * size, 10 + (i // cols) * size
                out.append(f'<rect class="cr-p" data-i="{i}" x="{x:.1f}" y="{y:.1f}" width="{size * 0.8:.1f}" '
                           f'height="{size * 0.8:.1f}" fill="{PALETTE[CODES.index(colour[i])]}" stroke="#222" '
                           f'stroke-width="{width[i] / 2}">{title(i)}</rect>')
            out.append("</svg>")
            return "".join(out)
        sizes = [len(self.layout[0][0][0])] + [len(layer) for layer in self.layout]
        xs = [30 + (w - 60) * k / max(1, len(sizes) - 1) for k in range(len(sizes))]

        def ys(n: int) -> list[float]:
            return [14 + (h - 28) * (j + 0.5) / n for j in range(n)]

        columns = [ys(n) for n in sizes]
        radius = max(2.5, min(8.0, (h - 28) / max(sizes) * 0.32))
        for k, layer in enumerate(self.layout):
            for j, (weights, _) in enumerate(layer):
                for i, p in enumerate(weights):
                    out.append(f'<line class="cr-p" data-i="{p}" x1="{xs[k]:.1f}" y1="{columns[k][i]:.1f}" '
                               f'x2="{xs[k + 1]:.1f}" y2="{columns[k + 1][j]:.1f}" '
                               f'stroke="{PALETTE[CODES.index(colour[p])]}" stroke-width="{width[p]}">'
                               f'{title(p)}</line>')
        for i, y in enumerate(columns[0]):
            out.append(f'<circle cx="{xs[0]:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#cfe8ff" stroke="#555">'
                       f'<title>input x{i}</title></circle>')
        for k, layer in enumerate(self.layout):
            for j, (_, b) in enumerate(layer):
                out.append(f'<circle class="cr-p cr-b" data-i="{b}" cx="{xs[k + 1]:.1f}" cy="{columns[k + 1][j]:.1f}" '
                           f'r="{radius:.1f}" fill="{PALETTE[CODES.index(colour[b])]}" stroke="#222" '
                           f'stroke-width="{width[b] / 2}">{title(b)}</circle>')
        out.append("</svg>")
        return "".join(out)

    def norms(self, frame: dict) -> str:
        """Each layer's gradient norm, one bar per layer on a log scale."""
        groups = self.recorder.groups
        n = len(groups)
        h = self.NORMS[1]
        w = max(self.NORMS[0], 66 + 50 * n)  # room for each bar's number
        top, height = 22, h - 22 - 40
        slot = (w - 60) / n
        many = n > 4  # then the bars are named by their index only ("layer" below them)
        out = [f'<svg class="cr-norms" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
               'aria-label="gradient norm of each layer, log scale">']
        for e in range(self.norm_lo, self.norm_hi + 1):
            y = top + height * (1 - (e - self.norm_lo) / (self.norm_hi - self.norm_lo))
            out.append(f'<line x1="48" y1="{y:.1f}" x2="{w - 6}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                       f'<text x="44" y="{y + 4:.1f}" text-anchor="end" class="cr-axis">1e{e}</text>')
        for j, name in enumerate(groups):
            x = 54 + slot * j
            y, bh = frame["bars"][j]
            out.append(f'<rect class="cr-bar" data-j="{j}" x="{x:.1f}" y="{y}" width="{slot * 0.7:.1f}" '
                       f'height="{bh}" fill="#7b6bb0"/>')
            out.append(f'<text class="cr-bar-text cr-axis" data-j="{j}" x="{x + slot * 0.35:.1f}" y="{y - 3}" '
                       f'text-anchor="middle">{frame["norms"][j]}</text>')
            short = name.replace("layers.", "" if many else "layer ")
            out.append(f'<text x="{x + slot * 0.35:.1f}" y="{h - 24}" text-anchor="middle" class="cr-axis">'
                       f'{_e(short)}</text>')
        axis = "layer: ‖gradient‖ of its parameters (log)" if many else "‖gradient‖ per layer (log)"
        out.append(f'<text x="{w / 2:.0f}" y="{h - 6}" text-anchor="middle" class="cr-axis">{axis}</text>')
        out.append("</svg>")
        return "".join(out)

    # -- the decision boundary --------------------------------------------------------------

    def field(self, values: list[float]) -> tuple[str, str]:
        """(PNG data URL of the colour field, SVG path of the boundary) for one grid."""
        n = self.recorder.grid
        multiclass = bool(self.recorder.multiclass)
        rows = []
        for r in range(n):
            row = bytearray()
            for c in range(n):
                v = values[r * n + c]
                if multiclass:
                    hexa = CLASS_COLOURS[int(v) % len(CLASS_COLOURS)]
                    rgb = _mix((255, 255, 255), tuple(int(hexa[i:i + 2], 16) for i in (1, 3, 5)), 0.35)
                else:
                    t = math.tanh(v) if math.isfinite(v) else (1.0 if v > 0 else -1.0)
                    rgb = _mix((252, 252, 252), _POS if t > 0 else _NEG, 0.08 + 0.32 * abs(t))
                row.extend(rgb)
            rows.append(bytes(row))
        path = "" if multiclass else _contour(values, n, self.FIELD)
        return png_data_url(n, n, rows), path

    def boundary(self, url: str, path: str, step: int | None) -> str:
        """The boundary panel: the colour field, the score-0 line and the training points."""
        rec = self.recorder
        size = self.FIELD
        box, points = rec.extent(), rec.X
        # Drawn only for a recorder with 2-D training points, which is what gives a box.
        assert box is not None and points is not None, "boundary: the recorder has no 2-D training points"
        x0, x1, y0, y1 = box
        out = [f'<svg class="cr-field" viewBox="0 0 {size} {size + 18}" width="{size}" height="{size + 18}" role="img" '
               'aria-label="decision boundary over the training points">']
        out.append(f'<image class="cr-field-img" href="{url}" x="0" y="0" width="{size}" height="{size}" '
                   'preserveAspectRatio="none"/>')
        out.append(f'<path class="cr-field-line" d="{path}" fill="none" stroke="#222" stroke-width="1.4"/>')
        labels = rec.y if rec.y is not None else [None] * len(points)
        classes = sorted({t for t in labels if t is not None}, key=lambda t: float(t))
        for p, t in zip(points, labels):
            px = (p[0] - x0) / (x1 - x0) * size
            py = (y1 - p[1]) / (y1 - y0) * size
            if t is None:
                fill = "#777"
            elif len(classes) <= 2:
                fill = "#2166ac" if float(t) > 0 and float(t) == max(float(c) for c in classes) else "#c0392b"
            else:
                fill = CLASS_COLOURS[classes.index(t) % len(CLASS_COLOURS)]
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.8" fill="{fill}" stroke="#111" stroke-width="0.7"/>')
        label = f"boundary at step {step}" if step is not None else "boundary"
        out.append(f'<text class="cr-field-step cr-axis" x="{size / 2:.0f}" y="{size + 13}" '
                   f'text-anchor="middle">{label}</text>')
        out.append("</svg>")
        return "".join(out)


STYLE = """
.cr-live, .cr-panels { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
                       color: #1d1d1f; }
.cr-panels { display: grid; grid-template-columns: repeat(2, max-content); gap: 10px 18px; align-items: start; }
.cr-panels h3 { font-size: 13px; margin: 0 0 2px; font-weight: 600; }
.cr-panels .cr-note { color: #5f6368; font-size: 11px; margin: 0; max-width: 430px; }
.cr-panels svg { display: block; background: #fff; }
.cr-axis { font-size: 10px; fill: #5f6368; }
.cr-net .cr-p:hover { stroke: #111; }
.cr-caption { font-size: 14px; font-variant-numeric: tabular-nums; margin: 0 0 6px; }
"""


def panel_boxes(view: View, frame: dict, *, clip_id: str | None, field: str | None, tooltips: bool) -> str:
    """The four panels as one grid of HTML boxes (the boundary only for 2-D inputs)."""
    note = (f"line colour: weight (blue +, red −); width: |gradient| ÷ largest now "
            f"(<span class='cr-gmax'>{frame['gmax']}</span>); a neuron's fill: its bias (same colours), "
            "its outline's thickness: the bias's |gradient|; hover a weight for its numbers")
    boxes = [
        f'<div><h3>Loss and accuracy</h3>{view.curves(frame, clip_id=clip_id)}</div>',
        f'<div><h3>The network, one circle per neuron</h3>{view.network(frame, tooltips=tooltips)}'
        f'<p class="cr-note">{note}</p><p class="cr-note cr-hover">&nbsp;</p></div>',
        f'<div><h3>Gradient norm per layer</h3>{view.norms(frame)}</div>',
    ]
    if field is not None:
        boxes.append(f"<div><h3>Decision boundary</h3>{field}</div>")
    return '<div class="cr-panels">' + "".join(boxes) + "</div>"


__all__ = ["View", "PALETTE", "CODES", "colour_index", "number", "loss_text", "png_data_url", "panel_boxes", "STYLE"]
