"""The ``chainrule`` command: gradients, drawings and explanations from the shell.

    chainrule grad "tanh(x*w + b)" x=2 w=-3 b=6.8814
    chainrule draw "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o graph.svg --edge-labels
    chainrule html "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o neuron.html
    chainrule explain "tanh(x*w + b)" x=2 w=-3 b=6.8814 --wrt x
    chainrule tree "tanh(x*w + b)" x=2 w=-3 b=6.8814
    chainrule repl

Expressions are checked by ``autograd.cli.expr`` (never ``eval``). Exit status: 0 ok; 2 a bad
expression or bad arguments (a one-line message, then the expression with a caret under
the offending part); 1 anything else, such as graphviz's ``dot`` program missing.

>>> main(["grad", "x * y", "x=3", "y=4"])
x * y = 12
d/dx = 4
d/dy = 3
0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..views.draw import DEFAULT_MAX_NODES, FORMATS, DotNotFoundError, GraphTooLargeError, render
from .expr import FUNCTIONS, Evaluation, ExprError, Program, evaluate, parse
from ..views.explain import explain
from ..views.text import number, tree

PROG = "chainrule"


class _ArgumentError(Exception):
    """Bad command-line arguments (exit status 2), with the message to print."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="See backpropagation: gradients, graph drawings and chain-rule explanations "
                    "of a scalar expression.",
        epilog=f"Expressions use numbers, names, + - * / **, and the functions {', '.join(FUNCTIONS)}; "
               "parts can be named: \"n = x*w + b; tanh(n)\".")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("expression", help='e.g. "tanh(x*w + b)"')
        sub.add_argument("values", nargs="*", metavar="NAME=NUMBER", help="a value for each variable, e.g. x=2")
        return sub

    grad = command("grad", "print the value of the expression and its gradient with respect to each variable")
    grad.add_argument("--digits", type=int, default=6, help="significant digits (default 6)")

    draw = command("draw", "draw the graph with the values and gradients (DOT source on stdout without -o)")
    draw.add_argument("-o", "--output", metavar="FILE", help="picture to write: .svg, .png, .pdf or .dot")
    draw.add_argument("--edge-labels", action="store_true", help="write each local derivative on its edge")
    draw.add_argument("--rankdir", default="LR", choices=("LR", "RL", "TB", "BT"), help="direction (default LR)")
    draw.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")
    draw.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES,
                      help=f"refuse to draw more Values than this (default {DEFAULT_MAX_NODES})")

    page = command("html", "write one offline page that steps through backprop node by node")
    page.add_argument("-o", "--output", metavar="FILE", required=True, help="the page to write (.html)")
    page.add_argument("--edge-labels", action="store_true", help="write each local derivative on its edge")
    page.add_argument("--rankdir", default="LR", choices=("LR", "RL", "TB", "BT"), help="direction (default LR)")
    page.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")
    page.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES,
                      help=f"refuse to draw more Values than this (default {DEFAULT_MAX_NODES})")

    how = command("explain", "write out the chain rule for a derivative, path by path, with numbers")
    how.add_argument("--wrt", metavar="NAME", help="the variable (default: every variable in turn)")
    how.add_argument("--max-paths", type=int, default=10, help="paths written out (default 10)")
    how.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")

    text = command("tree", "print the graph as an indented tree (no graphviz needed)")
    text.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")

    commands.add_parser("repl", help="an interactive Python console with Value and these tools loaded",
                        description="an interactive Python console with Value and these tools loaded")
    return parser


