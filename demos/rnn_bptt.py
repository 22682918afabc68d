"""A tiny recurrent network trained by backpropagation through time: predict a sine wave's next value.

    python -m demos.rnn_bptt
    python -m demos.rnn_bptt --hidden 4 --steps 600

The network reads one number per time step and keeps a small state::

    h_t = tanh(Wx·x_t + Wh·h_(t-1) + b)        (3 hidden units: Wx, b vectors, Wh a 3×3 matrix)
    ŷ_t = v·h_t + c                            (the prediction of x_(t+1))

The input is sin(0.5·t + φ) with a random phase φ. One value alone cannot tell whether the
wave is rising or falling, so the network must remember the previous step in h.

*Backpropagation through time* is ordinary backpropagation on the unrolled graph: running
the loop for T steps builds T copies of the cell, all reading the **same** weight Values.
The engine needs nothing special: a Value used T times receives T gradient terms, one per
use, and ``backward`` adds them. The demo splits each shared weight's gradient by time
step (``gradient_by_scope``) and checks that the parts add up to ``.grad``.

>>> rnn = RNN(hidden=2, seed=0)
>>> len(rnn.parameters()), len(rnn.run([0.1, 0.2, 0.3]))
(11, 3)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import autograd
from autograd import Value

from . import _common

OMEGA = 0.5  # radians per time step: a period of about 12.6 steps


class RNN:
    """An Elman network on scalar inputs, built from Values (no nn classes needed)."""

    def __init__(self, hidden: int = 3, seed: int = 0) -> None:
        rng = random.Random(seed)
        scale = 1.0 / math.sqrt(hidden + 1)
        self.hidden = hidden
        self.Wx = [Value(rng.uniform(-1, 1), label=f"Wx{i}") for i in range(hidden)]
        self.Wh = [[Value(rng.uniform(-scale, scale), label=f"Wh{i}{j}") for j in range(hidden)]
                   for i in range(hidden)]
        self.b = [Value(0.0, label=f"b{i}") for i in range(hidden)]
        self.v = [Value(rng.uniform(-scale, scale), label=f"v{i}") for i in range(hidden)]
        self.c = Value(0.0, label="c")
        for p in self.parameters():
            p.role = "param"

    def parameters(self) -> list[Value]:
        return self.Wx + [w for row in self.Wh for w in row] + self.b + self.v + [self.c]

    def step(self, x: Value | float, h: list[Value]) -> tuple[list[Value], Value]:
        """One time step: the new state and the prediction read from it."""
        one = Value(1.0)  # no label: drawn as the constant it is, without a gradient
        # Unit i: Wx_i·x + Σ_j Wh_ij·h_j + b_i as one dot node (the bias times a constant 1).
        h = [autograd.dot([self.Wx[i], *self.Wh[i], self.b[i]], [x, *h, one]).tanh()
             for i in range(self.hidden)]
        y = autograd.dot(self.v + [self.c], h + [one])
        return h, y

    def run(self, xs: Sequence[float]) -> list[Value]:
        """The predictions for every step, each step's nodes in scope 't=1', 't=2', ..."""
        h = [Value(0.0, label=f"h0[{i}]") for i in range(self.hidden)]  # the state before t=1
        ys = []
        for t, x in enumerate(xs, 1):
            with autograd.scope(f"t={t}"):
                h, y = self.step(Value(x, label=f"x{t}"), h)
            for i, hi in enumerate(h):  # names for the drawing
                hi.label = f"h{t}[{i}]"
            y.label = f"ŷ{t}"
            ys.append(y)
        return ys


def wave(phase: float, length: int) -> list[float]:
    return [math.sin(OMEGA * t + phase) for t in range(length + 1)]


def sequence_loss(rnn: RNN, xs: list[float], skip: int = 0) -> Value:
    """Mean squared error of the next-value predictions, after ``skip`` warm-up steps."""
    ys = rnn.run(xs[:-1])
    terms = []
    for t, (y, target) in enumerate(zip(ys, xs[1:]), 1):
        if t > skip:
            with autograd.scope(f"t={t}"):  # each step's error drawn inside its step
                # Named for its role: the input node of step t+1 is another node, "x{t+1}".
                terms.append((y - Value(target, label=f"target{t}")) ** 2)
    return autograd.sum(terms) * (1.0 / len(terms))


