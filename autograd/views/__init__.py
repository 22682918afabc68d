"""Seeing the graph: pictures (``draw``, ``render``), the chain rule in words
(``explain``) and as text (``tree``), and backprop played step by step as one offline
page (``html``, a ``Page``).

Views read nodes only through the node layer's public readers (``parents``,
``local_grads``, ``op``, ``label``...) and walks; they never build or change a graph.
"""

from .backprop import html
from .draw import DotNotFoundError, GraphTooLargeError, draw, render
from .explain import Explanation, explain
from .page import Page
from .summary import Summary, summary
from .text import number, tree

__all__ = ["draw", "render", "explain", "Explanation", "tree", "number", "summary", "Summary", "DotNotFoundError",
           "GraphTooLargeError", "Page", "html"]
