"""Measure every timing and size the README and docs quote, and record them in docs/figures.json.

    python -m demos.figures                      # everything, ~10 minutes on a quiet 2-core machine
    python -m demos.figures --only moons,views   # re-measure some groups, keep the others' record
    python -m demos.figures --list               # the groups and what each measures
    python -m demos.figures --pages              # rewrite the marked figures in the pages from the record

A page quotes a figure with a marker right after it, which GitHub does not show:
``about 2.3 s<!-- fig moons.training_time -->``. ``tests/test_figures.py`` fails when a marked
figure is not what the record holds (rounded as the page writes it: ``2 s`` quotes 2.3 and
``76,000 nodes`` quotes 76,384), when a marker names a figure the record lacks, and when a
page quotes a timing or size with no marker. Where the record's figure is a line of text (a
demo's summary row, e.g. ``traced (numpy) 0.04 s, eager 1.60 s``), ``[k]`` picks its k-th
number: ``<!-- fig digits.time_per_epoch[1] -->``. A size the code sets rather than one measured
(a limit) is marked ``<!-- fixed -->`` instead.

Each group keeps the command that measured it, when, and the machine's load average
before and after (``os.getloadavg``): wall-clock figures on a shared machine are only as
good as that load.

>>> numbers("traced (numpy) 0.04 s, eager 1.60 s (from 5 batches), 40x")
[0.04, 1.6, 5.0, 40.0]
>>> figure({"nodes": "76,384 ('michael')"}, "nodes")
76384.0
>>> quote("76,000", 68431.0), quote("2.3", 5.04), quote("11", 9.6)
('68,000', '5.0', '10')
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd import files

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "docs" / "figures.json"
COMMAND = "python -m demos.figures"

# The demos whose run the docs quote (docs/demos.md's table): each runs as its own process,
# as a reader runs it, and its closing summary block is recorded row by row.
DEMOS = ["moons", "xor", "worked_example", "regression", "rnn_bptt", "vanishing_gradients", "newton",
         "spiral", "error_surface", "digits", "conv1d", "gpt"]
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE]-?\d+)?")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!-- fig (?P<key>[\w.]+(?:\[\d+\])?) -->")
# A quoted figure: a number, then at most one word (its unit) before the marker.
MARKED = re.compile(r"(?P<number>\d[\d,]*(?:\.\d+)?)(?:[ \u00a0]?[^\s\d<]+)?[ \u00a0]?" + MARKER.pattern)


def numbers(text: str) -> list[float]:
    """The numbers written in ``text``, in order (thousands separators allowed)."""
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def figure(figures: dict[str, Any], key: str) -> float | None:
    """The figure ``key`` (``name`` or ``name[k]``, the k-th number of a text) of a group, or None."""
    name, _, index = key.partition("[")
    value = figures.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not index:
        return float(value)
    if not isinstance(value, str):
        return None
    found = numbers(value)
    k = int(index.rstrip("]")) if index else 0
    return found[k] if k < len(found) else None


def quote(page_number: str, recorded: float) -> str:
    """``recorded`` written as precisely as the page writes ``page_number``: to its decimals,
    or for a whole number, to its trailing zeros (``76,000`` quotes thousands), commas kept."""
    digits = page_number.replace(",", "")
    if "." in digits:
        places = len(digits.split(".")[1])
        text = f"{round(recorded, places):,.{places}f}"
    else:
        zeros = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
        text = f"{round(recorded, -zeros):,.0f}"
    return text if "," in page_number else text.replace(",", "")


def marked_figures(line: str) -> list[re.Match[str]]:
    """The marked figures of one line of a page (see the module docstring)."""
    return list(MARKED.finditer(line))


def update_pages(groups: dict[str, Any]) -> list[str]:
    """Rewrite each marked figure of the pages to the record's value, as precisely as the
    page wrote it; returns what changed (``file:line: old -> new``). Prose around it is
    the author's to fix when a figure moves a lot."""
    changed = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            for m in reversed(marked_figures(line)):
                group, _, name = m["key"].partition(".")
                recorded = figure(groups.get(group, {}).get("figures", {}), name)
                if recorded is None:
                    continue
                new = quote(m["number"], recorded)
                if new != m["number"]:
                    changed.append(f"{page.relative_to(ROOT)}:{i + 1}: {m['key']} {m['number']} -> {new}")
                    line = line[:m.start("number")] + new + line[m.end("number"):]
            lines[i] = line
        text = "\n".join(lines)
        if text != page.read_text(encoding="utf-8"):
            files.write_atomic(page, text)
    return changed