def train(rnn: RNN, steps: int, length: int, batch: int, lr: float, seed: int, quiet: bool) -> list[float]:
    from nn.optim import Adam

    rng = random.Random(seed + 1)
    opt = Adam(rnn.parameters(), lr=lr)
    losses = []
    bar = _common.progress(range(steps), desc="rnn_bptt", quiet=quiet)
    with autograd.fast_training():
        for _ in bar:
            seqs = [wave(rng.uniform(0, 2 * math.pi), length) for _ in range(batch)]
            # The first step has no history to go on; it is scored too, from step 2 on.
            loss = autograd.sum([sequence_loss(rnn, s, skip=1) for s in seqs]) * (1.0 / batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.data)
            bar.set_postfix(loss=f"{loss.data:.4f}")
    return losses


def per_step_gradients(rnn: RNN, xs: list[float], weights: list[Value]) -> tuple[dict, Value]:
    """Each weight's gradient on one sequence, split by the time step that used it."""
    for p in rnn.parameters():
        p.grad = 0.0
    loss = sequence_loss(rnn, xs, skip=1)
    loss.backward()
    return {w.label: _common.gradient_by_scope(loss, w) for w in weights}, loss


def plot(plt, losses, rnn, demo_phase, demo_xs, baseline, splits, grads, path) -> None:
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), layout="constrained")
    ax = axes[0]
    ax.semilogy(losses, color="tab:blue")
    ax.set_xlabel("training step (a batch of sequences)")
    ax.set_ylabel("mean squared error (log scale)")
    ax.set_title("Training by backpropagation through time")

    ax = axes[1]
    with autograd.no_grad():
        pred = [y.data for y in rnn.run(demo_xs[:-1])]
    t = np.arange(1, len(demo_xs))
    fine = np.linspace(0, len(demo_xs) - 1, 300)
    ax.plot(fine, np.sin(OMEGA * fine + demo_phase), color="0.75", lw=1, label="the wave")
    ax.plot(t, demo_xs[1:], "o", color="0.3", ms=5, label="true next value x(t+1)")
    ax.plot(t, pred, "s-", color="tab:orange", ms=4, lw=1, label="RNN prediction ŷ(t)")
    ax.plot(t, baseline, "^:", color="tab:purple", ms=4, lw=1, label="best memoryless guess")
    ax.set_xlabel("time step t")
    ax.set_ylabel("value")
    ax.set_title("An unseen wave: predicting its next value")
    ax.legend(fontsize=8, loc="lower left")

    ax = axes[2]
    steps = sorted({int(k[2:]) for s in splits.values() for k in s})
    width = 0.8 / len(grads)
    for k, (name, grad) in enumerate(grads.items()):
        parts = splits[name]
        ax.bar([s + (k - (len(grads) - 1) / 2) * width for s in steps],
               [parts.get(f"t={s}", 0.0) for s in steps], width=width,
               label=f"{weight_in_words(name)}: the bars sum to .grad = {grad:+.4f}")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("time step t that used the weight")
    ax.set_ylabel("contribution to ∂loss/∂w")
    ax.set_title("Before training: one gradient term per time step")
    ax.legend(fontsize=8)
    _common.save_figure(fig, path)


def weight_in_words(label: str) -> str:
    """What an RNN weight does, from its label: 'Wh01' -> 'Wh01, hidden unit 1 → unit 0'.

    >>> weight_in_words("Wh00"), weight_in_words("Wx2"), weight_in_words("b0")
    ('Wh00, hidden unit 0 → itself', 'Wx2, input → hidden unit 2', 'b0, bias of hidden unit 0')
    """
    if label.startswith("Wh") and len(label) == 4:
        i, j = label[2], label[3]
        return f"{label}, hidden unit {j} → {'itself' if i == j else f'unit {i}'}"
    if label.startswith("Wx"):
        return f"{label}, input → hidden unit {label[2:]}"
    if label.startswith("b"):
        return f"{label}, bias of hidden unit {label[1:]}"
    if label.startswith("v"):
        return f"{label}, hidden unit {label[1:]} → output"
    return label


