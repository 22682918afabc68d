"""The examples in the README and in every docstring run, and print what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = []
    for package in ("autograd", "nn", "demos"):
        names.append(package)
        path = [str(ROOT / package)]
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if m.name != "__main__"]
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that render write their files here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (run with -s to see)"


def _readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if ">>>" in b]


def test_readme_has_repl_examples():
    assert len(_readme_blocks()) >= 3


def test_readme_examples_run(tmp_path, monkeypatch):
    # One namespace for all blocks, as a reader typing them into one session would have.
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    parser = doctest.DocTestParser()
    for index, block in enumerate(_readme_blocks()):
        test = parser.get_doctest(block, namespace, f"README block {index}", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # DocTest works on a copy: carry it to the next block
        assert runner.failures == 0, f"README python block {index} does not print what it shows:\n{block}"
