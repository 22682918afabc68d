"""A tiny GPT made of Values: trained one name at a time, then drawn and explained.

    python -m demos.gpt
    python -m demos.gpt --steps 300 --quick

A character-level transformer written the way people write them over a micrograd-style
``Value``: plain functions over lists (``linear``, ``rmsnorm``, ``softmax``, ``attention``,
``mlp``, ``add``, ``embed``, ``gpt``, ``cross_entropy``), the builtin ``sum``, ``.data`` read for
softmax's max-shift. One layer, 4 heads, 16 wide: token and position embeddings, RMSNorm, multi-head causal attention,
a ReLU MLP block, softmax cross-entropy, Adam, trained on one name per step from
demos/data/names.txt (32,032 US first names, public domain). It prints the loss every 100
steps and 20 names sampled from the trained model, and writes into --out:

- gpt_loss.png: the loss per step and its running mean;
- gpt_step_collapse1.svg, gpt_step_collapse2.svg: the last training step's graph, built
  inside ``autograd.function_scopes()``, so every call of these functions is a scope:
  collapse=1 draws one box per call of ``gpt`` (and ``cross_entropy``), collapse=2 opens each
  into its ``embed``, ``rmsnorm``, ``attention``, ``add``, ``mlp`` and ``linear`` calls;
- gpt_summary.txt: ``autograd.summary`` of that step's graph (nodes by op and scope...);
- gpt_explain.txt: ``explain(loss, w, top=5)``, the five paths that carry most of one
  attention weight's gradient.

>>> params = init_params(vocab_size=3, block_size=4, seed=0)
>>> logits = gpt(0, 0, [[]], [[]], params)
>>> len(logits), len(parameters(params))
(3, 3232)
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path

import autograd
from autograd import Value

from . import _common

NAMES = Path(__file__).resolve().parent / "data" / "names.txt"
N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
HEAD_DIM = N_EMBD // N_HEAD


# -- the model: plain functions over lists of Values --------------------------------------


def matrix(n_out: int, n_in: int, rng: random.Random, std: float = 0.08) -> list[list[Value]]:
    return [[Value(rng.gauss(0, std)) for _ in range(n_in)] for _ in range(n_out)]


def init_params(vocab_size: int, block_size: int = BLOCK_SIZE, seed: int = 0) -> dict:
    rng = random.Random(seed)
    params = {"wte": matrix(vocab_size, N_EMBD, rng), "wpe": matrix(block_size, N_EMBD, rng)}
    for i in range(N_LAYER):
        for name in ("wq", "wk", "wv", "wo"):
            params[f"layer{i}.attn.{name}"] = matrix(N_EMBD, N_EMBD, rng)
        params[f"layer{i}.mlp.fc1"] = matrix(4 * N_EMBD, N_EMBD, rng)
        params[f"layer{i}.mlp.fc2"] = matrix(N_EMBD, 4 * N_EMBD, rng)
    params["lm_head"] = matrix(vocab_size, N_EMBD, rng)
    for p in parameters(params):
        p.role = "param"  # so summary counts them and draw colours them
    return params


def parameters(params: dict) -> list[Value]:
    return [p for mat in params.values() for row in mat for p in row]


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits):
    top = max(v.data for v in logits)  # the max-shift: a number, not part of the graph
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def attention(x, keys, values, params, layer):
    """Multi-head causal attention of this position over itself and the ones before it."""
    q = linear(x, params[f"layer{layer}.attn.wq"])
    keys.append(linear(x, params[f"layer{layer}.attn.wk"]))
    values.append(linear(x, params[f"layer{layer}.attn.wv"]))
    out = []
    for h in range(N_HEAD):
        s = slice(h * HEAD_DIM, (h + 1) * HEAD_DIM)
        q_h = q[s]
        scores = [sum(a * b for a, b in zip(q_h, k[s])) / HEAD_DIM ** 0.5 for k in keys]
        weights = softmax(scores)
        out += [sum(w * v[s][j] for w, v in zip(weights, values)) for j in range(HEAD_DIM)]
    return linear(out, params[f"layer{layer}.attn.wo"])


def mlp(x, params, layer):
    hidden = [h.relu() for h in linear(x, params[f"layer{layer}.mlp.fc1"])]
    return linear(hidden, params[f"layer{layer}.mlp.fc2"])


def add(xs, ys):
    return [x + y for x, y in zip(xs, ys)]


def embed(token: int, pos: int, params: dict):
    return add(params["wte"][token], params["wpe"][pos])


def gpt(token: int, pos: int, keys: list, values: list, params: dict) -> list[Value]:
    """The logits of the next character after ``token`` at position ``pos``.

    ``keys``/``values`` hold, per layer, those of the positions before (the cache grows
    by one per call). Every op is made inside one of the helpers, so a drawing collapsed
    one level into ``gpt`` shows them as boxes.
    """
    x = rmsnorm(embed(token, pos, params))
    for layer in range(N_LAYER):
        x = add(attention(rmsnorm(x), keys[layer], values[layer], params, layer), x)  # residual
        x = add(mlp(rmsnorm(x), params, layer), x)
    return linear(x, params["lm_head"])


# -- data, training, sampling -------------------------------------------------------------


def load_names(path: Path = NAMES) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Vocab:
    """Characters to token ids; id 0 is BOS/EOS, the boundary of a name."""

    def __init__(self, names: Sequence[str]) -> None:
        self.chars = sorted(set("".join(names)))
        self.ids = {c: i + 1 for i, c in enumerate(self.chars)}
        self.size = len(self.chars) + 1

    def encode(self, name: str) -> list[int]:
        return [0] + [self.ids[c] for c in name] + [0]

    def decode(self, ids) -> str:
        return "".join(self.chars[i - 1] for i in ids)


def cross_entropy(logits, target: int):
    return -softmax(logits)[target].log()


def document_loss(tokens: list[int], params: dict):
    """The mean cross-entropy of predicting each next token of one name (BOS name EOS)."""
    n = min(BLOCK_SIZE, len(tokens) - 1)
    keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
    losses = []
    for pos in range(n):
        losses.append(cross_entropy(gpt(tokens[pos], pos, keys, values, params), tokens[pos + 1]))
    return (1 / n) * sum(losses)


def train(names, vocab, params, steps: int, *, lr: float = 0.01, quiet: bool = False, look=None):
    """Adam on one name per step, the learning rate decaying linearly to 0.

    The last step's forward pass runs inside ``function_scopes``, so its graph has a scope
    per call of ``gpt``, ``softmax``...; ``look(loss, tokens, seconds)`` is then called
    after its backward, before its update (``seconds``: the CPU time of its forward). (The forward
    is written out here, not as a call of ``document_loss``: inside the block that call would be
    one scope holding everything.)
    """
    ps = parameters(params)
    beta1, beta2, eps = 0.85, 0.99, 1e-8
    m, v = [0.0] * len(ps), [0.0] * len(ps)
    history = []
    bar = _common.progress(range(steps), desc="gpt", quiet=quiet)
    for step in bar:
        tokens = vocab.encode(names[step % len(names)])
        looking = look is not None and step == steps - 1
        started = time.process_time()
        with autograd.function_scopes() if looking else contextlib.nullcontext():
            n = min(BLOCK_SIZE, len(tokens) - 1)
            keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
            losses = []
            for pos in range(n):
                losses.append(cross_entropy(gpt(tokens[pos], pos, keys, values, params), tokens[pos + 1]))
            loss = (1 / n) * sum(losses)
        forward_seconds = time.process_time() - started
        loss.backward()
        if looking:
            look(loss, tokens, forward_seconds)
        lr_t = lr * (1 - step / steps)
        for i, p in enumerate(ps):
            g = p.grad
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g ** 2
            m_hat = m[i] / (1 - beta1 ** (step + 1))
            v_hat = v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat ** 0.5 + eps)
            p.grad = 0
        history.append(loss.data)
        if (step + 1) % 100 == 0 or step + 1 == steps:
            recent = history[-100:]
            print(f"step {step + 1:5d}/{steps}  loss {loss.data:.4f}  "
                  f"(mean of the last {len(recent)}: {sum(recent) / len(recent):.4f})", flush=True)
        bar.set_postfix(loss=f"{loss.data:.3f}")
    return history


def sample(params, vocab, n: int, rng: random.Random, temperature: float = 0.5) -> list[str]:
    out = []
    with autograd.no_grad():
        for _ in range(n):
            keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
            token, ids = 0, []
            for pos in range(BLOCK_SIZE):
                probs = softmax([logit / temperature for logit in gpt(token, pos, keys, values, params)])
                token = rng.choices(range(vocab.size), weights=[p.data for p in probs])[0]
                if token == 0:
                    break
                ids.append(token)
            out.append(vocab.decode(ids))
    return out


# -- pictures and text ---------------------------------------------------------------------


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` atomically (a temporary name in the same folder, then a rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def plot_loss(plt, history, path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.plot(range(1, len(history) + 1), history, color="tab:blue", alpha=0.3, lw=0.8, label="loss of the step's name")
    window = min(100, len(history))
    running = [sum(history[max(0, i - window + 1):i + 1]) / len(history[max(0, i - window + 1):i + 1])
               for i in range(len(history))]
    ax.plot(range(1, len(history) + 1), running, color="tab:blue", lw=2, label=f"mean of the last {window}")
    ax.axhline(math.log(27), color="0.5", ls=":", label="log 27: a uniform guess")
    ax.set_xlabel("step (one name each, Adam)")
    ax.set_ylabel("cross-entropy per character")
    ax.set_title("A 1-layer, 4-head, 16-wide GPT of Values learning names")
    ax.legend(fontsize=8)
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _common.make_parser(__doc__.split("\n\n")[0], steps=(1000, 5))
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    parser.add_argument("--samples", type=int, default=None, help="names to sample (default 20, or 3 with --quick)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()

    names = load_names()
    random.Random(args.seed).shuffle(names)
    vocab = Vocab(names)
    if args.quick:  # short names make small graphs: seconds, drawings included
        names = [name for name in names if len(name) <= 3]
    params = init_params(vocab.size, seed=args.seed)
    wq = params["layer0.attn.wq"][0][0]
    wq.label = "wq[0][0]"  # the attention weight whose gradient is explained
    print(f"{len(names):,} names, {vocab.size} tokens, {len(parameters(params)):,} parameters")

    files = {key: args.out / name for key, name in (
        ("loss", "gpt_loss.png"), ("c1", "gpt_step_collapse1.svg"), ("c2", "gpt_step_collapse2.svg"),
        ("summary", "gpt_summary.txt"), ("explain", "gpt_explain.txt"))}
    seen = {}

    def look(loss, tokens, scoped_seconds):
        watch = _common.Stopwatch()
        loss.label = "loss"
        seen["nodes"] = nodes = len(autograd.topological_order(loss))
        # What function_scopes cost: the same forward again, outside the block (best of 2).
        plain = []
        for _ in range(2):
            started = time.process_time()
            document_loss(tokens, params)
            plain.append(time.process_time() - started)
        seen["scopes"] = (f"{scoped_seconds / nodes * 1e6:.1f} µs per node inside the block, "
                          f"{min(plain) / nodes * 1e6:.1f} outside ({scoped_seconds / min(plain):.1f}x, CPU time)")
        seen["name"] = names[(args.steps - 1) % len(names)]
        _common.save_graph(loss, files["c1"], collapse=1)
        _common.save_graph(loss, files["c2"], collapse=2)
        report = autograd.summary(loss)
        write_text(files["summary"], f"One training step on {seen['name']!r}\n\n{report}\n")
        why = autograd.explain(loss, wq, top=5)
        write_text(files["explain"], f"{why}\n")
        seen["look"] = watch.seconds()

    # The engine makes no reference cycles: pausing the cyclic collector while training
    # saves it scanning each step's graph again and again (about half the time).
    with autograd.fast_training():
        history = train(names, vocab, params, args.steps, lr=args.lr, quiet=args.quick, look=look)
    train_time = clock.seconds()
    n_samples = args.samples if args.samples is not None else (3 if args.quick else 20)
    print(f"\n{n_samples} names sampled from the model (temperature 0.5):")
    for name in sample(params, vocab, n_samples, random.Random(args.seed + 1)):
        print(f"  {name}")
    plot_loss(_common.pyplot(), history, files["loss"])

    recent = history[-100:]
    _common.summary("gpt", [
        ("steps", f"{args.steps}"),
        ("first loss", f"{history[0]:.4f}"),
        ("mean loss, last 100 steps", f"{sum(recent) / len(recent):.4f}"),
        ("nodes in the drawn step", f"{seen['nodes']:,} ({seen['name']!r})"),
        ("function_scopes forward", seen["scopes"]),
        ("training time", f"{train_time - seen['look']:.1f} s"),
        ("drawing, summary, explain", f"{seen['look']:.1f} s"),
        ("time", f"{clock.seconds():.1f} s"),
    ], list(files.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
