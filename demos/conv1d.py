"""A tiny 1-D convolutional detector: one shared kernel slid along a signal, then pooling.

    python -m demos.conv1d
    python -m demos.conv1d --epochs 100 --kernel 7

Each signal is 32 noisy samples. Half contain a short wiggle, the *pattern*; the other half
contain a *decoy*, a bump with the same energy but another shape. The model::

    z_i = K · x[i : i+5] + b           for every position i     (one kernel K, 5 weights)
    score = log mean_i exp(z_i)         ("soft max" pooling over positions)
    P(pattern) = sigmoid(score)

is trained with binary cross-entropy. The same five weights are used at all 28 positions,
so each kernel weight's gradient is a sum of 28 terms, one per position, which the demo
splits out (``gradient_by_scope``). Positions where the signal looks like the pattern get
most of the pooling's attention, and most of the gradient. After training the kernel is a
*matched filter*: it looks like the pattern it detects.

>>> model = Detector(kernel=3, seed=0)
>>> z = model.conv([0.0, 1.0, 0.0, 0.0])
>>> len(z), len(model.parameters())
(2, 4)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import autograd
from autograd import Value

from . import _common

LENGTH = 32
PATTERN = (-1.0, 2.0, -2.0, 2.0, -1.0)  # the wiggle to find
DECOY = (1.0, 1.5, 1.8, 1.5, 1.0)  # a bump of about the same energy: energy alone won't do
NOISE = 0.4


def make_signals(n: int, seed: int) -> tuple[list[list[float]], list[int], list[int]]:
    """n signals, labels (1 = pattern inside) and where the pattern or decoy starts."""
    rng = random.Random(seed)
    X, y, where = [], [], []
    for k in range(n):
        label = k % 2
        shape = PATTERN if label else DECOY
        start = rng.randrange(0, LENGTH - len(shape) + 1)
        signal = [rng.gauss(0.0, NOISE) for _ in range(LENGTH)]
        for j, s in enumerate(shape):
            signal[start + j] += s
        X.append(signal)
        y.append(label)
        where.append(start)
    return X, y, where


class Detector:
    """One kernel and a bias, slid over the signal; log-sum-exp pooling gives one logit."""

    def __init__(self, kernel: int = 5, seed: int = 0) -> None:
        rng = random.Random(seed)
        self.K = [Value(rng.uniform(-0.5, 0.5), label=f"K{j}") for j in range(kernel)]
        self.b = Value(0.0, label="b")
        for p in self.parameters():
            p.role = "param"

    def parameters(self) -> list[Value]:
        return self.K + [self.b]

    def conv(self, signal: Sequence[float]) -> list[Value]:
        """z_i for every position; position i's nodes are made in scope 'pos=i'."""
        n = len(self.K)
        out = []
        for i in range(len(signal) - n + 1):
            with autograd.scope(f"pos={i}"):
                # The window times the kernel, plus the bias, as one dot node.
                out.append(autograd.dot(self.K + [self.b], list(signal[i:i + n]) + [1.0]))
        return out

    def __call__(self, signal: Sequence[float]) -> Value:
        z = self.conv(signal)
        # log(mean exp(z_i)): near max z_i when one window stands out, equal to z when all
        # are alike (so the logit does not grow with the signal's length). Shifted by the
        # largest z (a plain number) so exp cannot overflow; the shift cancels, so the
        # gradient, softmax(z) over positions, is exact.
        m = max(v.data for v in z)
        return (autograd.sum([(v - m).exp() for v in z]) * (1.0 / len(z))).log() + m


