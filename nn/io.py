"""Save a model to JSON and load it back: atomic writes, strict checks, exact floats.

The file holds a format tag and version, the class name, the constructor arguments
(``model.config()``) and every parameter by its dotted name::

    {"format": "chainrule.nn", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.2355061..., ...}}

Floats are written with ``repr`` (what ``json`` does), the shortest text that reads back as
the same float, so a round trip is exact. Saving goes through ``autograd.files.write_atomic``:
a crash leaves either the old file or the new one, never half of one; a symlink is written
through to its target; the replaced file keeps its permissions and owner. Loading reads only
a regular file of at most ``MAX_FILE_BYTES`` (never blocking on a FIFO or reading
/dev/zero), checks everything before it changes anything and raises ``LoadError`` naming
the file and the problem.

This module owns the format: the ``REGISTRY`` of classes a file can name, their
``class_key``, and ``state_problem``, the check of a set of parameters. ``nn.Module``
builds on it (registering each subclass, and its ``save`` / ``load_state`` methods call
the functions here); this module needs no ``Module``, only the few methods in ``Saveable``.

>>> import os, tempfile
>>> from nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> model.save(path)
>>> twin = load(path)
>>> twin.state_dict() == model.state_dict(), repr(twin) == repr(model)
(True, True)
"""

from __future__ import annotations

import errno
import json
import math
import os
import random
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from autograd import files

FORMAT = "chainrule.nn"
VERSION = 1
MAX_FILE_BYTES = 128 * 2 ** 20  # a model file larger than this is refused (about 2.5M parameters)
MAX_INT_DIGITS = 18  # JSON integers with more digits are refused (no int in a model file is that large)
_KEYS = ("format", "version", "class", "config", "parameters")


class LoadError(ValueError):
    """A model file could not be loaded; the message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"cannot load a model from {self.path!r}: {problem}")


@runtime_checkable
class Saveable(Protocol):
    """What the file format needs of a model (every ``nn.Module`` has it)."""

    def config(self) -> dict[str, Any]: ...
    def state_dict(self) -> dict[str, float]: ...
    def named_parameters(self) -> list: ...
    def load_state_dict(self, state: Mapping[str, float], where: str = ...) -> None: ...


# -- the classes a file can name ----------------------------------------------------------

# Every model class by the name its files give it, so ``load`` can rebuild a model.
# ``nn.Module`` adds each subclass as it is defined.
REGISTRY: dict[str, type] = {}


def class_key(cls: type) -> str:
    """"MLP" for nn's own classes, "package.module.Name" for anyone else's.

    The full name for other classes, so a user's own ``class MLP(Module)`` can never be
    mistaken for nn's when a file is loaded.

    >>> from nn import MLP
    >>> class_key(MLP), class_key(json.JSONDecoder)
    ('MLP', 'json.decoder.JSONDecoder')
    """
    if cls.__module__.split(".")[0] == "nn":
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type) -> None:
    """Let files name ``cls`` (under ``class_key(cls)``) so ``load`` can rebuild it."""
    REGISTRY[class_key(cls)] = cls


def state_problem(state: object, names: list[str]) -> str:
    """What is wrong with ``state`` as the parameters named ``names``, or '' if nothing.

    Shared by ``Module.load_state_dict`` and the file loader so both check the same things.

    >>> state_problem({"w": 1.0}, ["w", "b"])
    "1 parameters given, the model has 2; missing 'b'"
    """
    if not isinstance(state, Mapping):
        return f"parameters must be a mapping of name to number, got {type(state).__name__}"
    missing = [n for n in names if n not in state]
    expected = set(names)
    unexpected = [str(k) for k in state if k not in expected]
    if missing or unexpected:
        parts = [f"{len(state)} parameters given, the model has {len(names)}"]
        if missing:
            parts.append(f"missing {_some(missing)}")
        if unexpected:
            parts.append(f"unexpected {_some(unexpected)}")
        return "; ".join(parts)
    for name in names:
        x = state[name]
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return f"parameter {name!r} must be a number, got {type(x).__name__} {_short_repr(x)}"
        try:
            finite = math.isfinite(x)
        except OverflowError:  # an int past float's range
            return f"parameter {name!r} is an integer too large for a float (about 2**{x.bit_length()})"
        if not finite:
            return f"parameter {name!r} is {x}, not a finite number"
    return ""


def _some(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(_short_repr(n, 100) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _clipped(error: Exception, limit: int = 300) -> str:
    text = str(error)
    return text if len(text) <= limit else text[:limit] + "..."


def _shown_json(x: object, limit: int = 200) -> str:
    text = json.dumps(x)
    return text if len(text) <= limit else text[:limit] + "..."


def _short_repr(x: object, limit: int = 40) -> str:
    try:
        text = repr(x)
    except ValueError:  # an int too long to print
        return "(too long to show)"
    return text if len(text) <= limit else text[:limit] + "..."


# -- saving -------------------------------------------------------------------------------


def save(model: Saveable, path: str | os.PathLike) -> None:
    """Write ``model``'s architecture and parameters to ``path`` as JSON, atomically.

    Through a symlink to its target; an existing file keeps its permissions and owner
    (see ``autograd.files.write_atomic``). Raises ``ValueError`` (before writing anything)
    if the model cannot be saved: a custom activation, or a parameter that is NaN or
    infinite.
    """
    if not isinstance(model, Saveable):
        raise TypeError(f"save: expected an nn Module, got {type(model).__name__}")
    _check_path(path, "save")
    config = model.config()
    params = model.state_dict()
    for name, x in params.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {name!r} is {x}; a model with NaN or infinite "
                             "parameters cannot be saved (training diverged? lower the learning rate)")
    document = {"format": FORMAT, "version": VERSION, "class": class_key(type(model)),
                "config": config, "parameters": params}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    try:
        files.write_atomic(path, text)
    except FileNotFoundError as error:
        raise FileNotFoundError(error.errno, f"save: the directory {error.filename!r} does not exist; "
                                             "create it first", error.filename) from None


# -- loading ------------------------------------------------------------------------------


def _check_path(path: object, where: str) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{where}: path must be a file name (a str or pathlib.Path), got {type(path).__name__}")


def _read(path: str | os.PathLike) -> dict[str, Any]:
    """The file's JSON document, checked down to its top-level shape."""
    _check_path(path, "load")
    document = _json_document(path, _read_text(path))
    _check_shape(path, document)
    return document


