"""Which ``autograd`` nn runs on: chainrule's, or a clear error when another package took
the name.

HIPS autograd (``pip install autograd``) is also a top-level package named ``autograd``;
pip installs it over chainrule's without a warning, and then ``from autograd import
Value`` fails with a bare "cannot import name 'Value'". ``nn`` turns that error into one
that says what happened and how to fix it (``explained``).

>>> explained(ImportError("something else")).args
('something else',)
"""

from __future__ import annotations

import importlib.metadata
from types import ModuleType


def explained(error: ImportError) -> ImportError:
    """The error ``import nn`` raises: ``error`` itself, unless the ``autograd`` Python
    imports is not chainrule's; then one saying which package took the name."""
    try:
        import autograd
    except ImportError:
        return error
    if hasattr(autograd, "Value"):
        return error
    return ImportError(not_chainrule(autograd))


def not_chainrule(module: ModuleType) -> str:
    """Why ``module`` (imported as ``autograd``) is not chainrule's engine, and the fix."""
    try:
        other = f" (the installed distribution 'autograd' {importlib.metadata.version('autograd')})"
    except importlib.metadata.PackageNotFoundError:
        other = ""
    where = getattr(module, "__file__", None) or "a namespace package"
    return (f"nn: `import autograd` gave {where}{other}, which is not chainrule's engine (it has "
            "no Value). Another package named autograd took the name; most likely HIPS autograd "
            "(`pip install autograd`), which pip installs over chainrule's without a warning. To fix: "
            "`pip uninstall autograd`, then `pip install --force-reinstall chainrule`; to use both, "
            "keep HIPS autograd in another virtual environment")


__all__ = ["explained", "not_chainrule"]
