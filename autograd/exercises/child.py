"""The child process that runs a learner's file (``python -m autograd.exercises.child``).

It is started by ``autograd.exercises.check`` with the exercise file, the learner's file,
where to write the verdict (JSON) and the limits; it limits its own memory and CPU time
(``resource.setrlimit``) before it reads the learner's file, runs that file as ``python
FILE`` would (as ``__main__``, its folder first on ``sys.path``), builds the exercise's
cases with it and with the reference, and writes what it found. A learner's code never
runs in the process that called ``check``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from pathlib import Path


def _limit(seconds: float, megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's wall-clock limit still holds
        return
    cpu = max(1, math.ceil(seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    size = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _where(error: BaseException, file: str) -> str:
    """`` (line N)`` of the deepest frame in the learner's file, or ``""``."""
    line = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == file:
            line = f" (line {frame.lineno}: {(frame.line or '').strip()[:80]})"
    return line


def _error_text(error: BaseException) -> str:
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run(exercise_file: str, solution_file: str) -> dict:
    """The verdict on ``solution_file`` as a dict (see ``autograd.exercises.result.Result``)."""
    from . import compare
    from .format import MissingName, Solution, load, run_source

    exercise = load(exercise_file)
    file = os.path.abspath(solution_file)
    start = f"chainrule exercise {exercise.name} --start FILE"
    try:
        source = Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return {"status": "unusable", "message": f"{solution_file} is not UTF-8 text; save it as UTF-8"}
    # The reference first: whatever the learner's file does to the modules it imports cannot touch it.
    expected = exercise.reference_cases()
    sys.path.insert(0, os.path.dirname(file))
    sys.argv = [solution_file]
    try:
        names = run_source(source, file)
    except SyntaxError as error:
        return {"status": "unusable", "message": f"{solution_file} line {error.lineno}: {error.msg}; "
                                                 "fix it so that `python FILE` runs"}
    except MemoryError:
        raise
    except SystemExit as error:
        return {"status": "unusable", "message": f"{solution_file} called exit({error.code!r}) while it was "
                                                 "being run; let it end normally so its functions can be checked"}
    except BaseException as error:  # the learner's file failed while running: say where, no traceback
        return {"status": "unusable", "message": f"{solution_file} raised {_error_text(error)}{_where(error, file)} "
                                                 "while it was being run (as `python FILE`)"}
    given: list = []
    raised = None
    try:
        for case in exercise.cases(Solution(names)):  # a generator: an error is met at its case
            given.append(case)
    except MissingName as error:
        return {"status": "unusable", "message": f"{solution_file} defines no {error.name!r}; the exercise "
                                                 f"needs it (`{start}` writes a file to start from)"}
    except MemoryError:
        raise
    except Exception as error:  # their code raised on a case: a wrong answer, named by the case's output
        raised = error
    if len(given) > len(expected) or (raised is None and len(given) != len(expected)):
        return {"status": "unusable", "message": f"the exercise made {len(given)} cases from {solution_file} "
                                                 f"and {len(expected)} from the reference"}
    for i, (want, got) in enumerate(zip(expected, given)):
        diff = compare.first_difference(want, got, exercise.compare)
        if diff is not None:
            return _wrong(exercise, expected, i, diff)
    if raised is not None:
        k = min(len(given), len(expected) - 1)
        case = expected[k]
        order = compare.topological_order(case.root) if case.root is not None else []
        node = compare.node_names(order)[-1] if order else case.title
        note = f"your code raised {_error_text(raised)}{_where(raised, file)}"
        diff = compare.Difference(case.title, node, "raised", row=len(order) - 1 if order else None, note=note)
        return _wrong(exercise, expected, k, diff)
    return {"status": "right", "message": f"{exercise.name}: right", "notice": exercise.notice}


def _wrong(exercise, expected, i: int, diff) -> dict:
    from ..views.explain import explain
    from . import compare

    case = expected[i]
    tree = explanation = ""
    if case.root is not None and diff.row is not None:
        order = compare.topological_order(case.root)
        node = order[diff.row]
        if diff.what in ("data", "grad", "missing"):
            mark = (f"yours: {diff.given:.10g}" if diff.given is not None else "missing in yours")
            tree = compare.marked_tree(case.root, diff.row, mark)
        if diff.what == "grad" and len(order) <= 2000:
            explanation = explain(case.root, node, top=3).text
        elif diff.what == "data" and node.parents:
            names = compare.node_names(order)
            inputs = ", ".join(f"{names[order.index(p)]} = {p.data!r}" for p in node.parents)
            explanation = f"The reference computes {diff.node} = {node.op}({inputs}) = {node.data!r}"
    return {"status": "wrong", "message": compare.describe(diff), "case": diff.case, "case_index": i,
            "node": diff.node, "what": diff.what, "expected": diff.expected, "given": diff.given, "row": diff.row,
            "tree": tree, "explanation": explanation[:4000]}


def main(argv: list[str]) -> int:
    exercise_file, solution_file, out, seconds, megabytes = argv
    _limit(float(seconds), int(megabytes))
    try:
        verdict = run(exercise_file, solution_file)
    except MemoryError:
        verdict = {"status": "unusable", "message": f"{solution_file} used more than the memory limit "
                                                    f"({megabytes} MB); a huge list or an endless growth?"}
    except Exception as error:
        verdict = {"status": "unusable", "message": f"the check itself failed ({_error_text(error)}); this is a "
                                                    "fault of the exercise or of chainrule, not of your file"}
    Path(out).write_text(json.dumps(verdict), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
