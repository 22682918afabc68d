"""The benchmark: chainrule's engine on three workloads, beside micrograd where it is installed.

    python -m demos.benchmark                        # all three, full sizes (a few minutes)
    python -m demos.benchmark --quick                # small sizes, seconds
    python -m demos.benchmark --workloads W2,W3 --sizes 10000,100000 --repeat 3
    python -m demos.benchmark --micrograd-python ~/mg/bin/python   # micrograd in another venv
    python -m demos.benchmark --json                 # machine-readable

W1, micrograd's demo: ``MLP(2, [16, 16, 1])`` trained on 100 two-moons points (noise 0.1,
labels -1/+1) with the hinge loss plus ``1e-4 * sum(p*p)``, full batch, SGD with
``lr = 1.0 - 0.9*k/100``, written exactly as a micrograd user writes it (``train_w1``: the
same function trains both engines). Seconds per step, for chainrule as written, chainrule
inside ``autograd.fast_training()``, micrograd, and micrograd with ``gc.disable()``.

W1 through ``autograd.trace``, written as a user would (``train_w1_traced``): the per-sample
loss ``relu(1 - y·model(x)) + nn.l2_penalty(model.parameters(), alpha=1e-4)`` traced once
(the L2 term reads only parameters: the replay computes it once per batch, and the mean
over the batch is the hinge's mean plus it), then per step ``model.zero_grad()``,
``traced.batch(X, Y)`` (forward and backward) and the SGD update; same data, weights and
schedule as W1. Beside it the numpy floor
(``train_w1_numpy``): the same MLP's forward and backward written by hand on arrays, and
the same traced step with the generated pure-Python replay (``backend="python"``).

W2, deep chain: ``x = (x*1.0001 + 0.0001).relu()`` repeated n times, then ``backward()``.
Each round makes 3 op nodes and 2 constant leaves. Microseconds per round, forward and
backward, with the cyclic garbage collector on (as users run it) and off.

W3, wide graph: 2n leaves a_i, b_i, the n products a_i*b_i, and the n - 1 sums that add
them pairwise by a balanced tree: 4n - 1 nodes, 2n - 1 of them op nodes. The forward builds
the products and sums from leaves made before the clock starts; per node means per node of
the graph (divided by 4n - 1, as bytes are), and per op node figures are shown too. With
the collector on and off. Bytes per node: what tracemalloc sees the finished graph hold
(leaf Values included, the floats they wrap made before tracing; a separate run, since
tracing slows allocation) divided by 4n - 1.

GPT, ``demos.gpt``'s training (``run_gpt``): the 1-layer, 4-head, 16-wide GPT of
``nn.transformer`` on ``--gpt-steps`` names, one per step, Adam, then on as many names 8 a
step; eager, and traced (names padded to 8 or 16 positions, one ``trace_cache`` trace
each, replayed by numpy). The whole
training's seconds (tracing included), the median step that did not trace, the last loss.

Every figure is the median of ``--repeat`` runs after a warm-up run. micrograd is run in a
subprocess (``sys.executable`` if it can import micrograd, else ``--micrograd-python``) on
the very same points, and its W1 runs fewer steps: a stock micrograd step takes seconds.

>>> parse_sizes("1e4,100_000")
[10000, 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the project, for the micrograd subprocess
WORKLOADS = ("W1", "W2", "W3", "GPT")

# The targets, checked against each run (ratios and medians of this run).
TARGETS = {
    "W1 vs micrograd": 100.0,  # times faster than stock micrograd per step
    "W1 vs micrograd gc off": 20.0,  # times faster than micrograd with gc.disable()
    "W2 us/round": 4.0,  # forward + backward at 1,000,000 rounds
    "W3 bytes/node": 120.0,
    "W3 fwd ns/node": 600.0,  # with the collector on
    "W3 bwd ns/node": 400.0,
    "W1 traced vs micrograd": 1000.0,  # times faster than stock micrograd per step
    "W1 traced step / numpy floor": 3.0,  # at most this many times the floor's step
    "traced.batch / numpy floor": 2.0,
    "W1 traced loss vs eager": 1e-9,  # relative difference after the run's steps
    "GPT traced run / eager run": 0.25,  # demos.gpt's training, tracing included
    "GPT traced step vs eager step": 10.0,  # times faster, steps that did not trace
    "GPT traced loss_last vs eager": 1e-9,  # relative difference of the last step's loss
    "python replay vs eager": 10.0,  # times faster than chainrule as written, per step
}


# ---------------------------------------------------------------------------------------
# W1: micrograd's demo, written the way its users write it. Engine-agnostic: it receives
# the Value and MLP classes, so chainrule and micrograd (in its subprocess) run this code.


def train_w1(Value: type, MLP: type, X: Sequence[Sequence[float]], y: Sequence[int],
             steps: int, warmup: int = 0) -> dict[str, Any]:
    """Train micrograd's demo model; return per-step seconds (after ``warmup`` steps), loss, accuracy.

    >>> from autograd import Value; from nn import MLP
    >>> result = train_w1(Value, MLP, [[0.0, 1.0], [1.0, 0.0]], [1, -1], steps=2)
    >>> len(result["seconds"]), result["loss"] >= 0
    (2, True)
    """
    random.seed(1337)  # micrograd's demo seed: both engines draw the same initial weights
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    seconds = []
    for k in range(warmup + steps):
        started = time.perf_counter()
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        seconds.append(time.perf_counter() - started)
    return {"seconds": seconds[warmup:], "loss": total_loss.data, "accuracy": acc}


def left_per_step(train: Callable[[], dict[str, Any]], steps: int) -> dict[str, Any]:
    """Run ``train`` (its caller has paused the collector); add to its result how many
    tracked objects a step left alive once it was done (``left_per_step``).

    Graphs without reference cycles are freed as the next step replaces them: 0 left.
    micrograd's are cycles (each node's ``_backward`` closure refers to the node), so with
    ``gc.disable()`` every step's graph stays: that setting's time leaves out freeing them.
    """
    before = len(gc.get_objects())
    result = train()
    result["left_per_step"] = (len(gc.get_objects()) - before) / steps
    return result


def moons() -> tuple[list[list[float]], list[int]]:
    """The W1 data: 100 two-moons points, noise 0.1, labels -1/+1 (nn's make_moons, seed 0)."""
    from nn.data import make_moons

    X, labels = make_moons(100, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in labels]


def run_w1(steps: int, repeat: int) -> dict[str, Any]:
    """chainrule on W1: as written, and inside ``fast_training()``; medians of ``repeat`` runs."""
    import autograd
    from autograd import Value
    from nn import MLP

    X, y = moons()
    result: dict[str, Any] = {"points": len(X), "steps": steps, "runs": repeat}
    for key, paused in (("chainrule", False), ("chainrule fast_training", True)):
        train_w1(Value, MLP, X, y, steps=2)  # warm-up
        per_step, last = [], None
        for _ in range(repeat):
            gc.collect()
            if paused:
                with autograd.fast_training():
                    last = left_per_step(lambda: train_w1(Value, MLP, X, y, steps), steps)
            else:
                last = train_w1(Value, MLP, X, y, steps)
            per_step.append(sum(last["seconds"]) / steps)
        result[key] = {"s_per_step": statistics.median(per_step), "runs_s_per_step": per_step,
                       "loss": last["loss"], "accuracy": last["accuracy"]}
        if paused:
            result[key]["left_per_step"] = last["left_per_step"]
    return result


# ---------------------------------------------------------------------------------------
# W1 through trace, and the numpy floor


def train_w1_traced(X: Sequence[Sequence[float]], y: Sequence[int], steps: int,
                    backend: str | None = None, warmup: int = 0,
                    listed_once: bool = False) -> dict[str, Any]:
    """W1 trained through ``autograd.trace``: per-step seconds, the seconds of each part, loss.

    ``listed_once``: take ``model.parameters()`` once before the loop and zero, penalise
    and update that list, instead of walking the model three times a step: what the
    step would cost if ``parameters()`` were free.

    >>> result = train_w1_traced([[0.0, 1.0], [1.0, 0.0]], [1, -1], steps=2, backend="python")
    >>> len(result["seconds"]), result["loss"] >= 0
    (2, True)
    """
    import autograd
    import nn

    random.seed(1337)  # W1's weights
    model = nn.MLP(2, [16, 16, 1])
    clock = time.perf_counter
    started = clock()
    traced = autograd.trace(lambda x, yi: (1 + -yi * model(x)).relu() + nn.l2_penalty(model.parameters(), alpha=1e-4),
                            X[0], y[0], backend=backend)
    traced.batch(X, y)  # plans (numpy) or compiles (Python) the replay; step 0 zeroes its grads
    setup = clock() - started
    kept = model.parameters()
    params = (lambda: kept) if listed_once else model.parameters
    seconds, parts = [], {"zero_grad": [], "batch": [], "update": []}
    for k in range(warmup + steps):
        t0 = clock()
        if listed_once:
            for p in kept:
                p.grad = 0.0
        else:
            model.zero_grad()
        t1 = clock()
        total_loss = traced.batch(X, y)  # the hinge's mean plus the L2 term
        t2 = clock()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in params():
            p.data -= learning_rate * p.grad
        t3 = clock()
        if k >= warmup:
            seconds.append(t3 - t0)
            for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
                parts[key].append(dt)
    return {"seconds": seconds, "parts": parts, "loss": total_loss, "backend": traced.backend,
            "setup_s": setup}


def train_w1_numpy(X: Sequence[Sequence[float]], y: Sequence[int], steps: int,
                   warmup: int = 0) -> dict[str, Any]:
    """The floor: W1's MLP forward and backward by hand on numpy arrays (same weights,
    loss and schedule); the data converted once, outside the clock."""
    import numpy as np

    import nn

    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    Xa, ya = np.array(X, dtype=float), np.array(y, dtype=float)[:, None]
    n, alpha = len(X), 1e-4
    seconds = []
    for k in range(warmup + steps):
        started = time.perf_counter()
        h1 = Xa @ Ws[0].T + bs[0]
        a1 = np.maximum(h1, 0.0)
        h2 = a1 @ Ws[1].T + bs[1]
        a2 = np.maximum(h2, 0.0)
        s = a2 @ Ws[2].T + bs[2]
        margin = 1.0 - ya * s
        data_loss = np.maximum(margin, 0.0).sum() / n
        reg_loss = alpha * sum((W * W).sum() + (b * b).sum() for W, b in zip(Ws, bs))
        ds = np.where(margin > 0.0, -ya, 0.0) / n
        gW3, gb3 = ds.T @ a2, ds.sum(axis=0)
        dh2 = (ds @ Ws[2]) * (h2 > 0.0)
        gW2, gb2 = dh2.T @ a1, dh2.sum(axis=0)
        dh1 = (dh2 @ Ws[1]) * (h1 > 0.0)
        gW1, gb1 = dh1.T @ Xa, dh1.sum(axis=0)
        learning_rate = 1.0 - 0.9 * k / 100
        for W, b, gW, gb in zip(Ws, bs, (gW1, gW2, gW3), (gb1, gb2, gb3)):
            W -= learning_rate * (gW + 2 * alpha * W)
            b -= learning_rate * (gb + 2 * alpha * b)
        if k >= warmup:
            seconds.append(time.perf_counter() - started)
    return {"seconds": seconds, "loss": float(data_loss + reg_loss)}


def run_w1_traced(steps: int, repeat: int, python_steps: int) -> dict[str, Any]:
    """The traced W1 (numpy and pure-Python replays) and the numpy floor; medians of ``repeat``."""
    X, y = moons()
    result: dict[str, Any] = {}
    for key, run in (("traced", lambda n: train_w1_traced(X, y, n, "numpy")),
                     ("numpy floor", lambda n: train_w1_numpy(X, y, n)),
                     ("traced python", lambda n: train_w1_traced(X, y, min(n, python_steps), "python")),
                     ("traced listed once", lambda n: train_w1_traced(X, y, n, "numpy", listed_once=True))):
        run(2)  # warm-up; the timed runs start from W1's weights, as W1's do
        per_step, batch, last = [], [], None
        for _ in range(repeat):
            gc.collect()
            last = run(steps)
            per_step.append(sum(last["seconds"]) / len(last["seconds"]))
            if "parts" in last:
                batch.append(sum(last["parts"]["batch"]) / len(last["seconds"]))
        entry = {"s_per_step": statistics.median(per_step), "runs_s_per_step": per_step,
                 "loss": last["loss"], "steps": len(last["seconds"])}
        if "parts" in last:
            entry["parts_s"] = {k: sum(v) / len(v) for k, v in last["parts"].items()}
            entry["batch_s"] = statistics.median(batch)
            entry["backend"] = last["backend"]
            entry["setup_s"] = last["setup_s"]
        result[key] = entry
    return result


# ---------------------------------------------------------------------------------------
# micrograd, in a subprocess: its own heap and collector, and any interpreter that has it.

_CHILD = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from demos.benchmark import micrograd_child; micrograd_child()"
)


