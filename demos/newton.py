"""Newton's method with second derivatives from the engine, against gradient descent.

    python -m demos.newton            # 1-D quartic and the 2-D Rosenbrock valley
    python -m demos.newton --quick

Gradient descent moves by ``-lr · f'(x)``: one learning rate for every place on the curve,
too big where it is steep, too small where it is flat. Newton's method divides by the
curvature instead, ``x - f'(x) / f''(x)`` (in 2-D: ``x - H⁻¹ ∇f``), jumping to the bottom of
the parabola that matches f's value, slope and curvature at x. Near a minimum the number of
correct digits doubles each step.

The second derivatives come from the engine: ``gradients(y, xs, create_graph=True)``
returns the gradient as Values, a graph of its own, and differentiating that graph again
gives the curvature (the Hessian, in 2-D). No formula for f'' is written anywhere below;
the demo prints the engine's Hessian next to the hand-derived one so you can check.

>>> from autograd import Value
>>> value_slope_curvature(lambda x: x ** 3, 2.0)     # x³, 3x², 6x
(8.0, 12.0, 12.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd import Value, gradients

from . import _common

# -- the two functions ------------------------------------------------------------------


def quartic(x):
    """f(x) = x⁴ − 3x³ + 2: minimum at x = 9/4, flat and curving the wrong way on (0, 1.5)."""
    return x ** 4 - 3 * x ** 3 + 2


QUARTIC_MIN = 9 / 4


def rosenbrock(x, y):
    """f(x, y) = (1 − x)² + 100 (y − x²)²: a long curved valley, minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def rosenbrock_hessian_by_hand(x: float, y: float) -> list[list[float]]:
    """The Hessian derived on paper, only to check the engine's against."""
    return [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]


# -- derivatives from the engine --------------------------------------------------------


def value_slope_curvature(f: Callable[[Value], Value], x: float) -> tuple[float, float, float]:
    """f(x), f'(x) and f''(x), the last by differentiating the gradient graph again."""
    xv = Value(x, label="x")
    y = f(xv)
    (slope,) = gradients(y, [xv], create_graph=True)  # a Value: d f / d x as a graph
    (curvature,) = gradients(slope, [xv])  # d/dx of that graph: f''(x) as a float
    return y.data, slope.data, curvature


def value_gradient_hessian(f: Callable[..., Value], point: Sequence[float]):
    """f(p), ∇f(p) and the Hessian matrix of f at p, all from the engine."""
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
    y = f(*xs)
    grad = gradients(y, xs, create_graph=True)
    hessian = [gradients(g, xs) for g in grad]  # row i: d (∂f/∂x_i) / d x_j
    return y.data, [g.data for g in grad], hessian


def solve2(h: list[list[float]], g: list[float]) -> list[float]:
    """Solve the 2×2 system h · d = g (Cramer's rule)."""
    (a, b), (c, d) = h
    det = a * d - b * c
    if det == 0.0:
        raise ZeroDivisionError("newton: the Hessian is singular here; Newton's step is undefined")
    return [(d * g[0] - b * g[1]) / det, (a * g[1] - c * g[0]) / det]


# -- the two methods --------------------------------------------------------------------


def descend_1d(f, x: float, lr: float, steps: int, tol: float = 1e-10) -> list[float]:
    path = [x]
    for _ in range(steps):
        xv = Value(x)
        (slope,) = gradients(f(xv), [xv])
        if abs(slope) < tol:
            break
        x -= lr * slope
        path.append(x)
    return path


def newton_1d(f, x: float, steps: int, tol: float = 1e-10) -> list[float]:
    path = [x]
    for _ in range(steps):
        _, slope, curvature = value_slope_curvature(f, x)
        if abs(slope) < tol:
            break
        x -= slope / curvature  # the bottom of the parabola that matches f at x
        path.append(x)
    return path


def descend_2d(f, p: Sequence[float], lr: float, steps: int, tol: float = 1e-10) -> list[list[float]]:
    path = [list(p)]
    for _ in range(steps):
        xs = [Value(pi) for pi in p]
        g = gradients(f(*xs), xs)  # first derivatives only: no graph of the gradient needed
        if math.hypot(*g) < tol:
            break
        p = [pi - lr * gi for pi, gi in zip(p, g)]
        path.append(p)
    return path


