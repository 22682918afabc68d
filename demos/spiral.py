"""Three interleaved spirals: multi-class classification with softmax cross-entropy and Adam.

    python -m demos.spiral
    python -m demos.spiral --epochs 300 --hidden 32

The classic CS231n data set: three spiral arms, one class each, that no straight line (or
three) can separate. The network (2 → 16 → 16 → 3, ReLU, He initialisation) gives one
score (logit) per class; softmax turns the three scores into probabilities, and the loss
is the cross-entropy ``−log p(correct class)``. It is trained with Adam on shuffled
mini-batches of 32 points (``nn.fit``), and a quarter of the points are held out to test
on. The picture colours the plane by the predicted class: the decision regions, and
``spiral_replay.html`` replays the training step by step (``nn.Recorder``).

>>> X, y = spiral_data(30, seed=0)
>>> len(X), sorted(set(y))
(30, [0, 1, 2])
"""

from __future__ import annotations

from collections.abc import Sequence

from nn import MLP, Adam, Recorder, accuracy, fit, make_spirals, train_test_split

from . import _common

COLOURS = ["#e41a1c", "#377eb8", "#4daf4a"]


def spiral_data(n: int, seed: int):
    return make_spirals(n_samples=n, classes=3, noise=0.2, seed=seed)


def predicted_class(model: MLP, point) -> int:
    scores = model(point)
    return max(range(len(scores)), key=lambda k: scores[k].data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], epochs=(150, 15))
    parser.add_argument("--hidden", type=int, default=16, help="neurons per hidden layer (default 16)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default 32)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, y = spiral_data(120 if args.quick else 300, args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=args.seed)
    model = MLP(2, [args.hidden, args.hidden, 3], activation="relu", init="he", seed=args.seed)
    print(model)
    print(f"{len(X_train)} training and {len(X_test)} held-out points, 3 classes; "
          f"Adam lr {args.lr}, mini-batches of {args.batch_size}")
    recorder = Recorder(model, X=X_train, y=y_train, grid=20 if args.quick else 30)
    history = fit(model, X_train, y_train, epochs=args.epochs, loss="cross_entropy",
                  optimizer=Adam(model.parameters(), lr=args.lr), batch_size=args.batch_size,
                  # A bar only on a terminal, as the other demos (fit's would print to pipes too).
                  seed=args.seed, progress=not args.quick, recorder=recorder)
    train_acc, test_acc = accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
    print(f"after {args.epochs} epochs: loss {history['loss'][-1]:.4f}, "
          f"training accuracy {train_acc:.1%}, held-out accuracy {test_acc:.1%}")

    plt = _common.pyplot()
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    resolution = 30 if args.quick else 90
    xx, yy, zz = _common.grid_predictions(lambda p: predicted_class(model, p), X, resolution, margin=0.15)
    from matplotlib.colors import ListedColormap

    ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5, 2.5], cmap=ListedColormap(COLOURS), alpha=0.25)
    for k in range(3):
        tr = np.array([p for p, t in zip(X_train, y_train) if t == k])
        te = np.array([p for p, t in zip(X_test, y_test) if t == k])
        ax.scatter(tr[:, 0], tr[:, 1], c=COLOURS[k], s=16, edgecolors="black", lw=0.4, label=f"class {k} (train)")
        if len(te):
            ax.scatter(te[:, 0], te[:, 1], c=COLOURS[k], s=45, marker="*", edgecolors="black", lw=0.4,
                       label=f"class {k} (held out)")
    ax.set_xlabel("x₀")
    ax.set_ylabel("x₁")
    ax.set_title(f"Decision regions: {train_acc:.0%} train, {test_acc:.0%} held-out accuracy")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3)

    epochs = range(1, args.epochs + 1)
    ax2.semilogy(epochs, history["loss"], color="tab:blue", label="cross-entropy (mean per point)")
    ax2.axhline(np.log(3), color="0.5", ls=":", label="log 3: a uniform guess")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("loss (log scale)")
    right = ax2.twinx()
    right.grid(False)
    right.plot(epochs, history["accuracy"], color="tab:orange", label="training accuracy (during the epoch)")
    right.set_ylim(0, 1.02)
    right.set_ylabel("accuracy")
    lines = ax2.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax2.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    ax2.set_title("Training (softmax cross-entropy, Adam, mini-batches)")
    files = [args.out / "spiral.png", args.out / "spiral_replay.html"]
    _common.save_figure(fig, files[0])
    recorder.html(files[1], title="spiral: three classes, softmax and Adam",
                  boundary_frames=6 if args.quick else 20)
    _common.summary("spiral", [
        ("epochs", args.epochs),
        ("final loss", f"{history['loss'][-1]:.4f}"),
        ("training accuracy", f"{train_acc:.1%}"),
        ("held-out accuracy", f"{test_acc:.1%}"),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
