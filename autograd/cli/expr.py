"""Safe expressions: ``parse`` text such as ``"tanh(x*w + b)"`` and ``evaluate`` it on Values.

>>> from autograd.cli.expr import parse, evaluate
>>> program = parse("n = x*w + b; tanh(n)")
>>> program.variables
('x', 'w', 'b')
>>> result = evaluate(program, {"x": 2, "w": -3, "b": 6.8813735870195432})
>>> round(result.value.data, 4), result.names["n"].label
(0.7071, 'n')

Text is parsed with ``ast`` and checked against a whitelist before anything is computed;
it is never given to ``eval``. Allowed: numbers, names, ``+ - * / **``, unary ``-`` and
``+``, calls of the engine's functions (``exp log sqrt tanh sigmoid relu leaky_relu sin
cos abs sum``), and statements ``name = expression`` separated by ``;`` or new lines, the
last of which (an expression or an assignment) is the result. Anything else raises
``ExprError``, a ``ValueError`` whose message names the offending part and its column,
and whose ``pointer()`` draws a caret under it.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from .. import functions
from ..value import Value, sum as value_sum

# name -> (fewest arguments, most arguments or None for any, the function)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., Value]]] = {
    "exp": (1, 1, functions.exp),
    "log": (1, 1, functions.log),
    "sqrt": (1, 1, functions.sqrt),
    "tanh": (1, 1, functions.tanh),
    "sigmoid": (1, 1, functions.sigmoid),
    "relu": (1, 1, functions.relu),
    "leaky_relu": (1, 2, functions.leaky_relu),
    "sin": (1, 1, functions.sin),
    "cos": (1, 1, functions.cos),
    "abs": (1, 1, functions.abs),
    "sum": (1, None, lambda *xs: value_sum(xs)),
}

MAX_LENGTH = 10_000  # characters of source
MAX_NODES = 5_000  # syntax-tree nodes
MAX_DEPTH = 100  # nesting of the syntax tree
MAX_POWERS = 3  # ** nested inside ** (an exponent tower)
LABEL_LENGTH = 24  # intermediate results get their source text as label up to this long

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                      ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}
_REFUSED = {  # what to call each refused construct in an error message
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Slice: "slices",
    ast.Lambda: "lambdas", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.Compare: "comparisons", ast.BoolOp: "'and' / 'or'", ast.IfExp: "'if ... else'",
    ast.Tuple: "tuples", ast.List: "lists", ast.Set: "sets", ast.Dict: "dicts",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings", ast.NamedExpr: "':='",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'", ast.Starred: "'*' unpacking",
}


_STATEMENTS = {ast.Import: "'import'", ast.ImportFrom: "'from ... import'", ast.FunctionDef: "'def'",
               ast.AsyncFunctionDef: "'def'", ast.ClassDef: "'class'", ast.Delete: "'del'",
               ast.AugAssign: "'+=' (augmented assignment)", ast.AnnAssign: "annotated assignment",
               ast.For: "'for'", ast.While: "'while'", ast.If: "'if'", ast.With: "'with'",
               ast.Return: "'return'", ast.Pass: "'pass'", ast.Global: "'global'", ast.Raise: "'raise'",
               ast.Try: "'try'", ast.Assert: "'assert'"}


class ExprError(ValueError):
    """A refused or failing expression: what is wrong, and where (1-based line, column).

    ``str(error)`` is one line; ``error.pointer()`` is the source line with carets under
    the offending part. ``col`` and ``length`` count characters of ``source``.
    """

    def __init__(self, message: str, source: str = "", line: int = 1, col: int = 0, length: int = 1):
        self.message = message
        self.source = source
        self.line = line
        self.col = col  # 0-based, in characters
        self.length = max(1, length)
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.source:
            return self.message
        where = f"line {self.line}, column {self.col + 1}" if len(_split_lines(self.source.strip())) > 1 \
            else f"column {self.col + 1}"
        return f"{self.message} (at {where})"

    def pointer(self, indent: str = "  ") -> str:
        """The offending line with ``^`` under the part the message is about.

        Drawn for a terminal: a tab or a control or invisible character is shown as one
        visible cell, wide (East Asian) characters count two columns and combining marks
        none, so the carets sit under the part whatever the line holds. A long line is
        cut to a window around the part, and at most ``CARET_WIDTH`` carets are drawn.

        >>> print(ExprError("bad", "名前 % y", 1, 3, 1).pointer())
          名前 % y
               ^
        """
        lines = _split_lines(self.source) or [""]
        text = lines[min(max(self.line, 1), len(lines)) - 1]
        col = min(self.col, len(text))
        cells = [_cell(ch) for ch in text]
        before = sum(width for _, width in cells[:col])
        under = max(1, sum(width for _, width in cells[col: col + self.length]))
        shown, before = _window(cells, before)
        return f"{indent}{shown}\n{indent}{' ' * before}{'^' * min(under, CARET_WIDTH)}"


CARET_WIDTH = 40  # at most this many carets: enough to see the part, never a screenful
WINDOW = 100  # columns of a long source line shown around the part


def _cell(ch: str) -> tuple[str, int]:
    """How one character of the source is shown, and how many terminal columns it takes."""
    if ch == "\t":
        return " ", 1
    if not ch.isprintable():
        return "\ufffd", 1  # control, bidi, zero-width, odd spaces: one visible mark
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return ch, 0
    return ch, 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _window(cells: list[tuple[str, int]], before: int) -> tuple[str, int]:
    """The shown line (cut to ``WINDOW`` columns around column ``before``) and the caret's
    column in it."""
    total = sum(width for _, width in cells)
    if total <= WINDOW:
        return "".join(text for text, _ in cells), before
    start = max(0, min(before - WINDOW // 4, total - WINDOW))
    shown, column = [], 0
    for text, width in cells:
        if start <= column and column + width <= start + WINDOW:
            shown.append(text)
        column += width
    head = "…" if start > 0 else ""
    tail = "…" if start + WINDOW < total else ""
    return head + "".join(shown) + tail, before - start + len(head)


def _split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer counts them: only \\n, \\r\\n and \\r end one.

    (``str.splitlines`` also splits at form feeds and other separators, which would put
    the caret on the wrong line.)
    """
    return _NEWLINE.split(text) if text else []


