"""Fit a 1-D curve: a small tanh MLP learns sin(x) from noisy samples, by mean squared error.

    python -m demos.regression
    python -m demos.regression --steps 2000 --hidden 32

Regression instead of classification: the network's single output *is* the prediction,
and the loss is the mean squared error ``mean((ŷ − y)²)``. The network (1 → 16 → 16 → 1,
tanh, Xavier initialisation) is a sum of bent, shifted tanh curves; training moves the
bends until their sum follows the data. The picture shows the fit at a few moments of
training, and the error on the training points and on held-out points.

>>> X, y = sine_data(10, noise=0.0, seed=0)
>>> len(X), round(max(abs(t) for t in y), 3) <= 1.0
(10, True)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import autograd
from nn import MLP, Adam, linear_decay, mse

from . import _common


def sine_data(n: int, noise: float, seed: int) -> tuple[list[float], list[float]]:
    """n points x uniform in [-π, π], y = sin(x) + Gaussian noise, sorted by x."""
    rng = random.Random(seed)
    X = sorted(rng.uniform(-math.pi, math.pi) for _ in range(n))
    return X, [math.sin(x) + rng.gauss(0.0, noise) for x in X]


def predict(model: MLP, xs: Sequence[float]) -> list[float]:
    with autograd.no_grad():
        return [model([x]).data for x in xs]


def error(model: MLP, X, y) -> float:
    return sum((p - t) ** 2 for p, t in zip(predict(model, X), y)) / len(y)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(400, 150))
    parser.add_argument("--hidden", type=int, default=16, help="neurons per hidden layer (default 16)")
    parser.add_argument("--lr", type=float, default=0.01,
                        help="Adam learning rate at the start, falling to a tenth (default 0.01)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise on the samples (default 0.1)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, y = sine_data(40, args.noise, args.seed)
    X_test, y_test = sine_data(100, args.noise, args.seed + 1000)
    model = MLP(1, [args.hidden, args.hidden, 1], activation="tanh", init="xavier", seed=args.seed)
    print(model)
    # The step size falls tenfold over the run: a constant one makes Adam overshoot now and
    # then once the fit is close (spikes in the loss).
    opt = Adam(model.parameters(), lr=linear_decay(args.lr, args.lr / 10, args.steps))
    grid = [-math.pi + 2 * math.pi * i / 100 for i in range(101)]
    snapshots = {0: predict(model, grid)}
    keep = {max(1, args.steps // 20), max(1, args.steps // 5)}
    history = {"train": [], "test": []}
    every = max(1, args.steps // 20)
    bar = _common.progress(range(1, args.steps + 1), desc="regression", quiet=args.quick)
    with autograd.fast_training():
        for step in bar:
            loss = mse([model([x]) for x in X], y)  # full batch: all 40 points
            opt.zero_grad()
            loss.backward()
            opt.step()
            history["train"].append(loss.data)
            if step % every == 0 or step == args.steps:  # held-out error: 20 points along the way
                history["test"].append((step, error(model, X_test, y_test)))
            if step in keep:
                snapshots[step] = predict(model, grid)
            bar.set_postfix(loss=f"{loss.data:.4f}")
    snapshots[args.steps] = predict(model, grid)
    train_err, test_err = error(model, X, y), error(model, X_test, y_test)
    floor = args.noise ** 2  # the noise itself: no model can beat it on new points
    print(f"after {args.steps} steps: training MSE {train_err:.5f}, held-out MSE {test_err:.5f} "
          f"(noise alone gives {floor:.5f})")

    plt = _common.pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    ax.plot(grid, [math.sin(g) for g in grid], color="0.6", lw=4, alpha=0.5, label="sin(x), the truth")
    ax.scatter(X, y, color="black", s=18, zorder=3, label=f"{len(X)} noisy training points")
    shades = plt.get_cmap("viridis")
    for k, (step, values) in enumerate(sorted(snapshots.items())):
        final = step == args.steps
        ax.plot(grid, values, color="tab:red" if final else shades(0.15 + 0.25 * k),
                lw=2.2 if final else 1.2, ls="-" if final else "--", label=f"network after {step} steps")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"1 → {args.hidden} → {args.hidden} → 1 tanh network fitting sin(x)")
    ax.legend(fontsize=8, loc="upper left")

    ax2.semilogy(range(1, args.steps + 1), history["train"], color="tab:blue", label="training points")
    ax2.semilogy(*zip(*history["test"]), color="tab:orange", label="held-out points")
    ax2.axhline(floor, color="0.4", ls=":", label=f"noise level ({args.noise}² = {floor:g})")
    ax2.set_xlabel("step (Adam, full batch, lr falling 10×)")
    ax2.set_ylabel("mean squared error (log scale)")
    ax2.set_title("Error during training")
    ax2.legend(fontsize=8)
    files = [args.out / "regression.png"]
    _common.save_figure(fig, files[0])
    _common.summary("regression", [
        ("training MSE", f"{train_err:.5f}"),
        ("held-out MSE", f"{test_err:.5f} (noise floor {floor:.5f})"),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
