"""The examples each ``chainrule`` command's ``--help`` shows, and how they are laid out.

>>> print(examples_text([("chainrule tree 'x*y' x=2 y=3", "the graph as text")]))
examples:
  chainrule tree 'x*y' x=2 y=3
      the graph as text
"""

from __future__ import annotations

import textwrap

# command -> [(a command line, what it does)]: what its --help shows; tests/test_cli.py runs them all.
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "grad": [
        ('chainrule grad "tanh(x*w + b)" x=2 w=-3 b=6.8814',
         "the value of micrograd's neuron and its gradient with respect to x, w and b"),
        ('chainrule grad "n = x*w + b; tanh(n)" x=2 w=-3 b=6.8814 --digits 3',
         "the same with a named part, to three significant digits"),
    ],
    "draw": [
        ('chainrule draw "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o neuron.svg --edge-labels',
         "the graph as a picture, each edge labelled with its local derivative"),
        ('chainrule draw "x*y + x" x=3 y=4 --rankdir TB',
         "the DOT source on stdout, top to bottom (pipe it to dot, or save it with -o graph.dot)"),
    ],
    "html": [
        ('chainrule html "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o neuron.html',
         "one offline page that steps backward node by node: open it in a browser, then use the arrow keys"),
        ('chainrule html "x*y + x" x=3 y=4 -o forward.html --forward',
         "the same, playing the forward pass first"),
    ],
    "explain": [
        ('chainrule explain "tanh(x*w + b)" --wrt x x=2 w=-3 b=6.8814',
         "d/dx written out as the chain rule along each path, with the numbers"),
        ('chainrule explain "x*y + x" x=3 y=4',
         "every variable in turn: x has two paths (through x*y and directly), and they add up"),
    ],
    "tree": [
        ('chainrule tree "tanh(x*w + b)" x=2 w=-3 b=6.8814',
         "the graph as an indented tree with data and grad, in the terminal"),
    ],
    "repl": [
        ("chainrule repl", "a Python console with Value, draw, explain, tree and the functions already imported"),
    ],
    "exercises": [
        ("chainrule exercises", "the exercises, easiest first, one line each"),
    ],
    "exercise": [
        ("chainrule exercise tanh-local", "the statement of an exercise"),
        ("chainrule exercise tanh-local --start tanh.py", "... and a file to start from, to fill in"),
    ],
    "check": [
        ("chainrule check tanh-local tanh.py",
         "check your file: exit 0 right, 1 wrong (with the node where it first differs), 2 the file cannot be used"),
    ],
}


def examples_text(examples: list[tuple[str, str]]) -> str:
    """The help's examples block: each command line, then what it does, indented under it."""
    lines = ["examples:"]
    for command, what in examples:
        lines += [f"  {command}", *textwrap.wrap(what, 76, initial_indent="      ", subsequent_indent="      ")]
    return "\n".join(lines)


def epilog(command: str) -> str:
    """The examples block of ``command``'s help (RawDescriptionHelpFormatter keeps its lines)."""
    return examples_text(EXAMPLES[command])


__all__ = ["EXAMPLES", "epilog", "examples_text"]