_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Program:
    """A checked expression: (name or None, expression) steps, and the names it needs."""

    source: str
    steps: tuple[tuple[str | None, ast.expr], ...]
    variables: tuple[str, ...]  # names that need values, in order of first use

    @property
    def assigned(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.steps if name is not None)


@dataclass
class Evaluation:
    value: Value  # the result (the last step)
    inputs: dict[str, Value]  # one leaf per variable
    names: dict[str, Value]  # the Values of the assigned names


# ---------------------------------------------------------------------------------------
# The source as ast sees it, and the way back to the user's columns.


class _Source:
    """The user's text and the text given to ``ast``: each line without its leading
    whitespace (so ``" x*2"`` is not an "unexpected indent"). Maps ast's positions (UTF-8
    byte columns in the stripped line) back to character columns of the user's text."""

    def __init__(self, text: str) -> None:
        self.text = text
        parts = _NEWLINE.split(text)
        breaks = _NEWLINE.findall(text) + [""]
        stripped = [line.lstrip(" \t\f") for line in parts]
        self.shift = [len(line) - len(body) for line, body in zip(parts, stripped)]
        self.lines = [body.encode("utf-8") for body in stripped]
        self.parsed = "".join(body + end for body, end in zip(stripped, breaks))

    def column(self, line: int, byte_col: int) -> int:
        """The character column in the user's text of ast's (line, byte column)."""
        if not 1 <= line <= len(self.lines):
            return 0
        prefix = self.lines[line - 1][:byte_col].decode("utf-8", errors="ignore")
        return len(prefix) + self.shift[line - 1]

    def segment(self, node: ast.AST, limit: int | None = None) -> str:
        """The text of ``node`` if it is on one line (and at most ``limit`` bytes), else ''."""
        line, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if line is None or line != end or not 1 <= line <= len(self.lines):
            return ""
        start, stop = node.col_offset, node.end_col_offset
        if limit is not None and stop - start > 4 * limit:  # cheap before decoding
            return ""
        return self.lines[line - 1][start:stop].decode("utf-8", errors="replace")

    def error(self, message: str, node: ast.AST) -> ExprError:
        """An ExprError underlining ``node`` (its first character if it spans lines)."""
        line = getattr(node, "lineno", 1)
        col = self.column(line, getattr(node, "col_offset", 0))
        if getattr(node, "end_lineno", line) == line and getattr(node, "end_col_offset", None) is not None:
            length = self.column(line, node.end_col_offset) - col
        else:
            length = 1
        return ExprError(message, self.text, line, col, length)

    def operator_error(self, message: str, node: ast.BinOp, symbol: str) -> ExprError:
        """An ExprError pointing at the operator itself, between the two operands."""
        if node.left.end_lineno == node.right.lineno == node.lineno:
            body = self.lines[node.lineno - 1]
            at = body.find(symbol.encode(), node.left.end_col_offset, node.right.col_offset)
            if at >= 0:
                return ExprError(message, self.text, node.lineno, self.column(node.lineno, at), len(symbol))
        return self.error(message, node)


