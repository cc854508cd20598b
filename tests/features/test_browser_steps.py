"""Browser steps in a real Chromium: navigate, fill, click, verify, save; failures with a
screenshot in the HTML report. One subprocess session (Playwright cannot nest in-process).
"""

from __future__ import annotations

import os

import inner_session
import pytest
from features_support import StubPlatform, Write

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)

FILE = "suites/features/page.feature.yaml"
PAGE_FEATURE = """
feature: Stub page
data:
  name: Ada ${run_id}
cases:
  - name: Book on the page
    steps:
      - navigate: /page.html
      - verify: {hidden: booking-confirmation}
      - verify: {text: "css=h1", equals: Book}
      - fill: {field: customer-name, value: "${name}"}
      - click: submit-booking
      - verify: {visible: booking-confirmation}
      - verify: {text: booking-reference, equals: BK123}
      - verify: {text: booking-name, contains: "Ada run42"}
      - verify: {url: confirmed=BK123}
      - save: {name: reference, text: booking-reference}
      - save: {name: page, url: true}
      - api_call:
          method: POST
          path: /api/echo
          json: {reference: "${reference}", page: "${page}"}
          expect:
            received.reference: BK123
            received.page: {matches: "/page.html[?]confirmed=BK123$"}
  - name: Confirmation never shows
    destructive: false
    steps:
      - navigate: /page.html
      - verify: {visible: booking-confirmation, timeout_ms: 500}
  - name: Nothing to click
    steps:
      - navigate: /page.html
      - click: {target: proceed-to-payment, timeout_ms: 500}
  - name: Wrong reference
    steps:
      - navigate: /page.html
      - click: submit-booking
      - verify: {text: booking-reference, equals: BK999, timeout_ms: 500}
  - name: Wrong URL
    steps:
      - navigate: /page.html
      - verify: {url: /book/confirmation, timeout_ms: 500}
  - name: Missing page
    steps:
      - navigate: /missing.html
"""

METRICS_CONFTEST = """
from pytest_deploygate.session.metrics import entries_of

seen = set()

def pytest_runtest_logreport(report):
    seen.update(e.get("name") or "http " + e["url_path"] for e in entries_of(report))

def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line("metrics: " + ", ".join(sorted(seen)))
"""


def test_browser_steps_pass_and_failures_name_the_step_with_a_screenshot(
    feature_project: pytest.Pytester, write_feature: Write, platform_server: StubPlatform
) -> None:
    # Given one passing browser case and five that fail in different ways, and a conftest
    # listing the metrics the cases hand to the gates
    write_feature(FILE, PAGE_FEATURE)
    feature_project.makeconftest(METRICS_CONFTEST)

    # When they run in Chromium with an HTML report
    result = inner_session.run_sub(
        feature_project,
        "--env=stub",
        "--html=reports/report.html",
        "--self-contained-html",
        timeout=180,
    )

    # Then the booking case passes, having sent the values it read from the page
    result.assert_outcomes(passed=1, failed=5)
    (body,) = platform_server.bodies("/api/echo")
    assert body == {
        "reference": "BK123",
        "page": f"{platform_server.url}/page.html?confirmed=BK123",
    }

    # And each failure says which step, what it expected and what it saw
    result.stdout.fnmatch_lines(
        [
            f'step 2 of case "Confirmation never shows" ({FILE}:29): verify visible '
            '[[]data-testid="booking-confirmation"[]]: expected visible, saw hidden after 500 ms '
            "on /page.html",
            f'step 2 of case "Nothing to click" ({FILE}:33): click '
            '[[]data-testid="proceed-to-payment"[]]: expected a visible, enabled element to '
            "click, saw absent after 500 ms on /page.html",
            f'step 3 of case "Wrong reference" ({FILE}:38): verify text '
            "[[]data-testid=\"booking-reference\"[]]: expected text equals 'BK999', saw 'BK123' "
            "on /page.html?confirmed=BK123",
            f'step 2 of case "Wrong URL" ({FILE}:42): verify url /book/confirmation: expected '
            f"the URL to contain '/book/confirmation', saw {platform_server.url}/page.html",
            f'step 1 of case "Missing page" ({FILE}:45): navigate /missing.html: expected the '
            "page to load, saw HTTP 404",
        ],
        consecutive=False,
    )

    # And page loads and API calls were measured for the gates
    result.stdout.fnmatch_lines(
        ["metrics: http /api/echo, page.dom_content_loaded_ms, page.load_ms"]
    )

    # And every failed browser case has its screenshot in the report
    assert result.stdout.str().count("screenshot: ") == 5
    html = (feature_project.path / "reports" / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 5
