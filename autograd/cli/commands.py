"""The ``chainrule`` command: gradients, drawings and explanations from the shell.

    chainrule grad "tanh(x*w + b)" x=2 w=-3 b=6.8814
    chainrule draw "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o graph.svg --edge-labels
    chainrule html "tanh(x*w + b)" x=2 w=-3 b=6.8814 -o neuron.html
    chainrule explain "tanh(x*w + b)" --wrt x x=2 w=-3 b=6.8814
    chainrule tree "tanh(x*w + b)" x=2 w=-3 b=6.8814
    chainrule repl
    chainrule --version

Options go anywhere after the command, before or after the NAME=NUMBER values. The
expression is the first word that is not an option; one that starts with ``-`` goes after
``--`` (``chainrule grad -- "-x*2" x=1``). A command line that could mean two things is
refused, not guessed at: an option given twice, a value given twice, a first word that is
a value rather than an expression, a number written other than as plain digits.

Expressions are checked by ``autograd.cli.expr`` (never ``eval``). Exit status: 0 ok; 2 a bad
expression or bad arguments (one line, ``chainrule: error: ...``, then for an expression
the line with a caret under the offending part); 1 anything else, such as graphviz's
``dot`` program missing. With ``dot`` missing, ``draw -o fig.svg`` saves the DOT source as
``fig.dot``, or, if a ``fig.dot`` is already there, as ``fig-1.dot`` (and says so): a file
it did not make is never overwritten.

>>> main(["grad", "x * y", "x=3", "y=4"])
x * y = 12
d/dx = 4
d/dy = 3
0
"""

from __future__ import annotations

import argparse
import builtins
import math
import os
import re
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from pathlib import Path

from .. import files
from ..views.draw import (
    DEFAULT_MAX_NODES,
    FORMATS,
    INSTALL_ADVICE,
    DotNotFoundError,
    GraphTooLargeError,
    draw,
    layout,
    layout_program,
)
from ..views.explain import explain
from ..views.text import number, tree
from .examples import EXAMPLES, epilog, examples_text
from .exercise_commands import EXERCISE_COMMANDS, run as run_exercise_command
from .expr import FUNCTIONS, Evaluation, ExprError, Program, evaluate, parse

PROG = "chainrule"
# A number on the command line: plain ASCII digits, an optional sign, point and exponent.
# (float() would also take "1_000", "inf", "nan" and other scripts' digits: a guess.)
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LOOKS_LIKE_A_VALUE = re.compile(r"\s*[^\W\d]\w*\s*=\s*" + NUMBER.pattern + r"\s*")


class _ArgumentError(Exception):
    """Bad command-line arguments (exit status 2), with the message to print."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake as one line (an _ArgumentError), not usage + exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments: "):
            first = message.split(": ", 1)[1].split(" ")[0]
            if first.startswith("--"):
                message = f"unknown option {_clip(first)}"
            else:
                message = (f"{first} is not an option; if it is the expression, put it after '--', "
                           f"e.g. {self.prog} -- \"{first}\" x=1" if len(first) <= 20 else
                           f"{_clip(first)} is not an option; if it is the expression, put it after '--'")
        raise _ArgumentError(f"{_clip(message, 300)} (see {self.prog} --help)")


def _clip(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters: a message is one line, whatever was typed."""
    return text if len(text) <= limit else text[:limit] + "..."


def _shown(word: str) -> str:
    """A word of the command line as messages quote it (repr, cut to a readable length)."""
    return repr(_clip(word, 60))


