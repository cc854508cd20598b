"""The shipped feature files: green on the clean reference platform, red naming the step on a
platform whose booking confirmation is broken. Real ``pytest --env=local -m features`` sessions
in a subprocess, on the reference platform and Chromium.
"""

from __future__ import annotations

import os

import pytest
from inner_session import REPO as ROOT
from inner_session import run_repository

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)


def run_features(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    faults: str,
    path: str = "pytest_deploygate/suites/features",
) -> pytest.RunResult:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    return run_repository(pytester, "--env=local", "-m", "features", str(ROOT / path))


def _confirmation_line(feature: str) -> int:
    """The line of the feature file's confirmation check."""
    lines = (
        (ROOT / "pytest_deploygate" / "suites" / "features" / f"{feature}.feature.yaml")
        .read_text()
        .splitlines()
    )
    return 1 + next(i for i, line in enumerate(lines) if "visible: booking-confirmation" in line)


def test_shipped_features_pass_on_the_clean_platform(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_features(pytester, monkeypatch, "")

    result.assert_outcomes(passed=5)


def test_broken_confirmation_fails_the_browser_features_naming_the_step(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When the platform shows no confirmation after a booking
    result = run_features(pytester, monkeypatch, "broken-confirmation")

    # Then both browser features fail at the confirmation step, saying what they saw, and the
    # API features (which the fault does not touch) still pass
    result.assert_outcomes(passed=3, failed=2)
    booking, payment = (_confirmation_line(name) for name in ("booking", "payment"))
    result.stdout.fnmatch_lines(
        [
            'step 10 of case "Complete booking flow" '
            f"(pytest_deploygate/suites/features/booking.feature.yaml:{booking}): verify visible "
            '[[]data-testid="booking-confirmation"[]]: expected visible, saw absent after '
            "5000 ms on /book/confirmation/BK*",
            'step 8 of case "Pay a booking with the success card" '
            f"(pytest_deploygate/suites/features/payment.feature.yaml:{payment}): verify visible "
            '[[]data-testid="booking-confirmation"[]]: expected visible, saw absent*',
        ],
        consecutive=False,
    )
    # And the failures' screenshots are in the report
    html = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 2


def test_open_admin_endpoints_fail_the_api_feature_naming_the_step(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When anonymous callers can reach an admin endpoint
    result = run_features(
        pytester,
        monkeypatch,
        "open-admin-endpoints",
        "pytest_deploygate/suites/features/api.feature.yaml",
    )

    # Then the access check fails, saying the refusal did not come
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            'step 1 of case "Anonymous callers cannot create services" '
            "(pytest_deploygate/suites/features/api.feature.yaml:*): api_call POST /api/services: "
            "expected status 401 or 403, saw 422: *"
        ]
    )


def test_a_database_down_fails_the_api_features_reads_and_life_cycle(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When the platform's database is down (availability and bookings answer 503)
    result = run_features(
        pytester,
        monkeypatch,
        "database-down",
        "pytest_deploygate/suites/features/api.feature.yaml",
    )

    # Then the availability case fails at its first call, naming it; the booking life cycle
    # cannot even sign in as admin (the login answers 503: a server error, said so); the access
    # check, refused before any database work, still passes
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            'step 1 of case "Availability lists free slots" '
            "(pytest_deploygate/suites/features/api.feature.yaml:*): "
            "api_call GET /api/availability: expected status 200, saw 503*",
            "*ERROR at setup of*Create, read and cancel a booking*",
            "*login as admin on local failed: POST /api/auth/login answered 503; "
            "a server error on the platform*",
        ]
    )
