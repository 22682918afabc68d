"""What every demo shares: its command line, output folder, progress bar and picture saving.

Each demo is ``python -m demos.NAME`` with the same options::

    --seed N         random seed (the default reproduces the README's numbers)
    --steps N        (or --epochs N) how long to train
    --out DIR        where pictures go (default demos/out/, git-ignored)
    --quick          a few seconds, smaller everything: what the tests run

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> parser = make_parser("Fit a curve.", steps=(500, 40))
>>> args = parse(parser, ["--quick", "--out", out])
>>> args.steps, args.seed, args.out == Path(out)
(40, 0, True)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

# Pictures are written to files, never shown: the Agg backend needs no display, so the
# demos run the same over ssh, in CI and in the tests. Set before pyplot is imported.
os.environ.setdefault("MPLBACKEND", "Agg")

# demos/out next to this file: the git-ignored folder of an editable install (the README's
# set-up), whatever directory the demo is started from.
DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def make_parser(
    description: str,
    *,
    steps: tuple[int, int] | None = None,
    epochs: tuple[int, int] | None = None,
    seed: int = 0,
) -> argparse.ArgumentParser:
    """The shared options. ``steps``/``epochs`` are (full-run default, --quick default).

    A demo adds its own options to the returned parser, then calls ``parse``.

    >>> make_parser("x", epochs=(10, 2)).parse_args([]).epochs is None   # parse() fills it
    True
    """
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    # The length defaults depend on --quick, so they are filled in by parse(): None here
    # means "not given on the command line".
    if steps is not None:
        parser.add_argument(
            "--steps", type=_positive_int, default=None,
            help=f"training steps (default {steps[0]}, or {steps[1]} with --quick)")
    if epochs is not None:
        parser.add_argument(
            "--epochs", type=_positive_int, default=None,
            help=f"training epochs (default {epochs[0]}, or {epochs[1]} with --quick)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="folder for the pictures (default demos/out/, created if missing)")
    parser.add_argument(
        "--quick", action="store_true",
        help="a small, fast run (a few seconds): what the tests use")
    parser.set_defaults(_lengths={"steps": steps, "epochs": epochs})
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``, fill in the --steps/--epochs default for the mode, make --out."""
    args = parser.parse_args(argv)
    for name, defaults in args._lengths.items():
        if defaults is not None and getattr(args, name) is None:
            setattr(args, name, defaults[1] if args.quick else defaults[0])
    del args._lengths
    # The demos print ∂, ², −: where stdout cannot encode them (a Windows pipe, say) they
    # are escaped instead of stopping the demo with UnicodeEncodeError.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"--out: cannot create the folder {str(args.out)!r} ({error.strerror}); "
                     "pass a writable folder")
    return args


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {n}")
    return n


# -- progress ---------------------------------------------------------------------------


class _Plain:
    """Stands in for a tqdm bar when tqdm is missing or the bar is off."""

    def __init__(self, iterable: Iterable) -> None:
        self._iterable = iterable

    def __iter__(self) -> Iterator:
        return iter(self._iterable)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def progress(iterable: Iterable, *, desc: str = "", total: int | None = None, quiet: bool = False):
    """A tqdm bar over ``iterable`` (on stderr, only when it is a terminal).

    Without tqdm installed, or with ``quiet``, the iterable comes back unchanged apart from
    a no-op ``set_postfix``, so a demo's loop reads the same either way.

    >>> bar = progress(range(3), quiet=True)
    >>> [i for i in bar], bar.set_postfix(loss=0.1)
    ([0, 1, 2], None)
    """
    if quiet:
        return _Plain(iterable)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Plain(iterable)
    # disable=None: tqdm switches itself off when stderr is not a terminal (pipes, tests).
    return tqdm(iterable, desc=desc, total=total, leave=False, disable=None, dynamic_ncols=True)


# -- pictures ---------------------------------------------------------------------------


