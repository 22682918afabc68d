"""Code written for micrograd-style engines runs unchanged on ``autograd.Value``.

The transformer below is written the way such code is written: ``Value(data)``, ``+ - * /
**`` with floats on either side, ``.log() .exp() .relu()``, the builtin ``sum`` starting
from 0, ``-x``, ``.data`` read for softmax's max-shift, ``p.grad = 0`` (an int) to reset,
``p.data -= ...`` to update. It is run twice, once on a small reference engine written
here (each op's local derivatives, a topological sort without recursion) and once on
chainrule's ``Value``; the losses and every parameter's gradient must agree to 1e-12
relative over 20 training steps of Adam.
"""

from __future__ import annotations

import math
import os
import random
import re
from pathlib import Path

import autograd


class RefValue:
    """The reference: one number, its parents and the local derivative to each."""

    __slots__ = ("data", "grad", "_parents", "_locals")

    def __init__(self, data, parents=(), locals_=()):
        self.data = data
        self.grad = 0
        self._parents = parents
        self._locals = locals_

    def __add__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return RefValue(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return RefValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        e = math.exp(self.data)
        return RefValue(e, (self,), (e,))

    def relu(self):
        return RefValue(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # post-order, without recursion
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._parents)
        self.grad = 1
        for node in reversed(order):
            for parent, local in zip(node._parents, node._locals):
                parent.grad += local * node.grad


# -- a transformer, written once, run on either engine ---------------------------------

N_EMBD, N_HEAD, BLOCK = 8, 2, 8
HEAD = N_EMBD // N_HEAD


def make_model(Value, vocab, seed):
    rng = random.Random(seed)

    def matrix(n_out, n_in):
        return [[Value(rng.gauss(0, 0.3)) for _ in range(n_in)] for _ in range(n_out)]

    return {"wte": matrix(vocab, N_EMBD), "wpe": matrix(BLOCK, N_EMBD), "wq": matrix(N_EMBD, N_EMBD),
            "wk": matrix(N_EMBD, N_EMBD), "wv": matrix(N_EMBD, N_EMBD), "wo": matrix(N_EMBD, N_EMBD),
            "fc1": matrix(2 * N_EMBD, N_EMBD), "fc2": matrix(N_EMBD, 2 * N_EMBD), "head": matrix(vocab, N_EMBD)}


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    return [xi * (ms + 1e-5) ** -0.5 for xi in x]


def forward(sd, token, pos, keys, values):
    x = rmsnorm([t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])])
    h = rmsnorm(x)
    q = linear(h, sd["wq"])
    keys.append(linear(h, sd["wk"]))
    values.append(linear(h, sd["wv"]))
    out = []
    for head in range(N_HEAD):
        s = slice(head * HEAD, (head + 1) * HEAD)
        weights = softmax([sum(a * b for a, b in zip(q[s], k[s])) / HEAD ** 0.5 for k in keys])
        out += [sum(w * v[s][j] for w, v in zip(weights, values)) for j in range(HEAD)]
    x = [a + b for a, b in zip(linear(out, sd["wo"]), x)]
    hidden = [v.relu() for v in linear(rmsnorm(x), sd["fc1"])]
    x = [a + b for a, b in zip(linear(hidden, sd["fc2"]), x)]
    return linear(x, sd["head"])


def train(Value, docs, steps=20):
    chars = sorted(set("".join(docs)))
    sd = make_model(Value, len(chars) + 1, seed=1)
    params = [p for m in sd.values() for row in m for p in row]
    m, v = [0.0] * len(params), [0.0] * len(params)
    losses, grads = [], []
    for step in range(steps):
        tokens = [0] + [chars.index(c) + 1 for c in docs[step % len(docs)]] + [0]
        n = min(BLOCK, len(tokens) - 1)
        keys, values, terms = [], [], []
        for pos in range(n):
            probs = softmax(forward(sd, tokens[pos], pos, keys, values))
            terms.append(-probs[tokens[pos + 1]].log())
        loss = (1 / n) * sum(terms)
        loss.backward()
        losses.append(loss.data)
        grads.append([p.grad for p in params])
        for i, p in enumerate(params):
            m[i] = 0.85 * m[i] + 0.15 * p.grad
            v[i] = 0.99 * v[i] + 0.01 * p.grad ** 2
            p.data -= 0.01 * (m[i] / (1 - 0.85 ** (step + 1))) / ((v[i] / (1 - 0.99 ** (step + 1))) ** 0.5 + 1e-8)
            p.grad = 0
    return losses, grads


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-300


