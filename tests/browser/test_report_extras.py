"""A failed browser test's screenshot and trace land in the pytest-html report, run after run."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import inner_session
import pytest

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)

TESTS = """
from playwright.sync_api import expect

def test_passes(page):
    page.goto("/clean.html")

def test_fails(page):
    page.goto("/clean.html")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("[data-testid=booking-confirmation]")).to_be_visible(timeout=500)
"""


def _traces(reports: Path) -> list[Path]:
    return sorted(reports.glob("artifacts/*/trace.zip"))


def test_failure_screenshot_and_trace_are_in_the_report_and_earlier_runs_keep_theirs(
    browser_pytester: pytest.Pytester,
) -> None:
    # Given a browser test that passes and one that fails
    browser_pytester.makepyfile(test_flow=TESTS)
    html_args = ("--html=reports/report.html", "--self-contained-html")
    reports = browser_pytester.path / "reports"

    # When the suite runs with an HTML report
    first = inner_session.run_sub(browser_pytester, *html_args)

    # Then the failure's screenshot is embedded and its trace linked from the report
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.fnmatch_lines(
        ["*deploygate browser artifacts*", "screenshot: *screenshot-1.png", "trace: *trace.zip"]
    )
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    (trace,) = _traces(reports)
    assert len(list((reports / "artifacts").iterdir())) == 1  # the passing test left nothing
    assert "test_flow.py-test_fails-chromium-" in trace.parent.name
    assert trace.relative_to(reports).as_posix() in html
    with zipfile.ZipFile(trace) as archive:  # a real Playwright trace, with the click in it
        events = b"".join(
            archive.read(name) for name in archive.namelist() if name.endswith(".trace")
        )
    assert b"click" in events

    # When it runs again (and, separately, under xdist)
    second = inner_session.run_sub(browser_pytester, *html_args, "-n", "2")

    # Then the earlier run's trace is still there next to the new one, and the new report
    # links its own
    second.assert_outcomes(passed=1, failed=1)
    traces = _traces(reports)
    assert trace in traces and len(traces) == 2
    newest = next(path for path in traces if path != trace)
    assert newest.relative_to(reports).as_posix() in (reports / "report.html").read_text("utf-8")
