"""Handwritten digits: an MLP 64-32-10 trained with softmax cross-entropy and Adam, through trace.

    python -m demos.digits                # 20 epochs, about 97% test accuracy in seconds
    python -m demos.digits --quick        # 3 epochs: what the tests run

The data are the 1,797 8×8 grey images of digits bundled with scikit-learn
(``sklearn.datasets.load_digits``, no download; ``pip install -e ".[demos]"``), pixels
scaled to [0, 1], 20% held out for testing. ``fit(..., trace=True)`` records one sample's
loss once and replays it over every mini-batch (``autograd.trace``), so an epoch takes a
fraction of a second instead of the eager engine's seconds; the demo times a few eager
batches on the same model to show the difference. It prints the confusion matrix on the
test set and saves a picture of the test digits it gets wrong.

>>> X, y = digits_data()
>>> len(X), len(X[0]), sorted(set(y)) == list(range(10))
(1797, 64, True)
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import autograd
from nn import MLP, Adam, cross_entropy, fit, train_test_split

from . import _common


def digits_data() -> tuple[list[list[float]], list[int]]:
    """scikit-learn's digits: 64 pixels in [0, 1] per image (16 is black), and the digit."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).tolist(), [int(t) for t in digits.target]


def predict(model: MLP, X: Sequence[Sequence[float]]) -> list[int]:
    """The most likely digit for each image, through a traced forward (no gradients)."""
    scores = autograd.trace(lambda x: model(x), X[0]).values(X)
    return [max(range(10), key=row.__getitem__) for row in scores]


def confusion(y: Sequence[int], predicted: Sequence[int]) -> list[list[int]]:
    """``matrix[true][predicted]``: how many test images of each digit went where.

    >>> confusion([0, 1, 1], [0, 1, 0])[1][:2]
    [1, 1]
    """
    matrix = [[0] * 10 for _ in range(10)]
    for t, p in zip(y, predicted):
        matrix[t][p] += 1
    return matrix


def format_confusion(matrix: list[list[int]]) -> str:
    lines = ["true \\ predicted " + " ".join(f"{d:>4}" for d in range(10))]
    for d, row in enumerate(matrix):
        lines.append(f"{d:>16} " + " ".join(f"{n:>4}" for n in row))
    return "\n".join(lines)


def eager_seconds_per_epoch(model: MLP, X, y, batch_size: int, batches: int) -> float:
    """Seconds an eager epoch would take: ``batches`` mini-batches timed (forward, loss,
    backward on a copy of the optimizer's work), scaled to the whole epoch."""
    optimizer = Adam(model.parameters(), lr=lambda step: 0.0)  # times the work, moves nothing
    started = time.perf_counter()
    with autograd.fast_training():
        for k in range(batches):
            Xb, yb = X[k * batch_size:(k + 1) * batch_size], y[k * batch_size:(k + 1) * batch_size]
            loss = cross_entropy([model(x) for x in Xb], yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    per_batch = (time.perf_counter() - started) / batches
    return per_batch * -(-len(X) // batch_size)


def plot_wrong(plt, X, y, predicted, path) -> int:
    """The misclassified test images, each marked 'true → predicted'; how many there are.

    One mosaic in one axes (not an axes per digit): a figure of 40 axes takes seconds.
    """
    import numpy as np

    wrong = [(x, t, p) for x, t, p in zip(X, y, predicted) if t != p]
    shown = wrong[:40]
    cols = 10
    rows = max(1, -(-len(shown) // cols))
    cell = 11  # 8 pixels, 3 of gap for the caption
    mosaic = np.full((rows * cell, cols * cell), np.nan)
    fig, ax = plt.subplots(figsize=(cols * 1.0, rows * 1.15 + 0.5))
    for k, (x, t, p) in enumerate(shown):
        r, c = divmod(k, cols)
        mosaic[r * cell + 3:r * cell + 11, c * cell:c * cell + 8] = np.reshape(x, (8, 8))
        ax.text(c * cell + 3.5, r * cell + 1.5, f"{t} → {p}", ha="center", va="center",
                fontsize=8, color="tab:red")
    ax.imshow(mosaic, cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.axis("off")
    title = (f"The {len(wrong)} test digits it gets wrong (true → predicted)"
             + (f", first {len(shown)} shown" if len(shown) < len(wrong) else "")) if wrong \
        else "No test digit wrong"
    ax.set_title(title, fontsize=10)
    _common.save_figure(fig, path)
    return len(wrong)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], epochs=(20, 3), seed=0)
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    X, y = digits_data()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=args.seed)
    model = MLP(64, [32, 10], init="he", seed=args.seed)
    print(model)
    optimizer = Adam(model.parameters(), lr=0.01)
    history = fit(model, X_train, y_train, epochs=args.epochs, loss="cross_entropy", optimizer=optimizer,
                  batch_size=args.batch_size, seed=args.seed, progress=False, trace=True)
    for epoch, (loss, acc) in enumerate(zip(history["loss"], history["accuracy"])):
        print(f"epoch {epoch + 1:>2}: loss {loss:.4f}, training accuracy {acc:.1%}")
    train_seconds = history["seconds"]
    traced_epoch = train_seconds / args.epochs
    eager_batches = 2 if args.quick else 5
    eager = eager_seconds_per_epoch(model, X_train, y_train, args.batch_size, eager_batches)

    predicted = predict(model, X_test)
    test_accuracy = sum(p == t for p, t in zip(predicted, y_test)) / len(y_test)
    print()
    print("confusion matrix on the test set:")
    print(format_confusion(confusion(y_test, predicted)))

    plt = _common.pyplot()
    files = [args.out / "digits_wrong.png"]
    n_wrong = plot_wrong(plt, X_test, y_test, predicted, files[0])
    _common.summary("digits", [
        ("model", "MLP 64-32-10 (ReLU), softmax cross-entropy, Adam lr 0.01"),
        ("epochs", f"{args.epochs} of {len(X_train)} images, batches of {args.batch_size}"),
        ("test accuracy", f"{test_accuracy:.1%} ({len(y_test) - n_wrong}/{len(y_test)})"),
        ("time per epoch", f"traced ({history['trace']}) {traced_epoch:.2f} s, eager {eager:.2f} s "
                           f"(from {eager_batches} batches), {eager / traced_epoch:.0f}x"),
        ("training time", f"{train_seconds:.1f} s"),
        ("total time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
