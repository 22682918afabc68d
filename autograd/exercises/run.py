"""Checking a learner's file in a child process with a time and a memory limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .format import Exercise
from .result import Result

TIME_LIMIT = 20.0  # seconds of CPU for loading the file and checking every case
MEMORY_LIMIT = 1024  # megabytes of address space for the child
_OUTPUT_TAIL = 2000  # characters of what the learner's file printed, kept for the verdict


def _tail(path: Path) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - _OUTPUT_TAIL))
        return f.read().decode("utf-8", errors="replace")


def _usable(file: str | os.PathLike) -> str:
    """Why ``file`` cannot be run at all, or ``""``."""
    path = Path(file)
    if not path.exists():
        return f"no file {str(file)!r}"
    if path.is_dir():
        return f"{str(file)!r} is a folder; give the .py file"
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        return f"cannot read {str(file)!r}: {error.strerror}"
    return ""


def check_file(exercise: Exercise, file: str | os.PathLike, *, time_limit: float = TIME_LIMIT,
               memory_limit: int = MEMORY_LIMIT) -> Result:
    """Run ``file`` against ``exercise`` in a child process (see ``autograd.exercises.check``)."""
    if not time_limit > 0 or not memory_limit > 0:
        raise ValueError(f"check: the limits must be positive, got time_limit={time_limit!r}, "
                         f"memory_limit={memory_limit!r}")
    why = _usable(file)
    if why:
        return Result(exercise, str(file), "unusable", why)
    with tempfile.TemporaryDirectory(prefix="chainrule-check-") as tmp:
        verdict, out = Path(tmp, "verdict.json"), Path(tmp, "output.txt")
        command = [sys.executable, "-m", "autograd.exercises.child", str(exercise.path), str(file), str(verdict),
                   str(time_limit), str(int(memory_limit))]
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[2])  # the checkout or site-packages holding autograd
        env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        with open(out, "wb") as sink:
            # A session of its own, so a wall-clock overrun kills whatever the file started too.
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, env=env,
                                     start_new_session=True)
            try:
                # CPU time is limited in the child; the wall clock (sleep, input) here, with room to start.
                code = child.wait(timeout=2 * time_limit + 5)
            except subprocess.TimeoutExpired:
                _kill(child)
                return Result(exercise, str(file), "unusable",
                              f"it did not finish within {2 * time_limit + 5:g} s (wall clock); an endless loop, "
                              "or waiting for input?", output=_tail(out))
            finally:
                _kill(child)
        printed = _tail(out)
        if verdict.exists():
            data = json.loads(verdict.read_text(encoding="utf-8"))
            status, message = data.pop("status"), data.pop("message")
            keep = {k: v for k, v in data.items() if k in Result.__dataclass_fields__}
            return Result(exercise, str(file), status, message, output=printed if status != "right" else "", **keep)
    over_time = {-getattr(signal, "SIGXCPU", signal.SIGKILL), -signal.SIGKILL}  # RLIMIT_CPU's soft, hard ends
    if code in over_time:
        why = f"it used more than the time limit ({time_limit:g} s of CPU); an endless loop?"
    elif code < 0:
        why = f"it was stopped by signal {-code} ({signal.Signals(-code).name}); out of memory?"
    else:
        why = f"it ended the checking process itself (exit status {code}), e.g. with os._exit"
    return Result(exercise, str(file), "unusable", why, output=printed)


def _kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            child.kill()
        child.wait()


__all__ = ["check_file", "TIME_LIMIT", "MEMORY_LIMIT"]
