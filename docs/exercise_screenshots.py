"""Retake the learner's screenshots of docs/exercises.md: a wrong and a right answer to the
``accumulate`` exercise, in a terminal and in a notebook.

    python docs/exercise_screenshots.py          # writes docs/img/exercise_*.png

The terminal: ``chainrule check`` runs in a real tmux session (100 columns), whose screen
is captured (``tmux capture-pane``) and drawn as a terminal in headless Chromium. The
notebook: the cells run in a real Jupyter kernel (nbclient), and the executed notebook is
written as a page (each cell's code and its outputs, the outputs as the kernel sent them)
and photographed in Chromium. Needs tmux, Chromium, playwright, nbclient and ipykernel.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
WRONG = """\
def backward(order):
    order[-1].grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad
"""
RIGHT = WRONG.replace("parent.grad = ", "parent.grad += ")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def _terminal_texts(folder: Path, steps: list[tuple[str, str]]) -> list[str]:
    """What a 100-column terminal shows after each command, with its file written first
    (``steps``: (text of backward.py, command)); one tmux server of our own (its own socket)."""
    tmux = ["tmux", "-L", f"chainrule-shots-{os.getpid()}"]
    env = dict(os.environ, PS1="$ ", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT))
    subprocess.run([*tmux, "new-session", "-d", "-s", "shots", "-x", "100", "-y", "50", "-c", str(folder),
                    "bash --norc --noprofile"], check=True, env=env)
    screens = []
    try:
        subprocess.run([*tmux, "send-keys", "-t", "shots", "PS1='$ '", "Enter"], check=True)
        for k, (text, command) in enumerate(steps):
            (folder / "backward.py").write_text(text, encoding="utf-8")
            marker = f"(exit status $?) {k}"
            subprocess.run([*tmux, "send-keys", "-t", "shots", f"clear; {command}; echo \"{marker}\"", "Enter"],
                           check=True)
            for _ in range(600):
                time.sleep(0.1)
                screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "shots"], capture_output=True, text=True,
                                        check=True).stdout
                if f") {k}" in screen and "(exit status" in screen:
                    break
            else:
                raise RuntimeError(f"{command!r} did not finish in a minute")
            lines = screen.rstrip().splitlines()
            while lines and not lines[0].strip():
                lines.pop(0)
            while lines and lines[-1].strip() in ("$", ""):  # the next prompt
                lines.pop()
            screens.append("\n".join(lines).replace(f") {k}", ")"))
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    return screens


def _terminal_page(text: str) -> str:
    return ("<!doctype html><meta charset=utf-8><style>body{margin:0;background:#fff}"
            "pre{margin:0;padding:14px 18px;background:#1e1e1e;color:#e6e6e6;font:14px/1.35 'DejaVu Sans Mono',"
            "monospace;display:inline-block;min-width:100ch;border-radius:6px}</style>"
            f"<pre id=shot>{html.escape(text)}</pre>")


def _notebook(folder: Path):
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%%writefile backward.py\n" + WRONG),
        nbformat.v4.new_code_cell('from autograd.exercises import check\ncheck("accumulate", "backward.py")'),
        nbformat.v4.new_code_cell("%%writefile backward.py\n" + RIGHT),
        nbformat.v4.new_code_cell('check("accumulate", "backward.py")'),
    ]
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if "PYTHONPATH" in os.environ
                                            else "")
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
                            ).execute()
    return nb


def _cell_html(cell) -> str:
    parts = [f'<div class=cell><div class=in><span class=prompt>In [{cell.execution_count}]:</span>'
             f"<pre class=code>{html.escape(cell.source)}</pre></div>"]
    for out in cell.outputs:
        data = out.get("data", {})
        if "text/html" in data:  # what our own _repr_html_ returned
            body = data["text/html"]
        elif "text/plain" in data:
            body = f"<pre>{html.escape(data['text/plain'])}</pre>"
        elif out.get("output_type") == "stream":
            body = f"<pre>{html.escape(out['text'])}</pre>"
        else:
            body = f"<pre>{html.escape(str(out))}</pre>"
        prompt = f"Out[{cell.execution_count}]:" if out.get("output_type") == "execute_result" else ""
        parts.append(f"<div class=out><span class=prompt>{prompt}</span><div class=body>{body}</div></div>")
    return "".join(parts) + "</div>"


def _notebook_page(cells) -> str:
    style = ("body{margin:0;font-family:sans-serif;background:#fff}#shot{padding:12px 16px;width:980px}"
             ".cell{margin:0 0 14px}.in,.out{display:flex}.prompt{width:70px;flex:none;color:#303f9f;"
             "font:13px monospace;padding-top:6px}.out .prompt{color:#d84315}"
             ".code{flex:1;background:#f7f7f7;border:1px solid #cfcfcf;border-radius:2px;padding:6px;margin:0;"
             "font:13px/1.3 monospace}.body{flex:1;overflow:auto;font-size:13px}.body pre{font:12.5px/1.3 monospace}"
             ".body svg{max-width:100%;height:auto}")
    return (f"<!doctype html><meta charset=utf-8><title>exercise</title><style>{style}</style>"
            f"<div id=shot>{''.join(_cell_html(c) for c in cells)}</div>")


def _photograph(pages: dict[str, str], folder: Path, sizes=((1024, 768),)) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, text in pages.items():
            source = folder / f"{name}.html"
            source.write_text(text, encoding="utf-8")
            for width, height in sizes:
                tab = browser.new_page(viewport={"width": width, "height": height})
                tab.goto(source.as_uri())
                tab.wait_for_load_state("load")
                suffix = "" if (width, height) == sizes[0] else f"_{width}x{height}"
                out = IMG / f"{name}{suffix}.png"
                tab.locator("#shot").screenshot(path=str(out))
                written.append(out)
                tab.close()
        browser.close()
    return written


def main(argv: list[str]) -> int:
    sizes = ((1024, 768), (1920, 1080)) if "--both-sizes" in argv else ((1024, 768),)
    with tempfile.TemporaryDirectory(prefix="chainrule-shots-") as tmp:
        folder = Path(tmp)
        command = "chainrule check accumulate backward.py"
        wrong, right = _terminal_texts(folder, [(WRONG, command), (RIGHT, command)])
        (folder / "notebook").mkdir()
        nb = _notebook(folder / "notebook")
        pages = {"exercise_terminal_wrong": _terminal_page("$ chainrule check accumulate backward.py\n" + wrong),
                 "exercise_terminal_right": _terminal_page("$ chainrule check accumulate backward.py\n" + right),
                 "exercise_notebook_wrong": _notebook_page(nb.cells[:2]),
                 "exercise_notebook_right": _notebook_page(nb.cells[2:])}
        for path in _photograph(pages, folder, sizes):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
