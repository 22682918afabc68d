"""Exercises the engine checks: backprop learned by doing, with the wrong node shown.

Each exercise asks for a piece of backprop (a local derivative, a chain-rule loop, a
topological sort, a loss, a training loop). ``check`` runs the learner's file as ``python
FILE`` would, in a child process with a time and a memory limit, builds the exercise's
graphs with the learner's code and with the reference, and compares them node by node:
a wrong answer is met with the first node that differs (by the views' names), the
expected and given numbers, the reference graph with that node marked, and ``explain``'s
paths for the right number; a right one with the thing worth noticing next.

>>> from autograd import exercises
>>> len(exercises.names()) >= 12, exercises.names()[0]
(True, 'tanh-local')
>>> print(exercises.exercise("tanh-local").start.splitlines()[0])
def tanh_local(x, out):

From a shell: ``chainrule exercises``, ``chainrule exercise NAME --start FILE``,
``chainrule check NAME FILE``. Teachers write their own in the format of
``autograd.exercises.format`` and pass its path wherever a NAME goes.
"""

from __future__ import annotations

import os
from pathlib import Path

from .compare import Difference, first_difference, marked_tree
from .format import Case, Exercise, ExerciseError, load
from .result import Result
from .run import MEMORY_LIMIT, TIME_LIMIT, check_file
from .set import ORDER

_SET = Path(__file__).with_name("set")


def names() -> list[str]:
    """The names of the exercise set, easiest first."""
    return list(ORDER)


def exercise(name: str | os.PathLike | Exercise) -> Exercise:
    """The exercise ``name`` of the set, or the exercise file at a path (a ``.py`` file)."""
    if isinstance(name, Exercise):
        return name
    text = os.fspath(name)
    if text.endswith(".py") or os.sep in text:
        if not Path(text).is_file():
            raise ExerciseError(f"no exercise file {text!r}")
        return load(text)
    if text not in ORDER:
        close = [n for n in ORDER if text.replace("_", "-") in n or n in text]
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ExerciseError(f"no exercise {text!r}{hint} (`chainrule exercises` lists them)")
    return load(_SET / f"{text.replace('-', '_')}.py")


def exercises() -> list[Exercise]:
    """Every exercise of the set, easiest first."""
    return [exercise(n) for n in ORDER]


def check(name: str | os.PathLike | Exercise, file: str | os.PathLike, *, time_limit: float = TIME_LIMIT,
          memory_limit: int = MEMORY_LIMIT) -> Result:
    """Check the solution in ``file`` (see the module docstring). ``time_limit`` is in
    seconds of CPU, ``memory_limit`` in megabytes. In Jupyter the result shows the
    reference graph with the first differing node outlined; ``print`` it in a terminal."""
    return check_file(exercise(name), file, time_limit=time_limit, memory_limit=memory_limit)


__all__ = ["names", "exercise", "exercises", "check", "load", "Case", "Exercise", "ExerciseError", "Result",
           "Difference", "first_difference", "marked_tree", "TIME_LIMIT", "MEMORY_LIMIT"]
