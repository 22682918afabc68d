"""A transformer of Values, written the traceable way: ``Embedding``, ``Linear``, ``RMSNorm``,
``CausalSelfAttention``, ``Block``, ``GPT`` and ``sequence_loss``.

Plain modules of ``Value``s, as micrograd-style GPTs are written, with three choices that
let ``autograd.trace`` record them and replay them at numpy speed:

- a token id chooses an embedding row through ``autograd.pick``, so the id may be a traced
  input (an int works too: then the row's parameters are used directly);
- a linear layer is one ``dot`` node per output (not a chain of ``+``), which the numpy
  replay turns into one matrix product per layer;
- softmax and cross-entropy use ``autograd.logsumexp``, whose stabilising max lives inside
  the op: no ``.data`` is read, so nothing in the graph depends on one sample's numbers.

Every call runs inside ``autograd.scope`` (``gpt`` > ``layer0`` > ``attn``...), so drawings
fold the model into boxes.

>>> model = GPT(vocab_size=5, block_size=4, n_embd=8, n_head=2, seed=0)
>>> loss = model.loss([0, 3, 1, 0])            # predict 3 after 0, 1 after 3, 0 after 1
>>> loss.op, model.num_parameters()
('mul', 880)
>>> loss.backward(); model.lm_head.w[0][0].grad != 0.0
True
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

import autograd
from autograd import Value, dot, logsumexp, pick, scope

from .module import Module


def _gauss_matrix(rows: int, cols: int, rng: random.Random, std: float) -> list[list[Value]]:
    # Unlabelled here: the model labels each with its path once it is whole (``GPT``).
    m = [[Value(rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]
    for row in m:
        for p in row:
            p.role = "param"
    return m


def _rng(seed: int | None, rng: random.Random | None) -> random.Random:
    if seed is not None and rng is not None:
        raise ValueError("init: give seed or rng, not both")
    return rng if rng is not None else random.Random(seed)


class Embedding(Module):
    """A table of ``num`` rows of ``dim`` parameters; ``embedding(token)`` is row ``token``.

    With an int the row's parameters themselves are returned (no nodes); with a Value (a
    traced token id) each entry is one ``pick`` node choosing from its column, so each
    sample of a replay reads its own row.

    >>> e = Embedding(3, 2, seed=0)
    >>> e(1) == e.w[1], [v.op for v in e(Value(1.0))], [v.data for v in e(Value(1.0))] == [p.data for p in e.w[1]]
    (True, ['pick', 'pick'], True)
    """

    def __init__(self, num: int, dim: int, *, std: float = 0.08, seed: int | None = None,
                 rng: random.Random | None = None, name: str = "embedding") -> None:
        self.num, self.dim, self.std, self.name = num, dim, std, name
        self.w = _gauss_matrix(num, dim, _rng(seed, rng), std)

    def __call__(self, token: int | Value) -> list[Value]:
        if isinstance(token, Value):
            with scope(self.name):
                return pick(token, self.w)
        if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < self.num:
            raise ValueError(f"{self.short_repr()}: the token must be an int from 0 to {self.num - 1} "
                             f"or a Value holding one, got {token!r}")
        return self.w[token]

    def extra_repr(self) -> str:
        return f"{self.num}, {self.dim}"

    def config(self) -> dict[str, Any]:
        return {"num": self.num, "dim": self.dim, "std": self.std}


class Linear(Module):
    """``nout`` outputs, each one ``dot`` node over the ``nin`` inputs (and a bias, if any).

    >>> lin = Linear(3, 2, seed=0)
    >>> [v.op for v in lin([1.0, 2.0, 3.0])], lin.num_parameters()
    (['dot', 'dot'], 6)
    """

    def __init__(self, nin: int, nout: int, *, bias: bool = False, std: float = 0.08,
                 seed: int | None = None, rng: random.Random | None = None, name: str = "linear") -> None:
        self.nin, self.nout, self.bias, self.std, self.name = nin, nout, bias, std, name
        self.w = _gauss_matrix(nout, nin, _rng(seed, rng), std)
        self.b = [Value(0.0) for _ in range(nout)] if bias else []
        for p in self.b:
            p.role = "param"

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        xs = [v if isinstance(v, Value) else Value(float(v)) for v in x]
        if len(xs) != self.nin:
            raise ValueError(f"{self.short_repr()}: expected {self.nin} inputs, got {len(xs)}")
        with scope(self.name):
            if self.bias:  # the bias trick: b is the weight of a constant input 1
                xs = xs + [Value(1.0, label="1")]
                rows = [row + [b] for row, b in zip(self.w, self.b)]
            else:
                rows = self.w
            # The inputs' numbers read once for every row (as nn.Layer does); the engine's
            # dot then reads only each row's weights.
            data = [v.data for v in xs]
            return [dot(row, xs, data) for row in rows]

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}{', bias' if self.bias else ''}"

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "bias": self.bias, "std": self.std}


def rmsnorm(x: Sequence[Value], eps: float = 1e-5) -> list[Value]:
    """x / sqrt(mean(x²) + eps), the mean of squares as one ``dot`` of x with itself."""
    xs = list(x)
    scale = (dot(xs, xs) * (1.0 / len(xs)) + eps) ** -0.5
    return [v * scale for v in xs]


class RMSNorm(Module):
    """``rmsnorm`` as a module (no parameters, as in microgpt).

    >>> [round(v.data, 4) for v in RMSNorm(2)([Value(3.0), Value(4.0)])]
    [0.8485, 1.1314]
    """

    def __init__(self, dim: int, *, eps: float = 1e-5, name: str = "rmsnorm") -> None:
        self.dim, self.eps, self.name = dim, eps, name

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        with scope(self.name):
            return rmsnorm(x, self.eps)

    def extra_repr(self) -> str:
        return f"{self.dim}"

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim, "eps": self.eps}


class CausalSelfAttention(Module):
    """Multi-head attention of each position over itself and the positions before it.

    Called on a whole sequence (a list of vectors), it returns one vector per position. Each
    head's scores are ``dot(q, k) / sqrt(head_dim)``, its weights ``autograd.softmax`` of
    them, and each output entry one ``dot`` of the weights with the values.
    """

    def __init__(self, n_embd: int, n_head: int, *, std: float = 0.08, seed: int | None = None,
                 rng: random.Random | None = None, name: str = "attn") -> None:
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        rng = _rng(seed, rng)
        self.n_embd, self.n_head, self.name = n_embd, n_head, name
        self.wq, self.wk, self.wv, self.wo = (
            Linear(n_embd, n_embd, std=std, rng=rng, name=f"{name}.{w}") for w in ("wq", "wk", "wv", "wo"))

    def __call__(self, xs: Sequence[Sequence[Value]]) -> list[list[Value]]:
        hd = self.n_embd // self.n_head
        scale = 1.0 / math.sqrt(hd)
        with scope(self.name):
            qs, ks, vs = [self.wq(x) for x in xs], [self.wk(x) for x in xs], [self.wv(x) for x in xs]
            outs = []
            for t, q in enumerate(qs):
                out: list[Value] = []
                for h in range(self.n_head):
                    s = slice(h * hd, (h + 1) * hd)
                    scores = [dot(q[s], k[s]) * scale for k in ks[:t + 1]]
                    weights = autograd.softmax(scores)
                    out += [dot(weights, [v[h * hd + j] for v in vs[:t + 1]]) for j in range(hd)]
                outs.append(self.wo(out))
            return outs

    def extra_repr(self) -> str:
        return f"{self.n_embd}, heads={self.n_head}"


class Block(Module):
    """RMSNorm, attention and a residual; RMSNorm, a ReLU MLP (4x wide) and a residual."""

    def __init__(self, n_embd: int, n_head: int, *, std: float = 0.08, seed: int | None = None,
                 rng: random.Random | None = None, name: str = "layer") -> None:
        rng = _rng(seed, rng)
        self.name = name
        self.attn = CausalSelfAttention(n_embd, n_head, std=std, rng=rng)
        self.fc1 = Linear(n_embd, 4 * n_embd, std=std, rng=rng, name="fc1")
        self.fc2 = Linear(4 * n_embd, n_embd, std=std, rng=rng, name="fc2")

    def __call__(self, xs: Sequence[Sequence[Value]]) -> list[list[Value]]:
        with scope(self.name):
            attended = self.attn([rmsnorm(x) for x in xs])
            xs = [[a + b for a, b in zip(y, x)] for y, x in zip(attended, xs)]
            with scope("mlp"):
                outs = []
                for x in xs:
                    hidden = [h.relu() for h in self.fc1(rmsnorm(x))]
                    outs.append([a + b for a, b in zip(self.fc2(hidden), x)])
            return outs


class GPT(Module):
    """A character-level GPT: token and position embeddings, ``n_layer`` blocks, a head.

    ``model(tokens)`` gives each position's logits for the next token; ``model.loss(tokens)``
    the mean cross-entropy of predicting ``tokens[1:]`` from ``tokens[:-1]``. Tokens are
    ints, or Values holding ints (traced inputs, one list per document).
    """

    def __init__(self, vocab_size: int, block_size: int, n_embd: int = 16, n_head: int = 4,
                 n_layer: int = 1, *, std: float = 0.08, seed: int | None = None,
                 rng: random.Random | None = None) -> None:
        rng = _rng(seed, rng)
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_embd, self.n_head, self.n_layer, self.std = n_embd, n_head, n_layer, std
        self.wte = Embedding(vocab_size, n_embd, std=std, rng=rng, name="wte")
        self.wpe = Embedding(block_size, n_embd, std=std, rng=rng, name="wpe")
        self.layers = [Block(n_embd, n_head, std=std, rng=rng, name=f"layer{i}") for i in range(n_layer)]
        self.lm_head = Linear(n_embd, vocab_size, std=std, rng=rng, name="lm_head")
        label_parameters(self)

    def __call__(self, tokens: Sequence[int | Value]) -> list[list[Value]]:
        if not 0 < len(tokens) <= self.block_size:
            raise ValueError(f"GPT: expected 1 to {self.block_size} tokens, got {len(tokens)}")
        with scope("gpt"):
            with scope("embed"):
                xs = [rmsnorm([a + b for a, b in zip(self.wte(t), self.wpe(pos))]) for pos, t in enumerate(tokens)]
            for layer in self.layers:
                xs = layer(xs)
            return [self.lm_head(x) for x in xs]

    def loss(self, tokens: Sequence[int | Value], weights: Sequence[float | Value] | None = None) -> Value:
        """The mean cross-entropy of each next token (``tokens`` holds inputs then the last target).

        With ``weights`` (one per position) it is ``Σ weights[t] · cross-entropy[t]`` over
        ``len(weights)`` positions instead: a document padded to a longer length with weights
        ``1/n`` on its ``n`` real positions and 0 on the padding has the same loss and
        gradients (attention is causal: padding after a position never reaches it). So one
        trace serves every shorter length (see ``pad``)."""
        n = min(self.block_size, len(tokens) - 1) if weights is None else len(weights)
        return sequence_loss(self(tokens[:n]), tokens[1:n + 1], weights)

    def extra_repr(self) -> str:
        return (f"vocab={self.vocab_size}, block={self.block_size}, n_embd={self.n_embd}, "
                f"heads={self.n_head}, layers={self.n_layer}")

    def config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "block_size": self.block_size, "n_embd": self.n_embd,
                "n_head": self.n_head, "n_layer": self.n_layer, "std": self.std}

    @classmethod
    def count_parameters(cls, config: Mapping[str, Any]) -> int | None:
        v, b, d, n = (int(config.get(k, 0)) for k in ("vocab_size", "block_size", "n_embd", "n_layer"))
        return v * d + b * d + n * 12 * d * d + d * v


def label_parameters(model: Module) -> None:
    """Label each unlabelled parameter of ``model`` with its path, list positions in
    brackets (``layers.0.attn.wq.w[3][5]``): captions, panels and explains then name
    what a step handed each parameter, and drawings still thin a model's many parameters
    into one node (a parameter labelled by a dotted path is one of many).

    >>> m = GPT(vocab_size=3, block_size=2, n_embd=4, n_head=1, seed=0)
    >>> m.wte.w[2][1].label, m.layers[0].fc1.w[0][3].label
    ('wte.w[2][1]', 'layers.0.fc1.w[0][3]')
    """
    for name, p in model.named_parameters():
        if not p.label:
            p.label = _BRACKETS.sub(lambda m: "".join(f"[{k}]" for k in m.group(0).split(".")[1:]), name)


# The trailing list positions of a parameter's path ('.3.5' of 'wte.w.3.5').
_BRACKETS = re.compile(r"(\.\d+)+$")


def cross_entropy(logits: Sequence[Value], target: int | Value) -> Value:
    """``logsumexp(logits) - logits[target]``: -log softmax(logits)[target], without overflow."""
    logits = list(logits)
    return logsumexp(logits) - pick(target, logits)


def sequence_loss(logits: Sequence[Sequence[Value]], targets: Sequence[int | Value],
                  weights: Sequence[float | Value] | None = None) -> Value:
    """The mean over positions of ``cross_entropy(logits[t], targets[t])``, or with
    ``weights`` their weighted sum (one ``dot``; weights may be traced inputs: a mask).

    >>> l = sequence_loss([[Value(0.0), Value(0.0)]], [1])
    >>> round(l.data, 6)   # log 2
    0.693147
    """
    if len(logits) != len(targets) or not logits:
        raise ValueError(f"sequence_loss: {len(logits)} positions of logits and {len(targets)} targets; "
                         "give one target per position")
    if weights is not None and len(weights) != len(logits):
        raise ValueError(f"sequence_loss: {len(weights)} weights for {len(logits)} positions; give one each")
    with scope("loss"):
        terms = [cross_entropy(z, t) for z, t in zip(logits, targets)]
        if weights is not None:
            return dot(list(weights), terms)
        return (1.0 / len(logits)) * autograd.sum(terms)


def pad(tokens: Sequence[int], length: int) -> tuple[list[int], list[float]]:
    """``tokens`` (inputs, then the last target) padded to ``length`` positions with token 0,
    and the weights that make ``GPT.loss(padded, weights)`` the unpadded document's mean.

    >>> pad([0, 5, 0], 4)
    ([0, 5, 0, 0, 0], [0.5, 0.5, 0.0, 0.0])
    """
    n = len(tokens) - 1
    if not 0 < n <= length:
        raise ValueError(f"pad: a document of {n} positions does not fit {length}")
    return list(tokens) + [0] * (length - n), [1.0 / n] * n + [0.0] * (length - n)