# ---------------------------------------------------------------------------------------
# parse: text -> syntax tree -> checked Program


def parse(source: str) -> Program:
    """Check ``source`` against the whitelist; a ``Program`` or an ``ExprError``.

    >>> parse("x ** 2 + sin(y)").variables
    ('x', 'y')
    >>> parse("x.__class__")
    Traceback (most recent call last):
    autograd.cli.expr.ExprError: not allowed: attribute access (x.__class__) (at column 1)
    """
    src = _Source(_checked_text(source))
    steps: list[tuple[str | None, ast.expr]] = []
    variables: list[str] = []
    assigned: set[str] = set()
    size = 0
    body = _syntax_tree(src).body
    if not body:  # only comments
        raise ExprError("the expression is empty; write one such as tanh(x*w + b)")
    for i, statement in enumerate(body):
        target, expression = _step(statement, i == len(body) - 1, src)
        size += _check(expression, src, variables)  # first: `a = a` uses a
        if size > MAX_NODES:
            raise ExprError(f"the expression is too large (more than {MAX_NODES:,} parts)")
        if target is not None:
            _check_target(target, src, variables, assigned)
            assigned.add(target.id)
        steps.append((None if target is None else target.id, expression))
    return Program(source, tuple(steps), tuple(v for v in variables if v not in assigned))


def _checked_text(source: object) -> str:
    if not isinstance(source, str):
        raise ExprError(f"expected the expression as text (a str), got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(source):,} characters long; at most {MAX_LENGTH:,} are allowed")
    if not source.strip():
        raise ExprError("the expression is empty; write one such as tanh(x*w + b)")
    return source


def _syntax_tree(src: _Source) -> ast.Module:
    """``ast.parse`` of the text, its errors as ExprError at the user's column."""
    try:
        with warnings.catch_warnings():
            # e.g. "2(x)" warns "'int' object is not callable" on stderr; we refuse it anyway,
            # with one message of our own.
            warnings.simplefilter("ignore")
            with _recursion_room(2 * len(src.parsed)):
                return ast.parse(src.parsed, mode="exec")
    except SyntaxError as error:
        line = min(max(error.lineno or 1, 1), len(src.shift))
        col = max(0, (error.offset or 1) - 1) + src.shift[line - 1]
        raise ExprError(f"syntax error: {error.msg}", src.text, line, col) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"the expression is nested too deeply to parse (more than {MAX_DEPTH} levels)") from None
    except ValueError as error:  # e.g. null bytes on some Python versions
        raise ExprError(f"syntax error: {error}") from None


