"""The step-through pages' size and first paint, here or side by side with another tree.

    python -m demos.page_sizes                         # this tree's pages: characters and first paint
    python -m demos.page_sizes --base /path/to/tree    # the same pages built by another checkout too

Four pages, built the same way in every tree (only ``Value``, ``sum``, ``function_scopes``,
``nn.MLP`` and ``html`` are used, which every version since the step page has):

- ``neuron``: micrograd's neuron, ``o = tanh(x1·w1 + x2·w2 + b)``, ``html(o)``;
- ``mlp``: a 2-4-4-1 tanh ``nn.MLP(seed=0)``'s squared error on two samples, ``html(loss)``;
- ``mlp_collapse1``: the same, ``html(loss, collapse=1)``;
- ``gpt``: one step of a functional microgpt (``_microgpt_loss``: 1 layer, 8 wide, 2 heads,
  the name "al"), its functions made scopes by ``function_scopes``, ``html(loss, collapse=1)``.

Each tree builds its pages in a process of its own (``PYTHONPATH`` set to the tree, this
file run by its path); one headless Chromium then opens every page in turn, ``repeat``
times round (the trees taking turns to go first), and reads the first paint
(``performance.getEntriesByType("paint")``, ms from navigation): the median is reported,
so trees compared share the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PAGES = ("neuron", "mlp", "mlp_collapse1", "gpt")
# The graphs are built here, not imported from tests/examples.py or tests/microgpt_script.py
# (whose neuron, MLP and microgpt functions these repeat): an older checkout measured with
# --base has neither, and each tree must build the very same graphs.
HERE = Path(__file__).resolve()


def _neuron():
    from autograd import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def _mlp():
    import autograd
    from nn import MLP

    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    outs: list[Any] = [model(x) for x in ([2.0, 3.0], [3.0, -1.0])]
    preds = [p[0] if isinstance(p, list) else p for p in outs]
    loss = autograd.sum([(p - y) ** 2 for p, y in zip(preds, (1.0, -1.0))])
    loss.label = "loss"
    return loss


def _microgpt_loss():
    """One training step's loss of Karpathy's functional microgpt (tests/microgpt_script.py's
    functions), 1 layer, 8 wide, 2 heads, on the name "al"; ~7,500 Values."""
    from autograd import Value, function_scopes

    rng = random.Random(42)
    chars = "abcdefghijklmnopqrstuvwxyz"
    vocab, n_embd, n_head, block = len(chars) + 1, 8, 2, 8
    head_dim = n_embd // n_head

    def matrix(nout, nin):
        return [[Value(rng.gauss(0, 0.08)) for _ in range(nin)] for _ in range(nout)]

    sd = {"wte": matrix(vocab, n_embd), "wpe": matrix(block, n_embd), "wq": matrix(n_embd, n_embd),
          "wk": matrix(n_embd, n_embd), "wv": matrix(n_embd, n_embd), "wo": matrix(n_embd, n_embd),
          "fc1": matrix(4 * n_embd, n_embd), "fc2": matrix(n_embd, 4 * n_embd), "lm_head": matrix(vocab, n_embd)}

    def linear(x, w):
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits):
        top = max(v.data for v in logits)
        exps = [(v - top).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x):
        scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token, pos, keys, values):
        x = rmsnorm([t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])])
        residual = x
        x = rmsnorm(x)
        q, k, v = linear(x, sd["wq"]), linear(x, sd["wk"]), linear(x, sd["wv"])
        keys.append(k)
        values.append(v)
        heads: list[Any] = []
        for h in range(0, n_embd, head_dim):
            logits = [sum(q[h + j] * kt[h + j] for j in range(head_dim)) / head_dim ** 0.5 for kt in keys]
            weights = softmax(logits)
            heads.extend(sum(weights[t] * values[t][h + j] for t in range(len(keys))) for j in range(head_dim))
        x = [a + b for a, b in zip(linear(heads, sd["wo"]), residual)]
        residual = x
        x = [xi.relu() for xi in linear(rmsnorm(x), sd["fc1"])]
        return linear([a + b for a, b in zip(linear(x, sd["fc2"]), residual)], sd["lm_head"])

    tokens = [vocab - 1] + [chars.index(c) for c in "al"] + [vocab - 1]
    with function_scopes():
        keys: list = []
        values: list = []
        losses = []
        for pos in range(len(tokens) - 1):
            probs = softmax(gpt(tokens[pos], pos, keys, values))
            losses.append(-probs[tokens[pos + 1]].log())
        loss = (1 / len(losses)) * sum(losses)
    loss.label = "loss"
    return loss


def build(folder: Path) -> dict[str, int]:
    """Make the four pages with the ``autograd`` this process imports, save them in
    ``folder`` and return their sizes in characters (and the GPT step's Value count)."""
    import autograd

    roots: dict[str, tuple[Any, dict[str, Any]]] = {
        "neuron": (_neuron(), {}), "mlp": (_mlp(), {}), "mlp_collapse1": (_mlp(), {"collapse": 1}),
        "gpt": (_microgpt_loss(), {"collapse": 1})}
    sizes = {}
    for name, (root, options) in roots.items():
        page = autograd.html(root, **options)
        (folder / f"{name}.html").write_text(str(page), encoding="utf-8")
        sizes[name] = len(str(page))
    sizes["gpt_values"] = len(autograd.topological_order(roots["gpt"][0]))
    return sizes


def _build_in(tree: Path, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(HERE), "--build", str(folder)], env=env, cwd=tree,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"building the pages in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def first_paints(folders: list[Path], repeat: int = 9) -> list[dict[str, float]]:
    """Median first paint (ms) of each folder's pages, opened in turn ``repeat`` times round."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(HERE.parent.parent))
    from tests.browser import ARGS, chromium_path

    times: list[dict[str, list[float]]] = [{name: [] for name in PAGES} for _ in folders]
    profile = tempfile.mkdtemp(prefix="chainrule-sizes-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium_path(), args=ARGS)
        for round_ in range(repeat):
            for name in PAGES:
                # The trees take turns going first: a page opened right after another's
                # tab closes paints a few ms later (seen with one tree measured twice).
                turn = list(enumerate(folders))
                for k, folder in (turn if round_ % 2 == 0 else turn[::-1]):
                    tab = context.new_page()  # a fresh tab: paint entries are a document's first only
                    tab.set_viewport_size({"width": 1300, "height": 820})
                    tab.goto((folder / f"{name}.html").as_uri())
                    tab.wait_for_load_state("load")
                    # Paint entries arrive after load, once the frame is painted: wait for them.
                    first = tab.evaluate("new Promise(done => new PerformanceObserver((list, seen) => {"
                                         " const e = performance.getEntriesByName('first-paint');"
                                         " if (e.length) { seen.disconnect(); done(e[0].startTime); }"
                                         " }).observe({type: 'paint', buffered: true}))")
                    times[k][name].append(first)
                    tab.close()
        context.close()
    return [{name: round(statistics.median(ts), 1) for name, ts in t.items()} for t in times]


def measure(trees: list[Path], repeat: int = 9) -> list[dict[str, float]]:
    """Each tree's page sizes and median first paints: ``{page: characters, page_paint_ms: ms}``."""
    with tempfile.TemporaryDirectory() as out:
        folders = [Path(out) / f"tree{k}" for k in range(len(trees))]
        sizes = [_build_in(tree, folder) for tree, folder in zip(trees, folders)]
        paints = first_paints(folders, repeat)
    return [{**s, **{f"{name}_paint_ms": ms for name, ms in p.items()}} for s, p in zip(sizes, paints)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.page_sizes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="another checkout to measure side by side")
    parser.add_argument("--repeat", type=int, default=9, help="first paints per page (the median is shown)")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # one tree's pages, in its own process
    args = parser.parse_args(argv)
    if args.build:
        print(json.dumps(build(args.build)))
        return 0
    trees = [HERE.parent.parent] + ([args.base.resolve()] if args.base else [])
    results = measure(trees, args.repeat)
    heads = ["this tree"] + ([str(args.base)] if args.base else [])
    print(f"{'page':<16}" + "".join(f"{h[-24:]:>26}" for h in heads))
    for name in PAGES:
        print(f"{name:<16}" + "".join(f"{r[name]:>14,} ch {r[name + '_paint_ms']:>7} ms" for r in results))
    print(f"(the GPT step has {results[0]['gpt_values']:,} Values; first paint: median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
