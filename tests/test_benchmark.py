"""The benchmark runs, at tiny sizes, and reports what it promises. Nothing here is timed.

The README's Performance table comes from ``python -m demos.benchmark``; these tests keep
that command working (every workload, the JSON and text reports, the micrograd subprocess)
without asserting anything about speed, which a shared machine cannot promise.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demos import benchmark

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--sizes", "300", "--repeat", "1", "--steps", "2"]


def run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demos.benchmark", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_every_workload_runs_and_the_json_has_its_fields():
    done = run([*TINY, "--no-micrograd", "--json"])
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)

    w1 = results["W1"]
    assert w1["points"] == 100 and w1["steps"] == 2
    for key in ("chainrule", "chainrule fast_training"):
        assert w1[key]["s_per_step"] > 0 and math.isfinite(w1[key]["loss"])
    # The same seed and data: pausing the collector changes the time, never the numbers.
    assert w1["chainrule"]["loss"] == w1["chainrule fast_training"]["loss"]
    assert "micrograd" not in w1 and "not run" in w1["micrograd_note"]
    # No reference cycles: with the collector off, each step's graph is freed all the same
    # (micrograd leaves ~450,000 objects a step here).
    assert 0 <= w1["chainrule fast_training"]["left_per_step"] < 10

    assert [(r["rounds"], r["gc"]) for r in results["W2"]] == [(300, True), (300, False)]
    for row in results["W2"]:
        assert row["op_nodes"] == 900 and row["fwd_us_per_round"] > 0 and row["bwd_us_per_round"] > 0

    assert [(r["n"], r["gc"]) for r in results["W3"]] == [(300, True), (300, False)]
    for row in results["W3"]:
        assert row["nodes"] == 4 * 300 - 1 and row["op_nodes"] == 2 * 300 - 1
        assert row["fwd_ns_per_node"] > 0 and row["bwd_ns_per_node"] > 0
        # Memory is deterministic, unlike time: a leaf is one Value; an op node a Value and
        # its result float. Both well under a kilobyte whatever the layout.
        assert 0 < row["bytes_per_leaf"] < row["bytes_per_op_node"] < 1000

    names = {t["target"] for t in results["targets"]}
    assert {"W2 us/round", "W3 bytes/node", "W3 fwd ns/node", "W3 bwd ns/node"} <= names
    assert all(isinstance(t["holds"], bool) for t in results["targets"])


def test_left_per_step_counts_the_cycles_a_step_leaves():
    def cyclic_steps():  # 3 steps, each leaving 100 lists that refer to themselves
        for _ in range(3):
            for _ in range(100):
                a = []
                a.append(a)
        return {}

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert 100 <= benchmark.left_per_step(cyclic_steps, 3)["left_per_step"] < 101
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


def test_the_text_report_has_a_table_per_workload(capsys):
    benchmark.main([*TINY, "--workloads", "W2,W3", "--no-micrograd"])
    text = capsys.readouterr().out
    assert "W1" not in text.split("command:")[1]  # only the chosen workloads ran
    assert "| rounds" in text and "| n " in text and "Targets" in text
    assert "python -m demos.benchmark --sizes 300" in text  # the command to reproduce it


def test_micrograd_runs_in_its_own_interpreter_on_the_same_points(tmp_path):
    # A package named micrograd with micrograd's layout (engine.Value, nn.MLP) that re-exports
    # chainrule's classes: the real subprocess path runs, and since both sides then train
    # the same model on the same points, their losses must agree exactly.
    package = tmp_path / "micrograd"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "engine.py").write_text("from autograd import Value\n")
    (package / "nn.py").write_text("from nn import MLP\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    done = run(["--workloads", "W1", "--quick", "--steps", "3", "--micrograd-steps", "2",
                "--repeat", "1", "--micrograd-python", sys.executable, "--json"], env=env)
    assert done.returncode == 0, done.stderr
    w1 = json.loads(done.stdout)["W1"]
    for key in ("micrograd", "micrograd gc off"):
        assert len(w1[key]["seconds"]) == 2 and w1[key]["python"] == sys.executable
        assert w1[key]["loss"] == w1["chainrule"]["loss"]  # 1 warm-up + 2 timed = 3 steps
    assert {t["target"] for t in json.loads(done.stdout)["targets"]} >= {
        "W1 vs micrograd", "W1 vs micrograd gc off"}


@pytest.mark.skipif(importlib.util.find_spec("micrograd") is not None,
                    reason="micrograd is importable here, so its run would not fail")
def test_an_interpreter_without_micrograd_is_reported_with_its_error():
    with pytest.raises(RuntimeError, match="No module named 'micrograd'"):
        benchmark.run_micrograd(sys.executable, steps=1, warmup=0, collector=True)


def test_bad_options_name_the_option():
    assert run(["--workloads", "W9"]).stderr.count("--workloads: unknown W9") == 1
    assert "--sizes: 'ten' is not a number" in run(["--sizes", "ten"]).stderr
    assert benchmark.parse_sizes("1e3, 2_000") == [1000, 2000]


@pytest.mark.skipif(importlib.util.find_spec("numpy") is None, reason="the traced W1 and its floor need numpy")
def test_w1_through_trace_and_the_numpy_floor_train_the_same_model():
    done = run(["--workloads", "W1", "--steps", "3", "--repeat", "1", "--no-micrograd", "--json"])
    assert done.returncode == 0, done.stderr
    w1 = json.loads(done.stdout)["W1"]
    traced = w1["traced"]
    eager = w1["chainrule"]["loss"]
    # Same weights, data and schedule: the losses after 3 steps agree to rounding.
    for key in ("traced", "numpy floor", "traced python"):
        assert traced[key]["steps"] == 3 and traced[key]["s_per_step"] > 0
        assert abs(traced[key]["loss"] - eager) <= 1e-12 * eager, (key, traced[key]["loss"], eager)
    assert traced["traced"]["backend"] == "numpy" and traced["traced python"]["backend"] == "python"
    assert set(traced["traced"]["parts_s"]) == {"zero_grad", "batch", "update"}  # L2 inside the batch
    names = {t["target"] for t in json.loads(done.stdout)["targets"]}
    assert {"W1 traced step / numpy floor", "traced.batch / numpy floor", "W1 traced loss vs eager",
            "python replay vs eager"} <= names


def test_the_traced_training_functions_run_on_a_tiny_problem():
    result = benchmark.train_w1_traced([[0.0, 1.0], [1.0, 0.0]], [1, -1], steps=2, backend="python")
    assert len(result["seconds"]) == 2 and result["backend"] == "python"
    assert all(len(v) == 2 for v in result["parts"].values())


def test_the_gpt_workload_trains_eager_and_traced_to_the_same_loss():
    done = run(["--workloads", "GPT", "--gpt-steps", "4", "--repeat", "1", "--json"])
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    one, eight = results["GPT"]
    assert (one["steps"], one["batch"], eight["steps"], eight["batch"]) == (4, 1, 1, 8)
    for g in (one, eight):
        assert g["traced"]["traces"] >= 1 and g["eager"]["traces"] == 0
        assert abs(g["traced"]["loss_last"] - g["eager"]["loss_last"]) <= 1e-9 * g["eager"]["loss_last"]
    names = {t["target"] for t in results["targets"]}
    assert {"GPT traced run / eager run", "GPT traced step vs eager step", "GPT traced loss_last vs eager"} <= names
    held = {t["target"]: t["holds"] for t in results["targets"]}
    assert held["GPT traced loss_last vs eager"]