@contextmanager
def _recursion_room(depth: int):
    """Let ``ast.parse`` build a syntax tree ``depth`` levels deep.

    Building the tree is recursive in C, limited by Python's recursion limit (1,000), and
    a flat sum ``x0 + x1 + ... + x999`` is a tree 1,000 deep. ``MAX_LENGTH`` bounds the
    depth (at most one level per two characters), so the C stack stays small.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth + 200))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _step(statement: ast.stmt, last: bool, src: _Source) -> tuple[ast.Name | None, ast.expr]:
    """(the assigned name or None, the expression) of one ``;``-separated part."""
    if isinstance(statement, ast.Assign):
        target = statement.targets[0]
        if len(statement.targets) != 1 or not isinstance(target, ast.Name):
            raise src.error("only 'name = expression' assignments are allowed", statement)
        return target, statement.value
    if isinstance(statement, ast.Expr) and last:
        return None, statement.value
    if isinstance(statement, ast.Expr):
        raise src.error("only the last part can be a bare expression; name the others "
                        "(n = ...) or remove them", statement)
    kind = _STATEMENTS.get(type(statement), type(statement).__name__)
    raise src.error(f"not allowed: {kind} statements; write an expression, "
                    "or 'name = expression' parts separated by ';'", statement)


def _check_target(target: ast.Name, src: _Source, variables: list[str], assigned: set[str]) -> None:
    name = target.id
    if name in FUNCTIONS:
        raise src.error(f"{name!r} is a function name; assign to another name", target)  # short: a FUNCTIONS key
    if name.startswith("__"):
        raise src.error(f"names starting with '__' are not allowed: {_clip(name)}", target)
    if name in assigned:
        raise src.error(f"{_clip(name)!r} is assigned twice; use a new name", target)
    if name in variables:
        raise src.error(f"{_clip(name)!r} is used before it is assigned", target)


# ---------------------------------------------------------------------------------------
# _check: one expression against the whitelist


def _check(root: ast.expr, src: _Source, variables: list[str]) -> int:
    """Walk one expression (iteratively), refuse anything outside the whitelist, add the
    names it reads to ``variables``; the number of syntax-tree nodes.

    Depth is real nesting, as a reader sees it: a call's arguments, a unary operand, the
    right side of ``a - b`` or a sub-expression in parentheses is one level deeper, but
    ``a + b + c`` (a left-leaning chain of one precedence, written flat) does not grow
    however long it is. ``tanh(tanh(x))`` has x at depth 2; at most ``MAX_DEPTH``.
    """
    stack: list[tuple[ast.AST, int, int]] = [(root, 0, 0)]  # (node, nesting, ** enclosing it)
    count = 0
    while stack:
        node, depth, powers = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise src.error(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", node)
        check = _CHECKS.get(type(node), _refuse)
        children = check(node, src, variables, powers)
        for child, deeper, inner in reversed(children):  # reversed: the first comes off first
            stack.append((child, depth + deeper, inner))
    return count


_Children = list[tuple[ast.AST, int, int]]  # (child, levels deeper, ** enclosing it)


def _check_constant(node: ast.Constant, src: _Source, variables: list[str], powers: int) -> _Children:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise src.error(f"only numbers are allowed as constants, got {_short(value)}", node)
    try:
        number = float(value)
    except OverflowError:
        raise src.error("number too large for a float", node) from None
    if not math.isfinite(number):
        raise src.error(f"number {src.segment(node, 40) or value} is not finite", node)
    return []


def _check_name(node: ast.Name, src: _Source, variables: list[str], powers: int) -> _Children:
    if node.id in FUNCTIONS:
        raise src.error(f"{node.id} is a function: call it, e.g. {node.id}(x)", node)
    if node.id.startswith("__"):
        raise src.error(f"names starting with '__' are not allowed: {_clip(node.id)}", node)
    if node.id not in variables:
        variables.append(node.id)
    return []


_PRECEDENCE = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product", ast.Pow: "power"}


def _flat(parent: ast.BinOp, child: ast.AST, side: str) -> bool:
    """Whether ``child`` continues ``parent``'s chain as written without parentheses:
    ``a - b + c`` (the left side of + - * /) or ``a ** b ** c`` (the right side of **)."""
    if not isinstance(child, ast.BinOp):
        return False
    group = _PRECEDENCE.get(type(parent.op))
    if group != _PRECEDENCE.get(type(child.op)):
        return False
    return side == ("right" if group == "power" else "left")


def _check_binop(node: ast.BinOp, src: _Source, variables: list[str], powers: int) -> _Children:
    kind = type(node.op)
    if kind not in _OPERATORS:
        symbol = _REFUSED_OPERATORS.get(kind, kind.__name__)
        raise src.operator_error(f"operator {symbol} is not supported; use + - * / **", node, symbol)
    inner = powers + 1 if kind is ast.Pow else powers
    if inner > MAX_POWERS:
        raise src.operator_error(f"exponent tower too tall: more than {MAX_POWERS} nested **", node, "**")
    return [(node.left, 0 if _flat(node, node.left, "left") else 1, inner),
            (node.right, 0 if _flat(node, node.right, "right") else 1, inner)]


def _check_unary(node: ast.UnaryOp, src: _Source, variables: list[str], powers: int) -> _Children:
    if not isinstance(node.op, (ast.USub, ast.UAdd)):
        symbol = {ast.Not: "not", ast.Invert: "~"}.get(type(node.op), "?")
        raise src.error(f"unary {symbol} is not supported; only - and + are", node)
    return [(node.operand, 1, powers)]


def _check_call(node: ast.Call, src: _Source, variables: list[str], powers: int) -> _Children:
    func = node.func
    if not isinstance(func, ast.Name):
        what = _REFUSED.get(type(func), "this")
        raise src.error(f"not allowed: calling {what}; only the functions "
                        f"{', '.join(FUNCTIONS)} can be called", func)
    if func.id not in FUNCTIONS:
        raise src.error(f"unknown function {_clip(func.id)!r}; available: {', '.join(FUNCTIONS)}", func)
    if node.keywords:
        raise src.error(f"{func.id}: keyword arguments are not allowed", node.keywords[0].value)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise src.error(f"{func.id}: '*' unpacking is not allowed", arg)
    fewest, most, _ = FUNCTIONS[func.id]
    n = len(node.args)
    if n < fewest or (most is not None and n > most):
        raise src.error(f"{func.id} takes {_arguments(fewest, most)}, got {n}", node)
    return [(arg, 1, powers) for arg in node.args]


def _arguments(fewest: int, most: int | None) -> str:
    plural = "s" if fewest != 1 else ""
    if fewest == most:
        return f"{fewest} argument{plural}"
    if most is None:
        return f"at least {fewest} argument{plural}"
    return f"{fewest} or {most} arguments"


def _refuse(node: ast.AST, src: _Source, variables: list[str], powers: int) -> _Children:
    what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
    segment = src.segment(node, 40)
    shown = f" ({segment})" if segment and len(segment) <= 40 else ""
    raise src.error(f"not allowed: {what}{shown}", node)


def _clip(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters: a message stays one readable line."""
    return text if len(text) <= limit else text[:limit] + "..."


