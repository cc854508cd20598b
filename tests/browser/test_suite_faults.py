"""The fault matrix of the browser suites: green on the clean reference platform, and each
fault turns the suite that checks it red with a message naming the defect.

Real sessions of ``pytest --env=local`` in a subprocess, on the reference platform and Chromium.
"""

from __future__ import annotations

import os

import pytest
from inner_session import run_repository, suite_path

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)


def run_suites(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    faults: str,
    *args: str,
) -> pytest.RunResult:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    return run_repository(pytester, "--env=local", *suite_path("e2e", "accessibility"), *args)


def test_clean_platform_is_green_under_two_workers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_suites(pytester, monkeypatch, "", "-m", "e2e or accessibility", "-n", "2")

    result.assert_outcomes(passed=9)


FAULTS = [
    pytest.param(
        "broken-confirmation",
        ["-m", "e2e", "-k", "test_booking_flow_ends_with_a_bk_reference"],
        1,
        ["*booking confirmation after submitting the booking is not visible*"],
        id="broken-confirmation-turns-e2e-red",
    ),
    pytest.param(
        "payment-always-declines",
        ["-m", "e2e", "-k", "test_the_success_card_pays_the_booking"],
        1,
        ["*the success test card 4242424242424242 was declined: 'Your card was declined.'*"],
        id="payment-always-declines-turns-e2e-red",
    ),
    pytest.param(
        "payment-never-declines",
        ["-m", "e2e", "-k", "test_the_decline_card_shows_the_decline_message"],
        1,
        ["*AssertionError: the decline test card did not show payment-declined*"],
        id="payment-never-declines-turns-e2e-red",
    ),
    pytest.param(
        "broken-mobile-menu",
        ["-m", "e2e", "-k", "mobile"],
        2,
        ["*AssertionError: the mobile menu did not open from its toggle*"],
        id="broken-mobile-menu-turns-e2e-red",
    ),
    # Both suites' card checks: the keyboard can't reach a desktop card, a mobile one leads nowhere
    pytest.param(
        "broken-service-cards",
        ["-k", "keyboard or mobile_service_card"],
        2,
        [
            "*AssertionError: the mobile date and time selection is not visible*",
            '*[[]data-testid="service-card"[]] cannot be reached with the keyboard: 60 Tab '
            "presses went through*",
        ],
        id="broken-service-cards-turns-e2e-and-accessibility-red",
    ),
    pytest.param(
        "inaccessible-forms",
        ["-m", "accessibility", "-k", "structure or axe"],
        3,
        [
            "*axe found * violation(s) on booking page: services [[]desktop[]]*",
            "*axe found * violation(s) on booking page: services [[]mobile[]]*",
            "*- image-alt (critical): Images must have alternative text*",
            "*- label (critical): Form elements must have labels*",
            "*input#name[[]data-testid=*customer-name*has no accessible name*",
        ],
        id="inaccessible-forms-turns-accessibility-red",
    ),
]


@pytest.mark.parametrize(("fault", "selection", "failures", "messages"), FAULTS)
def test_each_fault_turns_its_suite_red_naming_the_defect(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    selection: list[str],
    failures: int,
    messages: list[str],
) -> None:
    result = run_suites(pytester, monkeypatch, fault, *selection)

    result.assert_outcomes(failed=failures)
    result.stdout.fnmatch_lines(messages, consecutive=False)
    # The failure's screenshot and trace were kept beside the report.
    assert list(pytester.path.glob("artifacts/*/trace.zip"))
