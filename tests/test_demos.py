"""Every demo runs with --quick into a temporary folder and produces what it promises.

Each demo's ``main`` is called in this process (one matplotlib import for all of them);
one demo is also run as ``python -m`` to check the module entry point. Pictures are checked
as files (a real PNG header and size, an SVG that parses and holds a drawn graph), and the
numbers that matter are read back from what the demo printed: the published figures of the
worked example, XOR's truth table, the moons accuracy.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

pytestmark = pytest.mark.slow

# demo -> the files it must write into --out
EXPECTED = {
    "moons": ["moons.png", "moons_replay.html"],
    "xor": ["xor.png", "xor_graph.svg"],
    "worked_example": ["worked_example.svg", "worked_example_error.png"],
    "regression": ["regression.png"],
    "rnn_bptt": ["rnn_bptt.png", "rnn_unrolled.svg"],
    "vanishing_gradients": ["vanishing_gradients.png", "vanishing_gradients_replay.html"],
    "newton": ["newton_1d.png", "newton_2d.png"],
    "spiral": ["spiral.png", "spiral_replay.html"],
    "error_surface": ["error_surface.png"],
    "conv1d": ["conv1d.png"],
    "digits": ["digits_wrong.png"],
    "gpt": ["gpt_loss.png", "gpt_step_collapse1.svg", "gpt_step_collapse2.svg", "gpt_summary.txt",
            "gpt_explain.txt"],
}


_RUNS: dict[str, tuple[Path, str]] = {}


@pytest.fixture
def quick_run(tmp_path_factory):
    """run(name) -> (out folder, printed text) of ``demos.name --quick``, run once per session.

    Several tests read the same run (its files, its numbers), so each demo runs only once.
    """

    def run(name: str) -> tuple[Path, str]:
        if name not in _RUNS:
            out = tmp_path_factory.mktemp(name) / "pictures"  # missing: the demo creates it
            module = importlib.import_module(f"demos.{name}")
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                code = module.main(["--quick", "--out", str(out)])
            assert code == 0, f"demos.{name} returned {code}:\n{buffer.getvalue()}"
            _RUNS[name] = (out, buffer.getvalue())
        return _RUNS[name]

    return run


def check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 200 <= width <= 4000 and 150 <= height <= 4000, (width, height)
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND", f"{path.name} is truncated"


def check_svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), root.tag
    ns = {"svg": "http://www.w3.org/2000/svg"}
    nodes = root.findall(".//svg:g[@class='node']", ns)
    edges = root.findall(".//svg:g[@class='edge']", ns)
    assert len(nodes) >= 5 and len(edges) >= 4, (len(nodes), len(edges))
    return root


def check_html(path: Path) -> None:
    """A training replay page: complete, self-contained, with its recorded steps."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "Content-Security-Policy" in text and '"frames": [' in text
    assert "https://" not in text and 'src="http' not in text
    assert path.stat().st_size < 2_000_000


def svg_text(root: ET.Element) -> str:
    return " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))


def summary_value(output: str, key: str) -> str:
    """The value printed for ``key`` in the demo's closing summary."""
    block = output.split("== ", 1)[1]
    for line in block.splitlines():
        if line.strip().startswith(key):
            return line.strip()[len(key):].strip()
    raise AssertionError(f"{key!r} not in the summary:\n{block}")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_demo_quick_run_writes_its_pictures(name, quick_run):
    out, printed = quick_run(name)
    assert f"== {name}" in printed  # the closing summary
    for filename in EXPECTED[name]:
        path = out / filename
        assert path.is_file(), f"{name} did not write {filename}"
        assert str(path) in printed, f"{name} does not say where {filename} is"
        if filename.endswith(".png"):
            check_png(path)
        elif filename.endswith(".html"):
            check_html(path)
        elif filename.endswith(".txt"):
            assert path.read_text(encoding="utf-8").strip(), f"{filename} is empty"
        else:
            check_svg(path)
    # Written atomically: no temporary files are left behind.
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED[name])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_demo_help_lists_the_shared_options(name, capsys):
    module = importlib.import_module(f"demos.{name}")
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--seed", "--out", "--quick"):
        assert option in text
    assert "--steps" in text or "--epochs" in text


