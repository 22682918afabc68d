"""Time the step-through page against the picture on one GPT step, side by side in one process.

    python docs/page_timing.py [runs]

Builds a step of `demos.gpt`'s model over the first names of its data set, summed until
the graph has 60,000 nodes or more (a microgpt-sized step; the model's modules open
scopes, so `collapse=1` draws it as boxes), labels the attention weight `demos.gpt`
explains, then runs `render(loss, path,
collapse=1)` and `html(loss, collapse=1)` in turn `runs` times (default 5) and prints the
medians and their ratio, and how many times one `html` call walks the graph
(`topological_order`, the table, backward's own walk) and lays a picture out.
docs/performance.md quotes it.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import Counter

import autograd
from demos import gpt

WALKS = ("topological_order", "_clear_and_order", "table", "picture")


def main(runs: int = 5) -> None:
    names = gpt.load_names()
    vocab = gpt.Vocab(names)
    model = gpt.make_model(vocab.size, seed=0)
    model.layers[0].attn.wq.w[0][0].label = "wq[0][0]"  # as demos.gpt does: the page explains it
    losses = []
    for name in names:
        losses.append(model.loss(vocab.encode(name)))
        loss = autograd.sum(losses)
        if len(autograd.topological_order(loss)) >= 60_000:
            break
    loss.label = "loss"
    print(f"{len(autograd.topological_order(loss)):,} nodes")

    calls: Counter = Counter()

    def count(frame, event, arg):
        if event == "call" and frame.f_code.co_name in WALKS:
            calls[frame.f_code.co_name] += 1

    sys.setprofile(count)
    try:
        autograd.html(loss, collapse=1)
    finally:
        sys.setprofile(None)
    print("one html call:", ", ".join(f"{name} {calls[name]}" for name in WALKS))

    out = os.path.join(tempfile.mkdtemp(), "step.svg")
    render, page = [], []
    for _ in range(runs):
        started = time.perf_counter()
        autograd.render(loss, out, collapse=1)
        render.append(time.perf_counter() - started)
        started = time.perf_counter()
        autograd.html(loss, collapse=1)
        page.append(time.perf_counter() - started)
    r, h = statistics.median(render), statistics.median(page)
    print(f"render {r:.3f} s, html {h:.3f} s (medians of {runs}): html / render = {h / r:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
