"""How ``fit`` shows its progress: a tqdm bar in a terminal, one line updated in place in Jupyter.

``progress(epochs, enabled)`` returns an object to iterate over the epochs, with
``set_postfix_str(text)`` (the latest loss and accuracy) and ``close()``:

- in a Jupyter kernel: ``NotebookLine``, one text output updated in place through an
  IPython display handle (no ipywidgets, so no ``IProgress not found`` warning and no
  bar frozen at 0);
- in a terminal: tqdm's bar (``Lines``, a line every tenth of the run, without tqdm);
- ``enabled=None`` (the default) shows it only in a notebook or when stderr is a
  terminal, so pipes, logs and tests stay quiet; ``False`` never.

>>> bar = progress(3, False)
>>> [epoch for epoch in bar], bar.set_postfix_str("loss 0.1"), bar.close()
([0, 1, 2], None, None)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter (IPython) kernel, whose outputs a display handle can update.

    >>> in_notebook()
    False
    """
    shell = sys.modules.get("IPython")
    if shell is None:  # IPython not even imported: certainly no kernel
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


class Lines:
    """The progress display without tqdm: one line to stderr every tenth of the epochs."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.every = max(1, epochs // 10)
        self.epoch = 0

    def __iter__(self) -> Iterator[int]:
        for epoch in range(self.epochs):
            self.epoch = epoch  # set_postfix_str reads which epoch it reports
            yield epoch

    def set_postfix_str(self, text: str) -> None:
        if (self.epoch + 1) % self.every == 0 or self.epoch + 1 == self.epochs:
            print(f"epoch {self.epoch + 1}/{self.epochs}: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class Quiet(Lines):
    """No display at all."""

    def set_postfix_str(self, text: str) -> None:
        pass


class NotebookLine(Lines):
    """One line of text in a Jupyter output, updated in place: ``fit: epoch 3/10 · loss ...``.

    Updated at most every ``seconds`` (and at the last epoch), so a fast loop does not
    flood the notebook with messages.
    """

    def __init__(self, epochs: int, seconds: float = 0.2) -> None:
        super().__init__(epochs)
        from IPython.display import display

        self.seconds = seconds
        self.started = self.shown = time.perf_counter()
        self.handle = display(self._bundle("starting"), raw=True, display_id=True)

    def _bundle(self, text: str) -> dict[str, str]:
        return {"text/plain": f"fit: epoch {self.epoch + 1}/{self.epochs} · {text}"}

    def set_postfix_str(self, text: str) -> None:
        now = time.perf_counter()
        if now - self.shown >= self.seconds or self.epoch + 1 == self.epochs:
            self.shown = now
            done = f" · {now - self.started:.1f} s" if self.epoch + 1 == self.epochs else ""
            self.handle.update(self._bundle(text + done), raw=True)


def progress(epochs: int, enabled: bool | None):
    """The display for ``epochs`` epochs (see the module docstring)."""
    if enabled is False:
        return Quiet(epochs)
    if in_notebook():
        return NotebookLine(epochs)
    if enabled is None and not sys.stderr.isatty():
        return Quiet(epochs)
    try:
        from tqdm import tqdm  # the terminal bar: tqdm.auto would pick the widget in Jupyter
    except ImportError:
        return Lines(epochs)
    return tqdm(range(epochs), desc="fit", unit="epoch")


__all__ = ["progress", "in_notebook", "Lines", "Quiet", "NotebookLine"]
