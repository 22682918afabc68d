"""micrograd's demo, reproduced: a 2-16-16-1 MLP separates two interleaving half moons.

    python -m demos.moons                 # the README's main command: 100 steps, 100% accuracy
    python -m demos.moons --seed 7        # another data set and initialisation

As in Karpathy's micrograd ``demo.ipynb``: 100 points with noise 0.1, labels -1/+1, an MLP
with two hidden layers of 16 ReLU neurons and one linear output (337 parameters), the
max-margin ("hinge") loss ``mean(relu(1 − y·score))`` plus an L2 penalty ``1e-4·Σ p²``,
and 100 steps of full-batch gradient descent with the learning rate falling from 1.0 to 0.1.
The loop below is written out (forward, loss, zero_grad, backward, step) as micrograd does.
The default seed is micrograd's, 1337: it fixes the data and the initial weights.
Beside the picture it writes ``moons_replay.html`` (``nn.Recorder``): every step's loss,
weights, gradients and decision boundary, one offline page with a step slider.

>>> X, y = moons_data(1337)
>>> len(X), sorted(set(y))
(100, [-1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import autograd
from nn import MLP, SGD, Recorder, accuracy, hinge, l2_penalty, linear_decay, make_moons

from . import _common


def moons_data(seed: int) -> tuple[list[list[float]], list[int]]:
    """micrograd's data: make_moons(100, noise=0.1), labels turned from 0/1 into -1/+1."""
    X, y = make_moons(n_samples=100, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in y]


def train(model: MLP, X, y, steps: int, quiet: bool, recorder: Recorder | None = None) -> dict[str, list[float]]:
    """micrograd's loop. Accuracy is of the scores computed before each update, as there.

    ``recorder`` gets each step after backward, before the update (its last step always).
    """
    params = model.parameters()
    optimizer = SGD(params, lr=linear_decay(1.0, 0.1, steps))  # 1.0 - 0.9·k/steps, as micrograd
    history = {"loss": [], "accuracy": []}
    bar = _common.progress(range(steps), desc="moons", quiet=quiet)
    with autograd.fast_training():
        for _ in bar:
            scores = [model(x) for x in X]
            loss = hinge(scores, y) + l2_penalty(params, alpha=1e-4)
            optimizer.zero_grad()
            loss.backward()
            acc = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
            if recorder is not None:
                recorder.record(loss, accuracy=acc, force=len(history["loss"]) == steps - 1)
            optimizer.step()
            history["loss"].append(loss.data)
            history["accuracy"].append(acc)
            bar.set_postfix(loss=f"{loss.data:.4f}", accuracy=f"{acc:.0%}")
    return history


def plot(plt, model, X, y, history, final_acc: float, resolution: int, path) -> None:
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    xx, yy, zz = _common.grid_predictions(lambda p: model(p).data, X, resolution)
    ax.contourf(xx, yy, zz > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6cdf4"], alpha=0.8)
    ax.contour(xx, yy, zz, levels=[0.0], colors="black", linewidths=1.2)
    Xa, ya = np.array(X), np.array(y)
    for label, colour, marker in ((-1, "tab:red", "o"), (1, "tab:blue", "s")):
        pts = Xa[ya == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, marker=marker, edgecolors="black", s=30,
                   label=f"label {label:+d}")
    with autograd.no_grad():
        wrong = [p for p, t in zip(X, y) if (model(p).data > 0) != (t > 0)]
    if wrong:
        ax.scatter(*zip(*wrong), s=140, facecolors="none", edgecolors="black", lw=2, label="misclassified")
    ax.set_xlabel("x₀")
    ax.set_ylabel("x₁")
    ax.set_title(f"Decision boundary (score = 0) after training: {final_acc:.0%} correct")
    ax.legend(fontsize=8, loc="lower left")

    steps = range(1, len(history["loss"]) + 1)
    ax2.plot(steps, history["loss"], color="tab:blue", label="loss (hinge + L2)")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss")
    ax2.set_yscale("log")
    right = ax2.twinx()
    right.grid(False)
    right.plot(steps, history["accuracy"], color="tab:orange", label="training accuracy")
    right.set_ylabel("accuracy")
    right.set_ylim(0.4, 1.02)
    lines = ax2.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax2.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    ax2.set_title("Loss and accuracy per step (lr 1.0 → 0.1)")
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    # --quick keeps micrograd's 100 steps (about 3 s: the tests check the 100%) and only
    # draws the decision boundary on a coarser grid.
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(100, 100), seed=1337)
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, y = moons_data(args.seed)
    model = MLP(2, [16, 16, 1], seed=args.seed)  # ReLU hidden layers, linear output: micrograd's
    print(model)
    recorder = Recorder(model, X=X, y=y, grid=20 if args.quick else 30)
    history = train(model, X, y, args.steps, quiet=args.quick, recorder=recorder)
    for k in sorted({0, 9, 24, 49, 74, args.steps - 1}):
        if k < args.steps:
            print(f"step {k:>3} loss {history['loss'][k]:.6f}, accuracy {history['accuracy'][k]:.0%}")
    final_acc = accuracy(model, X, y)  # after the last update
    seconds = clock.seconds()

    plt = _common.pyplot()
    files = [args.out / "moons.png", args.out / "moons_replay.html"]
    plot(plt, model, X, y, history, final_acc, 30 if args.quick else 80, files[0])
    recorder.html(files[1], title="moons: micrograd's MLP learning", boundary_frames=6 if args.quick else 20)
    _common.summary("moons", [
        ("steps", args.steps),
        ("final loss", f"{history['loss'][-1]:.6f}"),
        ("training accuracy", f"{final_acc:.0%} ({round(final_acc * len(y))}/{len(y)}) after the last step"),
        ("training time", f"{seconds:.1f} s"),
        ("total time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
