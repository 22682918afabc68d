"""XOR, the smallest problem a single neuron cannot solve, learned by a 2-4-1 network.

    python -m demos.xor
    python -m demos.xor --steps 1000 --hidden 2

XOR is 1 when exactly one input is 1. No straight line separates {(0,1), (1,0)} from
{(0,0), (1,1)}, so one neuron (a line) cannot do it; a hidden layer bends the boundary.
The network has 4 tanh hidden neurons and one output logit; P(1) = sigmoid(logit), trained
with binary cross-entropy (computed from the logit) and Adam on the four rows of the truth
table. The demo prints the truth table before and after training and draws the trained
network's graph with each neuron folded into one box (``render(..., collapse=3)``).

>>> truth_table_rows(lambda x: 0.0)[0]
(0, 0, 0, 0.5, 0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import autograd
from autograd import Value
from nn import MLP, Adam, binary_cross_entropy, make_xor

from . import _common

X, Y = make_xor()  # the truth table: [[0,0],[0,1],[1,0],[1,1]] -> [0,1,1,0]


def truth_table_rows(logit: Callable[[list[float]], float]) -> list[tuple[int, int, int, float, int]]:
    """(x1, x2, target, P(1), predicted) for each row; ``logit`` maps an input to a number."""
    rows = []
    for x, target in zip(X, Y):
        p = 1.0 / (1.0 + math.exp(-logit(x)))
        rows.append((int(x[0]), int(x[1]), target, p, int(p > 0.5)))
    return rows


def print_truth_table(title: str, rows) -> int:
    """Print the table; return how many rows are right."""
    print(title)
    print("   x1  x2 | XOR | P(1)   | network says")
    right = 0
    for x1, x2, target, p, pred in rows:
        ok = pred == target
        right += ok
        print(f"   {x1:>2}  {x2:>2} | {target:>3} | {p:.4f} | {pred}  {'right' if ok else 'WRONG'}")
    print(f"   {right}/4 right")
    return right


def logit_of(model: MLP) -> Callable[[list[float]], float]:
    def f(x):
        with autograd.no_grad():
            return model(x).data
    return f


def train(model: MLP, steps: int, lr: float, quiet: bool) -> list[float]:
    opt = Adam(model.parameters(), lr=lr)
    losses = []
    bar = _common.progress(range(steps), desc="xor", quiet=quiet)
    for _ in bar:
        loss = binary_cross_entropy([model(x) for x in X], Y)  # the whole truth table
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
        bar.set_postfix(loss=f"{loss.data:.4f}")
    return losses


def plot(plt, model, losses, path) -> None:
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    f = logit_of(model)
    xx, yy, zz = _common.grid_predictions(f, [[-0.5, -0.5], [1.5, 1.5]], 60, margin=0.0)
    prob = 1 / (1 + np.exp(-zz))
    cs = ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
    ax.contour(xx, yy, prob, levels=[0.5], colors="black", linewidths=1.5)
    fig.colorbar(cs, ax=ax, label="P(XOR = 1)")
    for x, t in zip(X, Y):
        ax.scatter(*x, s=200, c="white" if t == 0 else "black", edgecolors="black", lw=1.5, zorder=3)
        ax.annotate(f"{int(x[0])} xor {int(x[1])} = {t}", x, textcoords="offset points", xytext=(10, 10),
                    fontsize=9, zorder=4)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("Trained 2-4-1 network: P(1) and the boundary P = 0.5")

    ax2.semilogy(range(1, len(losses) + 1), losses, color="tab:blue")
    ax2.set_xlabel("step (Adam, all four rows)")
    ax2.set_ylabel("binary cross-entropy (log scale)")
    ax2.axhline(math.log(2), color="0.5", ls=":", label="log 2: a coin flip")
    ax2.legend(fontsize=8)
    ax2.set_title("Training loss")
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(300, 300))
    parser.add_argument("--hidden", type=int, default=4, help="hidden tanh neurons (default 4)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default 0.05)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    model = MLP(2, [args.hidden, 1], activation="tanh", init="xavier", seed=args.seed)
    print(model)
    print_truth_table("\nBefore training (random weights):", truth_table_rows(logit_of(model)))
    losses = train(model, args.steps, args.lr, quiet=args.quick)
    right = print_truth_table(f"\nAfter {args.steps} steps:", truth_table_rows(logit_of(model)))

    # The graph of the trained network on one input, each neuron folded into a box.
    files = [args.out / "xor.png", args.out / "xor_graph.svg"]
    out = model([Value(1.0, label="x1"), Value(0.0, label="x2")])
    out.label = "logit(1 xor 0)"
    out.backward()
    _common.save_graph(out, files[1], collapse=3)

    plt = _common.pyplot()
    plot(plt, model, losses, files[0])
    _common.summary("xor", [
        ("truth table", f"{right}/4 rows right"),
        ("final loss", f"{losses[-1]:.6f}"),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0 if right == 4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
