"""A real headless Chromium for page tests: the ``browser`` fixture.

tests/conftest.py registers the fixture once for every test file (a file must not import it
itself: that would start a second playwright session, which fails). A test that takes
``browser``: ``tab = browser.open(path)`` loads a file (``#step=end`` may follow),
``tab.page`` is playwright's page, and ``tab.check()`` asserts that nothing went wrong:
no console error or warning, no uncaught exception, and no request other than to the
page's own file (every other request is blocked and recorded, so a page that needs the
network fails instead of quietly fetching).

Locally the tests skip with a message when playwright or Chromium is missing; under
``CI=true`` that is a failure, so a broken CI set-up cannot pass by skipping.

Run this file to measure a 500-node page (time to first paint, per-step time, size):
``.venv/bin/python tests/browser.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for path in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}. .ci/run installs "
                    "chromium (apt-get install chromium) and playwright (the dev extra)", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@dataclass
class Tab:
    """One open page and what it did: console messages, uncaught errors, requests."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every request that was not the page's own file

    def check(self) -> None:
        assert not self.errors, f"the page reported errors: {self.errors}"
        assert not self.requests, f"the page made requests it must not: {self.requests}"

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


class Browser:
    """A Chromium with a fresh profile; ``open`` gives a ``Tab`` watched for errors and requests."""

    def __init__(self, context) -> None:
        self.context = context

    def open(self, path: str | os.PathLike, fragment: str = "", *, viewport=(1300, 820)) -> Tab:
        target = Path(path).resolve()
        url = target.as_uri() + (("#" + fragment.lstrip("#")) if fragment else "")
        page = self.context.new_page()
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        tab = Tab(page)

        def route(r) -> None:
            request_url = r.request.url
            if request_url.split("#", 1)[0] == target.as_uri():
                r.continue_()
            else:
                tab.requests.append(request_url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: tab.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
        page.goto(url)
        page.wait_for_load_state("load")
        # A page whose first frame is written in it runs its scripts once that frame is
        # painted; asking for window.chainrule runs them now, so a test finds them done.
        page.evaluate("() => { if (window.chainrule) void window.chainrule.steps; }")
        return tab


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found at /usr/bin/chromium (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="chainrule-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=executable, args=ARGS,
                                                       headless=True)
        try:
            yield Browser(context)
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def _measure() -> None:
    """Build a page of ~500 Values, open it and time first paint and steps."""
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from playwright.sync_api import sync_playwright

    import autograd

    xs = [autograd.Value(0.1 * i, label=f"x{i}") for i in range(72)]
    ws = [autograd.Value(0.05 * (i % 7) - 0.1, label=f"w{i}") for i in range(72)]
    terms = [(x * w).tanh() for x, w in zip(xs, ws)]
    y = terms[0]
    for t in terms[1:]:
        y = y + t * y.sigmoid()
    order = autograd.topological_order(y)
    started = time.perf_counter()
    page = autograd.html(y, edge_labels=True, max_nodes=1000)
    built = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp())
    path = page.save(folder / "big.html")
    print(f"{len(order)} Values, {len(page.steps)} steps; built in {built:.2f} s; "
          f"{path.stat().st_size / 1024:.0f} KiB")
    profile = tempfile.mkdtemp()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=chromium_path(), args=ARGS)
        tab = context.new_page()
        tab.goto(path.as_uri())
        tab.wait_for_load_state("load")
        paint = tab.evaluate("performance.getEntriesByType('paint').map(e => [e.name, e.startTime])")
        print("paint (ms from navigation):", paint)
        per_step = tab.evaluate("""() => {
            const next = document.getElementById('next'), first = document.getElementById('first');
            const n = chainrule.steps; const times = [];
            for (let i = 1; i < n; i++) {
                const t = performance.now(); next.click(); times.push(performance.now() - t);
            }
            const t0 = performance.now(); first.click(); const back = performance.now() - t0;
            const t1 = performance.now(); document.getElementById('last').click(); const end = performance.now() - t1;
            times.sort((a, b) => a - b);
            return {steps: n - 1, median: times[times.length >> 1], max: times[times.length - 1],
                    first: back, last: end};
        }""")
        print("per step (ms, script time of one click):", per_step)
        frame = tab.evaluate("""() => new Promise(done => {
            const next = document.getElementById('first'); next.click();
            const t = performance.now(); document.getElementById('next').click();
            requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));
        })""")
        print(f"one step to the next painted frame: {frame:.1f} ms")
        context.close()


if __name__ == "__main__":
    _measure()