def _short(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


_CHECKS = {ast.Constant: _check_constant, ast.Name: _check_name, ast.BinOp: _check_binop,
           ast.UnaryOp: _check_unary, ast.Call: _check_call}


# ---------------------------------------------------------------------------------------


def evaluate(program: Program | str, values: Mapping[str, float | Value], *, label: bool = True) -> Evaluation:
    """Compute a parsed expression on Values: one leaf per variable, labelled by its name.

    ``values`` maps each variable to a real number (or a Value to use as is). With
    ``label``, each intermediate result also gets its source text as label (if short), so
    drawings and explanations name it. Missing or wrong values, and domain errors such as
    ``log(-1)``, raise ``ExprError`` pointing at the part concerned. A ``Program`` is
    checked again from its source, so only what ``parse`` accepts is ever computed.

    >>> evaluate("x * x", {"x": 3}).value.data
    9.0
    >>> evaluate("x * x", {"x": "3"})
    Traceback (most recent call last):
    autograd.cli.expr.ExprError: the value of x must be a real number (e.g. 2 or -0.5) or a Value, got str '3'
    """
    if isinstance(program, Program):
        program = parse(program.source)
    elif isinstance(program, str):
        program = parse(program)
    else:
        raise ExprError(f"evaluate: expected the expression as text or a Program from parse(), "
                        f"got {type(program).__name__}")
    src = _Source(program.source)
    inputs = _inputs(program, values, src)
    env: dict[str, Value] = dict(inputs)
    names: dict[str, Value] = {}
    result: Value | None = None
    for name, expression in program.steps:
        result = _compute(expression, src, env, label, name)
        if name is not None:
            env[name] = names[name] = result
    assert result is not None  # parse refuses empty programs
    return Evaluation(result, inputs, names)


def _inputs(program: Program, values: Mapping[str, float | Value], src: _Source) -> dict[str, Value]:
    """One leaf per variable, from ``values``; ExprError for a missing or wrong value."""
    if not isinstance(values, Mapping):
        raise ExprError(f"evaluate: values must be a mapping of name to number, e.g. {{'x': 2.0}}, "
                        f"got {type(values).__name__}")
    missing = [v for v in program.variables if v not in values]
    if missing:
        first = _first_use(program, missing[0])
        example = " ".join(f"{v}=<number>" for v in missing)
        message = (f"missing value{'s' if len(missing) > 1 else ''} for {_clip(', '.join(missing), 120)}: "
                   f"give {_clip(example, 160)}")
        raise src.error(message, first) if first is not None else ExprError(message)
    inputs: dict[str, Value] = {}
    for name in program.variables:
        given = values[name]
        if isinstance(given, Value):
            inputs[name] = given
            continue
        if isinstance(given, bool) or not isinstance(given, numbers.Real):
            raise ExprError(f"the value of {_clip(name)} must be a real number (e.g. 2 or -0.5) or a Value, "
                            f"got {type(given).__name__} {_short(given)}")
        try:
            inputs[name] = Value(float(given), label=name)
        except OverflowError:
            raise ExprError(f"the value of {_clip(name)} is too large for a float; give a number "
                            "below about 1.8e308") from None
    return inputs


def _first_use(program: Program, name: str) -> ast.AST | None:
    for _, expression in program.steps:
        for node in ast.walk(expression):
            if isinstance(node, ast.Name) and node.id == name:
                return node
    return None


def _compute(root: ast.expr, src: _Source, env: dict[str, Value], label: bool, name: str | None) -> Value:
    """Post-order evaluation with an explicit stack; ``root`` has passed ``_check``.

    A new node made for ``name = ...`` is labelled ``name`` (always); with ``label``, the
    other new nodes are labelled with their source text.
    """
    done: dict[int, Value] = {}  # id(ast node) -> its Value; the tree is alive meanwhile
    stack: list[tuple[ast.expr, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        leaf = _leaf(node, env)
        if leaf is not None:
            done[id(node)] = leaf
            continue
        children = ([node.left, node.right] if isinstance(node, ast.BinOp)
                    else [node.operand] if isinstance(node, ast.UnaryOp) else list(node.args))
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        args = [done.pop(id(child)) for child in children]  # syntax-tree nodes are never shared
        try:
            out = _apply(node, args)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            raise src.error(str(error), node) from None
        if not out.label and out.parents:
            if node is root and name is not None:
                out.label = name
            elif label:
                text = src.segment(node, LABEL_LENGTH)
                if text and len(text) <= LABEL_LENGTH:
                    out.label = text
        done[id(node)] = out
    return done[id(root)]


def _leaf(node: ast.expr, env: dict[str, Value]) -> Value | None:
    """The Value of a constant or a name (-3 is the constant -3, one leaf in a drawing,
    not neg(3)); None for an operation."""
    if isinstance(node, ast.Constant):
        return Value(float(node.value))  # a constant leaf, like micrograd's
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return Value(sign * float(node.operand.value))
    return None


def _apply(node: ast.expr, args: list[Value]) -> Value:
    if isinstance(node, ast.BinOp):
        a, b = args
        kind = type(node.op)
        return (a + b if kind is ast.Add else a - b if kind is ast.Sub else
                a * b if kind is ast.Mult else a / b if kind is ast.Div else a ** b)
    if isinstance(node, ast.UnaryOp):
        return -args[0] if isinstance(node.op, ast.USub) else args[0]
    return FUNCTIONS[node.func.id][2](*args)


__all__ = ["parse", "evaluate", "Program", "Evaluation", "ExprError", "FUNCTIONS"]