# -- the numbers that matter ------------------------------------------------------------

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): the figures as printed.
MAZUR = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "out_o1": "0.75136507", "out_o2": "0.772928465", "E_o1": "0.274811083",
    "E_o2": "0.023560026", "E_total": "0.298371109",
    "∂E_total/∂w5": "0.082167041", "∂E_total/∂w1": "0.000438568",
    "w5+": "0.35891648", "w6+": "0.408666186", "w7+": "0.511301270", "w8+": "0.561370121",
    "w1+": "0.149780716", "w2+": "0.19956143", "w3+": "0.24975114", "w4+": "0.29950229",
}


def rounds_to(value: float, published: str) -> bool:
    target = Decimal(published)
    return Decimal(repr(value)).quantize(target, rounding=ROUND_HALF_EVEN) == target


def test_worked_example_prints_the_published_numbers(quick_run):
    out, printed = quick_run("worked_example")
    engine = {}
    for line in printed.splitlines():
        m = re.match(r"\s{2}(\S+)\s+([+-]\d+\.\d{12})\b", line)
        if m and m.group(1) not in engine:  # first table only: E_total reappears later
            engine[m.group(1)] = float(m.group(2))
    for name, published in MAZUR.items():
        assert name in engine, f"{name} not printed"
        assert rounds_to(engine[name], published), (name, engine[name], published)

    # The two figures the article got from other computations: the demo prints the correct
    # value, the article's, and reproduces where the article's came from.
    assert "0.291027774 (article 0.291027924" in printed
    assert "that variant: 0.291027924, match" in printed
    assert re.search(r"article's E_total\s+0\.0000351085 = as described \(simultaneous\), 9,999 updates", printed)
    assert re.search(r"article's out_o1\s+0\.015912196 = article's code \(stale w5\.\.w8\), 10,000 updates", printed)
    assert re.search(r"article's out_o2\s+0\.984065734 = article's code \(stale w5\.\.w8\), 10,000 updates", printed)
    # explain() wrote out every weight's chain rule, each checked against backward.
    assert printed.count("backward gives the same") == 8
    assert "✓" in printed and "✗" not in printed

    # The drawing carries the local derivatives on its edges: ∂out_o1/∂net_o1 = 0.1868.
    text = svg_text(check_svg(out / "worked_example.svg"))
    assert "0.1868" in text and "E_total" in text and "net_h1" in text


def test_worked_example_numbers_come_from_the_engine():
    from demos import worked_example as we

    correct, stale = we.train(1), we.train(1, we.stale_update)
    assert f"{correct[1][0]:.9f}" == "0.291027774"
    assert f"{stale[1][0]:.9f}" == "0.291027924"
    assert we.agreement(0.5932699921071872, "0.593269992") == "match"
    assert we.agreement(0.29102777, "0.291027924") == "DIFFERS"


def test_xor_truth_table_is_learned(quick_run):
    out, printed = quick_run("xor")
    after = printed.split("After ", 1)[1]
    rows = re.findall(r"^\s+([01])\s+([01]) \|\s+([01]) \| (\d\.\d{4}) \| ([01])", after, flags=re.M)
    assert len(rows) == 4
    for x1, x2, target, p, said in rows:
        assert int(target) == (int(x1) ^ int(x2))
        assert int(said) == int(target), rows
        assert (float(p) > 0.5) == (int(target) == 1)
    assert summary_value(printed, "truth table") == "4/4 rows right"
    # The graph is drawn with each neuron folded into a box.
    assert "neuron0" in svg_text(check_svg(out / "xor_graph.svg"))


def test_moons_reaches_full_training_accuracy(quick_run):
    # --quick keeps micrograd's 100 steps, so this is the README's claim itself.
    _, printed = quick_run("moons")
    assert summary_value(printed, "steps") == "100"
    assert summary_value(printed, "training accuracy").startswith("100% (100/100)")
    assert float(summary_value(printed, "final loss")) < 0.05


def test_digits_learns_from_real_images_through_trace(quick_run):
    # --quick is 3 epochs; the full run's 95%+ is the README's figure (20 epochs).
    _, printed = quick_run("digits")
    accuracy = summary_value(printed, "test accuracy")
    assert float(accuracy.split("%")[0]) >= 85.0, accuracy
    assert "traced (numpy)" in summary_value(printed, "time per epoch")
    # The confusion matrix: 10 rows of 10 counts, adding up to the 360 test images.
    rows = [line.split() for line in printed.splitlines()
            if re.fullmatch(r"\s*\d( +\d+){10}\s*", line)]
    assert len(rows) == 10 and sum(int(n) for row in rows for n in row[1:]) == 360


