"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
>>> y = (x * w + b).tanh(); y.backward()
>>> round(y.data, 4), round(x.grad, 4), round(w.grad, 4)
(0.7071, -1.5, 1.0)
"""

import importlib
import os as _os
import warnings

# HIPS autograd (`pip install autograd`) installs into this same folder; installed after
# it, chainrule's files win but HIPS's stay beside them (and its users get this package).
if _os.path.exists(_os.path.join(_os.path.dirname(__file__), "differential_operators.py")):
    warnings.warn(
        f"autograd: {_os.path.dirname(__file__)} holds files of HIPS autograd too (both packages "
        "are named autograd, and pip installs one over the other); this is chainrule's. To fix: "
        "`pip uninstall autograd chainrule`, then install the one you want (each in its own "
        "virtual environment if you need both)", stacklevel=2)

from . import files as files, ops as ops  # documented submodules (see docs/engine.md, "API"), loaded with the package
from .collector import fast_training
from .derivatives import backward, gradients, zero_grad
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .functions import abs, cos, exp, leaky_relu, log, log_softmax, relu, sigmoid, sin, softmax, sqrt, tanh
from .graph import topological_order
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS, defop
from .scopes import current_scope, function_scopes, scope

# Trace one sample's graph, replay it over batches (numpy when installed).
from .tracing import TraceError, trace, trace_cache
from .value import Value, apply, dot, logsumexp, pick, sum

# Seeing backprop: the views subpackage, built on the engine above.
from .views import DotNotFoundError, GraphTooLargeError, draw, explain, html, render, summary, tree

# What users call. Everything else lives in a documented submodule (docs/engine.md, "API").
__all__ = [
    "Value", "sum", "dot", "pick", "logsumexp", "softmax", "log_softmax", "apply",
    "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "sin", "cos", "abs",
    "backward", "gradients", "zero_grad", "topological_order", "fast_training",
    "grad", "value_and_grad", "gradcheck", "GradcheckError", "trace", "TraceError", "trace_cache",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "scope", "current_scope", "function_scopes",
    "OPS", "defop",
    "draw", "render", "explain", "tree", "summary", "html", "DotNotFoundError", "GraphTooLargeError",
]

# Names this package exported before they moved to the submodule that holds them: each
# still works, with a DeprecationWarning saying where to import it from.
MOVED = {
    "Node": ("autograd.graph", "Node"),
    "Op": ("autograd.ops", "Op"),
    "enter_scope": ("autograd.scopes", "enter_scope"),
    "exit_scope": ("autograd.scopes", "exit_scope"),
    "Traced": ("autograd.tracing", "Traced"),
    "Explanation": ("autograd.views", "Explanation"),
    "Page": ("autograd.views", "Page"),
    "page_shell": ("autograd.views.page", "shell"),
}


def __getattr__(name: str):
    if name in MOVED:
        module, attr = MOVED[name]
        warnings.warn(f"autograd.{name} moved: use {module}.{attr} (from {module} import {attr})",
                      DeprecationWarning, stacklevel=2)
        # Kept once asked for: ``from autograd import Page`` asks twice (the import
        # system's hasattr, then the import itself), and one warning says it.
        value = globals()[name] = getattr(importlib.import_module(module), attr)
        return value
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__version__ = "0.1.0"