def memoryless_guess(xs: list[float]) -> list[float]:
    """The best guess from x_t alone: ŷ = cos(ω)·x_t (averaging over rising and falling)."""
    return [math.cos(OMEGA) * x for x in xs[:-1]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(400, 60))
    parser.add_argument("--hidden", type=int, default=3, help="hidden units (default 3)")
    parser.add_argument("--length", type=int, default=12, help="time steps per sequence (default 12)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default 0.05)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    rnn = RNN(args.hidden, seed=args.seed)
    print(f"RNN: 1 input, {args.hidden} tanh hidden units, 1 output; "
          f"{len(rnn.parameters())} weights shared by every time step")
    # Held-out sequences (a different generator): error of the RNN against no memory at all.
    rng = random.Random(args.seed + 1000)
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(50)]
    tests = [wave(phase, args.length) for phase in phases]

    # One sequence, one backward, before training (when every step still has a lot to
    # learn): where does each shared weight's gradient come from?
    demo = tests[0]
    weights = [rnn.Wh[0][0], rnn.Wx[0], rnn.b[0]]
    splits, _ = per_step_gradients(rnn, demo, weights)
    grads = {w.label: w.grad for w in weights}
    print("\nBefore training: each shared weight's gradient on one sequence, split by the time step that used it")
    print(f"  {'t':>5} " + " ".join(f"{w.label:>10}" for w in weights))
    for t in range(1, args.length + 1):
        print(f"  {t:>5} " + " ".join(f"{splits[w.label].get(f't={t}', 0.0):>+10.5f}" for w in weights))
    print(f"  {'sum':>5} " + " ".join(f"{sum(splits[w.label].values()):>+10.5f}" for w in weights))
    print(f"  {'.grad':>5} " + " ".join(f"{grads[w.label]:>+10.5f}" for w in weights))
    worst = max(abs(sum(splits[w.label].values()) - grads[w.label]) for w in weights)
    print(f"  the parts add up to .grad (largest difference {worst:.1e}); Wh00's part at t=1 is 0\n"
          f"  because the state it multiplies, h_0, is 0\n")

    losses = train(rnn, args.steps, args.length, batch=8, lr=args.lr, seed=args.seed, quiet=args.quick)
    with autograd.no_grad():
        test_mse = sum(sequence_loss(rnn, s, skip=1).data for s in tests) / len(tests)
    base_mse = sum(sum((g - x) ** 2 for g, x in zip(memoryless_guess(s)[1:], s[2:])) / (len(s) - 2)
                   for s in tests) / len(tests)
    print(f"trained {args.steps} steps: training loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    print(f"held-out mean squared error {test_mse:.5f}  (best guess without memory: {base_mse:.5f})")

    # The graph unrolled over 3 steps, drawn for a 1-unit RNN (3 units would bury the
    # point in crossing lines): the same five weights feed every step's box, and each
    # weight's grad is the sum of what the three boxes send back to it.
    files = [args.out / "rnn_bptt.png", args.out / "rnn_unrolled.svg"]
    small = RNN(hidden=1, seed=args.seed)
    drawn = sequence_loss(small, demo[:4])
    drawn.label = "loss"
    drawn.backward()
    _common.save_graph(drawn, files[1], show=("label", "data", "grad"))

    plt = _common.pyplot()
    plot(plt, losses, rnn, phases[0], demo, memoryless_guess(demo), splits, grads, files[0])
    _common.summary("rnn_bptt", [
        ("training steps", args.steps),
        ("held-out MSE", f"{test_mse:.5f} (memoryless best {base_mse:.5f})"),
        ("per-step parts sum to .grad", f"yes, within {worst:.1e}"),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