class _Once(argparse.Action):
    """An option that may be given once: a second one is refused, not taken over the first."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = namespace.__dict__.setdefault("given_options", set())
        if self.dest in given:
            raise _ArgumentError(f"{option_string} is given twice; give it once")
        given.add(self.dest)
        setattr(namespace, self.dest, values)


# -- the commands and their options ---------------------------------------------------------


def _digits(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument("--digits", type=int, default=default, action=_Once, metavar="N",
                        help=f"significant digits, 1 to 17 (default {default})")


def _picture_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--edge-labels", action="store_true", help="write each local derivative on its edge")
    parser.add_argument("--rankdir", default="LR", choices=("LR", "RL", "TB", "BT"), action=_Once,
                        help="direction (default LR)")
    _digits(parser, 4)
    parser.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES, action=_Once, metavar="N",
                        help=f"refuse to draw more Values than this (default {DEFAULT_MAX_NODES})")


def _grad_options(parser: argparse.ArgumentParser) -> None:
    _digits(parser, 6)


def _draw_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", action=_Once,
                        help="picture to write: .svg, .png, .pdf or .dot")
    _picture_options(parser)


def _html_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", required=True, action=_Once,
                        help="the page to write (.html)")
    parser.add_argument("--forward", action="store_true", help="play the forward pass first")
    _picture_options(parser)


def _explain_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wrt", metavar="NAME", action=_Once, help="the variable (default: every variable in turn)")
    parser.add_argument("--max-paths", type=int, default=10, action=_Once, metavar="N",
                        help="paths written out (default 10)")
    _digits(parser, 4)


def _tree_options(parser: argparse.ArgumentParser) -> None:
    _digits(parser, 4)


def _no_options(parser: argparse.ArgumentParser) -> None:
    pass


def _command_parser(name: str) -> _Parser:
    help_text, _, add_options = COMMANDS[name]
    words = "" if name == "repl" else " EXPRESSION [NAME=NUMBER ...]"
    parser = _Parser(prog=f"{PROG} {name}", usage=f"{PROG} {name} [options]{words}", description=help_text,
                     allow_abbrev=False,  # "--w" for "--wrt" would be a guess
                     formatter_class=argparse.RawDescriptionHelpFormatter,  # the examples keep their lines
                     epilog=epilog(name) + ("" if name == "repl" else "\n\n" + _wrapped(_EPILOG)))
    parser.add_argument("words", nargs="*", metavar="EXPRESSION NAME=NUMBER",
                        help=argparse.SUPPRESS if name == "repl" else
                        'the expression, e.g. "tanh(x*w + b)", then a value for each variable, e.g. x=2')
    add_options(parser)
    return parser


def _top_parser() -> _Parser:
    first = [examples[0] for examples in EXAMPLES.values()]  # one of each command
    parser = _Parser(prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog=examples_text(first) + "\n\n" + _wrapped(_EPILOG + f" See {PROG} COMMAND --help."),
                     description="See backpropagation: gradients, graph drawings and chain-rule\n"
                                 "explanations of a scalar expression.")
    parser.add_argument("-V", "--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _, _) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    for name, help_text in EXERCISE_COMMANDS.items():
        commands.add_parser(name, help=help_text)
    return parser


def _wrapped(text: str) -> str:
    return textwrap.fill(text, 80)


def version() -> str:
    """``chainrule 0.1.0``: what ``chainrule --version`` prints (the one version, ``autograd.__version__``)."""
    import autograd  # the package is imported by then: the command line lives inside it

    return f"{PROG} {autograd.__version__}"


_EPILOG = (f"Expressions use numbers, names, + - * / **, and the functions {', '.join(FUNCTIONS)}; "
           "parts can be named: \"n = x*w + b; tanh(n)\". Options may come before or after the values; "
           "an expression that starts with '-' goes after '--'.")


# -- reading the command line -----------------------------------------------------------------


def parse_command_line(argv: list[str] | tuple[str, ...]) -> argparse.Namespace:
    """The command line as a Namespace (``command``, ``expression``, ``values`` and the
    options), or ``_ArgumentError``; ``--help`` prints the help and raises SystemExit(0)."""
    if isinstance(argv, str) or not all(isinstance(word, str) for word in argv):
        raise _ArgumentError(f"main: argv must be a list of strings, e.g. main([\"grad\", \"x*y\", \"x=2\", "
                             f"\"y=3\"]), got {type(argv).__name__} {argv!r:.60}")
    if not argv:
        raise _ArgumentError(f"give a command: {', '.join(COMMANDS)} (see {PROG} --help)")
    name = argv[0]
    if name in ("-h", "--help"):
        _top_parser().print_help()
        raise SystemExit(0)
    if name in ("-V", "--version"):
        if argv[1:]:
            raise _ArgumentError(f"{name} takes nothing after it, got {_shown(' '.join(argv[1:]))}")
        print(version())
        raise SystemExit(0)
    if name not in COMMANDS:
        hint = "; options go after the command" if name.startswith("-") else ""
        every = ", ".join([*COMMANDS, *EXERCISE_COMMANDS])
        raise _ArgumentError(f"unknown command {_shown(name)}{hint}; the commands are {every}")
    head, tail = _split_at_dashes(list(argv[1:]))
    args = _command_parser(name).parse_intermixed_args(head)
    args.command = name
    _check_ranges(args)
    words = args.words + tail
    if name == "repl":
        if words:
            raise _ArgumentError(f"repl takes no expression or values, got {_shown(' '.join(words))}")
        return args
    if not words:
        raise _ArgumentError(f"give an expression, e.g. {PROG} {name} \"x*y\" x=2 y=3")
    args.expression, args.values = words[0], words[1:]
    if _LOOKS_LIKE_A_VALUE.fullmatch(args.expression):
        raise _ArgumentError(f"{_shown(args.expression)} is a value (NAME=NUMBER), not an expression: the expression "
                             f"comes first, e.g. {PROG} {name} \"x*y\" x=2 y=3")
    return args


def _split_at_dashes(argv: list[str]) -> tuple[list[str], list[str]]:
    """(what may hold options, what follows the first ``--``: only words)."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def _check_ranges(args: argparse.Namespace) -> None:
    digits = getattr(args, "digits", None)
    if digits is not None and not 1 <= digits <= 17:
        raise _ArgumentError(f"--digits must be from 1 to 17, got {digits}")
    for option in ("max_nodes", "max_paths"):
        value = getattr(args, option, None)
        if value is not None and value < 1:
            raise _ArgumentError(f"--{option.replace('_', '-')} must be at least 1, got {value}")


