"""Trends in the HTML report: each gate metric over the environment's recent runs, with its
threshold, and the metrics that got worse since the last passing run (checked in Chromium)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import RECORDING_TEST, http, metric, run, write

from pytest_deploygate.browser.discovery import OFFLINE_HEADLESS_ARGS
from pytest_deploygate.gates import trends

Project = Callable[..., pytest.Pytester]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def entry(run_id: str, passed: bool, **values: tuple[str, float | None]) -> dict[str, object]:
    gates = {
        name.replace("_", ".", 1): {"threshold": threshold, "value": value, "unit": "ms"}
        for name, (threshold, value) in values.items()
    }
    return {"run_id": run_id, "finished": 0.0, "passed": passed, "gates": gates}


@pytest.mark.parametrize(
    ("threshold", "before", "now", "worse"),
    [
        ("< 200", 100, 104, False),  # within the seed's 5 %
        ("< 200", 100, 106, True),
        ("< 100", 0.06, 0.07, False),  # +17 %, but a sliver of the headroom: noise
        ("< 200", 100, 50, False),  # better
        ("< 200", 190, 201, True),  # breached since: worse however small the move
        (">= 85", 90, 85, True),  # lower is worse for a floor
        (">= 85", 90, 95, False),
        ("== 0", 0, 1, True),  # any move away from 0
        ("== 0", 2, 1, False),
    ],
)
def test_worse_follows_the_direction_of_the_threshold(
    threshold: str, before: float, now: float, worse: bool
) -> None:
    runs = [
        entry("a", True, page_load=(threshold, before)),
        entry("b", False, page_load=(threshold, 1e6)),  # not a passing run: not the reference
        entry("c", False, page_load=(threshold, now)),
    ]
    assert [w.metric for w in trends.worse_since_last_pass(runs)] == (
        ["page.load"] if worse else []
    )


def test_the_history_is_bounded_and_skips_a_damaged_line(tmp_path: Path) -> None:
    path = trends.history_path(tmp_path, "stag/ing")
    assert path.name == "stag_ing.jsonl"
    for number in range(5):
        trends.record(path, entry(f"r{number}", True, page_load=("< 1", 0.5)), keep=3)
    path.write_text(path.read_text() + "{not json\n")
    runs = trends.record(path, entry("r5", True, page_load=("< 1", 0.5)), keep=3)
    assert [r["run_id"] for r in runs] == ["r3", "r4", "r5"]
    assert [json.loads(line)["run_id"] for line in path.read_text().splitlines()] == [
        "r3",
        "r4",
        "r5",
    ]


def session(pytester: pytest.Pytester, run_id: str, page_load_ms: float, api_ms: float) -> int:
    entries = [metric("page.load_ms", page_load_ms), http("/api/services", api_ms)]
    write(
        pytester.path / "suites/api/test_measured.py",
        RECORDING_TEST.format(entries=json.dumps(entries)),
    )
    return int(run(pytester, f"--run-id={run_id}").ret)


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no Chromium on this machine")
def test_the_report_charts_each_gate_metric_and_names_what_got_worse(
    gate_project: Project,
) -> None:
    from playwright.sync_api import sync_playwright

    # Given three runs of staging: two passing, then page.load_ms breaches its gate
    pytester = gate_project({"page.load_ms": "< 3000", "http.p95_ms": "< 200"})
    assert session(pytester, "r1", 800, 50) == 0
    assert session(pytester, "r2", 900, 60) == 0
    assert session(pytester, "r3", 3500, 58) == 99

    # When QA opens the latest report
    report = pytester.path / "reports" / "report.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(OFFLINE_HEADLESS_ARGS)
        )
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            section = page.locator("#deploygate-trends")
            section.wait_for(state="visible", timeout=10_000)
            assert "last 3 run(s)" in section.locator("h3").inner_text()

            # Then each gate metric has a chart, drawn, with its threshold line
            chart = section.locator('svg[data-metric="page.load_ms"]')
            box = chart.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 20
            geometry = chart.evaluate(
                """svg => ({
                    line: svg.querySelector('line.threshold').getBoundingClientRect().toJSON(),
                    limit: svg.querySelector('line.threshold').dataset.limit,
                    points: Array.from(svg.querySelector('polyline.trend').points)
                        .map(p => p.y),
                    current: svg.querySelector('circle.current').getAttribute('fill'),
                })"""
            )
            assert geometry["limit"] == "3000" and geometry["line"]["width"] > 100
            # three runs on one line; 800 and 900 under the 3000 line, 3500 above it
            # (SVG y grows downward)
            lowest, middle, breach = geometry["points"]
            threshold_y = geometry["line"]["y"] - box["y"]
            assert breach < threshold_y < middle < lowest
            assert geometry["current"] == "#c0392b"  # this run's point is red: it breached
            assert section.locator('svg[data-metric="http.p95_ms"] line.threshold').count() == 1

            # And the report says which metric got worse since the last passing run (r2)
            assert "last passing run (r2)" in section.inner_text()
            worse = section.locator("#deploygate-worse li").all_inner_texts()
            assert len(worse) == 1 and worse[0].startswith("page.load_ms: 900 ms → 3500 ms")
        finally:
            browser.close()
