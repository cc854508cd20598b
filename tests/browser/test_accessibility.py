"""axe-core and the page-structure checks on small pages with known defects, in real Chromium."""

from __future__ import annotations

import json
import os
from pathlib import Path

import inner_session
import pytest

from pytest_deploygate.browser.accessibility import AxeReport, Violation

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)

CHECKS = """
from pytest_deploygate.browser.accessibility import page_structure_problems

def test_clean_page_passes_axe(page, axe):
    page.goto("/clean.html")
    axe.check(page, "clean page")

def test_broken_page_fails_axe(page, axe):
    page.goto("/broken.html")
    axe.check(page, "broken page")

def test_clean_page_has_no_structure_problems(page):
    page.goto("/clean.html")
    assert page_structure_problems(page) == []

def test_broken_page_structure_problems(page):
    page.goto("/broken.html")
    for problem in page_structure_problems(page):
        print("PROBLEM", problem)
"""


RESTLESS = """
from pytest_deploygate.browser.accessibility import page_structure_problems

def test_checks_wait_for_the_document_that_stays(page, axe):
    page.goto("/restless.html")
    report = axe.check(page, "restless page")
    assert report.url.endswith("/clean.html"), report.url
    assert page_structure_problems(page) == []
"""


def test_axe_runs_on_the_settled_document_not_the_one_being_replaced(
    browser_pytester: pytest.Pytester,
) -> None:
    # Given a page that navigates away as soon as axe-core is injected into it
    browser_pytester.makepyfile(test_restless=RESTLESS)

    # When the axe fixture and the structure checks run on it
    result = inner_session.run_sub(browser_pytester)

    # Then they wait for the new document and check it, instead of failing with
    # "Execution context was destroyed" or reporting on the page being left
    result.assert_outcomes(passed=1)


def test_axe_lists_every_violation_and_the_clean_page_passes(
    browser_pytester: pytest.Pytester,
) -> None:
    # Given a clean page and a page with an unlabelled input, a label pointing at a missing
    # id, an image without alt, two h1 and a skipped heading level
    browser_pytester.makepyfile(test_checks=CHECKS)
    browser_pytester.makeconftest(METRICS_TO_FILE)

    # When both are checked in a real browser
    result = inner_session.run_sub(browser_pytester, "-s")

    # Then the clean page passes and the broken one fails listing rule, impact and selector
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*axe found * violation(s) on broken page (http://127.0.0.1:*/broken.html) "
            "[[]critical 2, moderate 1[]]:",
            "*- heading-order (moderate): Heading levels should only increase by one",
            "*at h4",
            "*- image-alt (critical): Images must have alternative text",
            "*at img",
            "*- label (critical): Form elements must have labels",
            "*at #nolabel, #email",
        ]
    )
    # And the structure checks see what the seed's version missed: a label for a wrong id
    result.stdout.fnmatch_lines(
        [
            "*PROBLEM label: input#nolabel[[]data-testid=*customer-name*has no accessible name*",
            "*PROBLEM label: input#email[[]data-testid=*customer-email*has no accessible name*",
            '*PROBLEM label: <label for="emial"> "E-mail" names no form control*',
            "*PROBLEM alt: img * has no alt attribute*",
            "*PROBLEM heading: the page has 2 visible <h1>, expected exactly one",
            '*PROBLEM heading: <h4> "Your details" follows <h1> (skips a level)',
        ]
    )
    # And the counts by impact travel on the reports as accessibility.* metrics
    metrics = _metrics_by_test(browser_pytester.path / "metrics.jsonl")
    assert metrics["test_clean_page_passes_axe[chromium]"] == {
        "accessibility.critical": 0,
        "accessibility.serious": 0,
        "accessibility.moderate": 0,
        "accessibility.minor": 0,
    }
    broken = metrics["test_broken_page_fails_axe[chromium]"]
    assert broken == {
        "accessibility.critical": 2,
        "accessibility.serious": 0,
        "accessibility.moderate": 1,
        "accessibility.minor": 0,
    }


# Writes the metric entries each report carries (the core's transport) to metrics.jsonl.
METRICS_TO_FILE = """
import json
from pytest_deploygate.session.metrics import entries_of

def pytest_runtest_logreport(report):
    with open("metrics.jsonl", "a", encoding="utf-8") as out:
        for entry in entries_of(report):
            out.write(json.dumps({"test": report.nodeid.split("::")[-1], **entry}) + "\\n")
"""


def _metrics_by_test(path: Path) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        found.setdefault(entry["test"], {})[entry["name"]] = entry["value"]
    return found


def test_a_report_counts_violated_rules_by_impact_and_describes_each() -> None:
    report = AxeReport(
        "http://127.0.0.1/book",
        (
            Violation("label", "critical", "Form elements must have labels", "u1", ("#a", "#b")),
            Violation("region", "moderate", "Content in landmarks", "u2", ("p",)),
        ),
    )

    assert report.counts() == {"critical": 1, "serious": 0, "moderate": 1, "minor": 0}
    text = report.describe("details form")
    assert text.splitlines()[0] == (
        "axe found 2 violation(s) on details form (http://127.0.0.1/book) [critical 1, moderate 1]:"
    )
    assert "- label (critical): Form elements must have labels\n    at #a, #b\n    u1" in text
