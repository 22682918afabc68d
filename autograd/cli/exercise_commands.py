"""The exercise commands of ``chainrule`` (see ``autograd.exercises``).

    chainrule exercises                       # the set, one line each
    chainrule exercise tanh-local             # the statement
    chainrule exercise tanh-local --start tanh.py    # ... and a file to start from
    chainrule check tanh-local tanh.py        # 0 right, 1 wrong, 2 the file cannot be used

NAME may also be the path of a teacher's exercise file (``my_exercise.py``).
"""

from __future__ import annotations

import argparse
import sys

from .. import exercises as ex
from .examples import epilog

PROG = "chainrule"


class _Refused(Exception):
    """Bad arguments or an unknown exercise: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(f"{message} (see {self.prog} --help)")


def _parser(command: str) -> _Parser:
    p = _Parser(prog=f"{PROG} {command}", allow_abbrev=False, description=EXERCISE_COMMANDS[command],
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=epilog(command))
    if command in ("exercise", "check"):
        p.add_argument("name", metavar="NAME", help="an exercise of `chainrule exercises`, or an exercise file (.py)")
    if command == "exercise":
        p.add_argument("--start", metavar="FILE", help="also write a file to start from (never over an existing one)")
    if command == "check":
        p.add_argument("file", metavar="FILE", help="your solution, a Python file")
        p.add_argument("--time-limit", type=float, default=ex.TIME_LIMIT, metavar="SECONDS",
                       help=f"CPU seconds the file and the check may take (default {ex.TIME_LIMIT:g})")
        p.add_argument("--memory-limit", type=int, default=ex.MEMORY_LIMIT, metavar="MB",
                       help=f"memory the check may use, in megabytes (default {ex.MEMORY_LIMIT})")
    return p


def _list(args: argparse.Namespace) -> int:
    every = ex.exercises()
    width = max(len(e.name) for e in every)
    for e in every:
        print(f"{e.name:<{width}}  level {e.level}  {e.summary}")
    print(f"\n{len(every)} exercises. `{PROG} exercise NAME --start FILE` to begin, `{PROG} check NAME FILE` to check.")
    return 0


def _show(args: argparse.Namespace) -> int:
    e = ex.exercise(args.name)
    print(f"{e.name} (level {e.level})\n\n{e.statement.strip()}")
    if args.start is not None:
        try:
            with open(args.start, "x", encoding="utf-8") as f:  # "x": never over a file that is there
                f.write(e.start)
        except FileExistsError:
            raise _Refused(f"--start {args.start}: the file is already there and is left as it was; "
                           "give a new name") from None
        except OSError as error:
            raise _Refused(f"--start {args.start}: {error.strerror}") from None
        print(f"\nwrote {args.start}; when it is done: {PROG} check {args.name} {args.start}")
    return 0


def _check(args: argparse.Namespace) -> int:
    if not args.time_limit > 0 or not args.memory_limit > 0:
        raise _Refused("--time-limit and --memory-limit must be positive")
    result = ex.check(args.name, args.file, time_limit=args.time_limit, memory_limit=args.memory_limit)
    print(result)
    return result.exit_code


EXERCISE_COMMANDS = {
    "exercises": "list the exercises, easiest first",
    "exercise": "print an exercise's statement; --start FILE writes a file to start from",
    "check": "check a solution: exit 0 right, 1 wrong (the node and the numbers), 2 the file cannot be used",
}
_RUN = {"exercises": _list, "exercise": _show, "check": _check}


def run(argv: list[str]) -> int:
    """Run one exercise command (``argv[0]`` names it); returns the exit status."""
    command = argv[0]
    try:
        args = _parser(command).parse_args(argv[1:])
        return _RUN[command](args)
    except SystemExit as exit_:  # --help has been printed
        return exit_.code if isinstance(exit_.code, int) else 2
    except (_Refused, ex.ExerciseError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2


__all__ = ["run", "EXERCISE_COMMANDS"]