def _values(items: list[str], program: Program) -> dict[str, float]:
    """NAME=NUMBER arguments, checked against what the expression needs.

    Names are compared as Python compares identifiers (NFKC), so ``ﬁ=1`` is the ``fi``
    that the expression ``ﬁ*2`` reads.
    """
    values: dict[str, float] = {}
    given: dict[str, str] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep or not name.isidentifier():
            raise _ArgumentError(f"bad value {_shown(item)}: write NAME=NUMBER, e.g. x=2")
        if not NUMBER.fullmatch(text.strip()):
            raise _ArgumentError(f"bad value {_shown(item)}: {_shown(text.strip())} is not a number; write digits, "
                                 "e.g. x=2, x=-0.5 or x=1e-3")
        number_ = float(text)
        if not math.isfinite(number_):
            raise _ArgumentError(f"bad value {_shown(item)}: too large for a float (at most about 1.8e308)")
        if name in given:
            raise _ArgumentError(f"{_clip(name)} is given twice ({_shown(given[name])} and {_shown(item)}); "
                                 "give it once")
        if name in program.assigned:
            raise _ArgumentError(f"{_clip(name)} is computed by the expression ({_clip(name)} = ...); "
                                 f"do not give {_shown(item)}")
        if name not in program.variables:
            known = ", ".join(program.variables) or "none"
            raise _ArgumentError(f"{_shown(item)}: the expression has no variable {_clip(name)} "
                                 f"(its variables: {_clip(known, 200)})")
        given[name] = item
        values[name] = number_
    return values


# -- running them -------------------------------------------------------------------------------


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
    fmt = _picture_format(args.output) if args.output else None
    _, result = _compute(args)
    source = draw(result.value, edge_labels=args.edge_labels, rankdir=args.rankdir, digits=args.digits,
                  max_nodes=args.max_nodes).source
    if fmt is None:
        print(source, end="")
        return 0
    if fmt == "dot":
        files.write_atomic(args.output, source)
    elif layout_program() is None:
        _save_source_instead(source, args.output, fmt)
    else:
        files.write_atomic(args.output, layout(source, fmt, "draw"))
    print(f"wrote {args.output}")
    return 0


def _picture_format(output: str) -> str:
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in FORMATS + ("gv",):
        raise _ArgumentError(f"-o {_clip(output, 200)}: cannot tell the format; end the file name in "
                             ".svg, .png, .pdf or .dot")
    return "dot" if suffix == "gv" else suffix


def _save_source_instead(source: str, output: str, fmt: str) -> None:
    """With no program to lay the picture out, keep the DOT source beside ``output``
    under a name nobody has (never over a file we did not make), then say what to do."""
    wanted = str(Path(output).with_suffix(".dot"))
    saved = files.write_free(wanted, source)
    kept = "" if saved == wanted else f" ({wanted!r} was already there and is left as it was)"
    raise DotNotFoundError(
        f"draw: graphviz's `dot` program is not on PATH, so {output!r} was not made; the graph was "
        f"saved as {saved!r}{kept}. To fix, {INSTALL_ADVICE}; then run `dot -T{fmt} {saved} -o {output}`")


