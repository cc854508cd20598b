"""The HTML report QA reads, opened in a real headless Chromium: the gate summary is on top."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from gate_helpers import http, metric, run

from pytest_deploygate.browser.discovery import OFFLINE_HEADLESS_ARGS

Project = Callable[..., pytest.Pytester]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = list(OFFLINE_HEADLESS_ARGS)


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="no Chromium on this machine")
def test_gate_summary_is_visible_at_the_top_of_the_report(
    gate_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("STAGING_PASSWORD", "hunter2-do-not-show")
    pytester = gate_project(
        {"http.p95_ms": "< 200", "page.load_ms": "< 3000", "load.p95_ms": "< 200"},
        entries=[
            http("/api/services", 20),
            http("/api/services", 600),
            metric("page.load_ms", 800),
        ],
    )
    toml = pytester.path / "environments.toml"
    toml.write_text(
        toml.read_text().replace(
            "[environments.production]",
            'database.url = "postgresql://app:${STAGING_PASSWORD}@127.0.0.1/x"\n'
            "[environments.production]",
        )
    )
    assert run(pytester).ret == 99
    report = pytester.path / "reports" / "report.html"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            summary = page.locator("#deploygate-gates")
            summary.wait_for(state="visible", timeout=10_000)
            # Above pytest-html's own run count, i.e. at the top of the summary.
            assert summary.bounding_box()["y"] < page.locator(".run-count").bounding_box()["y"]
            assert "Quality gates: FAIL" in summary.locator("h3").inner_text()
            rows = summary.locator("tbody tr").all_inner_texts()
            assert any(r.split("\t")[0] == "http.p95_ms" and r.endswith("FAIL") for r in rows)
            assert any(r.startswith("page.load_ms") and r.endswith("PASS") for r in rows)
            assert any(
                r.startswith("load.p95_ms") and "not measured" in r
                for rows_ in [rows]
                for r in rows_
            )
            facts = summary.locator("table.deploygate-run").inner_text()
            assert "staging" in facts and "Run id" in facts
            assert "***" in facts
            assert "hunter2-do-not-show" not in page.content()
            assert page.title() == "deploygate: staging"
        finally:
            browser.close()
