"""Watching a model learn: snapshots while it trains, live panels in Jupyter, a replay page.

The modules, in the order a snapshot travels:

- ``record``: ``Recorder(model)`` keeps bounded, evenly spread snapshots of the loss, the
  parameters and their gradients (``from nn import Recorder`` is the usual spelling);
- ``panels``: the training panels as SVG, one ``View`` laid out once with a small *frame*
  of numbers per snapshot;
- ``watch``: ``Live``, those panels updated in place in a Jupyter output;
- ``replay`` (with ``replay.js``): the offline replay page on autograd's step player;
- ``progress``: how ``fit`` shows its progress (tqdm in a terminal, one line in Jupyter).

>>> import nn
>>> from nn.watching.panels import View
>>> nn.Recorder.__module__, View.__module__
('nn.watching.record', 'nn.watching.panels')

These modules lived directly in ``nn`` before (``nn.record``, ``nn.panels``, ...). Those
paths still import, with a ``DeprecationWarning`` naming the new one: ``moved_finder``
below answers for them, so a recorder pickled under its old module path loads too.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

from .record import Recorder

__all__ = ["Recorder", "MOVED"]

# Old module path -> where it lives now.
MOVED = {f"nn.{name}": f"nn.watching.{name}" for name in ("record", "panels", "replay", "watch", "progress")}


def moved_module(old: str, stacklevel: int = 2) -> ModuleType:
    """The module an old path names, after a ``DeprecationWarning`` saying where it went."""
    new = MOVED[old]
    warnings.warn(f"{old} moved to {new}; import it from there", DeprecationWarning, stacklevel=stacklevel + 1)
    return importlib.import_module(new)


class _MovedLoader(importlib.abc.Loader):
    """Loads an old path as the module it moved to (the same module object, not a copy)."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # warnings skips the import system's own frames, so this points at the import line.
        module = moved_module(spec.name, stacklevel=2)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Already executed under its new name; the import system has just set the old
        # path's spec on it, so give it back its own (importlib.reload reads it).
        module.__spec__ = self.spec


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _MovedLoader())
        return None


moved_finder = _MovedFinder()
if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
    # First, so that a stale nn/record.py elsewhere on the path (an older install, an
    # editable install of another checkout) cannot answer for the old name instead.
    sys.meta_path.insert(0, moved_finder)