def pyplot():
    """matplotlib.pyplot with the file-only Agg backend and a readable default style."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
    })
    return plt


def _atomic_target(path: Path) -> Path:
    # A temporary name in the same folder (so os.replace is a rename, atomic on POSIX and
    # Windows) that keeps the extension, since the writers pick the format from it. Not
    # mkstemp: its files are private (0600), and a picture should get the usual permissions.
    return path.with_name(f".{path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{path.suffix}")


def _covers_data(ax, box) -> bool:
    """Whether a curve, marker or bar of ``ax`` is drawn inside the display box ``box``.

    Reference lines (``axhline``, ``axvline``: not in data coordinates) and pale
    shadings (alpha below 0.5) do not count: a legend may sit over them.
    """
    import numpy as np

    for line in ax.get_lines():
        if not line.get_visible() or line.get_transform() != ax.transData:
            continue
        pts = ax.transData.transform(np.asarray(line.get_xydata(), dtype=float))
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) > 1 and line.get_linestyle() not in ("None", "", " "):
            # Points along each segment as drawn on screen, not only the vertices.
            t = np.linspace(0.0, 1.0, 12, endpoint=False)[None, :, None]
            pts = np.concatenate([(pts[:-1, None, :] + (pts[1:, None, :] - pts[:-1, None, :]) * t).reshape(-1, 2),
                                  pts[-1:]])
        if ((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)).any():
            return True
    for patch in ax.patches:
        alpha = patch.get_alpha()
        if patch.get_visible() and (alpha is None or alpha >= 0.5) and patch.get_window_extent().overlaps(box):
            return True
    return False


_LEGEND_PLACES = ("upper right", "upper left", "lower right", "lower left", "center right", "center left",
                  "upper center", "lower center")


def place_legends(fig) -> int:
    """Move every axes legend that covers a curve or a bar; return how many moved.

    A legend is checked against the data of every axes drawn in the same place (twin
    axes too). It tries the corners and edges inside the axes first; if each covers
    data, it goes under the axes, in up to four columns.
    """
    fig.canvas.draw()
    moved = 0
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        twins = [a for a in fig.axes if a.get_position().bounds == ax.get_position().bounds]

        def covers(legend=legend, twins=twins) -> bool:
            box = legend.get_window_extent()
            return any(_covers_data(a, box) for a in twins)

        if not covers():
            continue
        moved += 1
        for loc in _LEGEND_PLACES:
            legend.set_loc(loc)
            fig.canvas.draw()
            if not covers():
                break
        else:
            texts = legend.get_texts()
            # Just under everything the axes draw below themselves (tick labels, x label).
            below = ax.get_tightbbox(fig.canvas.get_renderer(), for_layout_only=False)
            y = ax.transAxes.inverted().transform((0.0, below.y0))[1]
            legend = ax.legend(legend.legend_handles, [t.get_text() for t in texts], loc="upper center",
                               bbox_to_anchor=(0.5, y), ncols=min(len(texts), 4),
                               fontsize=texts[0].get_fontsize() if texts else None, frameon=False)
            fig.canvas.draw()
    return moved


def save_figure(fig, path: Path | str, *, dpi: int = 100) -> Path:
    """Write a matplotlib figure (format from the extension) atomically, then close it.

    A reader never sees a half-written file: it is written under a temporary name and
    renamed into place. Legends that would cover a curve are moved first (``place_legends``).
    """
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        place_legends(fig)
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return path


def save_graph(root, path: Path | str, **draw_options: Any) -> Path:
    """Render the graph below ``root`` with ``autograd.render`` (graphviz ``dot``), atomically."""
    import autograd

    path = Path(path)
    tmp = _atomic_target(path)
    try:
        written = autograd.render(root, tmp, **draw_options)
        os.replace(written if written else tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def grid_predictions(predict, X, resolution: int, margin: float = 0.5):
    """``predict`` on a resolution × resolution grid covering the points X (plus a margin).

    ``predict(point) -> number`` is called once per grid point, inside ``no_grad`` (no graph
    is kept). Returns numpy arrays (xx, yy, zz) ready for ``contourf``.
    """
    import numpy as np

    import autograd

    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    gx = np.linspace(min(xs) - margin, max(xs) + margin, resolution)
    gy = np.linspace(min(ys) - margin, max(ys) + margin, resolution)
    xx, yy = np.meshgrid(gx, gy)
    with autograd.no_grad():
        zz = np.array([[predict([float(a), float(b)]) for a, b in zip(row_x, row_y)]
                       for row_x, row_y in zip(xx, yy)])
    return xx, yy, zz


# -- reporting --------------------------------------------------------------------------


class Stopwatch:
    """Wall-clock time since creation, for the demos' summaries.

    >>> f"{Stopwatch().seconds():.0f}"
    '0'
    """

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self._start


def summary(title: str, rows: Sequence[tuple[str, Any]], files: Sequence[Path]) -> None:
    """Print the closing block every demo ends with: its numbers, then the files it wrote."""
    print()
    print(f"== {title} ==")
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    if files:
        print("  pictures:")
        for f in files:
            print(f"    {f}")


# -- teaching helper shared by the weight-sharing demos (rnn_bptt, conv1d) ---------------


def gradient_by_scope(root, weight) -> dict[str, float]:
    """Split ``weight.grad`` into what each scope's use of it contributed.

    Call after ``root.backward()``. A weight used in many places (every time step of a
    recurrent net, every position of a convolution) gets one gradient term per use: the
    consuming node's gradient times its local derivative with respect to the weight. That
    is the chain rule's sum at a shared node, and the sum of the returned values is
    ``weight.grad``. Each use is filed under the innermost scope of the node that used it.

    >>> import autograd
    >>> w = autograd.Value(3.0)
    >>> with autograd.scope("t=1"): a = w * 2.0
    >>> with autograd.scope("t=2"): b = w * 5.0
    >>> y = a + b; y.backward()
    >>> sorted(gradient_by_scope(y, w).items()), w.grad
    ([('t=1', 2.0), ('t=2', 5.0)], 7.0)
    """
    from autograd import topological_order

    parts: dict[str, float] = {}
    for node in topological_order(root):
        for parent, local in zip(node.parents, node.local_grads):
            if parent is weight:
                where = node.scope[-1] if node.scope else ""
                parts[where] = parts.get(where, 0.0) + node.grad * local
    return parts
