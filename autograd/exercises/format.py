"""An exercise as a teacher writes it: one Python file, read by ``load``.

The file's docstring is the statement (its first line the one-line summary ``chainrule
exercises`` lists); the names below are read from it:

- ``LEVEL``: 1 (first steps) to 5, the order of the list;
- ``START``: the text of the learner's starting file (``chainrule exercise NAME --start FILE``);
- ``REFERENCE``: the text of a right solution; the numbers a learner's are compared with come
  from it, run through the same ``cases``;
- ``cases(solution)``: the graphs to compare, built with the functions and names the solution
  file defines (``solution.tanh_local``): a list of ``Case(title, root, numbers)``, each
  root's data and gradients filled in (usually by ``root.backward()``);
- ``COMPARE`` (optional, default ``"graph"``): ``"graph"`` compares every node when the
  learner's graph has the reference's shape (else the labelled ones), a tuple of labels
  compares only those nodes;
- ``NOTICE``: what a right answer is told to look at next.

>>> from autograd.exercises import exercise
>>> e = exercise("tanh-local")
>>> e.name, e.level, e.summary
('tanh-local', 1, "tanh's local derivative: what tanh hands back to its input")
"""

from __future__ import annotations

import importlib.util
import os
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..value import Value


class Case(NamedTuple):
    """One graph to compare: a title (``"the neuron"``), its root with data and gradients
    filled in (or ``None``), and named numbers that are not nodes (``{"w5 after the step": ...}``)."""

    title: str
    root: Value | None
    numbers: Mapping[str, float] = {}


class ExerciseError(ValueError):
    """An exercise file that does not follow the format (a teacher's mistake)."""


class MissingName(AttributeError):
    """The learner's file does not define a name the exercise uses."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Solution:
    """A solution file's names as attributes; a missing one raises ``MissingName``."""

    def __init__(self, names: Mapping[str, object]) -> None:
        self._names = dict(names)

    def __getattr__(self, name: str) -> object:
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise MissingName(name) from None


@dataclass(frozen=True)
class Exercise:
    """An exercise read from its file (see the module docstring)."""

    name: str
    path: Path
    level: int
    statement: str
    start: str
    reference: str
    notice: str
    compare: str | tuple[str, ...]
    cases: Callable[[Solution], list[Case]]

    @property
    def summary(self) -> str:
        return self.statement.strip().splitlines()[0].rstrip(".")

    def reference_solution(self) -> Solution:
        """The names the reference defines, run as a file of its own."""
        return Solution(run_source(self.reference, f"<reference of {self.name}>"))

    def reference_cases(self) -> list[Case]:
        return _cases(self, self.reference_solution())


def run_source(text: str, filename: str) -> dict[str, object]:
    """Run ``text`` as the main module of a program (as ``python FILE`` does); its names."""
    module = types.ModuleType("__main__")
    module.__file__ = filename
    exec(compile(text, filename, "exec"), module.__dict__)  # the exercise's own reference, not user text
    return module.__dict__


def _cases(e: Exercise, solution: Solution) -> list[Case]:
    cases = list(e.cases(solution))
    for c in cases:
        if not isinstance(c, Case):
            raise ExerciseError(f"{e.path}: cases() must return Case(title, root, numbers) items, "
                                f"got {type(c).__name__}")
    return cases


def load(path: str | os.PathLike) -> Exercise:
    """Read the exercise file at ``path`` (a teacher's own, or one of the set)."""
    path = Path(path)
    name = path.stem.replace("_", "-")
    spec = importlib.util.spec_from_file_location(f"chainrule_exercise_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ExerciseError(f"{path}: not a Python file; an exercise is a .py file (see docs/exercises.md)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # a teacher's exercise file: code they chose to run
    missing = [n for n in ("LEVEL", "START", "REFERENCE", "cases") if not hasattr(module, n)]
    if missing or not module.__doc__:
        what = ", ".join(missing + ([] if module.__doc__ else ["a docstring (the statement)"]))
        raise ExerciseError(f"{path}: an exercise file needs {what} (see docs/exercises.md)")
    compare = getattr(module, "COMPARE", "graph")
    if compare != "graph" and not (isinstance(compare, tuple) and all(isinstance(c, str) for c in compare)):
        raise ExerciseError(f"{path}: COMPARE must be \"graph\" or a tuple of labels, got {compare!r}")
    return Exercise(name, path, int(module.LEVEL), module.__doc__, module.START, module.REFERENCE,
                    getattr(module, "NOTICE", ""), compare, module.cases)


__all__ = ["Case", "Exercise", "ExerciseError", "MissingName", "Solution", "load", "run_source"]
