"""``Neuron``, ``Layer``, ``MLP``: micrograd's three classes, with choices of activation and init.

Defaults are micrograd's (ReLU hidden layers, a linear output layer, weights drawn from
uniform(-1, 1) by the ``random`` module, bias 0), so its demo runs unchanged:

>>> import random; random.seed(1337)
>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1])
>>> score = model([2.0, -1.0])         # one output neuron: a Value, not a list
>>> score.op, len(model.parameters())
('dot', 337)

A neuron's pre-activation ``w·x + b`` is one ``dot`` node: the bias is the weight of a
constant input 1 (``dot([w0, w1, b], [x0, x1, 1])``), the classic bias trick. That is one
node per neuron instead of a chain of adds, and a drawing shows ``b`` entering the same
node as the weights. A layer makes that constant once per call and shares it among its
neurons. Each call runs inside ``autograd.scope`` ("mlp" > "layer0" > "neuron3"), and the
parameters are made inside the same scopes, so drawings cluster them, and
``draw(out, collapse=d)`` folds the whole model (d=1), each layer (2) or each neuron (3)
into a box. Inputs converted from numbers stay outside: they are data, not model.

Why ``layers.0.neurons.3.w.1``: the scope names and parameter labels are for pictures
(short), the dotted names (``named_parameters``) are paths you can follow in code.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import autograd
from autograd import Value, dot, scope
from autograd.scopes import enter_scope, exit_scope

from .module import Module

Activation = str | Callable[[Value], Value] | None

# name -> the function applied to the pre-activation (None: identity, no node at all).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

# Functions that are one of the named activations, so a model built with them can be saved.
_KNOWN_FUNCTIONS = {
    Value.relu: "relu", autograd.relu: "relu",
    Value.tanh: "tanh", autograd.tanh: "tanh",
    Value.sigmoid: "sigmoid", autograd.sigmoid: "sigmoid",
}

# init name -> draw(rng, fan_in, fan_out) for one weight. Biases always start at 0.
INITS: dict[str, Callable[[Any, int, int], float]] = {
    # micrograd's: uniform(-1, 1) whatever the layer size.
    "uniform": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0),
    # Glorot & Bengio 2010: keeps the variance of activations and gradients about equal
    # through tanh/sigmoid layers: uniform(-a, a), a = sqrt(6 / (fan_in + fan_out)).
    "xavier": lambda rng, fan_in, fan_out: rng.uniform(
        -math.sqrt(6.0 / (fan_in + fan_out)), math.sqrt(6.0 / (fan_in + fan_out))),
    # He et al. 2015: ReLU zeroes half its inputs, so double the variance: N(0, 2 / fan_in).
    "he": lambda rng, fan_in, fan_out: rng.gauss(0.0, math.sqrt(2.0 / fan_in)),
}


def activation_named(activation: Activation) -> tuple[str | Callable, Callable[[Value], Value] | None]:
    """(name or the callable itself, function to apply) for an ``activation`` argument.

    >>> activation_named("tanh")[0], activation_named(None)[0], activation_named(autograd.relu)[0]
    ('tanh', 'linear', 'relu')
    """
    if activation is None:
        return "linear", None
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation: unknown name {activation!r}; use one of "
                f"{', '.join(ACTIVATIONS)}, or pass a function of a Value")
        return activation, ACTIVATIONS[activation]
    if callable(activation):
        name = _KNOWN_FUNCTIONS.get(activation)
        return (name, ACTIVATIONS[name]) if name else (activation, activation)
    raise TypeError(
        f"activation: expected a name ({', '.join(ACTIVATIONS)}) or a function of a Value, "
        f"got {type(activation).__name__} {activation!r}")


def make_rng(seed: int | None = None, rng: Any = None) -> Any:
    """The random source for init: ``random.Random(seed)``, ``rng``, or the ``random`` module.

    Without either, weights come from the global ``random`` module as in micrograd, so
    ``random.seed(1337)`` reproduces micrograd's own weights draw for draw.
    """
    if seed is not None and rng is not None:
        raise ValueError("init: give seed or rng, not both")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"init: seed must be an int, got {type(seed).__name__} {seed!r}")
        return random.Random(seed)
    if rng is not None:
        if not (hasattr(rng, "uniform") and hasattr(rng, "gauss")):
            raise TypeError(
                f"init: rng must be like random.Random (uniform and gauss methods), "
                f"got {type(rng).__name__}")
        return rng
    return random


def _check_size(value: object, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {value!r}")
    return value


def _check_init(init: object, where: str) -> str:
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"{where}: unknown init {init!r}; use one of {', '.join(INITS)}")
    return init


def as_inputs(x: object, nin: int, where: str) -> list[Value]:
    """``x`` as a list of ``nin`` Values: numbers become constant leaves, Values stay.

    A model converts its input once here, so a plain float costs one node per model call,
    not one per neuron. A single number is accepted when ``nin`` is 1.
    """
    if nin == 1 and (isinstance(x, (Value, numbers.Real))):
        x = [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{where}: expected a list of {nin} numbers or Values, got {type(x).__name__} {x!r}")
    xs = list(x)
    if len(xs) != nin:
        raise ValueError(f"{where}: expected {nin} input{'s' if nin > 1 else ''}, got {len(xs)}")
    out = []
    for i, v in enumerate(xs):
        if not isinstance(v, Value):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{where}: input {i} must be a number or a Value, got {type(v).__name__} {v!r}")
            try:
                v = Value(float(v), label=f"x{i}")  # named, so drawings show which input
            except OverflowError:
                raise ValueError(f"{where}: input {i} is an int too large for a float (past "
                                 "1.8e308); scale the inputs") from None
        out.append(v)
    return out


def _activation_repr(name: str | Callable) -> str:
    return name if isinstance(name, str) else getattr(name, "__name__", repr(name))


def _saveable(name: str | Callable, where: str) -> str:
    if isinstance(name, str):
        return name
    raise ValueError(
        f"{where}: cannot save a model with the custom activation {_activation_repr(name)!r}; "
        f"only {', '.join(ACTIVATIONS)} can be saved (rebuild it with one of those to save)")


class Neuron(Module):
    """``act(w·x + b)``: ``nin`` weights and a bias.

    >>> n = Neuron(3, activation="tanh", seed=0)
    >>> y = n([1.0, 2.0, 3.0])
    >>> y.op, [p.label for p in n.parameters()]
    ('tanh', ['w0', 'w1', 'w2', 'b'])
    """

    def __init__(
        self,
        nin: int,
        activation: Activation = "relu",
        init: str = "uniform",
        seed: int | None = None,
        rng: Any = None,
        *,
        fan_out: int = 1,
        name: str = "neuron",
    ) -> None:
        self.nin = _check_size(nin, "nin", "Neuron")
        self.activation, self._act = activation_named(activation)
        self.init = _check_init(init, "Neuron")
        self.name = name  # the drawing scope of its nodes
        rng = make_rng(seed, rng)
        draw = INITS[init]
        with scope(name):  # parameters live in the scope their neuron's nodes will have
            self.w = [Value(draw(rng, nin, fan_out), label=f"w{i}") for i in range(nin)]
            self.b = Value(0.0, label="b")
        for p in self.w:
            p.role = "param"
        self.b.role = "param"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        xs1 = as_inputs(x, self.nin, self.short_repr()) + [Value(1.0)]
        return self.forward(xs1, [v.data for v in xs1])

    def forward(self, xs1: list[Value], data1: list[float]) -> Value:
        """The neuron on inputs already checked: ``xs1`` the inputs as Values followed by
        the constant 1 that multiplies ``b``, ``data1`` their numbers (a layer reads them
        once for all its neurons)."""
        # The scope entered without a ``with``: the same nodes and scope, cheaper, which
        # counts at one call per neuron per example.
        token = enter_scope(self.name)
        try:
            out = dot(self.w + [self.b], xs1, data1)
            return out if self._act is None else self._act(out)
        finally:
            exit_scope(token)

    def extra_repr(self) -> str:
        return f"{self.nin}, {_activation_repr(self.activation)}"

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": _saveable(self.activation, "Neuron.save"), "init": self.init}

    @classmethod
    def count_parameters(cls, config: Mapping[str, Any]) -> int | None:
        return _check_size(config.get("nin"), "nin", "Neuron") + 1


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of ``nout`` Values.

    A layer always returns a list (micrograd's returns a bare Value for one neuron, which
    is why its ``MLP(2, [16, 1, 1])`` fails); ``MLP`` unwraps a single final output.

    >>> layer = Layer(2, 3, seed=0)
    >>> [v.op for v in layer([1.0, -1.0])], len(Layer(2, 1, seed=0)([1.0, -1.0]))
    (['relu', 'relu', 'relu'], 1)
    """

    _repr_children = False

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        init: str = "uniform",
        seed: int | None = None,
        rng: Any = None,
        *,
        name: str = "layer",
    ) -> None:
        self.nin = _check_size(nin, "nin", "Layer")
        self.nout = _check_size(nout, "nout", "Layer")
        self.activation, _ = activation_named(activation)
        self.init = _check_init(init, "Layer")
        self.name = name
        rng = make_rng(seed, rng)
        with scope(name):
            self.neurons = [
                Neuron(nin, activation, init, rng=rng, fan_out=nout, name=f"neuron{j}")
                for j in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return self.forward(as_inputs(x, self.nin, self.short_repr()))

    def forward(self, xs: list[Value]) -> list[Value]:
        """The layer on inputs already checked and made Values (``__call__`` does that)."""
        with scope(self.name):
            # One constant 1 per call, shared by the neurons: the input their bias multiplies.
            xs1 = xs + [Value(1.0)]
            data1 = [v.data for v in xs1]  # read once here, not once per neuron
            return [n.forward(xs1, data1) for n in self.neurons]

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, {_activation_repr(self.activation)}"

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout,
                "activation": _saveable(self.activation, "Layer.save"), "init": self.init}

    @classmethod
    def count_parameters(cls, config: Mapping[str, Any]) -> int | None:
        nin = _check_size(config.get("nin"), "nin", "Layer")
        return _check_size(config.get("nout"), "nout", "Layer") * (nin + 1)


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ``activation`` between, ``output_activation`` last.

    Called on a list of numbers or Values, it returns a Value when the last layer has one
    neuron, else a list. Hidden layers of width 1 work.

    >>> model = MLP(3, [4, 1, 2], seed=0)
    >>> out = model([1.0, 2.0, 3.0])
    >>> len(out), model.num_parameters()
    (2, 25)
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "relu",
        output_activation: Activation = "linear",
        init: str = "uniform",
        seed: int | None = None,
        rng: Any = None,
        *,
        name: str = "mlp",
    ) -> None:
        self.nin = _check_size(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"MLP: nouts must be a list of layer sizes such as [16, 16, 1], got {nouts!r}")
        self.nouts = [_check_size(n, "each layer size in nouts", "MLP") for n in nouts]
        if not self.nouts:
            raise ValueError("MLP: nouts must list at least one layer size, e.g. [16, 16, 1]")
        self.activation, _ = activation_named(activation)
        self.output_activation, _ = activation_named(output_activation)
        self.init = _check_init(init, "MLP")
        self.name = name
        rng = make_rng(seed, rng)  # one source for every layer: the seed fixes them all
        sizes = [nin] + self.nouts
        last = len(self.nouts) - 1
        with scope(name):
            self.layers = [
                Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation,
                      init, rng=rng, name=f"layer{i}")
                for i in range(len(self.nouts))]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        xs = as_inputs(x, self.nin, self.short_repr())  # outside the scope: inputs are data
        with scope(self.name):
            for layer in self.layers:
                xs = layer.forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def short_repr(self) -> str:
        return f"MLP({self.nin} -> {self.nouts})"

    def to_torch(self) -> Any:
        """This model as a ``torch.nn.Sequential`` with float64 weights (see ``nn.torch``)."""
        from .torch import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP with the layers and weights of a ``torch.nn.Sequential`` (see ``nn.torch``)."""
        from .torch import from_torch

        return from_torch(module, cls)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": list(self.nouts),
                "activation": _saveable(self.activation, "MLP.save"),
                "output_activation": _saveable(self.output_activation, "MLP.save"),
                "init": self.init}

    @classmethod
    def count_parameters(cls, config: Mapping[str, Any]) -> int | None:
        nouts = config.get("nouts")
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [_check_size(config.get("nin"), "nin", "MLP")]
        sizes += [_check_size(n, "each layer size in nouts", "MLP") for n in nouts]
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

