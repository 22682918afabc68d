"""CI runs what the README tells a new user to run, in a fresh virtual environment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README.md's Set-up has no sh block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_the_readmes_two_commands_as_written():
    listed = subprocess.run(["bash", str(ROOT / ".ci" / "run"), "--commands"], capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    commands = listed.stdout.splitlines()
    assert commands == [line for line in setup_block() if line.startswith("pip install -e")]
    demo, tests = commands
    assert demo.startswith('pip install -e ".[demos]"') and "python -m demos." in demo
    assert tests == 'pip install -e ".[dev]" && python -m pytest'


def test_the_readme_makes_and_activates_a_venv_before_installing_and_so_does_ci():
    lines = setup_block()
    venv = next(i for i, line in enumerate(lines) if "-m venv" in line and "activate" in line)
    assert venv < min(i for i, line in enumerate(lines) if line.startswith("pip install"))
    script = (ROOT / ".ci" / "run").read_text()
    made, activated, ran = (script.index('-m venv "$work/venv"'), script.index('. "$work/venv/bin/activate"'),
                            script.index('bash -c "set -e; $command"'))
    assert made < activated < ran


def test_ci_lints_with_the_dev_extras_ruff_after_installing_it():
    script = (ROOT / ".ci" / "run").read_text()
    assert "\nruff check .\n" in script
    assert script.index('bash -c "set -e; $command"') < script.index("\nruff check .\n")
    pyproject = (ROOT / "pyproject.toml").read_text()
    dev = re.search(r"^dev = \[(.*)\]$", pyproject, re.M)
    assert dev and '"ruff' in dev.group(1), "ruff must be in the dev extra, which CI installs before linting"