def newton_2d(f, p: Sequence[float], steps: int, tol: float = 1e-10) -> list[list[float]]:
    path = [list(p)]
    for _ in range(steps):
        _, g, h = value_gradient_hessian(f, p)
        if math.hypot(*g) < tol:
            break
        d = solve2(h, g)
        p = [pi - di for pi, di in zip(p, d)]
        path.append(p)
    return path


# -- pictures ---------------------------------------------------------------------------


def plot_1d(plt, gd: list[float], nt: list[float], lr: float, path) -> None:
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    xs = np.linspace(-1.2, 6.3, 400)
    ax.plot(xs, quartic(xs), color="0.3", lw=1.5, label="f(x) = x⁴ − 3x³ + 2")
    # Newton's first step, drawn: the parabola matching f, f', f'' at x0, and its bottom.
    f0, s0, c0 = value_slope_curvature(quartic, nt[0])
    near = np.linspace(nt[0] - 3.2, nt[0] + 0.6, 100)
    ax.plot(near, f0 + s0 * (near - nt[0]) + 0.5 * c0 * (near - nt[0]) ** 2,
            "--", color="tab:blue", lw=1, alpha=0.7, label="Newton's parabola at x₀")
    ax.plot(gd, [quartic(x) for x in gd], "o-", color="tab:orange", ms=3, lw=0.8,
            label=f"gradient descent, lr={lr} ({len(gd) - 1} steps)")
    ax.plot(nt, [quartic(x) for x in nt], "s-", color="tab:blue", ms=6, lw=1.2,
            label=f"Newton ({len(nt) - 1} steps)")
    for k, x in enumerate(nt[:4]):
        ax.annotate(f"x{k}", (x, quartic(x)), textcoords="offset points", xytext=(6, 6), color="tab:blue")
    ax.plot([QUARTIC_MIN], [quartic(QUARTIC_MIN)], "*", color="red", ms=14, label="minimum x = 9/4")
    # symlog: linear near the minimum (where the story is), logarithmic up to x0 = 6.
    ax.set_yscale("symlog", linthresh=20)
    ax.set_ylim(-10, 1000)
    ax.annotate("gradient descent's first step\novershoots from 6 to 0.6,\nthen crawls across the flat part",
                (0.6, quartic(0.6)), xytext=(-1.3, 25), fontsize=8, color="tab:orange",
                arrowprops=dict(arrowstyle="->", color="tab:orange"))
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)  (linear below 20, log above)")
    ax.set_title("1-D: Newton divides the slope by the curvature")
    ax.legend(fontsize=8, loc="upper left")

    ax2.semilogy(range(len(gd)), [abs(x - QUARTIC_MIN) + 1e-17 for x in gd], ".-", color="tab:orange",
                 label="gradient descent (linear: a fixed fraction per step)")
    ax2.semilogy(range(len(nt)), [abs(x - QUARTIC_MIN) + 1e-17 for x in nt], "s-", color="tab:blue",
                 label="Newton (quadratic: digits double per step)")
    ax2.set_xlabel("step")
    ax2.set_ylabel("|x − 9/4|  (log scale)")
    ax2.set_title("Distance to the minimum")
    ax2.legend(fontsize=8)
    _common.save_figure(fig, path)