def _read_text(path: str | os.PathLike) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, not empty, UTF-8."""
    try:
        raw = files.read_limited(path, MAX_FILE_BYTES)
    except files.FileRefusedError as error:
        if error.errno == errno.EFBIG:
            raise LoadError(path, f"{error.strerror} (nn.io.MAX_FILE_BYTES); is it a model file?") from None
        raise LoadError(path, f"{error.strerror}; give the path of a model file") from None
    except OSError as error:
        raise LoadError(path, f"cannot read the file ({error.strerror or error})") from error
    if not raw.strip():
        raise LoadError(path, "the file is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text (byte {error.start}); is it a model file?") from error


def _json_document(path: str | os.PathLike, text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_small_int)
    except _DuplicateKey as error:
        raise LoadError(path, f"the key {_short_repr(error.args[0])} appears twice in one object") from None
    except _HugeInteger as error:
        raise LoadError(path, f"an integer of {error.args[0]:,} digits ({error.args[1]}...) is too large; "
                              f"numbers in a model file have at most {MAX_INT_DIGITS} digits "
                              "before the decimal point or are written as floats") from None
    except json.JSONDecodeError as error:
        ends_early = error.pos >= len(text.rstrip())
        hint = " (the file ends too early: it is truncated)" if ends_early else ""
        where = f"line {error.lineno}, column {error.colno}"
        raise LoadError(path, f"not valid JSON: {error.msg} at {where}{hint}") from None
    except RecursionError:
        raise LoadError(path, "not a model file: the JSON is nested too deeply") from None


def _check_shape(path: str | os.PathLike, document: Any) -> None:
    """The top level: a chainrule object of our version with exactly the keys we write."""
    if not isinstance(document, dict):
        raise LoadError(path, f"expected a JSON object at the top, got {_json_type(document)}")
    if document.get("format") != FORMAT:
        raise LoadError(path, f"not a chainrule model file (its \"format\" should be {FORMAT!r}, "
                              f"got {_short_repr(document.get('format'))})")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise LoadError(path, f"format version {_short_repr(version)} is not supported "
                              f"(this chainrule reads version {VERSION})")
    missing = [k for k in _KEYS if k not in document]
    if missing:
        raise LoadError(path, f"missing {', '.join(repr(k) for k in missing)}")
    unexpected = [k for k in document if k not in _KEYS]
    if unexpected:
        raise LoadError(path, f"unexpected key {_some(unexpected)}")
    if not isinstance(document["class"], str):
        raise LoadError(path, f"\"class\" must be a class name, got {_json_type(document['class'])}")
    if not isinstance(document["config"], dict):
        raise LoadError(path, f"\"config\" must be an object, got {_json_type(document['config'])}")
    if not isinstance(document["parameters"], dict):
        raise LoadError(path, f"\"parameters\" must be an object of name: number, "
                              f"got {_json_type(document['parameters'])}")


class _DuplicateKey(Exception):
    pass


class _HugeInteger(Exception):
    pass


def _small_int(text: str) -> int:
    # json's default int() fails past 4,300 digits (ValueError) and such an int overflows
    # float() later; no integer in a model file has more than a few digits.
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _HugeInteger(digits, text[:12])
    return int(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; two values for one parameter is an error.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _json_type(x: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(x), type(x).__name__)


def _parameters(path: str | os.PathLike, document: dict[str, Any], model: Saveable) -> dict[str, float]:
    """The file's parameters, checked against ``model``'s names (its arrangement)."""
    names = [name for name, _ in model.named_parameters()]
    problem = state_problem(document["parameters"], names)
    if problem:
        raise LoadError(path, problem)
    return document["parameters"]


def load(path: str | os.PathLike) -> Saveable:
    """Build the model saved in ``path``: its class, its architecture, its parameters.

    Raises ``LoadError`` naming the file and the problem: unreadable, empty, truncated or
    invalid JSON, not a chainrule file, unknown class, invalid architecture, missing or
    extra parameters, a parameter that is not a finite number.
    """
    document = _read(path)
    cls = REGISTRY.get(document["class"])
    if cls is None:
        known = ", ".join(sorted(REGISTRY))
        raise LoadError(path, f"unknown model class {_short_repr(document['class'])} (known: {known}); "
                              "import the module that defines it before loading")
    config = document["config"]
    given = len(document["parameters"])
    try:
        expected = cls.count_parameters(config)
    except (TypeError, ValueError, ArithmeticError) as error:
        raise LoadError(path, f"invalid {document['class'][:80]} config {_shown_json(config)}: "
                              f"{_clipped(error)}") from None
    # A file asking for a billion parameters is refused before we build them. Up to about
    # the file's own size, building is cheap, and then the error can name what is missing.
    if expected is not None and expected > 2 * given + 16:
        raise LoadError(path, f"the architecture in \"config\" has {expected} parameters but the file lists {given}")
    try:
        # The initial weights are overwritten below; loading must not move the global
        # random state that a user's seeded script relies on, so it is put back.
        state = random.getstate()
        try:
            model = cls(**config)
        finally:
            random.setstate(state)
    except (TypeError, ValueError, ArithmeticError) as error:
        raise LoadError(path, f"invalid {document['class'][:80]} config {_shown_json(config)}: "
                              f"{_clipped(error)}") from None
    model.load_state_dict(_parameters(path, document, model))
    return model


def load_state(model: Saveable, path: str | os.PathLike) -> None:
    """Load the parameters in ``path`` into ``model``, which must have the same architecture.

    All checks run first; on any error ``model`` is untouched.
    """
    document = _read(path)
    mine = class_key(type(model))
    if document["class"] != mine:
        raise LoadError(path, f"the file holds a {document['class'][:80]}, not a {mine}")
    ours = json.loads(json.dumps(model.config()))  # as JSON would give it back (tuples -> lists)
    if document["config"] != ours:
        raise LoadError(path, f"the architecture differs: the file has {_shown_json(document['config'])}, "
                              f"the model has {_shown_json(ours)}")
    model.load_state_dict(_parameters(path, document, model))
