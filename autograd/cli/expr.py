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
from dataclasses import dataclass
from typing import Callable, Mapping

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
    the offending part.
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
        where = f"line {self.line}, column {self.col + 1}" if "\n" in self.source.strip() else f"column {self.col + 1}"
        return f"{self.message} (at {where})"

    def pointer(self, indent: str = "  ") -> str:
        """The offending line with ``^`` under the part the message is about."""
        lines = self.source.splitlines() or [""]
        text = lines[min(self.line, len(lines)) - 1]
        col = min(self.col, len(text))
        width = max(1, min(self.length, len(text) - col))
        return f"{indent}{text}\n{indent}{' ' * col}{'^' * width}"


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


def _column(source: str, line: int, byte_col: int) -> int:
    """ast gives columns in UTF-8 bytes; messages and carets need characters."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return 0
    return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _error_at(message: str, source: str, node: ast.AST) -> ExprError:
    line = getattr(node, "lineno", 1)
    col = _column(source, line, getattr(node, "col_offset", 0))
    end_line = getattr(node, "end_lineno", line)
    if end_line == line and getattr(node, "end_col_offset", None) is not None:
        length = _column(source, line, node.end_col_offset) - col
    else:
        length = 1
    return ExprError(message, source, line, col, length)


def _operator_at(message: str, source: str, node: ast.BinOp, symbol: str) -> ExprError:
    """Point at the operator itself, between the two operands."""
    try:
        if node.left.end_lineno == node.right.lineno == node.lineno:
            text = source.splitlines()[node.lineno - 1]
            start = _column(source, node.lineno, node.left.end_col_offset)
            stop = _column(source, node.lineno, node.right.col_offset)
            at = text.find(symbol, start, stop)
            if at >= 0:
                return ExprError(message, source, node.lineno, at, len(symbol))
    except (AttributeError, IndexError, TypeError):
        pass
    return _error_at(message, source, node)


def parse(source: str) -> Program:
    """Check ``source`` against the whitelist; a ``Program`` or an ``ExprError``.

    >>> parse("x ** 2 + sin(y)").variables
    ('x', 'y')
    >>> parse("x.__class__")
    Traceback (most recent call last):
    autograd.cli.expr.ExprError: not allowed: attribute access (x.__class__) (at column 1)
    """
    if not isinstance(source, str):
        raise ExprError(f"expected the expression as text, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(source):,} characters long; at most {MAX_LENGTH:,} are allowed")
    if not source.strip():
        raise ExprError("the expression is empty; write one such as tanh(x*w + b)")
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as error:
        line = error.lineno or 1
        col = max(0, (error.offset or 1) - 1)
        raise ExprError(f"syntax error: {error.msg}", source, line, col) from None
    except (RecursionError, MemoryError):
        raise ExprError("the expression is nested too deeply to parse") from None
    except ValueError as error:  # e.g. null bytes on some Python versions
        raise ExprError(f"syntax error: {error}") from None

    body = module.body
    if not body:  # only comments
        raise ExprError("the expression is empty; write one such as tanh(x*w + b)")
    steps: list[tuple[str | None, ast.expr]] = []
    variables: list[str] = []
    assigned: set[str] = set()
    budget = [MAX_NODES]
    for i, statement in enumerate(body):
        last = i == len(body) - 1
        if isinstance(statement, ast.Assign):
            target = statement.targets[0]
            if len(statement.targets) != 1 or not isinstance(target, ast.Name):
                raise _error_at("only 'name = expression' assignments are allowed", source, statement)
            name = target.id
            _check(statement.value, source, variables, budget)  # first: `a = a` uses a
            if name in FUNCTIONS:
                raise _error_at(f"{name!r} is a function name; assign to another name", source, target)
            if name.startswith("__"):
                raise _error_at(f"names starting with '__' are not allowed: {name}", source, target)
            if name in assigned:
                raise _error_at(f"{name!r} is assigned twice; use a new name", source, target)
            if name in variables:
                raise _error_at(f"{name!r} is used before it is assigned", source, target)
            assigned.add(name)
            steps.append((name, statement.value))
        elif isinstance(statement, ast.Expr) and last:
            _check(statement.value, source, variables, budget)
            steps.append((None, statement.value))
        elif isinstance(statement, ast.Expr):
            raise _error_at("only the last part can be a bare expression; name the others "
                            "(n = ...) or remove them", source, statement)
        else:
            kind = _STATEMENTS.get(type(statement), type(statement).__name__)
            raise _error_at(f"not allowed: {kind} statements; write an expression, "
                            "or 'name = expression' parts separated by ';'", source, statement)
    return Program(source, tuple(steps), tuple(v for v in variables if v not in assigned))


def _check(root: ast.expr, source: str, variables: list[str], budget: list[int]) -> None:
    """Walk one expression (iteratively) and refuse anything outside the whitelist."""
    # (node, its depth, how many ** enclose it)
    stack: list[tuple[ast.AST, int, int]] = [(root, 1, 0)]
    while stack:
        node, depth, powers = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ExprError(f"the expression is too large (more than {MAX_NODES:,} parts)")
        if depth > MAX_DEPTH:
            raise _error_at(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", source, node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _error_at(f"only numbers are allowed as constants, got {value!r}", source, node)
            try:
                number = float(value)
            except OverflowError:
                raise _error_at("number too large for a float", source, node) from None
            if not math.isfinite(number):
                raise _error_at(f"number {ast.get_source_segment(source, node) or value} is not finite", source, node)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise _error_at(f"{node.id} is a function: call it, e.g. {node.id}(x)", source, node)
            if node.id.startswith("__"):
                raise _error_at(f"names starting with '__' are not allowed: {node.id}", source, node)
            if node.id not in variables:
                variables.append(node.id)
        elif isinstance(node, ast.BinOp):
            kind = type(node.op)
            if kind not in _OPERATORS:
                symbol = _REFUSED_OPERATORS.get(kind, type(node.op).__name__)
                raise _operator_at(f"operator {symbol} is not supported; use + - * / **", source, node, symbol)
            inner = powers + 1 if kind is ast.Pow else powers
            if inner > MAX_POWERS:
                raise _operator_at(f"exponent tower too tall: more than {MAX_POWERS} nested **",
                                   source, node, "**")
            stack.append((node.right, depth + 1, inner))
            stack.append((node.left, depth + 1, inner))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                symbol = {ast.Not: "not", ast.Invert: "~"}.get(type(node.op), "?")
                raise _error_at(f"unary {symbol} is not supported; only - and + are", source, node)
            stack.append((node.operand, depth + 1, powers))
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                what = _REFUSED.get(type(func), "this")
                raise _error_at(f"not allowed: calling {what}; only the functions "
                                f"{', '.join(FUNCTIONS)} can be called", source, func)
            if func.id not in FUNCTIONS:
                raise _error_at(f"unknown function {func.id!r}; available: {', '.join(FUNCTIONS)}", source, func)
            if node.keywords:
                raise _error_at(f"{func.id}: keyword arguments are not allowed", source, node.keywords[0].value)
            fewest, most, _ = FUNCTIONS[func.id]
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    raise _error_at(f"{func.id}: '*' unpacking is not allowed", source, arg)
            n = len(node.args)
            if n < fewest or (most is not None and n > most):
                if fewest == most:
                    want = f"{fewest} argument{'s' if fewest != 1 else ''}"
                elif most is None:
                    want = f"at least {fewest} argument{'s' if fewest != 1 else ''}"
                else:
                    want = f"{fewest} or {most} arguments"
                raise _error_at(f"{func.id} takes {want}, got {n}", source, node)
            for arg in reversed(node.args):
                stack.append((arg, depth + 1, powers))
        else:
            what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
            segment = ast.get_source_segment(source, node) or ""
            shown = f" ({segment})" if segment and len(segment) <= 40 and "\n" not in segment else ""
            raise _error_at(f"not allowed: {what}{shown}", source, node)


# ---------------------------------------------------------------------------------------


def evaluate(program: Program | str, values: Mapping[str, float | Value], *, label: bool = True) -> Evaluation:
    """Compute a parsed expression on Values: one leaf per variable, labelled by its name.

    ``values`` maps each variable to a number (or a Value to use as is). With ``label``,
    each intermediate result also gets its source text as label (if short), so drawings
    and explanations name it. Missing values, and domain errors such as ``log(-1)``, raise
    ``ExprError`` pointing at the part concerned.

    >>> evaluate("x * x", {"x": 3}).value.data
    9.0
    """
    if isinstance(program, str):
        program = parse(program)
    source = program.source
    missing = [v for v in program.variables if v not in values]
    if missing:
        first = _first_use(program, missing[0])
        names = ", ".join(missing)
        example = " ".join(f"{v}=<number>" for v in missing)
        message = f"missing value{'s' if len(missing) > 1 else ''} for {names}: give {example}"
        raise _error_at(message, source, first) if first is not None else ExprError(message)
    inputs: dict[str, Value] = {}
    for name in program.variables:
        given = values[name]
        if isinstance(given, Value):
            inputs[name] = given
        elif isinstance(given, (int, float)) and not isinstance(given, bool):
            inputs[name] = Value(float(given), label=name)
        else:
            raise ExprError(f"the value of {name} must be a number, got {type(given).__name__} {given!r}")
    env: dict[str, Value] = dict(inputs)
    names: dict[str, Value] = {}
    result: Value | None = None
    for name, expression in program.steps:
        result = _compute(expression, source, env, label, name)
        if name is not None:
            env[name] = names[name] = result
    assert result is not None  # parse refuses empty programs
    return Evaluation(result, inputs, names)


def _first_use(program: Program, name: str) -> ast.AST | None:
    for _, expression in program.steps:
        for node in ast.walk(expression):
            if isinstance(node, ast.Name) and node.id == name:
                return node
    return None


def _compute(root: ast.expr, source: str, env: dict[str, Value], label: bool, name: str | None) -> Value:
    """Post-order evaluation with an explicit stack; ``root`` has passed ``_check``.

    A new node made for ``name = ...`` is labelled ``name`` (always); with ``label``, the
    other new nodes are labelled with their source text.
    """
    done: dict[int, Value] = {}  # id(ast node) -> its Value; the tree is alive meanwhile
    stack: list[tuple[ast.expr, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            done[id(node)] = Value(float(node.value))  # a constant leaf, like micrograd's
            continue
        if isinstance(node, ast.Name):
            done[id(node)] = env[node.id]
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            # -3 is the constant -3, not neg(3): one leaf in the drawing
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            done[id(node)] = Value(sign * float(node.operand.value))
            continue
        children = ([node.left, node.right] if isinstance(node, ast.BinOp)
                    else [node.operand] if isinstance(node, ast.UnaryOp) else list(node.args))
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        args = [done.pop(id(child)) for child in children]  # syntax-tree nodes are never shared
        try:
            if isinstance(node, ast.BinOp):
                a, b = args
                kind = type(node.op)
                out = (a + b if kind is ast.Add else a - b if kind is ast.Sub else
                       a * b if kind is ast.Mult else a / b if kind is ast.Div else a ** b)
            elif isinstance(node, ast.UnaryOp):
                out = -args[0] if isinstance(node.op, ast.USub) else args[0]
            else:
                out = FUNCTIONS[node.func.id][2](*args)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            raise _error_at(str(error), source, node) from None
        if not out.label and out._edges:
            if node is root and name is not None:
                out.label = name
            elif label:
                text = ast.get_source_segment(source, node)
                if text and len(text) <= LABEL_LENGTH and "\n" not in text:
                    out.label = text
        done[id(node)] = out
    return done[id(root)]


__all__ = ["parse", "evaluate", "Program", "Evaluation", "ExprError", "FUNCTIONS"]