def _html(args: argparse.Namespace) -> int:
    from ..views.backprop import html

    if Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise _ArgumentError(f"-o {_clip(args.output, 200)}: a page's file name ends in .html")
    _, result = _compute(args)
    page = html(result.value, edge_labels=args.edge_labels, rankdir=args.rankdir, digits=args.digits,
                max_nodes=args.max_nodes, forward=args.forward)
    print(f"wrote {page.save(args.output)} ({len(page.steps) - 1} steps; open it in a browser)")
    return 0


def _explain(args: argparse.Namespace) -> int:
    program, result = _compute(args)
    known = dict(result.inputs)
    known.update(result.names)
    if args.wrt is not None and args.wrt not in known:
        raise _ArgumentError(f"--wrt {_clip(args.wrt)}: not a variable or name of the expression "
                             f"(they are: {_clip(', '.join(known), 200) or 'none'})")
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


def repl_namespace() -> dict[str, object]:
    """What ``chainrule repl`` loads: ``autograd`` and everything it exports, except that
    an export whose name is one of Python's builtins gets a ``v`` in front (``vsum``,
    ``vabs``), so ``sum(range(4))`` and ``abs(-2)`` stay Python's.

    >>> ns = repl_namespace()
    >>> "sum" in ns, "abs" in ns, ns["vsum"]([ns["Value"](1.0), 2.0]).data, ns["vabs"](-3.0).data
    (False, False, 3.0, 3.0)
    """
    import autograd

    namespace: dict[str, object] = {"autograd": autograd}
    for name in autograd.__all__:
        namespace[f"v{name}" if hasattr(builtins, name) else name] = getattr(autograd, name)
    return namespace


def _repl(args: argparse.Namespace) -> int:
    import code

    import autograd

    try:
        import readline  # noqa: F401 - line editing and history, where available
    except ImportError:
        pass
    banner = (f"chainrule {autograd.__version__} REPL. Loaded: Value, draw, render, explain, tree, grad, "
              "scope, the functions exp log sqrt tanh sigmoid relu sin cos ..., and vsum, vabs "
              "(autograd's sum and abs; Python's sum and abs are untouched)\n"
              ">>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward(); explain(y, x)")
    code.interact(banner=banner, local=repl_namespace(), exitmsg="")
    return 0


# name -> (help, what it runs, its options)
COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None]]] = {
    "grad": ("print the value of the expression and its gradient with respect to each variable",
             _grad, _grad_options),
    "draw": ("draw the graph with the values and gradients (DOT source on stdout without -o)",
             _draw, _draw_options),
    "html": ("write one offline page that steps through backprop node by node", _html, _html_options),
    "explain": ("write out the chain rule for a derivative, path by path, with numbers",
                _explain, _explain_options),
    "tree": ("print the graph as an indented tree (no graphviz needed)", _tree, _tree_options),
    "repl": ("an interactive Python console with Value and these tools loaded", _repl, _no_options),
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 1 other errors)."""
    _tolerant_streams()
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and isinstance(argv, list | tuple) and argv[0] in EXERCISE_COMMANDS:
            return run_exercise_command(list(argv))
        args = parse_command_line(argv)
        return COMMANDS[args.command][1](args)
    except SystemExit as exit_:  # --help has been printed
        return exit_.code if isinstance(exit_.code, int) else 2
    except ExprError as error:
        return _fail(str(error), 2, error.pointer() if error.source.strip() else "")
    except _ArgumentError as error:
        return _fail(str(error), 2)
    except (DotNotFoundError, GraphTooLargeError) as error:
        return _fail(str(error), 1)
    except BrokenPipeError:  # e.g. `chainrule tree ... | head`: the reader has gone
        _silence_stdout()
        return 1
    except OSError as error:  # e.g. the output directory does not exist
        return _fail(f"{error.strerror or error}: {error.filename}" if error.filename else str(error), 1)
    except KeyboardInterrupt:
        return 130


def _tolerant_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        # ∂, ← and the tree's lines must never crash a terminal that cannot show them.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit does not complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _fail(message: str, status: int, detail: str = "") -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if detail:
        print(detail, file=sys.stderr)
    return status


__all__ = ["main", "parse_command_line", "repl_namespace", "COMMANDS"]
