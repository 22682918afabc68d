"""Vanishing gradients: in a deep sigmoid network the first layers hardly learn.

    python -m demos.vanishing_gradients
    python -m demos.vanishing_gradients --depth 10 --steps 300

Backpropagation multiplies, layer after layer, by each layer's weights and by the slope of
its activation. The sigmoid's slope is at most 1/4, so in a deep sigmoid network the
gradient shrinks by a roughly constant factor per layer on its way back: the layers near
the input get tiny gradients and learn far more slowly than the ones near the output
(Nielsen, *Neural Networks and Deep Learning*, chapter 5). tanh with Xavier initialisation
(slope 1 at 0, weights scaled to keep variances equal) and ReLU with He initialisation
(slope 1 where active, weights scaled by √(2/fan-in)) keep the gradient's size about the
same in every layer.

The demo builds three networks of the same shape (2 inputs, ``depth`` hidden layers of
10, one output logit), one per recipe, and measures the root-mean-square gradient of each
layer's parameters on the two-moons data: at initialisation, and at every step of
training with the same optimiser. ``vanishing_gradients_replay.html`` replays the sigmoid
network's training (``nn.Recorder``): its first layers' lines stay hairlines.

>>> layer_of("layers.3.neurons.2.w.1")
3
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import autograd
from nn import MLP, SGD, Recorder, batches, binary_cross_entropy, make_moons

from . import _common

RECIPES = {
    "sigmoid, Xavier init": ("sigmoid", "xavier", "tab:red"),
    "tanh, Xavier init": ("tanh", "xavier", "tab:blue"),
    "ReLU, He init": ("relu", "he", "tab:green"),
}


def layer_of(name: str) -> int:
    """The layer index in a parameter's dotted name ('layers.3....' -> 3)."""
    return int(name.split(".")[1])


def layer_gradients(model: MLP) -> list[float]:
    """Root-mean-square gradient of each layer's parameters (weights and biases)."""
    sums: dict[int, list[float]] = {}
    for name, p in model.named_parameters():
        sums.setdefault(layer_of(name), []).append(p.grad * p.grad)
    return [math.sqrt(sum(v) / len(v)) for _, v in sorted(sums.items())]


def batch_loss(model: MLP, X, y):
    return binary_cross_entropy([model(x) for x in X], y)


def run(recipe: str, depth: int, X, y, steps: int, batch: int, lr: float, seed: int, quiet: bool,
        replay: Path | None = None):
    """Train one network; return (gradients at init, per-step gradients, losses, accuracy).

    With ``replay``, an ``nn.Recorder`` follows the training and its page is written there.
    """
    activation, init, _ = RECIPES[recipe]
    model = MLP(2, [10] * depth + [1], activation=activation, init=init, seed=seed)
    recorder = Recorder(model, X=X, y=y, grid=16 if quiet else 24) if replay else None
    # At initialisation: the gradient of the loss on the whole data set.
    model.zero_grad()
    batch_loss(model, X, y).backward()
    at_init = layer_gradients(model)

    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    per_step, losses = [], []
    bar = _common.progress(range(steps), desc=recipe, quiet=quiet)
    stream = _batches_forever(X, y, batch, seed)
    with autograd.fast_training():
        for _ in bar:
            Xb, yb = next(stream)
            loss = batch_loss(model, Xb, yb)
            opt.zero_grad()
            loss.backward()
            per_step.append(layer_gradients(model))  # before the step: this batch's gradient
            if recorder is not None:
                recorder.record(loss, force=len(losses) == steps - 1)
            opt.step()
            losses.append(loss.data)
            bar.set_postfix(loss=f"{loss.data:.3f}")
    with autograd.no_grad():
        acc = sum((model(x).data > 0) == (t == 1) for x, t in zip(X, y)) / len(y)
    if recorder is not None:
        recorder.html(replay, title=f"vanishing gradients: {recipe}, {depth} hidden layers",
                      boundary_frames=4 if quiet else 12)
    return at_init, per_step, losses, acc


def _batches_forever(X, y, size: int, seed: int):
    epoch = 0
    while True:
        yield from batches(X, y, size, shuffle=True, seed=seed * 1000 + epoch)
        epoch += 1


