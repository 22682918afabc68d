"""The error surface of one linear neuron is a bowl: gradient descent with batches of 1, 8, all.

    python -m demos.error_surface
    python -m demos.error_surface --steps 200 --lr 0.05

A neuron with two weights and no activation, ``ŷ = w1·x1 + w2·x2``, and the squared error
``E(w) = mean ½(ŷ − y)²`` over the data: E is a quadratic in (w1, w2), so its contours are
ellipses around one minimum (the least-squares weights). Each update moves w against the
gradient of the error on a batch:

- full batch: the true gradient of E, so the path is smooth and crosses each contour
  at a right angle;
- mini-batch of 8: an estimate of it, a little off each time, so the path wobbles;
- one sample (stochastic gradient descent): each sample's own error is a trough, not a
  bowl (zero all along a line), and the step points across that trough: the path zigzags
  and, with a constant learning rate, keeps jittering around the minimum instead of
  settling. Averaging over a batch averages those directions, which is why batches
  smooth the path (the noise falls like 1/√batch size).

The inputs are correlated, so the bowl is a tilted, stretched ellipse and the steepest
direction is not the one toward the minimum.

>>> step = make_step(0.1)
>>> w = [Value(0.0), Value(0.0)]
>>> step(w, [[1.0, 0.0]], [2.0]); [round(v.data, 3) for v in w]     # E = ½(w1 − 2)²
[0.2, 0.0]
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import autograd
from autograd import Value

from . import _common

TRUE_W = (2.0, -1.0)
START = (-2.0, -3.0)


def make_data(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    """n samples: correlated inputs (corr 0.8), y = 2·x1 − 1·x2 + noise."""
    rng = random.Random(seed)
    X, y = [], []
    for _ in range(n):
        a = rng.gauss(0, 1)
        b = 0.8 * a + 0.6 * rng.gauss(0, 1)
        X.append([a, b])
        y.append(TRUE_W[0] * a + TRUE_W[1] * b + rng.gauss(0, 0.3))
    return X, y


def error(w: Sequence[Value | float], X, y) -> Value:
    """E(w) = mean over the batch of ½(w·x − y)², built from Values."""
    terms = [0.5 * (autograd.dot(w, x) - t) ** 2 for x, t in zip(X, y)]
    return autograd.sum(terms) * (1.0 / len(terms))


def make_step(lr: float):
    """One gradient-descent update of the weight Values on a batch."""

    def step(w: list[Value], Xb, yb) -> None:
        loss = error(w, Xb, yb)
        for p in w:
            p.grad = 0.0
        loss.backward()
        for p in w:
            p.data -= lr * p.grad

    return step


def least_squares(X, y) -> tuple[float, float]:
    """The bottom of the bowl: solve the 2×2 normal equations (XᵀX) w = Xᵀy."""
    a = sum(x[0] * x[0] for x in X)
    b = sum(x[0] * x[1] for x in X)
    d = sum(x[1] * x[1] for x in X)
    u = sum(x[0] * t for x, t in zip(X, y))
    v = sum(x[1] * t for x, t in zip(X, y))
    det = a * d - b * b
    return ((d * u - b * v) / det, (a * v - b * u) / det)


def run(X, y, batch_size: int, lr: float, steps: int, seed: int) -> list[tuple[float, float]]:
    """The weights after each of ``steps`` updates with batches of ``batch_size`` samples."""
    from nn.data import batches

    w = [Value(START[0], label="w1"), Value(START[1], label="w2")]
    step = make_step(lr)
    path = [START]
    rng = random.Random(seed)
    while len(path) <= steps:
        # One pass over the data in a fresh random order (an epoch), batch by batch.
        for Xb, yb in batches(X, y, batch_size, shuffle=True, seed=rng.getrandbits(32)):
            step(w, Xb, yb)
            path.append((w[0].data, w[1].data))
            if len(path) > steps:
                break
    return path


def full_error(w, X, y) -> float:
    with autograd.no_grad():
        return error(list(w), X, y).data


def plot(plt, X, y, paths: dict[str, list], best, lr: float, path) -> None:
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    Xa, ya = np.array(X), np.array(y)
    g1, g2 = np.meshgrid(np.linspace(-3, 4, 200), np.linspace(-4, 2, 200))
    # E on the grid, vectorised: the same formula as error(), for the contour lines only.
    pred = g1[..., None] * Xa[:, 0] + g2[..., None] * Xa[:, 1]
    surface = 0.5 * ((pred - ya) ** 2).mean(axis=-1)
    e_min = full_error(best, X, y)
    levels = e_min + np.geomspace(0.02, surface.max() - e_min, 14)
    # Filled from the very bottom of the bowl (light) up (darker): it reads as depth.
    ax.contourf(g1, g2, surface, levels=np.concatenate([[e_min], levels]), cmap="Blues",
                alpha=0.4, extend="max")
    cs = ax.contour(g1, g2, surface, levels=levels, colors="0.45", linewidths=0.7)
    ax.clabel(cs, cs.levels[::3], fmt="%.2g", fontsize=7)
    colours = {"full batch": "tab:blue", "mini-batch of 8": "tab:green", "one sample (SGD)": "tab:red"}
    for name, p in paths.items():
        ax.plot(*zip(*p), ".-", color=colours[name], lw=1.1, ms=3, alpha=0.9, label=f"{name}")
    ax.plot(*START, "o", color="black", ms=7, label=f"start {START}")
    ax.plot(*best, "*", color="gold", mec="black", ms=15, label="minimum (least squares)")
    ax.set_aspect("equal")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(f"Error surface E(w1, w2) of ŷ = w1·x1 + w2·x2 and {len(next(iter(paths.values()))) - 1} "
                 f"updates, lr {lr}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")

    for name, p in paths.items():
        ax2.semilogy([full_error(w, X, y) - e_min + 1e-12 for w in p], color=colours[name], label=name)
    ax2.set_xlabel("update")
    ax2.set_ylabel("E(w) − E(minimum), on all the data (log scale)")
    ax2.set_title("Full-data error after each update", fontsize=10)
    ax2.legend(fontsize=8)
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(80, 40))
    parser.add_argument("--lr", type=float, default=0.3, help="learning rate (default 0.3)")
    parser.add_argument("--samples", type=int, default=64, help="data set size (default 64)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, y = make_data(args.samples, args.seed)
    best = least_squares(X, y)
    print(f"{len(X)} samples, y = {TRUE_W[0]}·x1 + {TRUE_W[1]}·x2 + noise; inputs correlated")
    print(f"bottom of the bowl (least squares): w = ({best[0]:.4f}, {best[1]:.4f}), "
          f"E = {full_error(best, X, y):.5f}")
    paths = {
        "full batch": run(X, y, len(X), args.lr, args.steps, args.seed),
        "mini-batch of 8": run(X, y, 8, args.lr, args.steps, args.seed),
        "one sample (SGD)": run(X, y, 1, args.lr, args.steps, args.seed),
    }
    rows = []
    for name, p in paths.items():
        w = p[-1]
        # How far the last quarter of the path wanders: jitter around where it settled.
        tail = p[-max(2, len(p) // 4):]
        cx = sum(q[0] for q in tail) / len(tail)
        cy = sum(q[1] for q in tail) / len(tail)
        jitter = (sum((q[0] - cx) ** 2 + (q[1] - cy) ** 2 for q in tail) / len(tail)) ** 0.5
        rows.append((f"{name}: final w, E, jitter",
                     f"({w[0]:.4f}, {w[1]:.4f})  E = {full_error(w, X, y):.5f}  ±{jitter:.4f}"))
        print(f"{name:>17}: w = ({w[0]:.4f}, {w[1]:.4f})  E = {full_error(w, X, y):.5f}  "
              f"spread over the last quarter of the path {jitter:.4f}")

    plt = _common.pyplot()
    files = [args.out / "error_surface.png"]
    plot(plt, X, y, paths, best, args.lr, files[0])
    rows.append(("least squares", f"({best[0]:.4f}, {best[1]:.4f})  E = {full_error(best, X, y):.5f}"))
    rows.append(("time", f"{clock.seconds():.1f} s"))
    _common.summary(f"error_surface ({args.steps} updates each)", rows, files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
