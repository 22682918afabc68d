"""Shared test settings: the hypothesis profile, the ``slow`` marker, and the CI check for dot.

Hypothesis runs a modest number of examples by default so the whole suite stays quick on
a small machine; ``HYPOTHESIS_PROFILE=thorough pytest`` runs many more.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

# deadline=None: timings on a loaded shared machine vary too much for per-example deadlines.
settings.register_profile(
    "chainrule",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chainrule"))


# Browser tests use the ``browser`` fixture of tests/browser.py (a real headless Chromium);
# it skips locally without one and fails under CI=true. Registered here, once: a test module
# that imported it would get its own session fixture, and two playwright sessions cannot
# run in one process.
from browser import browser  # noqa: E402,F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: a long test (seconds, not milliseconds); runs by default, "
        "deselect with -m 'not slow'",
    )
    # Drawing tests render with the real graphviz `dot`. Locally a missing dot may skip
    # them, but on CI that would hide a broken setup, so stop before running anything.
    if os.environ.get("CI") and shutil.which("dot") is None:
        raise pytest.UsageError(
            "CI is set but graphviz's `dot` program is not on PATH; the drawing tests need "
            "it. Install graphviz (e.g. `apt-get install graphviz`) or put dot on PATH."
        )