def _values(items: list[str], program: Program) -> dict[str, float]:
    """NAME=NUMBER arguments, checked against what the expression needs."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise _ArgumentError(f"bad value {item!r}: write NAME=NUMBER, e.g. x=2")
        try:
            values[name] = float(text)
        except ValueError:
            raise _ArgumentError(f"bad value {item!r}: {text.strip()!r} is not a number") from None
        if name in program.assigned:
            raise _ArgumentError(f"{name} is computed by the expression ({name} = ...); do not give {item!r}")
        if name not in program.variables:
            known = ", ".join(program.variables) or "none"
            raise _ArgumentError(f"{item!r}: the expression has no variable {name} (its variables: {known})")
    return values


def _compute(args: argparse.Namespace) -> tuple[Program, Evaluation]:
    program = parse(args.expression)
    result = evaluate(program, _values(args.values, program))
    result.value.backward()
    return program, result


def _title(program: Program) -> str:
    """How to name the result: its assigned name, or the expression if it is short."""
    name, _ = program.steps[-1]
    if name is not None:
        return name
    text = " ".join(program.source.split())
    return text if len(text) <= 40 else "value"


def _grad(args: argparse.Namespace) -> int:
    program, result = _compute(args)
    print(f"{_title(program)} = {number(result.value.data, args.digits)}")
    for name, leaf in result.inputs.items():
        print(f"d/d{name} = {number(leaf.grad, args.digits)}")
    return 0


def _draw(args: argparse.Namespace) -> int:
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix not in FORMATS + ("gv",):
            raise _ArgumentError(f"-o {args.output}: cannot tell the format; end the file name in "
                                 ".svg, .png, .pdf or .dot")
    _, result = _compute(args)
    options = dict(edge_labels=args.edge_labels, rankdir=args.rankdir, digits=args.digits,
                   max_nodes=args.max_nodes)
    if not args.output:
        from ..views.draw import draw

        print(draw(result.value, **options).source, end="")
        return 0
    path = render(result.value, args.output, **options)
    print(f"wrote {path}")
    return 0


def _html(args: argparse.Namespace) -> int:
    from ..views.backprop import html

    if Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise _ArgumentError(f"-o {args.output}: a page's file name ends in .html")
    _, result = _compute(args)
    page = html(result.value, edge_labels=args.edge_labels, rankdir=args.rankdir, digits=args.digits,
                max_nodes=args.max_nodes)
    print(f"wrote {page.save(args.output)} ({len(page.steps) - 1} steps; open it in a browser)")
    return 0


def _explain(args: argparse.Namespace) -> int:
    program, result = _compute(args)
    known = dict(result.inputs)
    known.update(result.names)
    if args.wrt is not None and args.wrt not in known:
        raise _ArgumentError(f"--wrt {args.wrt}: not a variable or name of the expression "
                             f"(they are: {', '.join(known) or 'none'})")
    targets = [args.wrt] if args.wrt is not None else list(result.inputs)
    if not targets:
        print(f"{_title(program)} has no variables: nothing to differentiate")
    for i, name in enumerate(targets):
        if i:
            print()
        print(explain(result.value, known[name], max_paths=args.max_paths, digits=args.digits))
    return 0


def _tree(args: argparse.Namespace) -> int:
    _, result = _compute(args)
    print(tree(result.value, digits=args.digits))
    return 0


def _repl(args: argparse.Namespace) -> int:
    import code

    import autograd

    try:
        import readline  # noqa: F401 - line editing and history, where available
    except ImportError:
        pass
    namespace = {name: getattr(autograd, name) for name in autograd.__all__}
    namespace["autograd"] = autograd
    banner = (f"chainrule {autograd.__version__} REPL. Loaded: Value, draw, render, explain, tree, grad, "
              "scope, and the functions exp log sqrt tanh sigmoid relu sin cos ...\n"
              ">>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward(); explain(y, x)")
    code.interact(banner=banner, local=namespace, exitmsg="")
    return 0


_COMMANDS = {"grad": _grad, "draw": _draw, "html": _html, "explain": _explain, "tree": _tree, "repl": _repl}


_LONG_OPTIONS = ("--help", "--output", "--edge-labels", "--rankdir", "--digits", "--max-nodes",
                 "--wrt", "--max-paths")


def _is_option(arg: str, command: str) -> bool:
    """Whether argparse would read ``arg`` as one of our options (abbreviations included)."""
    if arg in ("-h", "--"):
        return True
    if command in ("draw", "html") and arg.startswith("-o") and not arg.startswith("--"):
        return True  # -o FILE or -oFILE
    name = arg.split("=", 1)[0]
    return len(name) > 2 and any(option.startswith(name) for option in _LONG_OPTIONS)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 1 other errors)."""
    for stream in (sys.stdout, sys.stderr):
        # ∂, ← and the tree's lines must never crash a terminal that cannot show them.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # argparse takes "-x*2" for an option; right after the command it can only be the
    # expression, so hand it over under a placeholder and put it back afterwards.
    expression = None
    if len(argv) >= 2 and argv[0] in ("grad", "draw", "html", "explain", "tree") and argv[1].startswith("-") \
            and not _is_option(argv[1], argv[0]):
        expression, argv[1] = argv[1], "expression"
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed usage and the error (or the help)
        return exit_.code if isinstance(exit_.code, int) else 2
    if expression is not None:
        args.expression = expression
    for option in ("digits",):
        digits = getattr(args, option, None)
        if digits is not None and not 1 <= digits <= 17:
            return _fail(f"--digits must be from 1 to 17, got {digits}", 2)
    for option in ("max_nodes", "max_paths"):
        value = getattr(args, option, None)
        if value is not None and value < 1:
            return _fail(f"--{option.replace('_', '-')} must be at least 1, got {value}", 2)
    try:
        return _COMMANDS[args.command](args)
    except ExprError as error:
        return _fail(str(error), 2, error.pointer() if error.source.strip() else "")
    except _ArgumentError as error:
        return _fail(str(error), 2)
    except (DotNotFoundError, GraphTooLargeError) as error:
        return _fail(str(error), 1)
    except OSError as error:  # e.g. the output directory does not exist
        return _fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error), 1)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, status: int, detail: str = "") -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if detail:
        print(detail, file=sys.stderr)
    return status


__all__ = ["main"]
