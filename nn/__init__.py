"""chainrule's neural-network library: a thin layer over ``autograd.Value``.

The public API, all importable from ``nn``:

- Modules (``nn.layers``, ``nn.module``): ``Module`` (``parameters``, ``named_parameters``,
  ``zero_grad``, ``state_dict``, ``load_state_dict``, ``save``, ``load_state``),
  ``Neuron(nin, activation)``, ``Layer(nin, nout, activation)``, ``MLP(nin, nouts)``;
  activations "relu", "tanh", "sigmoid", "linear" or any function of a Value; init
  "uniform" (micrograd's), "xavier", "he"; ``seed=`` or ``rng=`` for reproducible weights.
- Losses (``nn.losses``): ``mse``, ``hinge``, ``binary_cross_entropy`` (on logits),
  ``cross_entropy`` (softmax, on logits), ``l2_penalty``.
- Optimizers (``nn.optim``): ``SGD(params, lr, momentum, weight_decay)``,
  ``Adam(params, lr, betas, eps)``; ``linear_decay`` (any ``step -> lr`` function works).
- Data (``nn.data``): ``make_moons``, ``make_circles``, ``make_spirals``, ``make_xor``,
  ``train_test_split``, ``batches``.
- Training (``nn.train``): ``fit`` (a loop for demos), ``accuracy``.
- Watching it (the ``nn.watching`` subpackage): ``Recorder(model)`` keeps snapshots of the
  parameters, gradients and loss; ``fit(..., watch=True)`` shows them live in Jupyter and
  ``recorder.html(path)`` writes an offline replay page. (``nn.record``, ``nn.panels``,
  ``nn.replay``, ``nn.watch`` and ``nn.progress`` moved there; the old paths still work,
  with a ``DeprecationWarning``.)
- Files (``nn.io``): ``save(model, path)``, ``load(path)``, ``LoadError``.
- Sequence models (``nn.transformer``): ``Embedding``, ``Linear``, ``RMSNorm``,
  ``CausalSelfAttention``, ``Block``, ``GPT``, ``sequence_loss``, ``pad``: a GPT of Values
  written so ``autograd.trace`` records it (token ids chosen by ``pick``, softmax by
  ``logsumexp``, one ``dot`` per output).

micrograd's demo runs with ``from nn import MLP``:

>>> import random; random.seed(1337)
>>> from autograd import Value
>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1])
>>> loss = (1 + -1 * model([Value(0.5), Value(-0.2)])).relu()
>>> model.zero_grad(); loss.backward()
>>> for p in model.parameters():
...     p.data -= 0.1 * p.grad
"""

try:
    from . import data, losses, optim, transformer, watching
    from .data import batches, make_circles, make_moons, make_spirals, make_xor, train_test_split
    from .io import LoadError, load, save
    from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
    from .losses import binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse
    from .module import Module
    from .optim import SGD, Adam, Optimizer, linear_decay
    from .train import accuracy, fit
    from .watching import Recorder
except ImportError as error:  # another package named autograd (HIPS's) took the name?
    from .engine import explained

    raise explained(error) from None


def __getattr__(name: str):
    # nn.record and the other modules that moved into nn.watching, as attributes of nn.
    if f"nn.{name}" in watching.MOVED:
        return watching.moved_module(f"nn.{name}")
    raise AttributeError(f"module 'nn' has no attribute {name!r}")


__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS",
    "mse", "hinge", "binary_cross_entropy", "cross_entropy", "l2_penalty",
    "Optimizer", "SGD", "Adam", "linear_decay",
    "make_moons", "make_circles", "make_spirals", "make_xor", "train_test_split", "batches",
    "fit", "accuracy", "Recorder",
    "save", "load", "LoadError",
    "data", "losses", "optim", "transformer", "watching",
]
