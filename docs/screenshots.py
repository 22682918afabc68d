"""The step-through page's screenshots in README.md and docs/seeing.md, retaken.

``python docs/screenshots.py`` (from the repository's root; needs graphviz's ``dot``,
Chromium at /usr/bin/chromium or $CHROMIUM, and playwright, the dev extra) builds the
pages and writes, at 1280x720:

- ``docs/img/page_neuron_step2.png``: micrograd's neuron at step 2 (tanh hands 0.5 back);
- ``docs/img/page_neuron_end.png``: the same page at its end, ``x1``'s panel open and its
  path lit;
- ``docs/img/page_mlp_collapsed.png``: a two-sample 2-4-4-1 MLP loss with ``collapse=2``,
  at the step where ``mlp/layer1``'s box hands gradients back, with its parameters named.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import autograd  # noqa: E402
from examples import mlp_loss, neuron_graph  # noqa: E402  (the tests' graphs, one definition)

SIZE = {"width": 1280, "height": 720}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from browser import ARGS, chromium_path

    out = ROOT / "docs" / "img"
    folder = Path(tempfile.mkdtemp(prefix="chainrule-shots-"))
    autograd.html(neuron_graph(), folder / "neuron.html", edge_labels=True)
    mlp = autograd.html(mlp_loss(), folder / "mlp.html", edge_labels=True, collapse=2)
    box = next(k for k, s in enumerate(mlp.steps) if s.back and s.name == "scope mlp/layer1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        tab = browser.new_page(viewport=SIZE)
        tab.goto((folder / "neuron.html").as_uri() + "#step=2")
        tab.wait_for_timeout(300)
        tab.screenshot(path=out / "page_neuron_step2.png")
        tab.goto((folder / "neuron.html").as_uri() + "#step=end&node=x1")
        tab.reload()
        tab.wait_for_timeout(300)
        tab.screenshot(path=out / "page_neuron_end.png")
        tab.goto((folder / "mlp.html").as_uri() + f"#step={box}")
        tab.reload()
        tab.wait_for_timeout(300)
        tab.screenshot(path=out / "page_mlp_collapsed.png")
        browser.close()
    for name in ("page_neuron_step2.png", "page_neuron_end.png", "page_mlp_collapsed.png"):
        print("wrote", out / name)


if __name__ == "__main__":
    main()