def train(model: Detector, X, y, epochs: int, lr: float, quiet: bool) -> dict[str, list[float]]:
    from nn.losses import binary_cross_entropy
    from nn.optim import Adam

    opt = Adam(model.parameters(), lr=lr)
    history = {"loss": [], "accuracy": []}
    bar = _common.progress(range(epochs), desc="conv1d", quiet=quiet)
    with autograd.fast_training():
        for _ in bar:  # full batch: the whole training set each step
            scores = [model(x) for x in X]
            loss = binary_cross_entropy(scores, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history["loss"].append(loss.data)
            history["accuracy"].append(accuracy_of(scores, y))
            bar.set_postfix(loss=f"{loss.data:.3f}")
    return history


def accuracy_of(scores: Sequence[Value], y: Sequence[int]) -> float:
    return sum((s.data > 0) == bool(t) for s, t in zip(scores, y)) / len(y)


def evaluate(model: Detector, X, y) -> float:
    with autograd.no_grad():
        return accuracy_of([model(x) for x in X], y)


def gradient_by_position(model: Detector, signal, label: int) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Each kernel weight's gradient on one signal, split by the position that used it."""
    from nn.losses import binary_cross_entropy

    for p in model.parameters():
        p.grad = 0.0
    loss = binary_cross_entropy([model(signal)], [label])
    loss.backward()
    return ({p.label: _common.gradient_by_scope(loss, p) for p in model.K},
            {p.label: p.grad for p in model.K})


def best_alignment(kernel: Sequence[float], pattern: Sequence[float]) -> tuple[int, float]:
    """(shift, cosine) of the pattern window, shifted by -2..2 samples with zeros shifted in,
    that looks most like the kernel: a kernel tuned to a window one sample off the pattern
    still detects it, one position over.

    >>> best_alignment([0.0, 1.0, 2.0], [1.0, 2.0, 0.0])
    (1, 1.0)
    """
    n = len(pattern)
    best = (0, -2.0)
    for shift in range(-(n // 2), n // 2 + 1):
        moved = [pattern[j - shift] if 0 <= j - shift < n else 0.0 for j in range(n)]
        norm = math.sqrt(sum(a * a for a in kernel) * sum(b * b for b in moved))
        cos = sum(a * b for a, b in zip(kernel, moved)) / norm if norm else 0.0
        if cos > best[1] + 1e-12 or (abs(cos - best[1]) <= 1e-12 and abs(shift) < abs(best[0])):
            best = (shift, cos)
    return best


def plot(plt, model, history, X_test, y_test, where_test, split, split_where, grads, weight, path) -> None:
    import numpy as np

    fig, axes = plt.subplots(2, 2, figsize=(13, 8), layout="constrained")

    ax = axes[0, 0]
    k = np.array([v.data for v in model.K])
    pattern = np.array(PATTERN)
    # Compare shapes, not sizes: both scaled to unit length.
    ax.bar(np.arange(len(k)) - 0.2, k / np.linalg.norm(k), width=0.4, label="learned kernel K", color="tab:blue")
    if len(k) == len(pattern):
        ax.bar(np.arange(len(k)) + 0.2, pattern / np.linalg.norm(pattern), width=0.4, label="the pattern",
               color="tab:green")
        decoy = np.array(DECOY)
        ax.plot(np.arange(len(k)), decoy / np.linalg.norm(decoy), "o--", color="tab:red", label="the decoy")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("kernel tap j")
    ax.set_ylabel("weight (scaled to unit length)")
    ax.set_title("The learned kernel is a matched filter for the pattern")
    ax.legend(fontsize=8)

    # Two held-out signals, one of each kind, each in its own strip: the signal (grey) and
    # the kernel's response z_i at every position (coloured, right-hand scale).
    strips = axes[0, 1].get_subplotspec().subgridspec(2, 1, hspace=0.08)
    axes[0, 1].remove()
    pos = next(i for i, t in enumerate(y_test) if t == 1 and 8 <= where_test[i] <= 20)
    neg = next(i for i, t in enumerate(y_test) if t == 0 and 8 <= where_test[i] <= 20)
    for row, (i, colour, name) in enumerate(((pos, "tab:green", "pattern"), (neg, "tab:red", "decoy"))):
        ax = fig.add_subplot(strips[row])
        signal = X_test[i]
        with autograd.no_grad():
            z = [v.data for v in model.conv(signal)]
            score = model(signal).data
        ax.plot(np.arange(len(signal)), signal, color="0.35", lw=1.2, label="signal")
        ax.axvspan(where_test[i] - 0.5, where_test[i] + len(PATTERN) - 0.5, color=colour, alpha=0.15,
                   label=f"the {name}")
        ax.set_ylabel("signal")
        right = ax.twinx()
        right.grid(False)
        # z_i belongs to the window starting at i: drawn at the window's centre.
        centre = np.arange(len(z)) + (len(model.K) - 1) / 2
        right.plot(centre, z, ".-", color=colour, lw=1.2, label="response z_i")
        right.set_ylabel("z_i", color=colour)
        ax.set_title(f"held-out signal with the {name}: P(pattern) = {1 / (1 + math.exp(-score)):.3f}",
                     fontsize=9, loc="left")
        handles = ax.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="lower left", ncols=3)
        if row == 0:
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel("sample")

    ax = axes[1, 0]
    parts = split[weight]
    positions = sorted(int(key[4:]) for key in parts)
    ax.bar(positions, [parts[f"pos={i}"] for i in positions], color="tab:purple")
    ax.axvspan(split_where - 0.5, split_where + 0.5, color="tab:green", alpha=0.2,
               label=f"window exactly on the pattern (position {split_where})")
    ax.legend(fontsize=8)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("position i of the window that used the weight")
    ax.set_ylabel(f"contribution to ∂loss/∂{weight}")
    ax.set_title(f"Before training, one signal: {len(positions)} terms sum to {weight}.grad = {grads[weight]:+.4f}")

    ax = axes[1, 1]
    ax.plot(history["loss"], color="tab:blue", label="training loss (cross-entropy)")
    ax.set_xlabel("epoch (one full-batch Adam step)")
    ax.set_ylabel("loss")
    ax2 = ax.twinx()
    ax2.plot(history["accuracy"], color="tab:orange", label="training accuracy")
    ax2.set_ylabel("accuracy")
    ax2.set_ylim(0, 1.05)
    ax2.grid(False)
    lines = ax.get_legend_handles_labels()
    more = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    ax.set_title("Training")
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], epochs=(80, 40))
    parser.add_argument("--kernel", type=int, default=5, help="kernel width (default 5)")
    parser.add_argument("--lr", type=float, default=0.1, help="Adam learning rate (default 0.1)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    n_train, n_test = (40, 40) if args.quick else (80, 200)
    X, y, _ = make_signals(n_train, args.seed)
    X_test, y_test, where_test = make_signals(n_test, args.seed + 1000)
    model = Detector(args.kernel, seed=args.seed)
    n_pos = LENGTH - args.kernel + 1
    print(f"{n_train} training signals of {LENGTH} samples (half with the pattern {PATTERN}, half the decoy {DECOY})")
    print(f"model: one kernel of {args.kernel} weights + bias, used at {n_pos} positions, soft-max pooling")

    # Before training: one signal's gradient, split by the position that used the weight.
    weight = model.K[len(model.K) // 2].label
    # A signal with the pattern in the middle, so positions on both sides show.
    example = next(i for i, t in enumerate(y_test) if t == 1 and 8 <= where_test[i] <= 20)
    split, grads = gradient_by_position(model, X_test[example], y_test[example])
    parts = split[weight]
    top = sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:3]
    print(f"\nBefore training, on one signal: ∂loss/∂{weight} = {grads[weight]:+.5f} is the sum of "
          f"{len(parts)} terms, one per position")
    print("  largest: " + ", ".join(f"{k}: {v:+.5f}" for k, v in top)
          + f"; the sum of all {len(parts)}: {sum(parts.values()):+.5f}")
    print(f"  (the pattern starts at position {where_test[example]}; before training every window gets a\n"
          f"  similar share of the pooling, so every position contributes)")

    before = evaluate(model, X_test, y_test)
    history = train(model, X, y, args.epochs, args.lr, quiet=args.quick)
    after = evaluate(model, X_test, y_test)
    kernel = [v.data for v in model.K]
    shift, cosine = best_alignment(kernel, PATTERN)
    print(f"\ntrained {args.epochs} epochs: loss {history['loss'][0]:.4f} -> {history['loss'][-1]:.4f}")
    print(f"held-out accuracy {before:.1%} before, {after:.1%} after ({n_test} signals)")
    print(f"learned kernel {[round(k, 3) for k in kernel]}, bias {model.b.data:+.3f}")
    print(f"kernel vs pattern: cosine similarity {cosine:+.3f} (1 = the same shape)"
          + (f", best with the pattern shifted by {shift:+d} samples" if shift else ""))

    plt = _common.pyplot()
    files = [args.out / "conv1d.png"]
    plot(plt, model, history, X_test, y_test, where_test, split, where_test[example], grads, weight, files[0])
    _common.summary("conv1d", [
        ("held-out accuracy", f"{after:.1%} (was {before:.1%})"),
        ("kernel vs pattern (cosine)", f"{cosine:+.3f}" + (f" (pattern shifted {shift:+d})" if shift else "")),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
