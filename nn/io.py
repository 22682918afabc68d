"""Save a model to JSON and load it back: atomic writes, strict checks, exact floats.

The file holds a format tag and version, the class name, the constructor arguments
(``model.config()``) and every parameter by its dotted name::

    {"format": "chainrule.nn", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.2355061..., ...}}

Floats are written with ``repr`` (what ``json`` does), the shortest text that reads back as
the same float, so a round trip is exact. Saving writes a temporary file next to the target
and renames it over the target (``os.replace`` is atomic), so a crash leaves either the old
file or the new one, never half of one. Loading checks everything before it changes
anything and raises ``LoadError`` naming the file and the problem.

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

import json
import math
import os
import random
import tempfile
from typing import Any

from .module import REGISTRY, Module, class_key, state_problem

FORMAT = "chainrule.nn"
VERSION = 1
_KEYS = ("format", "version", "class", "config", "parameters")


class LoadError(ValueError):
    """A model file could not be loaded; the message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"cannot load a model from {self.path!r}: {problem}")


# -- saving -------------------------------------------------------------------------------


def save(model: Module, path: str | os.PathLike) -> None:
    """Write ``model``'s architecture and parameters to ``path`` as JSON, atomically.

    Raises ``ValueError`` (before writing anything) if the model cannot be saved: a custom
    activation, or a parameter that is NaN or infinite.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: expected an nn Module, got {type(model).__name__}")
    config = model.config()
    params = model.state_dict()
    for name, x in params.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {name!r} is {x}; a model with NaN or infinite "
                             "parameters cannot be saved (training diverged? lower the learning rate)")
    document = {"format": FORMAT, "version": VERSION, "class": class_key(type(model)),
                "config": config, "parameters": params}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    _write_atomically(os.fspath(path), text)


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` to a temporary file in the target's directory, then rename it over ``path``.

    Same directory, so the rename never crosses file systems (where it would be a copy).
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: the directory {directory!r} does not exist; create it first")
    fd, temp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(temp, path)
    except BaseException:
        try:
            os.remove(temp)
        except FileNotFoundError:
            pass
        raise


# -- loading ------------------------------------------------------------------------------


def _read(path: str | os.PathLike) -> dict[str, Any]:
    """The file's JSON document, checked down to its top-level shape."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as error:
        raise LoadError(path, f"cannot read the file ({error.strerror or error})") from error
    if not raw.strip():
        raise LoadError(path, "the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text (byte {error.start}); is it a model file?") from error
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        raise LoadError(path, f"the key {error.args[0]!r} appears twice in one object") from None
    except json.JSONDecodeError as error:
        ends_early = error.pos >= len(text.rstrip())
        hint = " (the file ends too early: it is truncated)" if ends_early else ""
        raise LoadError(path, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}{hint}") from None
    except RecursionError:
        raise LoadError(path, "not a model file: the JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise LoadError(path, f"expected a JSON object at the top, got {_json_type(document)}")
    if document.get("format") != FORMAT:
        raise LoadError(path, f"not a chainrule model file (its \"format\" should be {FORMAT!r}, "
                              f"got {document.get('format')!r})")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise LoadError(path, f"format version {version!r} is not supported (this chainrule reads version {VERSION})")
    missing = [k for k in _KEYS if k not in document]
    if missing:
        raise LoadError(path, f"missing {', '.join(repr(k) for k in missing)}")
    unexpected = [k for k in document if k not in _KEYS]
    if unexpected:
        raise LoadError(path, f"unexpected key {', '.join(repr(k) for k in unexpected)}")
    if not isinstance(document["class"], str):
        raise LoadError(path, f"\"class\" must be a class name, got {_json_type(document['class'])}")
    if not isinstance(document["config"], dict):
        raise LoadError(path, f"\"config\" must be an object, got {_json_type(document['config'])}")
    if not isinstance(document["parameters"], dict):
        raise LoadError(path, f"\"parameters\" must be an object of name: number, got {_json_type(document['parameters'])}")
    return document


class _DuplicateKey(Exception):
    pass


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


def _parameters(path: str | os.PathLike, document: dict[str, Any], model: Module) -> dict[str, float]:
    """The file's parameters, checked against ``model``'s names (its arrangement)."""
    names = [name for name, _ in model.named_parameters()]
    problem = state_problem(document["parameters"], names)
    if problem:
        raise LoadError(path, problem)
    return document["parameters"]


def load(path: str | os.PathLike) -> Module:
    """Build the model saved in ``path``: its class, its architecture, its parameters.

    Raises ``LoadError`` naming the file and the problem: unreadable, empty, truncated or
    invalid JSON, not a chainrule file, unknown class, invalid architecture, missing or
    extra parameters, a parameter that is not a finite number.
    """
    document = _read(path)
    cls = REGISTRY.get(document["class"])
    if cls is None:
        raise LoadError(path, f"unknown model class {document['class']!r} (known: {', '.join(sorted(REGISTRY))}); "
                              "import the module that defines it before loading")
    config = document["config"]
    given = len(document["parameters"])
    try:
        expected = cls.count_parameters(config)
    except (TypeError, ValueError) as error:
        raise LoadError(path, f"invalid {document['class']} config {json.dumps(config)[:200]}: {error}") from None
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
    except (TypeError, ValueError) as error:
        raise LoadError(path, f"invalid {document['class']} config {json.dumps(config)[:200]}: {error}") from None
    model.load_state_dict(_parameters(path, document, model))
    return model


def load_state(model: Module, path: str | os.PathLike) -> None:
    """Load the parameters in ``path`` into ``model``, which must have the same architecture.

    All checks run first; on any error ``model`` is untouched.
    """
    document = _read(path)
    mine = class_key(type(model))
    if document["class"] != mine:
        raise LoadError(path, f"the file holds a {document['class']}, not a {mine}")
    ours = json.loads(json.dumps(model.config()))  # as JSON would give it back (tuples -> lists)
    if document["config"] != ours:
        raise LoadError(path, f"the architecture differs: the file has {json.dumps(document['config'])}, "
                              f"the model has {json.dumps(ours)}")
    model.load_state_dict(_parameters(path, document, model))
