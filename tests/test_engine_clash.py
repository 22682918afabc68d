"""HIPS autograd installed over chainrule's (pip warns of nothing): ``import nn`` and, where
the files are mixed, ``import autograd`` say what happened and how to fix it (issue #22)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HIPS_INIT = "from .differential_operators import grad, elementwise_grad\n"
HIPS_OPERATORS = "def grad(fun, argnum=0):\n    return fun\n\nelementwise_grad = grad\n"


def _run(code: str, *path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in path))
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, cwd=path[0])


def test_import_nn_over_hips_autograd_says_what_happened_and_the_fix(tmp_path):
    hips = tmp_path / "site" / "autograd"
    hips.mkdir(parents=True)
    (hips / "__init__.py").write_text(HIPS_INIT)
    (hips / "differential_operators.py").write_text(HIPS_OPERATORS)
    shutil.copytree(ROOT / "nn", tmp_path / "site" / "nn")  # HIPS first on the path, then our nn
    done = _run("import nn", tmp_path / "site", ROOT)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: nn: `import autograd` gave ") and str(hips) in last
    assert "not chainrule's engine" in last and "HIPS autograd" in last
    assert "pip uninstall autograd" in last and "pip install --force-reinstall chainrule" in last


def test_import_autograd_with_hips_files_mixed_in_warns(tmp_path):
    mixed = tmp_path / "site" / "autograd"
    shutil.copytree(ROOT / "autograd", mixed)
    (mixed / "differential_operators.py").write_text(HIPS_OPERATORS)  # left by HIPS's install
    done = _run("import autograd; print(autograd.Value)", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert "holds files of HIPS autograd too" in done.stderr and "pip uninstall autograd chainrule" in done.stderr


def test_our_own_import_is_quiet():
    done = _run("import autograd, nn", ROOT)
    assert done.returncode == 0 and done.stderr == "", done.stderr
