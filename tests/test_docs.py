"""The examples in the README, in every docs page and in every docstring run, and print what
they show; every relative link in them points at a file of the repository."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _modules() -> list[str]:
    """Every module of the three packages, subpackages included (``autograd.views.draw``,
    ``autograd.cli.expr``...), except ``__main__`` modules, which run a program on import.

    This is ``pkgutil.walk_packages`` without its imports: it lists each package folder with
    ``iter_modules`` and descends into subpackages itself, so a module that fails to import
    fails its own test below instead of stopping the whole file from being collected."""
    names = []
    stack = [(package, ROOT / package) for package in ("nn", "demos", "autograd")]
    while stack:
        package, folder = stack.pop()
        names.append(package)
        for m in pkgutil.iter_modules([str(folder)], prefix=f"{package}."):
            if m.ispkg:
                stack.append((m.name, folder / m.name.rsplit(".", 1)[-1]))
            elif m.name.rsplit(".", 1)[-1] != "__main__":
                names.append(m.name)
    return sorted(names)


def test_modules_of_subpackages_are_collected():
    names = _modules()
    assert "autograd.views.draw" in names and "autograd.cli.expr" in names
    assert not any(name.endswith("__main__") for name in names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that render write their files here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (run with -s to see)"


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _python_blocks(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if ">>>" in b]


def test_pages_are_there():
    names = {_page_id(p) for p in PAGES}
    for name in ("engine", "seeing", "nn", "demos", "performance"):
        assert f"docs/{name}.md" in names


def test_readme_has_repl_examples():
    assert len(_python_blocks(ROOT / "README.md")) >= 1


def test_readme_is_at_most_250_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples_run(page, tmp_path, monkeypatch):
    # One namespace for all blocks of a page, as a reader typing them into one session would have.
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    parser = doctest.DocTestParser()
    name = _page_id(page)
    for index, block in enumerate(_python_blocks(page)):
        test = parser.get_doctest(block, namespace, f"{name} block {index}", name, 0)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # DocTest works on a copy: carry it to the next block
        assert runner.failures == 0, f"{name} python block {index} does not print what it shows:\n{block}"


def _console_sessions(page: Path) -> list[tuple[str, str]]:
    """(command, the output shown under it) for each ``$ chainrule ...`` line of the page's
    ``console`` blocks; ``chainrule repl`` is left out (it waits for a person)."""
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            if command.startswith("chainrule") and not command.startswith("chainrule repl"):
                sessions.append((command, output))
    return sessions


CONSOLE = [(page, command, output) for page in PAGES for command, output in _console_sessions(page)]


def test_console_sessions_are_found():
    assert len(CONSOLE) >= 4


@pytest.mark.parametrize(("page", "command", "output"), CONSOLE,
                         ids=[f"{_page_id(p)}: {c[:40]}" for p, c, _ in CONSOLE])
def test_console_sessions_print_what_they_show(page, command, output, tmp_path):
    # The command as a reader types it into bash, with `chainrule` the module of this checkout.
    # stderr goes to stdout, so errors and later output interleave as a terminal shows them.
    script = f'exec 2>&1\nchainrule() {{ "{sys.executable}" -m autograd "$@"; }}\n{command}\n'
    result = subprocess.run(["bash", "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.stdout == output, f"{_page_id(page)}: $ {command}"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _relative_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links inside code blocks are code
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_link_pattern_finds_links():
    page = ROOT / "README.md"
    assert "docs/img/neuron.svg" in _relative_links(page)
    assert "docs/engine.md" in _relative_links(page)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes for a page's headings: lower case, punctuation dropped,
    spaces as hyphens (``## Set-up`` -> ``set-up``)."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    headings = re.findall(r"^#+ +(.+?) *$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_anchors_follow_github():
    assert {"set-up", "a-repl-session"} <= _anchors(ROOT / "README.md")


def _missing_links(page: Path) -> list[str]:
    missing = []
    for target in _relative_links(page):
        path, _, anchor = unquote(target).partition("#")
        file = (page.parent / path).resolve() if path else page  # "#anchor": this page
        if not file.exists():
            missing.append(target)
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            missing.append(target)
    return missing


def test_broken_links_are_caught(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Page\n[ok](other.md#a-part) [top](#page) ![gone](img/gone.svg) "
                    "[no part](other.md#nowhere) [web](https://example.org/x.md)\n"
                    "```sh\n[in code](not/a/link.md)\n```\n", encoding="utf-8")
    assert _missing_links(page) == ["img/gone.svg", "other.md#nowhere"]


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page):
    missing = _missing_links(page)
    assert not missing, f"{_page_id(page)} links to files or headings that are not there: {missing}"
