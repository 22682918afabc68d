"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(6.8813735870195432, label="b")
>>> y = (x * w + b).tanh(); y.backward()
>>> round(y.data, 4), round(x.grad, 4), round(w.grad, 4)
(0.7071, -1.5, 1.0)
"""

from . import files, ops
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .functions import abs, cos, exp, leaky_relu, log, relu, sigmoid, sin, sqrt, tanh
from .graph import Node, backward, fast_training, gradients, topological_order, zero_grad
from .mode import current_scope, detect_anomaly, enable_grad, enter_scope, exit_scope, is_grad_enabled, no_grad, scope
from .ops import OPS, Op, defop
from .scopes import function_scopes

# Trace one sample's graph, replay it over batches (numpy when installed).
from .tracing import Traced, TraceError, trace
from .value import Value, apply, dot, sum

# Seeing backprop: the views subpackage, built on the engine above.
from .views import DotNotFoundError, Explanation, GraphTooLargeError, draw, explain, html, render, summary, tree
from .views.page import Page, shell as page_shell  # the one page machinery: replay pages too

__all__ = [
    "Value", "Node", "sum", "dot", "apply", "enter_scope", "exit_scope",
    "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "sin", "cos", "abs",
    "backward", "gradients", "zero_grad", "topological_order", "fast_training",
    "grad", "value_and_grad", "gradcheck", "GradcheckError", "trace", "Traced", "TraceError",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "scope", "current_scope", "function_scopes",
    "files", "ops", "OPS", "Op", "defop",
    "draw", "render", "explain", "tree", "summary", "Explanation", "DotNotFoundError", "GraphTooLargeError",
    "html", "Page", "page_shell",
]
__version__ = "0.1.0"