def test_a_micrograd_style_transformer_gives_the_reference_numbers():
    docs = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia"]
    ref_losses, ref_grads = train(RefValue, docs)
    our_losses, our_grads = train(autograd.Value, docs)
    assert all(math.isfinite(x) for x in our_losses)
    assert our_losses[-1] < our_losses[0]  # it trains
    bad_losses = [(i, a, b) for i, (a, b) in enumerate(zip(our_losses, ref_losses)) if not close(a, b)]
    assert not bad_losses, bad_losses[:3]
    n_checked = 0
    for step, (ours, ref) in enumerate(zip(our_grads, ref_grads)):
        assert all(isinstance(g, float) or g == 0 for g in ours)
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, ref)) if not close(a, b)]
        assert not bad, f"step {step}: {len(bad)} gradients differ, e.g. {bad[:3]}"
        n_checked += len(ours)
    assert n_checked == 20 * len(our_grads[0]) and any(g != 0 for g in our_grads[-1])


# -- docs/microgpt.md: the changes that run a microgpt-style script on chainrule, then traced --

SCRIPT = Path(__file__).resolve().parent / "microgpt_script.py"
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "microgpt.md"


def diff_blocks(markdown: str) -> list[list[str]]:
    """The ```diff blocks of the guide, as their lines."""
    return [block.split("\n") for block in re.findall(r"```diff\n(.*?)```", markdown, re.S)]


def apply_diff(text: str, diff: list[str]) -> str:
    """Apply a unified diff's hunks (``@@`` separates them; context ' ', removed '-', added
    '+'): each hunk's old lines must occur exactly once in ``text``."""
    hunks, hunk = [], []
    for line in diff:
        if line.startswith("@@"):
            hunks.append(hunk)
            hunk = []
        elif line:
            hunk.append(line)
        else:
            hunk.append(" ")  # a blank context line
    hunks.append(hunk)
    for hunk in filter(None, hunks):
        old = "\n".join(line[1:] for line in hunk if line[0] in " -") + "\n"
        new = "\n".join(line[1:] for line in hunk if line[0] in " +") + "\n"
        assert text.count(old) == 1, f"the guide's hunk does not match the script once:\n{old}"
        text = text.replace(old, new)
    return text


def on_chainrule(script: str) -> str:
    """The guide's step 1: the script's Value class replaced by chainrule's."""
    start = script.index("\nclass Value:\n")
    end = script.index("\n\n\n", script.index("    def backward(self):", start))
    return script[:start] + "\nfrom autograd import Value\n" + script[end:]


def run_script(source: str, folder: Path, steps: int) -> tuple[list[float], list[str]]:
    """Run the script for ``steps`` steps on ``folder``'s input.txt: each step's loss (the
    printed one, at full precision) and the sampled names."""
    source = source.replace("num_steps = 1000", f"num_steps = {steps}")
    source = source.replace("{loss.data:.4f}", "{loss.data!r}").replace("{loss:.4f}", "{loss!r}")
    printed: list[str] = []
    namespace = {"__name__": "__microgpt__", "print": lambda *args, **kw: printed.append(" ".join(map(str, args)))}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        exec(compile(source, str(SCRIPT), "exec"), namespace)  # our test script, not user text
    finally:
        os.chdir(cwd)
    losses = [float(line.rsplit("loss ", 1)[1]) for line in printed if line.startswith("step ")]
    samples = [line for line in printed if line.startswith("sample ")]
    return losses, samples


def test_the_guides_changes_trace_a_microgpt_script_with_the_eager_losses(tmp_path):
    names = [line for line in (Path(__file__).resolve().parent.parent / "demos" / "data" / "names.txt")
             .read_text(encoding="utf-8").split("\n") if line][:200]
    (tmp_path / "input.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    first, second = diff_blocks(GUIDE.read_text(encoding="utf-8"))
    script = SCRIPT.read_text(encoding="utf-8")
    assert first[0] == "-class Value:" and first[-2] == "+from autograd import Value"
    eager = on_chainrule(script)
    traced = apply_diff(eager, second)
    assert "trace_cache(document_loss)" in traced and ".data for val" not in traced
    own_losses, own_samples = run_script(script, tmp_path, 12)
    eager_losses, eager_samples = run_script(eager, tmp_path, 12)
    traced_losses, traced_samples = run_script(traced, tmp_path, 12)
    assert len(traced_losses) == 12 and traced_losses[-1] < traced_losses[0]
    for ours in (eager_losses, traced_losses):
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(ours, own_losses)) if abs(a - b) > 1e-9 * abs(b)]
        assert not bad, bad[:3]
    # The same model after training: the samples drawn from it are the same names.
    assert own_samples == eager_samples == traced_samples and len(traced_samples) == 20