def key_of(name: str) -> str:
    """A summary row's name as a figure key: ``"training time"`` -> ``training_time``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def summary_rows(output: str, title: str) -> dict[str, str]:
    """The rows of the ``== title ==`` block a demo ends with (``demos._common.summary``)."""
    lines = output.splitlines()
    heads = [i for i, line in enumerate(lines)  # "== title ==" or "== title (what it ran) =="
             if line.endswith(" ==") and (line == f"== {title} ==" or line.startswith(f"== {title} ("))]
    if not heads:
        raise RuntimeError(f"figures: the output of demos.{title} has no '== {title} ==' summary block")
    start = heads[-1]
    rows = {}
    for line in lines[start + 1:]:
        if not line.startswith("  ") or line.strip() == "pictures:":
            break
        name, _, value = line.strip().partition("  ")
        rows[key_of(name)] = value.strip()
    return rows


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu() -> float:
    """CPU seconds of this process and the children it waited for (dot, for render and html)."""
    return time.process_time() + _children_cpu()


def _median_seconds(run: Callable[[], Any], repeat: int = 3) -> float:
    """The median CPU time of ``run()``: its wall clock on a quiet machine, and on a shared
    one it does not count the time other jobs held the CPU."""
    times = []
    for _ in range(repeat):
        started = _cpu()
        run()
        times.append(_cpu() - started)
    return statistics.median(times)


# -- the groups ------------------------------------------------------------------------------


def demo(name: str, *options: str) -> Callable[[], dict[str, Any]]:
    """The group that runs ``python -m demos.NAME OPTIONS`` (``gpt_eager``: demos.gpt --eager)."""
    def measure() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as out:
            cpu = _children_cpu()
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", f"demos.{name}", *options, "--out", out], cwd=ROOT,
                                  capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
            wall = time.perf_counter() - started
            if done.returncode != 0:
                raise RuntimeError(f"figures: python -m demos.{name} failed (exit {done.returncode}):\n"
                                   f"{done.stderr[-2000:]}")
            # CPU time (the demo's and its children's, such as dot): what the wall clock shows on
            # a quiet machine, and steadier than it on a shared one.
            figures: dict[str, Any] = {"wall_s": round(wall, 2), "cpu_s": round(_children_cpu() - cpu, 2)}
            figures.update(summary_rows(done.stdout, name))
            page = Path(out) / f"{name}_replay.html"
            if page.exists():  # the training replay page the demo writes beside its pictures
                figures["replay_page_mb"] = round(page.stat().st_size / 1e6, 2)
        return figures

    measure.__doc__ = "its CPU and wall-clock time, its summary block, and the size of a replay page it writes"
    return measure


def recorder() -> dict[str, Any]:
    """What an nn.Recorder snapshot costs against a moons training step (demos.moons.train)."""
    from demos import moons
    from nn import MLP, Recorder

    X, y = moons.moons_data(1337)
    model = MLP(2, [16, 16, 1], seed=1337)
    real = Recorder(model, X=X, y=y)
    costs: list[float] = []

    class Timed:  # the demo's loop calls .record(loss, accuracy=..., force=...)
        def record(self, *args: Any, **kwargs: Any) -> bool:
            started = time.process_time()
            taken = real.record(*args, **kwargs)
            if taken:
                costs.append(time.process_time() - started)
            return taken

    steps = 100
    started = time.process_time()  # CPU time, as for every figure this module measures in-process
    moons.train(model, X, y, steps, quiet=True, recorder=Timed())  # type: ignore[arg-type]
    step = (time.process_time() - started) / steps
    snapshot = statistics.median(costs)
    return {"step_ms": round(step * 1e3, 1), "snapshot_ms": round(snapshot * 1e3, 3),
            "snapshot_percent": round(100 * snapshot / step, 2)}


def views() -> dict[str, Any]:
    """The views on a microgpt-sized GPT step: ``demos.gpt``'s model on the first names of
    its data set, their losses summed until the graph has 60,000 nodes or more (the
    model's modules open scopes, so ``collapse=1`` draws it as boxes), with the attention
    weight the demo explains labelled; then ``topological_order`` and ``summary`` on the
    losses of more names, summed until 1,000,000 nodes or more."""
    import autograd
    from demos import gpt

    names = gpt.load_names()
    vocab = gpt.Vocab(names)
    model = gpt.make_model(vocab.size, seed=0)
    w = model.layers[0].attn.wq.w[0][0]
    w.label = "wq[0][0]"  # as demos.gpt does: the page explains it
    figures = _step_views(_summed_losses(model, vocab, names, 60_000), w)  # the step is freed on return
    big = _summed_losses(model, vocab, names, 1_000_000)
    figures["big_nodes"] = len(autograd.topological_order(big))
    figures["big_topological_order_s"] = round(_median_seconds(lambda: autograd.topological_order(big)), 2)
    figures["big_summary_s"] = round(_median_seconds(lambda: autograd.summary(big)), 2)
    return figures


def _summed_losses(model: Any, vocab: Any, names: list[str], nodes: int) -> Any:
    """The sum of the model's losses on names in order, stopped once the graph has ``nodes``."""
    import autograd

    losses = []
    for name in names:
        losses.append(model.loss(vocab.encode(name)))
        if len(losses) % 8 == 0 and len(autograd.topological_order(autograd.sum(losses))) >= nodes:
            break
    return autograd.sum(losses)


def _step_views(loss: Any, w: Any) -> dict[str, Any]:
    import autograd
    from autograd.views import backprop

    loss.label = "loss"
    figures: dict[str, Any] = {"step_nodes": len(autograd.topological_order(loss))}
    explained = []
    counted = backprop.explain_row  # what the page's click panels call, one per node explained

    def counting(*args: Any, **kwargs: Any) -> Any:
        explained.append(1)
        return counted(*args, **kwargs)

    with tempfile.TemporaryDirectory() as out:
        timed = {
            "summary_s": lambda: autograd.summary(loss),
            "draw_collapse1_s": lambda: autograd.draw(loss, collapse=1).source,
            "render_collapse1_s": lambda: autograd.render(loss, Path(out) / "step.svg", collapse=1),
            "tree_s": lambda: autograd.tree(loss),
            "explain_top10_s": lambda: autograd.explain(loss, w, top=10),
        }
        for key, run in timed.items():
            figures[key] = round(_median_seconds(run), 2)
        figures["html_over_render_collapse1"] = round(_html_over_render(loss, Path(out)), 2)
        figures["html_walks_collapse1"] = _walks(lambda: autograd.html(loss, collapse=1))
        for depth in (1,):  # collapse=2 opens the model's layers: more Values than a picture holds
            page = Path(out) / "step.html"
            figures[f"html_collapse{depth}_s"] = round(
                _median_seconds(lambda d=depth, page=page: autograd.html(loss, page, collapse=d)), 2)
            backprop.explain_row = counting  # how many explains the page writes into its panels
            try:
                explained.clear()
                autograd.html(loss, page, collapse=depth)
                figures[f"html_collapse{depth}_explains"] = len(explained)
            finally:
                backprop.explain_row = counted
    return figures


def _html_over_render(loss: Any, out: Path, runs: int = 5) -> float:
    """``html(collapse=1)`` over ``render(collapse=1)`` of the same step: medians of runs
    taken in turn, so both see the same machine."""
    import autograd

    render, page = [], []
    for _ in range(runs):
        started = _cpu()
        autograd.render(loss, out / "step.svg", collapse=1)
        render.append(_cpu() - started)
        started = _cpu()
        autograd.html(loss, collapse=1)
        page.append(_cpu() - started)
    return statistics.median(page) / statistics.median(render)


def _walks(run: Any) -> int:
    """How many times ``run`` walks a graph: calls of ``topological_order`` (the table's
    walk included), backward's clearing walk and draw's ``picture``."""
    counted = {"topological_order", "clear_and_order", "picture"}
    calls = []

    def count(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name in counted:
            calls.append(frame.f_code.co_name)

    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return len(calls)


def step_pages() -> dict[str, Any]:
    """The step-through pages' size in characters and first paint in ms (median of 9 in
    headless Chromium), as ``python -m demos.page_sizes`` measures them: micrograd's
    neuron, a 2-4-4-1 MLP (``collapse=None`` and ``collapse=1``) and a functional
    microgpt step (``collapse=1``)."""
    from demos import page_sizes

    return page_sizes.measure([ROOT])[0]


def tests() -> dict[str, Any]:
    """The whole test suite, as the README runs it (CI=true: nothing may skip)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "CI": "true"})
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu  # pytest, the demos and browsers it starts, dot
    if done.returncode != 0:
        # Recorded all the same: tests/test_figures.py fails while a page quotes the old
        # time, so the run that records a new one is a failing run; the result line says so.
        print(f"figures: the tests failed:\n{done.stdout[-3000:]}", file=sys.stderr)
    counts = [line.strip("= ") for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_minutes": round(cpu / 60, 1),
            "result": counts[-1] if counts else f"exit status {done.returncode}"}


GROUPS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    **{name: (f"python -m demos.{name}", demo(name)) for name in DEMOS},
    # The same GPT trained by the eager engine, for the traced/eager comparison the docs quote.
    "gpt_eager": ("python -m demos.gpt --eager", demo("gpt", "--eager")),
    "recorder": (f"{COMMAND} --only recorder", recorder),
    "views": (f"{COMMAND} --only views", views),
    "pages": (f"{COMMAND} --only pages", step_pages),
    "tests": ("CI=true python -m pytest", tests),
}


def read_record(path: Path = RECORD) -> dict[str, Any]:
    if not path.exists():
        return {"groups": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def write_record(record: dict[str, Any], path: Path = RECORD) -> None:
    record = {"about": "", **record}  # first in the file
    record["about"] = (f"The figures the README and docs quote. Regenerate with `{COMMAND}` "
                       f"(or `{COMMAND} --only GROUP,...`); tests/test_figures.py checks the pages against it.")
    record["groups"] = dict(sorted(record["groups"].items()))
    files.write_atomic(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")


def _groups(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in GROUPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown group {', '.join(unknown) or repr(text)}; "
                                         f"the groups are {', '.join(GROUPS)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=_groups, default=list(GROUPS), metavar="GROUP,...",
                        help="measure only these groups (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="list the groups and what each measures")
    parser.add_argument("--pages", action="store_true",
                        help="measure nothing: rewrite the marked figures in README.md and docs/ from the record")
    parser.add_argument("--record", type=Path, default=RECORD, help=argparse.SUPPRESS)  # the tests' scratch copy
    args = parser.parse_args(argv)
    if args.list:
        for name, (command, measure) in GROUPS.items():
            print(f"{name:<20} {command}: {' '.join((measure.__doc__ or '').split())}")
        return 0
    record = read_record(args.record)
    if args.pages:
        for change in update_pages(record["groups"]):
            print(change)
        return 0
    machine = f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    for name in args.only:
        command, measure = GROUPS[name]
        before = _load()
        print(f"figures: {name} ({command}), load average {before}", flush=True)
        figures = measure()
        record["groups"][name] = {
            "command": command,
            "recorded": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine,
            "load": f"{before} before, {_load()} after",
            "figures": figures,
        }
        write_record(record, args.record)  # after each group: a long run interrupted keeps what it measured
        print(f"  {json.dumps(figures, ensure_ascii=False)}", flush=True)
    print(f"figures: recorded in {args.record}; `{COMMAND} --pages` rewrites the pages' marked figures from it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
