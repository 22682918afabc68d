"""Every timing and size the README and docs quote is one recorded figure (docs/figures.json,
written by ``python -m demos.figures``), marked where it is quoted: ``2 s<!-- fig moons.wall_s -->``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demos.figures import (
    COMMAND,
    GROUPS,
    MARKER,
    PAGES,
    RECORD,
    figure,
    marked_figures,
    numbers,
    quote,
    read_record,
    summary_rows,
)

ROOT = Path(__file__).resolve().parent.parent
# What counts as a timing or a size where a page quotes one.
TIMING = re.compile(r"(?<![\w.,-])(?P<number>\d[\d,]*(?:\.\d+)?)(?:[ \u00a0]?(?:ms|µs|us|ns|s|seconds?|minutes?|min"
                    r"|MB|kB|KB|GB)\b|k? nodes\b|k?-node\b)")

# A set quantity, not a measurement (a limit, a size the code fixes): `up to 100 kB<!-- fixed -->`.
FIXED = re.compile(r"(?P<number>\d[\d,]*(?:\.\d+)?)(?:[ \u00a0]?[^\s\d<]+)?[ \u00a0]?<!-- fixed -->")

# Sections that quote measurements which are not (yet) in the record, and why. Everything
# else in the README and docs must carry a marker.
NOT_RECORDED = {
    ("performance.md", section): "python -m demos.benchmark's own dated output and the prototypes' history, "
                                 "quoted with their command, date and load"
    for section in ("Running it", "The workloads", "Measured", "Spread", "W1 through `trace`",
                    "GPT: `demos.gpt` traced and eager", "What holds",
                    "What does not, and why", "The garbage collector", "What makes it fast", "Measured and not used")
}


def prose(page: Path) -> list[tuple[str, int, str]]:
    """(section, line number, line) of a page's text outside fenced code blocks."""
    lines, section, fenced = [], "", False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        lines.append((section, number, line))
    return lines


def quoted(text: str) -> float:
    return float(text.replace(",", ""))


def holds(page_number: str, recorded: float) -> bool:
    """Whether the page's number is the recorded one as the page rounds it: to its decimals
    (``2.3`` holds 2.26), or for a whole number with trailing zeros, to those (``76,000``
    holds 76,384; ``11`` holds 10.6)."""
    return quoted(quote(page_number, recorded)) == quoted(page_number)


def where(key: str) -> tuple[str, str]:
    group, _, name = key.partition(".")
    return group, name


def fix(group: str) -> str:
    command = GROUPS[group][0] if group in GROUPS else COMMAND
    return (f"re-measure with `{COMMAND} --only {group}` ({command}), then `{COMMAND} --pages` "
            f"rewrites the page's figure from {RECORD.relative_to(ROOT)}")


def test_the_record_exists_and_names_how_each_figure_was_measured():
    record = read_record()
    assert record["groups"], f"{RECORD} is missing or empty: run `{COMMAND}`"
    for name, group in record["groups"].items():
        assert name in GROUPS, f"{RECORD} has a group {name!r} that {COMMAND} does not make: run `{COMMAND}`"
        assert {"command", "recorded", "machine", "load", "figures"} <= group.keys()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_quoted_figure_is_the_recorded_one(page):
    groups = read_record()["groups"]
    wrong = []
    for _, number, line in prose(page):
        for m in marked_figures(line):
            group, name = where(m["key"])
            if group not in groups:
                wrong.append(f"{page.name}:{number}: {m['key']}: the record has no group {group!r}; {fix(group)}")
                continue
            recorded = figure(groups[group]["figures"], name)
            if recorded is None:
                wrong.append(f"{page.name}:{number}: {m['key']}: the record's {group} group has no such figure; "
                             f"{fix(group)}")
            elif not holds(m["number"], recorded):
                wrong.append(f"{page.name}:{number}: quotes {m['number']} for {m['key']}, the record "
                             f"({groups[group]['recorded']}) holds {recorded:g}; {fix(group)}")
        if len(MARKER.findall(line)) != len(marked_figures(line)):
            wrong.append(f"{page.name}:{number}: a marker with no number just before it: {line.strip()[:100]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_quotes_a_timing_or_size_without_a_marker(page):
    unmarked = []
    for section, number, line in prose(page):
        if (page.name, section) in NOT_RECORDED:
            continue
        marked = {m.start("number") for m in marked_figures(line)} | {m.start("number") for m in FIXED.finditer(line)}
        for m in TIMING.finditer(line):
            if "node" in m.group() and "k" not in m.group() and quoted(m["number"]) < 10_000:
                continue  # a small example's node count is exact, and doctested, not measured
            if m.start("number") not in marked:
                unmarked.append(f"{page.name}:{number}: {m.group()!r} ({line.strip()[:80]}...)")
    assert not unmarked, ("timings or sizes quoted with no <!-- fig group.name --> marker after them: record "
                          f"them with `{COMMAND}` and mark them (see demos/figures.py), or mark a set quantity "
                          "that is not measured (a limit) <!-- fixed -->:\n" + "\n".join(unmarked))


def test_a_set_quantity_may_be_marked_fixed_instead():
    line = "packed up to 100 kB<!-- fixed --> or the size of the picture, in 2 s"
    assert [m["number"] for m in FIXED.finditer(line)] == ["100"]
    assert [m["number"] for m in TIMING.finditer(line)] == ["100", "2"]


def test_a_stale_figure_fails_with_the_command_to_run():
    assert holds("2.3", 2.26) and holds("2", 2.4) and holds("76,000", 76_384) and holds("11", 10.6)
    assert not holds("5", 2.3) and not holds("76,384", 76_000) and not holds("0.31", 0.04)
    assert "--only moons" in fix("moons") and "python -m demos.moons" in fix("moons")


def test_figures_reads_numbers_and_summary_blocks():
    assert numbers("traced (numpy) 0.04 s, eager 1.60 s (from 5 batches), 40x") == [0.04, 1.6, 5.0, 40.0]
    assert figure({"t": "traced 0.04 s, eager 1.60 s"}, "t[1]") == 1.6
    assert figure({"n": 67931}, "n") == 67931.0 and figure({"n": 1}, "missing") is None
    out = "step 1\n\n== moons ==\n  steps          100\n  training time  2.3 s\n  pictures:\n    a.png\n"
    assert summary_rows(out, "moons") == {"steps": "100", "training_time": "2.3 s"}
    assert summary_rows("== error_surface (80 updates each) ==\n  time  1.0 s\n", "error_surface") == {"time": "1.0 s"}
    with pytest.raises(RuntimeError, match="no '== xor ==' summary block"):
        summary_rows(out, "xor")