def plot_2d(plt, gd, nt, lr: float, path) -> None:
    import numpy as np

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
    gx, gy = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-3.5, 3, 300))
    levels = np.logspace(-1, 3.5, 16)
    cs = ax.contour(gx, gy, rosenbrock(gx, gy), levels=levels, cmap="viridis", linewidths=0.8,
                    norm=plt.matplotlib.colors.LogNorm())
    fig.colorbar(cs, ax=ax, label="f(x, y)  (log-spaced contours)", format="%.2g")
    ax.plot(*zip(*gd), "-", color="tab:orange", lw=1.2, label=f"gradient descent, lr={lr} ({len(gd) - 1} steps)")
    ax.plot(*zip(*gd[::max(1, len(gd) // 40)]), "o", color="tab:orange", ms=2.5)
    ax.plot(*zip(*nt), "s-", color="tab:blue", ms=6, lw=1.5, label=f"Newton ({len(nt) - 1} steps)")
    for k, p in enumerate(nt):
        ax.annotate(str(k), p, textcoords="offset points", xytext=(5, 5), color="tab:blue", fontsize=8)
    ax.plot([1], [1], "*", color="red", ms=14, label="minimum (1, 1)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("2-D: Rosenbrock's valley, (1 − x)² + 100(y − x²)²")
    ax.legend(fontsize=8, loc="lower left")

    ax2.semilogy(range(len(gd)), [rosenbrock(*p) + 1e-30 for p in gd], color="tab:orange", label="gradient descent")
    ax2.semilogy(range(len(nt)), [rosenbrock(*p) + 1e-30 for p in nt], "s-", color="tab:blue", label="Newton")
    ax2.set_xscale("symlog", linthresh=10)
    ax2.set_xlabel("step (linear up to 10, then log)")
    ax2.set_ylabel("f(x, y), whose minimum is 0  (log scale)")
    ax2.set_title("Loss per step")
    ax2.legend(fontsize=8)
    _common.save_figure(fig, path)


# -- the demo ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(5000, 400))
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    # 1-D: the step size 0.01 is about the largest that does not overshoot far from x0 = 6
    # (f'' = 324 there); in the flat middle it then crawls.
    x0, lr1 = 6.0, 0.01
    print(f"1-D: f(x) = x⁴ − 3x³ + 2 from x0 = {x0}")
    f0, s0, c0 = value_slope_curvature(quartic, x0)
    print(f"  engine at x0: f = {f0:g}, f' = {s0:g} (by hand 4x³ − 9x² = {4 * x0**3 - 9 * x0**2:g}), "
          f"f'' = {c0:g} (by hand 12x² − 18x = {12 * x0**2 - 18 * x0:g})")
    gd1 = descend_1d(quartic, x0, lr1, args.steps)
    nt1 = newton_1d(quartic, x0, 50)
    print(f"  gradient descent (lr {lr1}): x = {gd1[-1]:.10f} after {len(gd1) - 1} steps")
    print(f"  Newton:                     x = {nt1[-1]:.10f} after {len(nt1) - 1} steps")
    for k, x in enumerate(nt1):
        print(f"    step {k}: x = {x:.12f}   |x − 9/4| = {abs(x - QUARTIC_MIN):.1e}")

    # 2-D: for gradient descent to be stable lr must stay below 2 / (largest curvature),
    # about 0.0015 at the start, so it crawls along the valley floor.
    p0, lr2 = [-1.2, 1.0], 0.001
    print(f"\n2-D: Rosenbrock from {tuple(p0)}")
    fp, gp, hp = value_gradient_hessian(rosenbrock, p0)
    print(f"  engine Hessian at p0:  {[[round(v, 6) for v in row] for row in hp]}")
    print(f"  Hessian by hand:       {rosenbrock_hessian_by_hand(*p0)}")
    gd2 = descend_2d(rosenbrock, p0, lr2, args.steps)
    nt2 = newton_2d(rosenbrock, p0, 50)
    print(f"  gradient descent (lr {lr2}): ({gd2[-1][0]:.6f}, {gd2[-1][1]:.6f}), "
          f"f = {rosenbrock(*gd2[-1]):.3e} after {len(gd2) - 1} steps")
    print(f"  Newton:                      ({nt2[-1][0]:.6f}, {nt2[-1][1]:.6f}), "
          f"f = {rosenbrock(*nt2[-1]):.3e} after {len(nt2) - 1} steps")

    plt = _common.pyplot()
    files = [args.out / "newton_1d.png", args.out / "newton_2d.png"]
    plot_1d(plt, gd1, nt1, lr1, files[0])
    plot_2d(plt, gd2, nt2, lr2, files[1])
    _common.summary("newton", [
        ("1-D Newton steps to |f'| < 1e-10", len(nt1) - 1),
        ("1-D gradient descent", f"{len(gd1) - 1} steps, |x − 9/4| = {abs(gd1[-1] - QUARTIC_MIN):.1e}"),
        ("2-D Newton steps to |∇f| < 1e-10", len(nt2) - 1),
        ("2-D gradient descent", f"{len(gd2) - 1} steps, f = {rosenbrock(*gd2[-1]):.2e}"),
        ("time", f"{clock.seconds():.1f} s"),
    ], files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