def micrograd_child() -> None:
    """Run W1 on micrograd: a JSON job on stdin, the result as JSON on stdout."""
    job = json.load(sys.stdin)
    from micrograd.engine import Value
    from micrograd.nn import MLP

    try:
        from importlib.metadata import version

        mg_version = version("micrograd")
    except Exception:  # installed without metadata (a source checkout): say so
        mg_version = "unknown"
    def train() -> dict[str, Any]:
        return train_w1(Value, MLP, job["X"], job["y"], job["steps"], job["warmup"])

    if job["gc"]:
        result = train()
    else:
        gc.disable()
        result = left_per_step(train, job["steps"] + job["warmup"])
    result["version"] = mg_version
    json.dump(result, sys.stdout)


def find_micrograd(python: str | None) -> str | None:
    """The interpreter to run micrograd with: ``python`` if given, this one if it has it."""
    if python:
        return python
    import importlib.util

    return sys.executable if importlib.util.find_spec("micrograd") else None


def run_micrograd(python: str, steps: int, warmup: int, collector: bool) -> dict[str, Any]:
    X, y = moons()
    job = {"X": X, "y": y, "steps": steps, "warmup": warmup, "gc": collector}
    done = subprocess.run(
        [python, "-c", _CHILD.format(root=str(ROOT))], input=json.dumps(job),
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark: micrograd run with {python} failed:\n{done.stderr.strip()}")
    result = json.loads(done.stdout)
    result["s_per_step"] = sum(result["seconds"]) / steps
    result["python"] = python
    return result


# ---------------------------------------------------------------------------------------
# W2 and W3


def _timed(collector: bool, build: Callable[[], Any], backward: Callable[[Any], None]) -> tuple[float, float]:
    """Seconds to build, then to run backward, with the cyclic collector on or off."""
    gc.collect()  # every run starts from the same collector state
    was_enabled = gc.isenabled()
    if not collector:
        gc.disable()
    try:
        started = time.perf_counter()
        root = build()
        built = time.perf_counter()
        backward(root)
        done = time.perf_counter()
    finally:
        if was_enabled:
            gc.enable()
    del root  # freed by reference counting, outside the timings
    return built - started, done - built


def chain(n: int):
    """W2's graph: n rounds of ``x = (x*1.0001 + 0.0001).relu()``."""
    from autograd import Value

    x = Value(0.5)
    for _ in range(n):
        x = (x * 1.0001 + 0.0001).relu()
    return x


def wide(a: Sequence, b: Sequence):
    """W3's forward: the products a_i*b_i of two lists of leaves, summed pairwise level by level."""
    level = [ai * bi for ai, bi in zip(a, b)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    return level[0]


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def run_w2(n: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for collector in (True, False):
        _timed(collector, lambda: chain(min(n, 10_000)), lambda x: x.backward())  # warm-up
        runs = [_timed(collector, lambda: chain(n), lambda x: x.backward()) for _ in range(repeat)]
        fwd, bwd = _medians(runs)
        rows.append({"rounds": n, "op_nodes": 3 * n, "nodes": 5 * n + 1, "gc": collector,
                     "fwd_us_per_round": fwd / n * 1e6, "bwd_us_per_round": bwd / n * 1e6,
                     "total_us_per_round": (fwd + bwd) / n * 1e6})
    return rows


def _w3_data(n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(n)
    return [rng.uniform(-1, 1) for _ in range(n)], [rng.uniform(-1, 1) for _ in range(n)]


def _w3_leaves(n: int) -> tuple[list, list]:
    from autograd import Value

    a, b = _w3_data(n)
    return [Value(x) for x in a], [Value(x) for x in b]


def w3_bytes(n: int) -> dict[str, float]:
    """Bytes tracemalloc sees the W3 graph hold: per node, per leaf and per op node.

    The data floats exist before tracing starts; the leaf Values, the products and sums,
    their edges and their result floats are traced. The lists used while building are
    freed by the time it is measured.
    """
    from autograd import Value

    a, b = _w3_data(n)
    holder: list = [None] * (2 * n)  # allocated before tracing: only the leaves are counted
    gc.collect()
    tracemalloc.start()
    try:
        for i, x in enumerate(a):
            holder[i] = Value(x)
        for i, x in enumerate(b):
            holder[n + i] = Value(x)
        leaf_bytes = tracemalloc.get_traced_memory()[0]
        root = wide(holder[:n], holder[n:])
        holder[:] = [None] * (2 * n)  # the leaves now live in the graph only; same list
        graph_bytes = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del root
    return {"bytes_per_node": graph_bytes / (4 * n - 1),
            "bytes_per_leaf": leaf_bytes / (2 * n),
            "bytes_per_op_node": (graph_bytes - leaf_bytes) / (2 * n - 1)}


def run_w3(n: int, repeat: int) -> list[dict[str, Any]]:
    nodes, op_nodes = 4 * n - 1, 2 * n - 1
    memory = w3_bytes(n)
    rows = []
    for collector in (True, False):
        small = min(n, 1000)
        a, b = _w3_leaves(small)
        _timed(collector, lambda a=a, b=b: wide(a, b), lambda r: r.backward())  # warm-up
        runs = []
        for _ in range(repeat):
            a, b = _w3_leaves(n)  # fresh leaves (grad 0) made before the clock starts
            runs.append(_timed(collector, lambda a=a, b=b: wide(a, b), lambda r: r.backward()))
        fwd, bwd = _medians(runs)
        rows.append({"n": n, "nodes": nodes, "op_nodes": op_nodes, "gc": collector,
                     "fwd_ns_per_node": fwd / nodes * 1e9, "bwd_ns_per_node": bwd / nodes * 1e9,
                     "fwd_ns_per_op_node": fwd / op_nodes * 1e9,
                     "bwd_ns_per_op_node": bwd / op_nodes * 1e9, **memory})
    return rows


# ---------------------------------------------------------------------------------------
# The targets and the report


# ---------------------------------------------------------------------------------------
# GPT: demos.gpt's training, eager and traced


def run_gpt(steps: int, repeat: int, batch: int = 1) -> dict[str, Any]:
    """``demos.gpt.train`` for ``steps`` steps of ``batch`` names, eager and traced
    (alternating, ``repeat`` times each): the whole training's seconds (tracing included),
    the median step of the steps that did not trace, the last loss. Same seed, names and
    order as the demo.

    >>> r = run_gpt(2, 1)
    >>> sorted(r), abs(r["traced"]["loss_last"] / r["eager"]["loss_last"] - 1) < 1e-9
    (['batch', 'eager', 'steps', 'traced'], True)
    """
    import autograd
    from demos import gpt

    names = gpt.load_names()
    random.Random(0).shuffle(names)
    vocab = gpt.Vocab(names)
    runs: dict[str, list[dict[str, Any]]] = {"eager": [], "traced": []}
    for _ in range(repeat):
        for mode in runs:
            model = gpt.make_model(vocab.size, seed=0)
            timings: list[tuple[float, bool]] = []
            gc.collect()
            with contextlib.redirect_stdout(io.StringIO()), autograd.fast_training():
                started = time.perf_counter()
                history = gpt.train(names, vocab, model, steps, eager=mode == "eager", quiet=True,
                                    batch=batch, timings=timings)
                total = time.perf_counter() - started
            runs[mode].append({"total_s": total, "loss_last": history[-1],
                               # the steps that did not trace (all of them, if every step traced)
                               "step_s": statistics.median([t for t, traced in timings if not traced]
                                                           or [t for t, _ in timings]),
                               "traces": sum(traced for _, traced in timings)})
    result: dict[str, Any] = {"steps": steps, "batch": batch}
    for mode, rs in runs.items():
        result[mode] = {"total_s": statistics.median(r["total_s"] for r in rs),
                        "s_per_step": statistics.median(r["step_s"] for r in rs),
                        "runs_total_s": [r["total_s"] for r in rs], "loss_last": rs[-1]["loss_last"],
                        "traces": rs[-1]["traces"]}
    return result


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target this run measured: the figure, the bound, and whether it holds."""
    checks = []

    def check(name: str, value: float, at_least: bool, where: str, digits: int | None = None) -> None:
        bound = TARGETS[name]
        shown = value if digits is None else round(value, digits)
        holds = shown >= bound if at_least else shown <= bound
        checks.append({"target": name, "value": value, "bound": bound,
                       "kind": ">=" if at_least else "<=", "holds": holds, "where": where})

    w1 = results.get("W1")
    if w1 and "micrograd" in w1:
        ours = w1["chainrule"]["s_per_step"]
        check("W1 vs micrograd", w1["micrograd"]["s_per_step"] / ours, True, "chainrule as written")
        check("W1 vs micrograd gc off", w1["micrograd gc off"]["s_per_step"] / ours, True,
              "chainrule as written")
        fast = w1["chainrule fast_training"]["s_per_step"]
        check("W1 vs micrograd", w1["micrograd"]["s_per_step"] / fast, True, "chainrule in fast_training()")
        check("W1 vs micrograd gc off", w1["micrograd gc off"]["s_per_step"] / fast, True,
              "chainrule in fast_training()")
    traced = (w1 or {}).get("traced")
    if traced:
        step, floor = traced["traced"]["s_per_step"], traced["numpy floor"]["s_per_step"]
        if "micrograd" in w1:
            check("W1 traced vs micrograd", w1["micrograd"]["s_per_step"] / step, True,
                  "whole traced step, numpy replay")
        check("W1 traced step / numpy floor", step / floor, False, "whole traced step")
        check("traced.batch / numpy floor", traced["traced"]["batch_s"] / floor, False,
              "traced.batch alone")
        if traced["traced"]["steps"] == w1["steps"]:
            eager = w1["chainrule"]["loss"]
            check("W1 traced loss vs eager", abs(traced["traced"]["loss"] - eager) / abs(eager), False,
                  f"loss after {w1['steps']} steps")
        check("python replay vs eager", w1["chainrule"]["s_per_step"] / traced["traced python"]["s_per_step"],
              True, "whole traced step, generated Python")
    for g in results.get("GPT", []):
        where = f"{g['steps']} steps of {g['batch']} name{'s' if g['batch'] > 1 else ''}"
        check("GPT traced run / eager run", g["traced"]["total_s"] / g["eager"]["total_s"], False, where)
        check("GPT traced step vs eager step", g["eager"]["s_per_step"] / g["traced"]["s_per_step"], True,
              f"median step that did not trace, {g['batch']} a step")
        eager = g["eager"]["loss_last"]
        check("GPT traced loss_last vs eager", abs(g["traced"]["loss_last"] - eager) / abs(eager), False, where)
    for row in results.get("W2", []):
        if row["rounds"] == max(r["rounds"] for r in results["W2"]):
            check("W2 us/round", row["total_us_per_round"], False,
                  f"{row['rounds']:,} rounds, GC {'on' if row['gc'] else 'off'}")
    rows = results.get("W3", [])
    if rows:
        largest = max(r["n"] for r in rows)
        for row in rows:
            if row["n"] == largest and row["gc"]:
                where = f"n = {largest:,}, GC on"
                # To the 0.1 B reported: the measurement's own few hundred bytes add ~1e-4.
                check("W3 bytes/node", row["bytes_per_node"], False, f"n = {largest:,}", digits=1)
                check("W3 fwd ns/node", row["fwd_ns_per_node"], False, where)
                check("W3 bwd ns/node", row["bwd_ns_per_node"], False, where)
    return checks


def _table(header: Sequence[str], rows: list[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    # Labels left, numbers right.
    lines += ["| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                for i, (c, w) in enumerate(zip(row, widths))) + " |" for row in rows]
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    """The results as text: a heading, a Markdown table per workload, the targets."""
    m = results["machine"]
    out = [f"chainrule benchmark: Python {m['python']}, {m['platform']}, {m['cpus']} CPUs, "
           f"load average {m['load_before']} before, {m['load_after']} after",
           f"medians of {results['repeat']} runs after a warm-up; command: {results['command']}"]
    w1 = results.get("W1")
    if w1:
        out += ["", f"W1  micrograd's demo: MLP(2, [16, 16, 1]), {w1['points']} two-moons points, "
                    "hinge + L2, full-batch SGD"]
        ours = w1["chainrule"]["s_per_step"]
        rows = []
        for key, label in (("chainrule", "chainrule, as written"),
                           ("chainrule fast_training", "chainrule in fast_training()"),
                           ("micrograd", "micrograd"), ("micrograd gc off", "micrograd, gc.disable()")):
            if key in w1:
                r = w1[key]
                steps = f"{w1['steps']} x {w1['runs']} runs" if key.startswith("chainrule") else \
                    f"{len(r['seconds'])} after {w1['micrograd_warmup']}"
                rows.append([label, f"{r['s_per_step'] * 1e3:.1f}", steps, f"{r['loss']:.4f}",
                             f"{r['s_per_step'] / ours:.1f}x"])
        out.append(_table(["engine", "ms/step", "steps timed", "last loss", "time / chainrule's"], rows))
        if "micrograd" not in w1:
            out.append(w1.get("micrograd_note", "micrograd: not run"))
        else:
            out.append(f"micrograd {w1['micrograd']['version']} run by {w1['micrograd']['python']}")
        left = [f"{label} {w1[key]['left_per_step']:,.0f}"
                for key, label in (("chainrule fast_training", "chainrule"), ("micrograd gc off", "micrograd"))
                if key in w1]
        out.append("objects a step leaves alive with the collector off: " + ", ".join(left)
                   + (" (micrograd's graphs are reference cycles: its gc.disable() time leaves "
                      "out freeing them, and its memory grows every step)" if "micrograd gc off" in w1 else ""))
    traced = (w1 or {}).get("traced")
    if traced:
        floor = traced["numpy floor"]["s_per_step"]
        out += ["", "W1 through autograd.trace (per step: zero_grad, traced.batch of hinge + L2, "
                    "SGD update) and the hand-written numpy floor"]
        rows = []
        for key, label in (("traced", "traced step, numpy replay"), ("traced python", "traced step, generated Python"),
                           ("traced listed once", "traced step, parameters() listed once"),
                           ("numpy floor", "numpy floor (by hand)")):
            r = traced[key]
            rows.append([label, f"{r['s_per_step'] * 1e3:.3f}", str(r["steps"]), f"{r['loss']:.10g}",
                         f"{r['s_per_step'] / floor:.1f}x"])
        out.append(_table(["run", "ms/step", "steps", "last loss", "time / floor's"], rows))
        out.append("trace and plan, once before the steps (ms): " + ", ".join(
            f"{key} {traced[key]['setup_s'] * 1e3:.1f}" for key in ("traced", "traced python")))
        for key in ("traced", "traced listed once"):
            out.append(f"{key}, by part (ms): " + ", ".join(
                f"{k} {v * 1e3:.3f}" for k, v in traced[key]["parts_s"].items()))
        if "micrograd" in w1:
            ratio = w1['micrograd']['s_per_step'] / traced['traced']['s_per_step']
            out.append(f"traced step vs stock micrograd: {ratio:,.0f}x faster")
    elif w1 and "traced_note" in w1:
        out.append(w1["traced_note"])
    if results.get("GPT"):
        out += ["", "GPT  demos.gpt's training (Adam), eager and traced (trace_cache, names padded to 8 or 16 "
                    "positions); a step is the mean loss of its names"]
        rows = [[f"{g['steps']} x {g['batch']}", mode, f"{g[mode]['total_s']:.2f}",
                 f"{g[mode]['s_per_step'] * 1e3:.2f}", str(g[mode]["traces"]), repr(g[mode]["loss_last"])]
                for g in results["GPT"] for mode in ("eager", "traced")]
        out.append(_table(["steps x names", "run", "training s (median)", "ms/step (median, no tracing)",
                           "steps that traced", "loss_last"], rows))
    if results.get("W2"):
        out += ["", "W2  deep chain: x = (x*1.0001 + 0.0001).relu() n times, then backward() "
                    "(3 op nodes + 2 constants a round)"]
        rows = [[f"{r['rounds']:,}", "on" if r["gc"] else "off", f"{r['fwd_us_per_round']:.2f}",
                 f"{r['bwd_us_per_round']:.2f}", f"{r['total_us_per_round']:.2f}"] for r in results["W2"]]
        out.append(_table(["rounds", "GC", "forward us/round", "backward us/round", "total us/round"], rows))
    if results.get("W3"):
        out += ["", "W3  wide graph: n products a_i*b_i summed by a balanced tree "
                    "(4n - 1 nodes, 2n - 1 of them ops)"]
        rows = [[f"{r['n']:,}", "on" if r["gc"] else "off", f"{r['fwd_ns_per_node']:.0f}",
                 f"{r['bwd_ns_per_node']:.0f}", f"{r['fwd_ns_per_op_node']:.0f}",
                 f"{r['bwd_ns_per_op_node']:.0f}", f"{r['bytes_per_node']:.1f}",
                 f"{r['bytes_per_op_node']:.0f}"] for r in results["W3"]]
        out.append(_table(["n", "GC", "fwd ns/node", "bwd ns/node", "fwd ns/op node",
                           "bwd ns/op node", "bytes/node", "bytes/op node"], rows))
    if results["targets"]:
        out += ["", "Targets"]
        rows = [[t["target"], t["where"], f"{t['value']:.3g}", f"{t['kind']} {t['bound']:g}",
                 "holds" if t["holds"] else "MISSED"] for t in results["targets"]]
        out.append(_table(["target", "measured on", "value", "bound", ""], rows))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Command line


def parse_sizes(text: str) -> list[int]:
    """'10000,1e5,1_000_000' -> [10000, 100000, 1000000]."""
    sizes = []
    for part in text.split(","):
        try:
            value = float(part.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"--sizes: {part!r} is not a number") from None
        if value < 1 or value != int(value):
            raise argparse.ArgumentTypeError(f"--sizes: {part!r} must be a whole number >= 1")
        sizes.append(int(value))
    return sizes


def parse_workloads(text: str) -> list[str]:
    chosen = [w.strip().upper() for w in text.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--workloads: unknown {', '.join(unknown) or 'empty list'}; choose from {','.join(WORKLOADS)}")
    return chosen


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demos.benchmark",
        description="Time chainrule on W1 (micrograd's demo), W2 (deep chain), W3 (wide graph), GPT (demos.gpt), "
                    "beside micrograd where it is installed.",
        epilog="Timings on a shared machine are noisy: compare the ratios of one run.")
    parser.add_argument("--workloads", type=parse_workloads, default=list(WORKLOADS),
                        help="comma-separated, e.g. W1,W3 (default all)")
    parser.add_argument("--sizes", type=parse_sizes, default=None,
                        help="n for W2 (rounds) and W3 (products), comma-separated "
                             "(default: W2 1000000; W3 10000,100000,1000000)")
    parser.add_argument("--repeat", type=_positive, default=None,
                        help="timed runs per figure, median reported (default 5, 3 with --quick)")
    parser.add_argument("--steps", type=_positive, default=None,
                        help="W1 training steps per chainrule run (default 100, 5 with --quick)")
    parser.add_argument("--micrograd-steps", type=_positive, default=None,
                        help="W1 steps timed on micrograd, after 2 untimed (default 5, 1 with --quick)")
    parser.add_argument("--gpt-steps", type=_positive, default=None,
                        help="GPT: training steps per run (default 300, 20 with --quick)")
    parser.add_argument("--micrograd-python", metavar="PATH", default=None,
                        help="an interpreter that can import micrograd (default: this one, if it can)")
    parser.add_argument("--no-micrograd", action="store_true", help="do not run micrograd")
    parser.add_argument("--quick", action="store_true", help="small sizes: a few seconds")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = make_parser().parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (3 if quick else 5)
    w2_sizes = args.sizes or ([10_000] if quick else [1_000_000])
    w3_sizes = args.sizes or ([1_000, 10_000] if quick else [10_000, 100_000, 1_000_000])
    steps = args.steps or (5 if quick else 100)
    mg_steps = args.micrograd_steps or (1 if quick else 5)
    mg_warmup = 1 if quick else 2
    results: dict[str, Any] = {
        "command": "python -m demos.benchmark" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:])),
        "repeat": repeat,
        "machine": {"python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
                    "cpus": os.cpu_count(), "load_before": _load()},
    }
    if "W1" in args.workloads:
        w1 = run_w1(steps, repeat)
        python = None if args.no_micrograd else find_micrograd(args.micrograd_python)
        if python:
            w1["micrograd_warmup"] = mg_warmup
            w1["micrograd"] = run_micrograd(python, mg_steps, mg_warmup, collector=True)
            w1["micrograd gc off"] = run_micrograd(python, mg_steps, mg_warmup, collector=False)
        else:
            w1["micrograd_note"] = ("micrograd: not run (not importable here; install micrograd==0.1.0 "
                                    "in a venv and pass --micrograd-python PATH)")
        try:
            import numpy  # noqa: F401
        except ImportError:
            w1["traced_note"] = "W1 through trace: not run (needs numpy: pip install 'chainrule[fast]')"
        else:
            w1["traced"] = run_w1_traced(steps, repeat, python_steps=min(steps, 3 if quick else 20))
        results["W1"] = w1
    if "GPT" in args.workloads:  # one name a step (the demo's default), then 8 (as many names in all)
        gpt_steps = args.gpt_steps or (16 if quick else 300)
        results["GPT"] = [run_gpt(gpt_steps, repeat), run_gpt(max(1, gpt_steps // 8), repeat, batch=8)]
    if "W2" in args.workloads:
        results["W2"] = [row for n in w2_sizes for row in run_w2(n, repeat)]
    if "W3" in args.workloads:
        results["W3"] = [row for n in w3_sizes for row in run_w3(n, repeat)]
    results["machine"]["load_after"] = _load()
    results["targets"] = check_targets(results)
    print(json.dumps(results, indent=1) if args.json else report(results))
    return results


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available on this system
        return "unknown"


if __name__ == "__main__":
    main()
