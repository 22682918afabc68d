"""To PyTorch and back: an ``MLP`` as a ``torch.nn.Sequential`` of float64 layers, and one read back.

When a model outgrows a scalar engine, the same architecture and weights continue in
PyTorch: ``model.to_torch()`` gives ``Linear`` layers (float64, ``weight[j, i]`` is neuron
j's ``w[i]``, ``bias[j]`` its ``b``) with ``ReLU``/``Tanh``/``Sigmoid`` between them, whose
outputs equal the model's to rounding; ``nn.MLP.from_torch(module)`` reads such a
``Sequential`` back. torch is an optional extra (``pip install torch``); it is imported
only when these are called.

This module reads models through their public attributes (``layers``, ``neurons``, ``w``,
``b``, ``activation``) and builds them through the class it is given, so it imports
nothing from ``nn`` itself.
"""

from __future__ import annotations

from typing import Any

# activation name -> the torch.nn class name that computes it, and back.
_TO_TORCH = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": None}
_FROM_TORCH = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Identity": "linear"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch/from_torch need PyTorch: pip install torch "
                          "(the CPU build is enough)") from None
    return torch


def to_torch(model: Any) -> Any:
    """``model`` (an ``nn.MLP``) as a ``torch.nn.Sequential`` with float64 weights copied."""
    torch = _torch()
    layers: list = []
    for k, layer in enumerate(model.layers):
        name = layer.activation
        if not isinstance(name, str) or name not in _TO_TORCH:
            raise ValueError(
                f"to_torch: layer {k} has the custom activation {getattr(name, '__name__', name)!r}; "
                f"only {', '.join(_TO_TORCH)} have a torch module (rebuild the model with one)")
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons],
                                             dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers.append(linear)
        torch_name = _TO_TORCH[name]
        if torch_name is not None:
            layers.append(getattr(torch.nn, torch_name)())
    return torch.nn.Sequential(*layers)


def from_torch(module: Any, cls: type) -> Any:
    """An ``cls`` (``nn.MLP``) with the architecture and weights of ``module``: a
    ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at most one of ReLU,
    Tanh, Sigmoid or Identity; every hidden layer with the same activation."""
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential of Linear layers and "
                        f"activations, got {type(module).__name__}")
    linears: list = []
    activations: list[str] = []
    for i, part in enumerate(module):
        kind = type(part).__name__
        if isinstance(part, torch.nn.Linear):
            if part.bias is None:
                raise ValueError(f"from_torch: Linear layer at position {i} has no bias; "
                                 "nn's neurons always have one (make it with bias=True)")
            linears.append(part)
            activations.append("linear")
        elif kind in _FROM_TORCH and linears and activations[-1] == "linear" and len(activations) == len(linears):
            activations[-1] = _FROM_TORCH[kind]
        else:
            raise ValueError(
                f"from_torch: cannot read module {i} ({kind}); expected Linear layers, each "
                f"followed by at most one of {', '.join(_FROM_TORCH)}")
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    for a, b in zip(linears, linears[1:]):
        if a.out_features != b.in_features:
            raise ValueError(f"from_torch: a layer of {a.out_features} outputs feeds one of "
                             f"{b.in_features} inputs")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: the hidden layers use different activations {sorted(hidden)}; "
                         "nn.MLP has one activation for all hidden layers")
    model = cls(linears[0].in_features, [lin.out_features for lin in linears],
                activation=hidden.pop() if hidden else "relu", output_activation=activations[-1])
    for layer, linear in zip(model.layers, linears):
        weight = linear.weight.detach().to(torch.float64).tolist()
        bias = linear.bias.detach().to(torch.float64).tolist()
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for w, x in zip(neuron.w, row):
                w.data = float(x)
            neuron.b.data = float(b)
    return model