def test_rnn_gradient_parts_add_up(quick_run):
    out, printed = quick_run("rnn_bptt")
    worst = float(re.search(r"largest difference ([\d.e+-]+)\)", printed).group(1))
    assert worst < 1e-12
    # The unrolled drawing has the three time steps as clusters and the shared weights.
    text = svg_text(check_svg(out / "rnn_unrolled.svg"))
    for label in ("t=1", "t=2", "t=3", "Wh00", "Wx0"):
        assert label in text


def test_newton_converges_in_few_steps(quick_run):
    _, printed = quick_run("newton")
    assert int(summary_value(printed, "1-D Newton steps to |f'| < 1e-10")) <= 10
    assert int(summary_value(printed, "2-D Newton steps to |∇f| < 1e-10")) <= 10
    assert "Newton:                     x = 2.2500000000" in printed
    assert "engine Hessian at p0:  [[1330.0, 480.0], [480.0, 200.0]]" in printed


def test_conv1d_detects_the_pattern(quick_run):
    _, printed = quick_run("conv1d")
    accuracy = float(summary_value(printed, "held-out accuracy").split("%")[0])
    assert accuracy >= 90.0


def test_gpt_draws_explains_and_summarises_its_step(quick_run):
    out, printed = quick_run("gpt")
    assert abs(float(summary_value(printed, "first loss")) - math.log(27)) < 0.3
    # collapse=1: the model and the loss as boxes, the parameters as one node.
    one = svg_text(check_svg(out / "gpt_step_collapse1.svg"))
    assert "gpt" in one and "loss" in one and "parameters" in one and "wq[0][0]" in one
    two = svg_text(check_svg(out / "gpt_step_collapse2.svg"))
    for name in ("embed", "layer0", "lm_head"):
        assert name in two
    summary = (out / "gpt_summary.txt").read_text(encoding="utf-8")
    assert "by op" in summary and "by scope" in summary and "attn" in summary and "pick" in summary
    # traced by default, and the closing line the benchmark and docs read
    assert re.search(r"^steps=5 seconds=[\d.]+ loss_last=[\d.]+$", printed, re.M)
    explained = (out / "gpt_explain.txt").read_text(encoding="utf-8")
    assert "the 5 with the largest products" in explained and "backward gives the same" in explained
    assert explained.count("\npath ") == 5


def test_demo_runs_as_a_module(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "demos.xor", "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "4/4 rows right" in result.stdout
    check_png(tmp_path / "xor.png")


# -- the shared command line --------------------------------------------------------------


def test_quick_sets_the_short_default_and_an_explicit_value_wins(tmp_path):
    from demos import _common

    parser = _common.make_parser("x", steps=(500, 40))
    assert _common.parse(parser, ["--out", str(tmp_path)]).steps == 500
    assert _common.parse(parser, ["--quick", "--out", str(tmp_path)]).steps == 40
    assert _common.parse(parser, ["--quick", "--steps", "7", "--out", str(tmp_path)]).steps == 7


def test_bad_options_are_refused_clearly(tmp_path, capsys):
    from demos import _common

    parser = _common.make_parser("x", epochs=(10, 2))
    with pytest.raises(SystemExit):
        _common.parse(parser, ["--epochs", "0", "--out", str(tmp_path)])
    assert "expected a number >= 1, got 0" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit):
        _common.parse(parser, ["--out", str(blocker / "sub")])
    assert "--out: cannot create the folder" in capsys.readouterr().err


def test_default_output_folder_is_git_ignored():
    from demos import _common

    root = Path(__file__).resolve().parent.parent
    assert _common.DEFAULT_OUT == root / "demos" / "out"
    assert "demos/out/" in (root / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("buckets, batch", [((), 1), ((8, 16), 1), ((8, 16), 4), ((), 3)])
def test_gpt_traced_trains_as_eager_step_for_step(buckets, batch):
    from demos import gpt

    names = gpt.load_names()[:40]
    vocab = gpt.Vocab(gpt.load_names())
    histories = []
    for eager in (True, False):
        model = gpt.make_model(vocab.size, seed=3)
        with contextlib.redirect_stdout(io.StringIO()):
            histories.append(gpt.train(names, vocab, model, 30 // batch, eager=eager, quiet=True, buckets=buckets,
                                       batch=batch))
    eager_losses, traced_losses = histories
    assert all(abs(t - e) <= 1e-9 * abs(e) for t, e in zip(traced_losses, eager_losses))
    assert len(traced_losses) == 30 // batch and traced_losses[-1] < traced_losses[0]
