"""A tiny GPT of Values, trained one name per step (traced by default), then drawn and explained.

    python -m demos.gpt                   # traced: recorded twice (8 and 16 positions), replayed with numpy
    python -m demos.gpt --eager           # the same model, seed and names, the eager engine
    python -m demos.gpt --batch 8         # 8 names a step, the mean of their losses
    python -m demos.gpt --steps 300 --quick

The model is ``nn.transformer.GPT``: a character-level transformer written as plain modules
of Values (one layer, 4 heads, 16 wide: token and position embeddings, RMSNorm, multi-head
causal attention, a ReLU MLP block, a softmax cross-entropy through ``logsumexp``), trained
with Adam on one name per step from demos/data/names.txt (32,032 US first names, public
domain). Traced, each name is padded to 8 or 16 positions with a weight mask (the same loss
and gradients: attention is causal), the loss of each padded length is recorded once
(``autograd.trace_cache``: the token ids are traced inputs, chosen by ``autograd.pick``)
and replayed by numpy (``--buckets none`` traces each name length apart); between the
replay and Adam's update the parameters' numbers and gradients stay in ``nn.Adam``'s arrays
(``autograd.tracing.ParameterArrays``), and the Values get them back when something reads
one (sampling, drawing); ``--eager`` builds every step's graph. Both print the loss every 100
steps and end with one line ``steps=N seconds=T loss_last=L`` (T: the training's wall time,
tracing included; L: the last step's loss), equal to 1e-9 between the two. It writes into
--out:

- gpt_loss.png: the loss per step and its running mean;
- gpt_step_collapse1.svg, gpt_step_collapse2.svg: the last step's graph, built eagerly
  after training: collapse=1 draws the model (``gpt``) and the ``loss`` as boxes,
  collapse=2 opens them into the embeddings, the layer and the head;
- gpt_summary.txt: ``autograd.summary`` of that step's graph (nodes by op and scope...);
- gpt_explain.txt: ``explain(loss, w, top=5)``, the five paths that carry most of one
  attention weight's gradient.

>>> model = make_model(vocab_size=3, seed=0)
>>> len(model([0])[0]), model.num_parameters()
(3, 3424)
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path

import autograd
import nn
from nn.transformer import GPT, pad

from . import _common

NAMES = Path(__file__).resolve().parent / "data" / "names.txt"
N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
BUCKETS = (8, 16)  # traced: each name padded to one of these lengths (one trace each)


def make_model(vocab_size: int, seed: int = 0) -> GPT:
    return GPT(vocab_size, BLOCK_SIZE, N_EMBD, N_HEAD, N_LAYER, seed=seed)


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
        """BOS, the name's letters, EOS; cut to the model's block (its inputs and one target)."""
        return ([0] + [self.ids[c] for c in name] + [0])[:BLOCK_SIZE + 1]

    def decode(self, ids) -> str:
        return "".join(self.chars[i - 1] for i in ids)


def bucket_of(n: int, buckets: Sequence[int]) -> int:
    """The smallest bucket length that holds ``n`` positions."""
    return next(b for b in sorted(buckets) if b >= n)


def train(names, vocab, model: GPT, steps: int, *, lr: float = 0.01, eager: bool = False,
          quiet: bool = False, buckets: Sequence[int] = BUCKETS, batch: int = 1,
          timings: list[tuple[float, bool]] | None = None) -> list[float]:
    """Adam on ``batch`` names per step (the mean of their losses), the learning rate
    decaying linearly to 0; the losses.

    Traced, each name is padded to the shortest of ``buckets`` that holds it (with weight 0
    on the padding: the same loss and gradients), and ``trace_cache`` records ``model.loss``
    the first time a length comes, then replays that trace (numpy), once a step for all the
    step's names of that length; with no buckets each name length is traced apart. Eager,
    every step builds its graph and calls ``backward``. The same updates follow either way.
    ``timings`` receives (seconds, traced this step) for every step (the benchmark's steady
    state leaves out the steps that traced).
    """
    params = model.parameters()
    opt = nn.Adam(params, lr=lambda step: lr * (1 - step / steps), betas=(0.85, 0.99), eps=1e-8)
    loss_of = None if eager else autograd.trace_cache(model.loss)
    buckets = sorted(set(buckets) | {BLOCK_SIZE}) if buckets else []
    history = []
    bar = _common.progress(range(steps), desc="gpt", quiet=quiet)
    for step in bar:
        started, traces = time.perf_counter(), 0 if loss_of is None else len(loss_of.traces)
        docs = [vocab.encode(names[(step * batch + j) % len(names)]) for j in range(batch)]
        if loss_of is None:
            loss_value = model.loss(docs[0]) if batch == 1 else \
                autograd.sum([model.loss(doc) for doc in docs]) * (1.0 / batch)
            loss_value.backward()
            loss = loss_value.data
        elif batch == 1 and not buckets:
            loss = loss_of.batch(docs)  # one sample: its loss, gradients added to .grad
        else:  # grouped by padded length, each document's weights 1/(its length · batch)
            groups: dict[int, tuple[list, list]] = {}
            for doc in docs:
                n = len(doc) - 1
                padded, weights = pad(doc, bucket_of(n, buckets) if buckets else n)
                group = groups.setdefault(len(padded), ([], []))
                group[0].append(padded)
                group[1].append([w / batch for w in weights])
            loss = sum(loss_of.batch(tokens, weights, reduce="sum") for tokens, weights in groups.values())
        opt.step()
        opt.zero_grad()
        if timings is not None:
            timings.append((time.perf_counter() - started, loss_of is not None and len(loss_of.traces) > traces))
        history.append(loss)
        if (step + 1) % 100 == 0 or step + 1 == steps:
            recent = history[-100:]
            print(f"step {step + 1:5d}/{steps}  loss {loss:.4f}  "
                  f"(mean of the last {len(recent)}: {sum(recent) / len(recent):.4f})", flush=True)
        bar.set_postfix(loss=f"{loss:.3f}")
    return history


def sample(model: GPT, vocab, n: int, rng: random.Random, temperature: float = 0.5) -> list[str]:
    out = []
    with autograd.no_grad():
        for _ in range(n):
            tokens = [0]
            while len(tokens) <= BLOCK_SIZE:
                probs = autograd.softmax([logit / temperature for logit in model(tokens)[-1]])
                token = rng.choices(range(vocab.size), weights=[p.data for p in probs])[0]
                if token == 0:
                    break
                tokens.append(token)
            out.append(vocab.decode(tokens[1:]))
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
    parser.add_argument("--eager", action="store_true",
                        help="train with the eager engine instead of the traced replay (same numbers)")
    parser.add_argument("--buckets", type=str, default=",".join(map(str, BUCKETS)),
                        help="traced: pad names to these lengths, comma-separated; 'none' traces "
                             f"each length apart (default {','.join(map(str, BUCKETS))})")
    parser.add_argument("--batch", type=int, default=1,
                        help="names per step, the mean of their losses (default 1, as microgpt)")
    parser.add_argument("--samples", type=int, default=None, help="names to sample (default 20, or 3 with --quick)")
    args = _common.parse(parser, argv)
    clock = _common.Stopwatch()
    try:
        buckets = [] if args.buckets == "none" else [int(b) for b in args.buckets.split(",") if b]
    except ValueError:
        parser.error(f"--buckets: expected lengths like 8,16 or 'none', got {args.buckets!r}")
    if args.batch < 1:
        parser.error(f"--batch: expected a positive number of names, got {args.batch}")
    if any(not 0 < b <= BLOCK_SIZE for b in buckets):
        parser.error(f"--buckets: each length must be from 1 to {BLOCK_SIZE}, got {args.buckets!r}")

    names = load_names()
    random.Random(args.seed).shuffle(names)
    vocab = Vocab(names)
    if args.quick:  # short names make small graphs: seconds, drawings included
        names = [name for name in names if len(name) <= 3]
    model = make_model(vocab.size, seed=args.seed)
    wq = model.layers[0].attn.wq.w[0][0]
    wq.label = "wq[0][0]"  # the attention weight whose gradient is explained
    print(f"{len(names):,} names, {vocab.size} tokens, {model.num_parameters():,} parameters, "
          f"{'eager' if args.eager else 'traced'}")

    files = {key: args.out / name for key, name in (
        ("loss", "gpt_loss.png"), ("c1", "gpt_step_collapse1.svg"), ("c2", "gpt_step_collapse2.svg"),
        ("summary", "gpt_summary.txt"), ("explain", "gpt_explain.txt"))}

    # The engine makes no reference cycles: pausing the cyclic collector while training
    # saves it scanning each step's graph again and again.
    started, cpu_started = time.perf_counter(), time.process_time()
    with autograd.fast_training():
        history = train(names, vocab, model, args.steps, lr=args.lr, eager=args.eager, quiet=args.quick,
                        buckets=buckets, batch=args.batch)
    train_seconds = time.perf_counter() - started
    train_cpu = time.process_time() - cpu_started

    n_samples = args.samples if args.samples is not None else (3 if args.quick else 20)
    print(f"\n{n_samples} names sampled from the model (temperature 0.5):")
    for name in sample(model, vocab, n_samples, random.Random(args.seed + 1)):
        print(f"  {name}")

    # The last step's graph, built again eagerly (the traced run never builds one a step).
    watch = _common.Stopwatch()
    last_name = names[(args.steps * args.batch - 1) % len(names)]
    loss = model.loss(vocab.encode(last_name))
    loss.label = "loss"
    loss.backward()  # so the pictures show gradients (the model is not updated again)
    nodes = len(autograd.topological_order(loss))
    _common.save_graph(loss, files["c1"], collapse=1)
    _common.save_graph(loss, files["c2"], collapse=2)
    write_text(files["summary"], f"One training step on {last_name!r}\n\n{autograd.summary(loss)}\n")
    write_text(files["explain"], f"{autograd.explain(loss, wq, top=5)}\n")
    plot_loss(_common.pyplot(), history, files["loss"])

    recent = history[-100:]
    _common.summary("gpt", [
        ("steps", f"{args.steps} ({'eager' if args.eager else 'traced'})"),
        ("first loss", f"{history[0]:.4f}"),
        ("mean loss, last 100 steps", f"{sum(recent) / len(recent):.4f}"),
        ("nodes in the drawn step", f"{nodes:,} ({last_name!r})"),
        ("training time", f"{train_seconds:.1f} s ({train_cpu:.1f} s of CPU)"),
        ("drawing, summary, explain", f"{watch.seconds():.1f} s"),
        ("time", f"{clock.seconds():.1f} s"),
    ], list(files.values()))
    print(f"steps={args.steps} seconds={train_seconds:.3f} loss_last={history[-1]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
