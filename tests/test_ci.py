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
                            script.index('run_readme_command "${commands[0]}"'))
    assert made < activated < ran


def test_ci_lints_and_type_checks_after_the_demo_and_before_the_tests():
    script = (ROOT / ".ci" / "run").read_text()
    demo = script.index('run_readme_command "${commands[0]}"')
    tests = script.index('run_readme_command "${commands[1]}"')
    installed = script.index('pip install -q -e ".[dev]"\n')
    linted, typed = script.index("\nruff check .\n"), script.index("\npython -m mypy\n")
    assert demo < installed < linted < typed < tests
    assert "set -euo pipefail" in script  # so a lint or type error stops CI before the tests
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "[tool.mypy]" in pyproject and "check_untyped_defs = true" in pyproject
    dev = re.search(r"^dev = \[(.*)\]$", pyproject, re.M)
    assert dev and '"ruff' in dev.group(1) and '"mypy' in dev.group(1) and '"pyright' in dev.group(1)