def smooth(values, window: int = 10):
    """Moving average over ``window`` steps: one mini-batch's gradient is noisy."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def plot(plt, results, depth: int, path) -> None:
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), layout="constrained")
    layers = np.arange(1, depth + 2)
    names = [f"{k}" for k in range(1, depth + 1)] + ["out"]

    ax = axes[0]
    for recipe, (at_init, _, _, _) in results.items():
        ax.semilogy(layers, at_init, "o-", color=RECIPES[recipe][2], label=recipe)
    ax.set_xticks(layers, names)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("RMS gradient of the layer's parameters (log)")
    ax.set_title("At initialisation")
    ax.legend(fontsize=8)

    ax = axes[1]
    recipe = "sigmoid, Xavier init"
    per_step = np.array(results[recipe][1])
    shades = plt.get_cmap("plasma")
    for k in range(per_step.shape[1]):
        ax.semilogy(smooth(per_step[:, k]), color=shades(k / per_step.shape[1]), lw=1.5,
                    label=f"layer {names[k]}")
    ax.set_xlabel("training step (moving average over 10 mini-batches)")
    ax.set_ylabel("RMS gradient (log)")
    ax.set_title(f"During training: {recipe}")
    ax.legend(fontsize=7, ncols=4, loc="upper center")

    ax = axes[2]
    for recipe, (_, per_step, _losses, acc) in results.items():
        first = np.array(per_step)[:, 0]
        last = np.array(per_step)[:, -1]
        ax.semilogy(smooth(first / last), color=RECIPES[recipe][2],
                    label=f"{recipe} (final accuracy {acc:.0%})")
    ax.axhline(1.0, color="0.4", ls=":")
    ax.set_xlabel("training step (moving average over 10 mini-batches)")
    ax.set_ylabel("RMS gradient: layer 1 ÷ output layer (log)")
    ax.set_title("How much the first layer gets, relative to the last")
    ax.legend(fontsize=8)
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(200, 25))
    parser.add_argument("--depth", type=int, default=6, help="hidden layers of 10 neurons (default 6)")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate, momentum 0.9 (default 0.05)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, labels = make_moons(160 if not args.quick else 64, noise=0.1, seed=args.seed)
    print(f"{len(X)} two-moons points; networks 2 → {' → '.join(['10'] * args.depth)} → 1")
    results = {}
    replay = args.out / "vanishing_gradients_replay.html"  # the sigmoid network, step by step
    for recipe in RECIPES:
        results[recipe] = run(recipe, args.depth, X, labels, args.steps, 32, args.lr, args.seed, args.quick,
                              replay=replay if recipe == "sigmoid, Xavier init" else None)

    print("\nRMS gradient per layer at initialisation (layer 1 is next to the input)")
    print(f"  {'layer':<22}" + "".join(f"{k:>10}" for k in list(range(1, args.depth + 1)) + ["out"]))
    for recipe, (at_init, _, _, _) in results.items():
        print(f"  {recipe:<22}" + "".join(f"{g:>10.2e}" for g in at_init))
    rows = []
    print("\nFirst layer ÷ output layer (how much less the first layer learns), and the result")
    for recipe, (at_init, per_step, losses, acc) in results.items():
        ratio_init = at_init[0] / at_init[-1]
        ratio_train = sum(s[0] / s[-1] for s in per_step) / len(per_step)
        # Per layer, the factor the gradient shrinks by (geometric mean over the hidden layers).
        factor = (at_init[0] / at_init[args.depth - 1]) ** (1 / max(1, args.depth - 1))
        print(f"  {recipe:<22} at init {ratio_init:.1e}, mean over training {ratio_train:.1e}; "
              f"per layer ×{factor:.2f}; final loss {losses[-1]:.3f}, accuracy {acc:.0%}")
        rows.append((recipe, f"layer 1 / output at init {ratio_init:.1e}, per layer ×{factor:.2f}, "
                             f"accuracy {acc:.0%} after {args.steps} steps"))

    plt = _common.pyplot()
    files = [args.out / "vanishing_gradients.png", replay]
    plot(plt, results, args.depth, files[0])
    rows.append(("time", f"{clock.seconds():.1f} s"))
    _common.summary("vanishing_gradients", rows, files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
